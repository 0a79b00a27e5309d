// npm run bench:rounding — cost of correct rounding (roundDecimal) of 50-digit decimals.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
if (!existsSync(`${root}/dist/core/rounding.js`)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const { Decimal } = await import('decimal.js');
const { roundDecimal } = await import(`${root}/dist/core/rounding.js`);
const { FORMATS } = await import(`${root}/dist/core/floats.js`);

let seed = 501;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const vals = Array.from({ length: 2000 }, () => {
  const digits = Array.from({ length: 49 }, () => Math.floor(rand() * 10)).join('');
  return new Decimal(`7.${digits}e${Math.floor(rand() * 601) - 300}`);
});
for (const name of ['float64', 'float32', 'float16', 'bfloat16']) {
  const fmt = FORMATS[name];
  let sink = 0;
  for (const v of vals) sink += roundDecimal(v, fmt);
  const rounds = 20;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) for (const v of vals) sink += roundDecimal(v, fmt);
  const us = ((performance.now() - t0) * 1000) / (rounds * vals.length);
  console.log(
    `roundDecimal -> ${name.padEnd(8)} 50 digits, |exp10| <= 300: ${us.toFixed(2)} us/call${Number.isNaN(sink) ? ' (NaN!)' : ''}`,
  );
}
