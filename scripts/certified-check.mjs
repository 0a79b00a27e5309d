// Deep check of the certified fast path against the decimal path (src/reference/certified vs
// the Ziv loop): random and adversarial inputs for every op with a certified evaluator; every
// certified float (float64/32/16/bfloat16) must be identical (Object.is) to the decimal
// path's. Prints counts, mismatches (with the input, to reproduce) and the fraction of units
// (rows / elements) that needed the fallback.
//
//   npm run build && nice node scripts/certified-check.mjs [--units N] [--seed S] [--ops a,b] [--seconds T] [--subnormal]
//
// --subnormal draws only inputs whose results lie in float64's subnormal range or just
// above it (softmax tails at x_i − max ∈ [−746, −700], sigmoid/log_sigmoid at |x| ∈ [700, 746],
// sigmoid_backward with |grad_output| ≤ 1e-300) for softmax, sigmoid, log_sigmoid, sigmoid_backward.
//
// N (default 1e6) units per op are drawn (or fewer: with --seconds, each op stops after its
// share T/ops of the time); rows have 2..12 entries (the per-entry work is the same as in a
// wide row, and the decimal path's cost grows with the width). The decimal path is the
// slow side (~0.3–3 ms per unit), so a million units per op is a many-hour run.
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { reference } = await import(`${root}/dist/ops/evaluate.js`);
const { getSpec, getRecord } = await import(`${root}/dist/ops/registry.js`);

const { values } = parseArgs({
  options: {
    units: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    ops: { type: 'string' },
    seconds: { type: 'string' },
    subnormal: { type: 'boolean', default: false },
  },
});
const UNITS = Number(values.units);
const OPS = values.ops
  ? values.ops.split(',')
  : values.subnormal
  ? ['softmax', 'sigmoid', 'log_sigmoid', 'sigmoid_backward']
  : [
    'softmax',
    'log_softmax',
    'logsumexp',
    'sigmoid',
    'log_sigmoid',
    'softplus',
    'sigmoid_backward',
    'softmax_backward',
    'log_softmax_backward',
  ];
const ROWOPS = new Set(['softmax', 'log_softmax', 'logsumexp']);
const ROWBACK = new Set(['softmax_backward', 'log_softmax_backward']);

// xorshift128+ on BigInt-free 32-bit halves: deterministic from --seed
let s0 = (Number(values.seed) * 2654435761) >>> 0 || 1;
let s1 = 0x9e3779b9;
function u32() {
  let x = s0;
  const y = s1;
  s0 = y;
  x ^= x << 23;
  x ^= x >>> 17;
  x ^= y ^ (y >>> 26);
  s1 = x >>> 0;
  return (s0 + s1) >>> 0;
}
const rand = () => u32() / 4294967296;
const pick = (a) => a[Math.floor(rand() * a.length)];
const f64 = new Float64Array(1);
const u32v = new Uint32Array(f64.buffer);
/** a double with uniformly random bits (finite) */
function randomBits() {
  for (;;) {
    u32v[0] = u32();
    u32v[1] = u32();
    if (Number.isFinite(f64[0])) return f64[0];
  }
}
/** a double that is a midpoint of a narrow format near magnitude 2^e */
function midpoint(e) {
  const p = pick([24, 11, 8]);
  const m = Math.floor(rand() * 2 ** (p - 1)) + 2 ** (p - 1);
  return (m + 0.5) * 2 ** (e - p + 1) * (rand() < 0.5 ? -1 : 1);
}

function scalar() {
  const r = rand();
  if (r < 0.45) return (rand() * 2 - 1) * pick([1, 4, 10, 40, 100]);
  if (r < 0.55) return (rand() * 2 - 1) * pick([700, 745, 760, 800, 1e4, 1e308]);
  if (r < 0.65) return midpoint(Math.floor(rand() * 12) - 4);
  if (r < 0.7) return pick([0, -0, 1, -1, 2, 0.5, Infinity, -Infinity, NaN, 5e-324, 1e-300, -1e-300, 1.7976931348623157e308]);
  if (r < 0.8) return randomBits();
  if (r < 0.9) return Math.fround((rand() * 2 - 1) * 20);
  return (rand() * 2 - 1) * 2 ** (Math.floor(rand() * 80) - 60);
}

function row() {
  const n = 2 + Math.floor(rand() * 11);
  const r = rand();
  if (r < 0.5) return Array.from({ length: n }, () => (rand() * 2 - 1) * pick([1, 6, 30]));
  if (r < 0.6) {
    // ties and exact structure: repeated values, masked entries
    const v = pick([0, 1, -3, 1e308, -1e308, 0.5]);
    return Array.from({ length: n }, () => (rand() < 0.3 ? -Infinity : rand() < 0.6 ? v : v - pick([1, 40, 745, 800])));
  }
  if (r < 0.7) {
    // a narrow-format midpoint anchor with far-away other entries (log_softmax / logsumexp
    // results just beside a rounding boundary)
    const a = midpoint(Math.floor(rand() * 8));
    return [a, a - pick([40, 60, 100, 700, 740, 760, 800, 2000]), ...(rand() < 0.5 ? [-Infinity] : [])];
  }
  if (r < 0.8) return Array.from({ length: n }, () => scalar());
  return Array.from({ length: n }, () => (rand() * 2 - 1) * pick([1e3, 1e6, 1e300]));
}

