// npm run bench:reference — softmax of rows of 1000 logits at 34 significant digits with
// correctly rounded float64 output, in rows per second; the same work in mpmath (python3)
// when it is available, and the ratio. Run after `npm run build` (the script builds if needed).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
if (!existsSync(`${root}/dist/ops/evaluate.js`)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const { reference } = await import(`${root}/dist/ops/evaluate.js`);

const ROWS = Number(process.env.ROWS ?? 20);
const C = 1000;
// a fixed pseudo-random generator so every run measures the same rows
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const rows = Array.from({ length: ROWS + 3 }, () => Array.from({ length: C }, () => (rand() * 2 - 1) * 6));

for (let i = 0; i < 3; i++) reference('softmax', { logits: [rows[i]] }, { digits: 34 }); // warm the caches
const t0 = performance.now();
let maxWorking = 0;
for (let i = 3; i < rows.length; i++) {
  const r = reference('softmax', { logits: [rows[i]] }, { digits: 34 });
  maxWorking = Math.max(maxWorking, r.workingDigits);
}
const msPerRow = (performance.now() - t0) / ROWS;
console.log(`xent-oracle reference: softmax, rows of ${C} logits, 34 digits + correctly rounded float64/32/16/bf16`);
console.log(`  ${msPerRow.toFixed(1)} ms/row, ${(1000 / msPerRow).toFixed(1)} rows/s (max working digits ${maxWorking})`);

const py = `
import json, sys, time
from mpmath import mp, mpf, exp, fsum
mp.dps = 34
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
  console.log('mpmath (python backend, mp.dps = 34; float() of a 34-digit value, not a guaranteed correct rounding):');
  console.log(`  ${mpMs.toFixed(1)} ms/row, ${(1000 / mpMs).toFixed(1)} rows/s`);
  console.log(`ratio xent-oracle / mpmath: ${(msPerRow / mpMs).toFixed(2)}x`);
} else {
  console.log(`mpmath comparison skipped: python3 with mpmath is not available (${(res.stderr || res.error?.message || '').trim().split('\n').pop()})`);
}
