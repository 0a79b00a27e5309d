// Benchmark of the fast path (dist/fast, built by `npm run build`) on 2^20 logits in rows of
// 10, 1000 and 10^5, float64 and float32, side by side with
//   floor  a Math.exp-only loop over the same data (one exp per element, nothing else),
//   plain  the plain shifted algorithm in JS (max, exp(x - max), sum, divide / log),
//   tfjs   @tensorflow/tfjs-core + tfjs-backend-cpu 4.22 on the same data (float32 only).
// Ops: softmax, log_softmax, cross_entropy (index targets, mean) forward and backward
// (tfjs: tf.losses.softmaxCrossEntropy; its backward as the ops (softmax(x) - onehot) / N).
// Each cell: median of REPS timed runs after WARMUP runs, in ms per op call on the whole
// batch; the variants of one op are timed interleaved (rotating order) so background load
// hits them alike. The machine is shared (2 cores, other engineers' jobs): numbers are noisy.
//
// Usage: npm run build && node bench/fast.bench.mjs [--reps 7] [--quick]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { softmax, logSoftmax, crossEntropy, crossEntropyBackward } from '../dist/fast/index.js';
import { plainSoftmax, plainLogSoftmax, plainCrossEntropy, plainCrossEntropyBackward, expFloor } from './fast-plain.mjs';

const args = process.argv.slice(2);
const REPS = Number(args[args.indexOf('--reps') + 1]) || 7;
const QUICK = args.includes('--quick');
const WARMUP = 2;
const TOTAL = 1 << 20;
const WIDTHS = QUICK ? [1000] : [10, 1000, 100000];

await tf.setBackend('cpu');
await tf.ready();

// deterministic normal logits, scale 4
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(12345);
const normal = () => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());

/**
 * Median ms of each function, measured interleaved (one run of each per round, in a
 * rotating order) so that load from other processes hits all variants alike.
 */
function timeAll(fns) {
  const ts = fns.map(() => []);
  for (let i = 0; i < WARMUP; i++) for (const f of fns) if (f) f();
  for (let rep = 0; rep < REPS; rep++) {
    for (let j = 0; j < fns.length; j++) {
      const k = (j + rep) % fns.length;
      const f = fns[k];
      if (!f) continue;
      const t0 = performance.now();
      f();
      ts[k].push(performance.now() - t0);
    }
  }
  return ts.map((a) => {
    if (a.length === 0) return NaN;
    a.sort((x, y) => x - y);
    return a[Math.floor(a.length / 2)];
  });
}

const rows = [];
for (const C of WIDTHS) {
  const N = Math.floor(TOTAL / C);
  const n = N * C;
  const base = new Float64Array(n);
  for (let i = 0; i < n; i++) base[i] = normal() * 4;
  const target = Int32Array.from({ length: N }, () => Math.floor(r() * C));
  for (const dtype of ['float64', 'float32']) {
    const x = dtype === 'float64' ? base : Float32Array.from(base);
    const A = dtype === 'float64' ? Float64Array : Float32Array;
    const out = new A(n);
    const floorFn = () => expFloor(x, out);
    // tfjs (float32 only)
    let tfx, tfLabels, tfGrad;
    if (dtype === 'float32') {
      tfx = tf.tensor2d(/** @type {Float32Array} */ (x), [N, C], 'float32'); // x is the Float32Array when dtype is float32
      const oh = new Float32Array(n);
      for (let i = 0; i < N; i++) oh[i * C + target[i]] = 1;
      tfLabels = tf.tensor2d(oh, [N, C], 'float32');
      // the CE gradient as tfjs ops (tfjs-core alone registers no gradients): (softmax - onehot) / N
      tfGrad = (l) => tf.tidy(() => tf.div(tf.sub(tf.softmax(l), tfLabels), N));
    }
    const tfRun = (f) =>
      tfx
        ? () => {
          const t = f();
          t.dataSync();
          t.dispose();
        }
        : undefined;
    const ops = [
      {
        op: 'softmax',
        fast: () => softmax(x, N, C, out),
        plain: () => plainSoftmax(x, N, C, out),
        tf: tfRun(() => tf.softmax(tfx)),
      },
      {
        op: 'log_softmax',
        fast: () => logSoftmax(x, N, C, out),
        plain: () => plainLogSoftmax(x, N, C, out),
        tf: tfRun(() => tf.logSoftmax(tfx)),
      },
      {
        op: 'cross_entropy',
        fast: () => crossEntropy(x, N, C, { index: target }, { reduction: 'mean' }),
        plain: () => plainCrossEntropy(x, N, C, target),
        tf: tfRun(() => tf.losses.softmaxCrossEntropy(tfLabels, tfx)),
      },
      {
        op: 'cross_entropy_backward',
        fast: () => crossEntropyBackward(x, N, C, { index: target }, { reduction: 'mean' }, out),
        plain: () => plainCrossEntropyBackward(x, N, C, target, out),
        tf: tfRun(() => tfGrad(tfx)),
      },
    ];
    for (const o of ops) {
      const [fast, plain, floor, tfms] = timeAll([o.fast, o.plain, floorFn, o.tf]);
      rows.push({ op: o.op, dtype, C, N, fast, plain, floor, tf: tfms });
      process.stderr.write('.');
    }
    if (tfx) {
      tfx.dispose();
      tfLabels.dispose();
    }
  }
}
process.stderr.write('\n');

const f = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const head = ['op', 'dtype', 'C', 'fast ms', 'plain ms', 'exp floor ms', 'tfjs ms', 'fast/floor', 'fast/plain', 'tfjs/fast'];
const lines = rows.map((x) => [
  x.op,
  x.dtype,
  String(x.C),
  f(x.fast),
  f(x.plain),
  f(x.floor),
  f(x.tf),
  f(x.fast / x.floor, 2),
  f(x.fast / x.plain, 2),
  f(x.tf / x.fast, 1),
]);
const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const fmt = (l) => '| ' + l.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
console.log(
  `fast path benchmark: ${TOTAL} logits (N*C = floor(2^20 / C) * C), median of ${REPS} after ${WARMUP} warm-up runs, node ${process.version}`,
);
console.log('(shared 2-core machine: numbers are noisy; tfjs is float32 only)');
console.log(fmt(head));
console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
for (const l of lines) console.log(fmt(l));
