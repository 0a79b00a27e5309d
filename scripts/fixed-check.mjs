// Deep check of softmax's fixed-point decimal strings (src/reference/certified/fixed.ts)
// against the decimal.js Ziv loop: random and adversarial rows at 40 (and 17/34/45) digits;
// every decided string must be identical. Prints counts and the undecided fraction.
//
//   npm run build && nice node scripts/fixed-check.mjs [--seconds T] [--seed S]
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { decide } = await import(`${root}/dist/reference/index.js`);
const { referenceEnclosure } = await import(`${root}/dist/ops/evaluate.js`);
const { softmaxRowDecimals } = await import(`${root}/dist/reference/certified/fixed.js`);
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string', default: '1' } } });

let a = Number(values.seed) >>> 0;
const rand = () => {
  a = (a + 0x6d2b79f5) >>> 0;
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

function ziv(row, digits) {
  for (let w = digits + 8;; w *= 2) {
    const d = referenceEnclosure('softmax', { logits: [row] }, w)[0].map((iv) => decide(iv, digits));
    if (d.every(Boolean)) return d.map((x) => x.decimal);
  }
}

function row() {
  const n = 2 + Math.floor(rand() * 10);
  const r = rand();
  if (r < 0.6) return Array.from({ length: n }, () => (rand() * 2 - 1) * pick([1, 6, 30, 300, 3000]));
  if (r < 0.75) {
    const v = pick([0, 1, -3, 0.5, 1e300]);
    return Array.from({ length: n }, () => (rand() < 0.3 ? -Infinity : rand() < 0.5 ? v : v - pick([1, 40, 745, 800, 1e5])));
  }
  if (r < 0.9) return Array.from({ length: n }, () => Math.fround((rand() * 2 - 1) * 20));
  return Array.from({ length: n }, () => (rand() * 2 - 1) * 2 ** (Math.floor(rand() * 80) - 60));
}

const t0 = Date.now();
let rows = 0;
let strings = 0;
let undecided = 0;
let bad = 0;
while (Date.now() - t0 < Number(values.seconds) * 1000) {
  const x = row();
  if (x.every((v) => v === -Infinity)) continue;
  const digits = pick([40, 40, 40, 17, 34, 45]);
  rows++;
  const d = softmaxRowDecimals(x, digits);
  if (!d) {
    undecided++;
    continue;
  }
  const z = ziv(x, digits);
  strings += d.length;
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== z[i]) {
      bad++;
      if (bad <= 10) console.log(`MISMATCH digits ${digits} row ${JSON.stringify(x)}[${i}]: fixed ${d[i]} ziv ${z[i]}`);
    }
  }
}
console.log(
  `softmax fixed-point decimals: ${rows} rows, ${strings} strings compared, undecided rows ${undecided} `
    + `(${((100 * undecided) / rows).toFixed(2)}%), mismatches ${bad} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
);
process.exitCode = bad === 0 ? 0 : 1;