/** grad_output rows: random, constant (exact zeros of softmax_backward), one-hot, huge/tiny */
function gradRow(n) {
  const r = rand();
  if (r < 0.4) return Array.from({ length: n }, () => (rand() * 2 - 1) * pick([1, 3, 100]));
  if (r < 0.55) {
    const v = pick([1, -2, 0.5, 0]);
    return Array.from({ length: n }, () => v);
  }
  if (r < 0.7) {
    const k = Math.floor(rand() * n);
    return Array.from({ length: n }, (_, i) => (i === k ? 1 : 0));
  }
  if (r < 0.85) return Array.from({ length: n }, () => pick([1, 2, 3, -1]));
  return Array.from({ length: n }, () => scalar());
}

function subnormalArgs(op) {
  const gap = 700 + rand() * 46;
  if (op === 'softmax') return { logits: [[0, -gap, rand(), -gap - rand()]] };
  if (op === 'sigmoid') return { x: [-gap] };
  if (op === 'log_sigmoid') return { x: [gap] };
  if (op === 'sigmoid_backward') return { x: [(rand() * 2 - 1) * 40], grad_output: [(rand() * 2 - 1) * 1e-300] };
  throw new Error(`--subnormal has no generator for ${op}`);
}

function unitArgs(op) {
  if (values.subnormal) return subnormalArgs(op);
  if (ROWBACK.has(op)) {
    const x = row();
    return { logits: [x], grad_output: [gradRow(x.length)] };
  }
  if (op === 'softmax' || op === 'log_softmax' || op === 'logsumexp') return { logits: [row()] };
  if (op === 'sigmoid_backward') return { x: [scalar()], grad_output: [pick([1, -1, 0.5, 3, -1e-300, 1e300, 0.1])] };
  return { x: [scalar()] };
}

const FORMATS = ['float64', 'float32', 'float16', 'bfloat16'];
const flat = (v) => (Array.isArray(v) ? v.flat(2) : [v]);
let mismatches = 0;
const t0 = Date.now();
const budgetMs = values.seconds ? (Number(values.seconds) * 1000) / OPS.length : Infinity;
const totals = { units: 0, fallback: 0, values: 0 };
for (const op of OPS) {
  const opStart = Date.now();
  let units = 0;
  let fallback = 0;
  let values_ = 0;
  const BATCH = 50;
  while (units < UNITS && Date.now() - opStart < budgetMs) {
    // a batch of independent units: the certified evaluator sees them together, the decimal
    // path one by one (as referenceFloats' fallback does)
    const batch = /** @type {any[]} */ (Array.from({ length: BATCH }, () => unitArgs(op)));
    const same = batch.filter((b) => b.logits?.[0].length === batch[0].logits?.[0].length);
    const args = getSpec(op).validate(
      ROWOPS.has(op)
        ? { logits: same.map((b) => b.logits[0]) }
        : ROWBACK.has(op)
        ? { logits: same.map((b) => b.logits[0]), grad_output: same.map((b) => b.grad_output[0]) }
        : op === 'sigmoid_backward'
        ? { x: batch.map((b) => b.x[0]), grad_output: batch.map((b) => b.grad_output[0]) }
        : { x: batch.map((b) => b.x[0]) },
    );
    const c = getRecord(op).certified.floats(args);
    const n = Array.isArray(c.float64) ? c.float64.length : 1;
    const undecided = new Set(c.undecided);
    for (let i = 0; i < n; i++) {
      units++;
      if (undecided.has(i)) {
        fallback++;
        continue;
      }
      const unit = ROWOPS.has(op)
        ? { logits: [args.logits[i]] }
        : ROWBACK.has(op)
        ? { logits: [args.logits[i]], grad_output: [args.grad_output[i]] }
        : op === 'sigmoid_backward'
        ? { x: [args.x[i]], grad_output: [args.grad_output[i]] }
        : { x: [args.x[i]] };
      const ref = reference(op, unit, { digits: 17 });
      for (const f of FORMATS) {
        const want = flat(ref[f]);
        const got = flat(c[f][i]);
        for (let k = 0; k < want.length; k++) {
          values_++;
          if (!Object.is(want[k], got[k])) {
            mismatches++;
            if (mismatches <= 20) {
              console.log(
                `MISMATCH ${op} ${f} ${
                  JSON.stringify(unit, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : Object.is(v, -0) ? '-0' : v))
                }[${k}]: certified ${got[k]} decimal ${want[k]}`,
              );
            }
          }
        }
      }
    }
    if (units % 20000 < n) {
      console.error(`${op}: ${units} units, ${fallback} fallback, ${mismatches} mismatches, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  }
  totals.units += units;
  totals.fallback += fallback;
  totals.values += values_;
  console.log(
    `${op}: ${units} units (${values_} certified floats compared), fallback ${fallback} (${
      ((100 * fallback) / units).toFixed(3)
    }%), mismatches so far ${mismatches}`,
  );
}
console.log(
  `total: ${totals.units} units, ${totals.values} certified floats compared, fallback ${totals.fallback} `
    + `(${((100 * totals.fallback) / totals.units).toFixed(3)}%), mismatches ${mismatches} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
);
process.exitCode = mismatches === 0 ? 0 : 1;
