// Refactoring guard for the fast path: runs every fast kernel (both dtypes) of two builds on
// the same seeded random inputs (scales 1e-3 .. 1e308, NaN / +-Infinity / subnormal entries,
// ill-conditioned logsumexp rows, every cross_entropy / BCE option and reduction, extreme
// grad_output) and fails unless every output is bit-identical (NaN = NaN) and every thrown
// message is the same. Used for the Scratch refactor of src/fast (342,000 calls identical).
//
// Usage:
//   npm run build && mkdir -p /tmp/before && cp -r dist package.json /tmp/before/   # before the change
//   ... change src/fast ...
//   npm run build && node bench/fast-identical.mjs /tmp/before/dist/fast/index.js "$PWD/dist/fast/index.js" [iterations, default 2000]
// (the copied package.json makes node load the old dist/*.js as ES modules)
const [oldPath, newPath, casesArg] = process.argv.slice(2);
if (!oldPath || !newPath) {
  console.error('usage: node bench/fast-identical.mjs OLD/dist/fast/index.js NEW/dist/fast/index.js [count]');
  process.exit(2);
}
const A = await import(oldPath);
const B = await import(newPath);
const CASES = Number(casesArg) || 2000;

let seed = 0x12345678;
function rnd() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];
const SCALES = [1e-3, 1, 4, 30, 100, 700, 745, 1e5, 1e308];
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 5e-324, -5e-324, 1e308, -1e308, 2.2250738585072014e-308];
const normal = () => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());

function values(len, opts = {}) {
  const sc = pick(SCALES);
  const pSpecial = opts.noSpecial ? 0 : pick([0, 0, 0, 0.02, 0.1, 0.3]);
  const pDup = pick([0, 0, 0.3]);
  const shift = pick([0, 0, -1, 1, -700, 50, -Math.LN2]);
  const v = new Array(len);
  for (let i = 0; i < len; i++) {
    if (rnd() < pSpecial) v[i] = pick(SPECIAL);
    else if (i > 0 && rnd() < pDup) v[i] = v[i - 1];
    else v[i] = normal() * sc + shift;
  }
  return v;
}
function ill(len) {
  // logsumexp ~ 0 rows: all entries near -a with sum of exps ~ 1 (ill-conditioned)
  const v = new Array(len);
  const a = Math.log(len) * (1 + (rnd() - 0.5) * 1e-12);
  for (let i = 0; i < len; i++) v[i] = -a + (rnd() - 0.5) * 1e-14 * pick([0, 1, 1e3]);
  return v;
}
function probs(len) {
  const v = new Array(len);
  for (let i = 0; i < len; i++) {
    const k = rnd();
    v[i] = k < 0.1
      ? pick([0, 1, 0.5, NaN, 1e-300, 1 - 1e-16, 5e-324])
      : k < 0.3
      ? Math.exp(-rnd() * 700)
      : k < 0.4
      ? 1 - Math.exp(-rnd() * 36)
      : rnd();
  }
  return v;
}
const arr = (dt, v) => (dt === 'float64' ? Float64Array.from(v) : Float32Array.from(v));

