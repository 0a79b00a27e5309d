// Head-to-head timing of the fast kernels of two builds in one process (old vs new after a
// refactor of src/fast), timed interleaved in alternating order so background load on a
// shared machine hits both alike; prints the median ms of each and new/old per cell, and
// their geometric mean. Complements bench/fast.bench.mjs, whose ratios (to a Math.exp floor
// and the plain algorithm) drift by +-30% between runs on a loaded machine.
//
// Usage: node bench/fast-ab.mjs /tmp/before/dist/fast/index.js "$PWD/dist/fast/index.js" [reps, default 9]
// (see bench/fast-identical.mjs for how to keep the old build)
const [oldPath, newPath, repsArg] = process.argv.slice(2);
if (!oldPath || !newPath) {
  console.error('usage: node bench/fast-ab.mjs OLD/dist/fast/index.js NEW/dist/fast/index.js [reps]');
  process.exit(2);
}
const A = await import(oldPath);
const B = await import(newPath);
const REPS = Number(repsArg) || 9;
let s = 12345;
const r = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const normal = () => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
const TOTAL = 1 << 20;
const rows = [];
function time2(fa, fb) {
  const ta = [], tb = [];
  for (let i = 0; i < 2; i++) {
    fa();
    fb();
  }
  for (let i = 0; i < REPS; i++) {
    const order = i % 2 ? [[fa, ta], [fb, tb]] : [[fb, tb], [fa, ta]];
    for (const [f, t] of order) {
      const t0 = performance.now();
      f();
      t.push(performance.now() - t0);
    }
  }
  const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  return [med(ta), med(tb)];
}
for (const C of [10, 1000, 100000]) {
  const N = Math.floor(TOTAL / C), n = N * C;
  const base = Float64Array.from({ length: n }, () => normal() * 4);
  const g = Float64Array.from({ length: n }, () => normal());
  const target = Int32Array.from({ length: N }, () => Math.floor(r() * C));
  for (const dt of ['float64', 'float32']) {
    const x = dt === 'float64' ? base : Float32Array.from(base);
    const gg = dt === 'float64' ? g : Float32Array.from(g);
    const out = dt === 'float64' ? new Float64Array(n) : new Float32Array(n);
    const ops = {
      softmax: (M) => () => M.softmax(x, N, C, out),
      log_softmax: (M) => () => M.logSoftmax(x, N, C, out),
      logsumexp: (M) => () => M.logsumexp(x, N, C),
      softmax_backward: (M) => () => M.softmaxBackward(x, gg, N, C, out),
      cross_entropy: (M) => () => M.crossEntropy(x, N, C, { index: target }, { reduction: 'mean' }),
      cross_entropy_backward: (M) => () => M.crossEntropyBackward(x, N, C, { index: target }, { reduction: 'mean' }, out),
      ...(C === 1000
        ? {
          ce_smooth_backward: (M) => () =>
            M.crossEntropyBackward(x, N, C, { index: target }, { reduction: 'mean', labelSmoothing: 0.1 }, out),
          sigmoid: (M) => () => M.sigmoid(x, out),
          softplus: (M) => () => M.softplus(x, out),
          bce_logits_backward: (M) => () => M.bceWithLogitsBackward(x, gg, { reduction: 'sum' }),
        }
        : {}),
    };
    for (const [op, mk] of Object.entries(ops)) {
      const [ta, tb] = time2(mk(A), mk(B));
      rows.push([op, dt, C, ta, tb, tb / ta]);
      process.stderr.write('.');
    }
  }
}
process.stderr.write('\n');
console.log('op dtype C old_ms new_ms new/old');
for (const x of rows) console.log(`${x[0]} ${x[1]} ${x[2]} ${x[3].toFixed(1)} ${x[4].toFixed(1)} ${x[5].toFixed(3)}`);
const gm = Math.exp(rows.reduce((a, x) => a + Math.log(x[5]), 0) / rows.length);
console.log(`geomean new/old ${gm.toFixed(3)} over ${rows.length} cells, median of ${REPS}`);
