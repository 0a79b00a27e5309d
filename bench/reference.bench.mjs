// npm run bench:reference — softmax of rows of 1000 logits, side by side in one run:
//   1. correctly rounded float64 (float32/16/bf16 too) by the certified double-double path
//      (referenceFloats: src/reference/certified, decimal fallback when undecided);
//   2. the 40-digit decimal strings + correctly rounded floats (reference(..., { digits: 40 }):
//      what fixtures and verify use; for softmax, BigInt fixed-point decimals and certified
//      floats, the decimal.js Ziv loop only for rows they cannot decide — "max working
//      digits 0" means no row needed it);
//   3. mpmath (python3) at mp.dps = 40 on the same rows, converting with float() — which is
//      not a guaranteed correct rounding — as the baseline.
// Every figure is rows per second and a ratio to mpmath measured in the same run.
// Env: ROWS (default 20) rows for the decimal path and mpmath, CROWS (default 200) for the
// certified path (it is ~100× faster, so more rows give a steadier figure).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
if (!existsSync(`${root}/dist/ops/evaluate.js`)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const { reference, referenceFloats } = await import(`${root}/dist/ops/evaluate.js`);
const { certifiedStats } = await import(`${root}/dist/reference/certified/index.js`);

const ROWS = Number(process.env.ROWS ?? 20);
const CROWS = Number(process.env.CROWS ?? 200);
const C = 1000;
const DIGITS = 40;
// a fixed pseudo-random generator so every run measures the same rows
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const makeRows = (n) => Array.from({ length: n + 3 }, () => Array.from({ length: C }, () => (rand() * 2 - 1) * 6));
const rows = makeRows(ROWS);
const crows = makeRows(CROWS);

// 1. certified floats
for (let i = 0; i < 3; i++) referenceFloats('softmax', { logits: [crows[i]] }); // warm up (JIT)
const before = { ...certifiedStats };
let t0 = performance.now();
for (let i = 3; i < crows.length; i++) referenceFloats('softmax', { logits: [crows[i]] });
const certMs = (performance.now() - t0) / CROWS;
const fellBack = certifiedStats.fallbackUnits - before.fallbackUnits;
console.log(`xent-oracle certified path: softmax, rows of ${C} logits, correctly rounded float64/32/16/bf16 (no decimal string)`);
console.log(
  `  ${certMs.toFixed(3)} ms/row, ${(1000 / certMs).toFixed(1)} rows/s (${fellBack} of ${CROWS} rows needed the decimal fallback)`,
);

// 2. decimal path
for (let i = 0; i < 3; i++) reference('softmax', { logits: [rows[i]] }, { digits: DIGITS }); // warm the caches
t0 = performance.now();
let maxWorking = 0;
for (let i = 3; i < rows.length; i++) {
  const r = reference('softmax', { logits: [rows[i]] }, { digits: DIGITS });
  maxWorking = Math.max(maxWorking, r.workingDigits);
}
const decMs = (performance.now() - t0) / ROWS;
console.log(`xent-oracle decimal path: softmax, rows of ${C} logits, ${DIGITS} digits + correctly rounded float64/32/16/bf16`);
console.log(`  ${decMs.toFixed(1)} ms/row, ${(1000 / decMs).toFixed(1)} rows/s (max working digits ${maxWorking})`);

// 3. mpmath
const py = `
import json, sys, time
from mpmath import mp, mpf, exp, fsum
mp.dps = ${DIGITS}
rows = json.load(sys.stdin)
def softmax(row):
    m = max(row)
    e = [exp(mpf(x) - m) for x in row]
    s = fsum(e)
    return [float(v / s) for v in e]
for r in rows[:3]: softmax(r)
t = time.perf_counter()
for r in rows[3:]: softmax(r)
print(json.dumps((time.perf_counter() - t) / (len(rows) - 3) * 1000))
`;
const res = spawnSync('python3', ['-c', py], { input: JSON.stringify(rows), encoding: 'utf8' });
if (res.status === 0) {
  const mpMs = Number(res.stdout.trim());
  console.log(`mpmath (python backend, mp.dps = ${DIGITS}; float() of a ${DIGITS}-digit value, not a guaranteed correct rounding):`);
  console.log(`  ${mpMs.toFixed(1)} ms/row, ${(1000 / mpMs).toFixed(1)} rows/s`);
  console.log(`certified float64 path vs mpmath: ${(mpMs / certMs).toFixed(1)}x the rows/s (target >= 10x)`);
  console.log(`decimal ${DIGITS}-digit path vs mpmath: ${(mpMs / decMs).toFixed(2)}x the rows/s (target >= 1x)`);
} else {
  console.log(
    `mpmath comparison skipped: python3 with mpmath is not available (${
      (res.stderr || res.error?.message || '').trim().split('\n').pop()
    })`,
  );
}