const bits = new BigUint64Array(1);
const fb = new Float64Array(bits.buffer);
function key(x) {
  if (typeof x === 'number') {
    if (x !== x) return 'NaN';
    fb[0] = x;
    return bits[0].toString(16);
  }
  return x;
}
function same(a, b) {
  if (a instanceof Error || b instanceof Error) return a instanceof Error && b instanceof Error && a.message === b.message;
  if (typeof a === 'number' || typeof b === 'number') return typeof a === typeof b && key(a) === key(b);
  if (a.constructor !== b.constructor || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (key(a[i]) !== key(b[i])) return false;
  return true;
}
function run(f) {
  try {
    return f();
  } catch (e) {
    return e;
  }
}

const counts = {};
const failures = [];
function check(name, mk) {
  // mk(M) -> result, called with the old and the new module on freshly built identical inputs
  const s0 = seed;
  const ra = run(() => mk(A));
  const s1 = seed;
  seed = s0;
  const rb = run(() => mk(B));
  if (seed !== s1) throw new Error('generator not deterministic');
  counts[name] = (counts[name] ?? 0) + 1;
  if (!same(ra, rb)) {
    if (failures.length < 20) failures.push({ name, a: String(ra).slice(0, 200), b: String(rb).slice(0, 200) });
  }
}

const ROWS = ['softmax', 'logSoftmax', 'logsumexp'];
for (let it = 0; it < CASES; it++) {
  for (const dt of ['float64', 'float32']) {
    const C = pick([1, 2, 3, 5, 10, 10, 33, 200, 1000]);
    const N = 1 + Math.floor(rnd() * 4);
    const gen = () => (rnd() < 0.1 ? Array.from({ length: N }, () => ill(C)).flat() : values(N * C));
    for (const op of ROWS) check(`${op}/${dt}`, (M) => M[op](arr(dt, gen()), N, C));
    check(`softmax-inplace/${dt}`, (M) => {
      const x = arr(dt, gen());
      return M.softmax(x, N, C, x);
    });
    check(`softmaxBackward/${dt}`, (M) => M.softmaxBackward(arr(dt, gen()), arr(dt, values(N * C)), N, C));
    check(`logSoftmaxBackward/${dt}`, (M) => M.logSoftmaxBackward(arr(dt, gen()), arr(dt, values(N * C)), N, C));
    // elementwise
    const L = 1 + Math.floor(rnd() * 50);
    for (const op of ['sigmoid', 'logSigmoid', 'softplus']) check(`${op}/${dt}`, (M) => M[op](arr(dt, values(L))));
    check(`sigmoidBackward/${dt}`, (M) => M.sigmoidBackward(arr(dt, values(L)), arr(dt, values(L))));
    // cross_entropy
    const red = pick(['mean', 'sum', 'none']);
    const ceArgs = () => {
      const x = arr(dt, rnd() < 0.1 ? Array.from({ length: N }, () => ill(C)).flat() : values(N * C, { noSpecial: rnd() < 0.5 }));
      const useProbs = rnd() < 0.35;
      let target;
      if (useProbs) {
        const p = probs(N * C).map((v) => (rnd() < 0.05 ? v : Math.abs(v) || 0));
        target = { probs: arr(dt, p) };
      } else {
        target = { index: Int32Array.from({ length: N }, () => (rnd() < 0.15 ? pick([-100, 7]) : Math.floor(rnd() * C))) };
      }
      const opts = { reduction: red };
      if (rnd() < 0.4) opts.weight = arr(dt, Array.from({ length: C }, () => pick([0, 1, 0.5, 2, rnd(), 1e300, 1e-300])));
      if (rnd() < 0.3) opts.ignoreIndex = 7;
      if (rnd() < 0.4) opts.labelSmoothing = dt === 'float32' ? Math.fround(pick([0.1, 0.5, 1, rnd()])) : pick([0.1, 0.5, 1, rnd()]);
      return { x, target, opts };
    };
    check(`crossEntropy/${dt}`, (M) => {
      const a = ceArgs();
      return M.crossEntropy(a.x, N, C, a.target, a.opts);
    });
    check(`crossEntropyBackward/${dt}`, (M) => {
      const a = ceArgs();
      if (rnd() < 0.7) {
        const gv = red === 'none' ? arr(dt, values(N, { noSpecial: rnd() < 0.7 })) : pick([1, 0, -2.5, 1e300, 1e-300, -1e308, NaN, 3.7]);
        a.opts.gradOutput = typeof gv === 'number' && dt === 'float32' ? Math.fround(gv) : gv;
      }
      return M.crossEntropyBackward(a.x, N, C, a.target, a.opts);
    });
    check(`nllLoss/${dt}`, (M) => {
      const lp = arr(dt, values(N * C).map((v) => -Math.abs(v)));
      const t = Int32Array.from({ length: N }, () => (rnd() < 0.15 ? -100 : Math.floor(rnd() * C)));
      const opts = { reduction: red };
      if (rnd() < 0.4) opts.weight = arr(dt, Array.from({ length: C }, () => pick([0, 1, 0.5, 2, rnd()])));
      return M.nllLoss(lp, N, C, t, opts);
    });
    // bce
    const bopts = () => {
      const o = { reduction: red };
      if (rnd() < 0.4) o.weight = arr(dt, Array.from({ length: L }, () => pick([0, 1, 0.5, 2, rnd(), 1e300])));
      return o;
    };
    const go = () => {
      const g = red === 'none' ? arr(dt, values(L, { noSpecial: rnd() < 0.7 })) : pick([1, 0, -2.5, 1e300, 1e-300, NaN]);
      return typeof g === 'number' && dt === 'float32' ? Math.fround(g) : g;
    };
    check(`binaryCrossEntropy/${dt}`, (M) => M.binaryCrossEntropy(arr(dt, probs(L)), arr(dt, probs(L)), bopts()));
    check(`binaryCrossEntropyBackward/${dt}`, (M) => {
      const o = bopts();
      if (rnd() < 0.7) o.gradOutput = go();
      return M.binaryCrossEntropyBackward(arr(dt, probs(L)), arr(dt, probs(L)), o);
    });
    const lopts = () => {
      const o = bopts();
      if (rnd() < 0.5) o.posWeight = pick([0, 1, 2.5, 0.3, 1e10]);
      return o;
    };
    check(`bceWithLogits/${dt}`, (M) => M.bceWithLogits(arr(dt, values(L)), arr(dt, probs(L)), lopts()));
    check(`bceWithLogitsBackward/${dt}`, (M) => {
      const o = lopts();
      if (rnd() < 0.7) o.gradOutput = go();
      return M.bceWithLogitsBackward(arr(dt, values(L)), arr(dt, probs(L)), o);
    });
  }
  // the one-number forms
  for (let i = 0; i < 20; i++) {
    const v = values(2);
    check('sigmoid1', (M) => M.sigmoid1(v[0]));
    check('softplus1', (M) => M.softplus1(v[0]));
    check('logSigmoid1', (M) => M.logSigmoid1(v[0]));
    check('sigmoidBackward1', (M) => M.sigmoidBackward1(v[0], v[1]));
  }
}
const total = Object.values(counts).reduce((a, b) => a + b, 0);
console.log(JSON.stringify(counts));
console.log(
  `${total} comparisons over ${Object.keys(counts).length} kernel/dtype pairs; ${failures.length ? 'MISMATCHES' : 'all bit-identical'}`,
);
if (failures.length) {
  console.log(JSON.stringify(failures, null, 1));
  process.exit(1);
}
