// TensorFlow.js with its WebGPU backend (@tensorflow/tfjs-backend-webgpu 4.22), float32, in a
// browser page:
//
//   xent-oracle verify --browser examples/webgpu/tfjs-webgpu.mjs --quick
//
// Compare with the CPU backend in Node, examples/adapters/tfjs.mjs: the forward ops and the
// compositions of the losses below are the same lines, so any difference in the verdicts is
// the backend's kernels (WGSL on the GPU vs JS on the CPU).
//
// The page has no bare-specifier resolution (no bundler, no import map), so the UMD bundles are
// loaded by relative path from this repository's node_modules; each sets globalThis.tf. In
// your own project, point these imports at wherever your bundles are served from.
await import('../../node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js');
await import('../../node_modules/@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.min.js');
await import('../../node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js');
const tf = globalThis.tf;

if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed: no WebGPU adapter');
await tf.ready();
if (tf.getBackend() !== 'webgpu') throw new Error(`tfjs chose backend ${tf.getBackend()}, not webgpu`);

// ---------------------------------------------------------------------------------------
// helpers (as in examples/adapters/tfjs.mjs, but reading results asynchronously: a WebGPU
// readback is a mapAsync, and dataSync would block the page)

const REDUCTION = { none: tf.Reduction.NONE, sum: tf.Reduction.SUM, mean: tf.Reduction.MEAN };
const isProbTarget = (t) => t.length > 0 && Array.isArray(t[0]);

async function run(f) {
  const t = tf.tidy(f);
  try {
    if (t.rank === 0) return (await t.data())[0];
    if (t.rank === 1) return (await t.data()).slice();
    return await t.array();
  } finally {
    t.dispose();
  }
}

const zmul = (coef, v) => tf.where(tf.equal(coef, 0), tf.zerosLike(v), tf.mul(coef, v));

function reduceLosses(losses, red, denominator) {
  if (red === 'none') return losses;
  const s = tf.sum(losses);
  return red === 'sum' ? s : tf.div(s, denominator);
}

function crossEntropy(logits, args) {
  const [N, C] = logits.shape;
  const red = args.reduction ?? 'mean';
  const eps = args.label_smoothing ?? 0;
  const ignore = args.ignore_index ?? -100;
  const prob = isProbTarget(args.target);
  const anyIgnored = !prob && args.target.some((y) => y === ignore);
  if (args.weight === undefined && !anyIgnored) {
    const labels = prob ? tf.tensor2d(args.target) : tf.cast(tf.oneHot(tf.tensor1d(args.target, 'int32'), C), 'float32');
    return tf.losses.softmaxCrossEntropy(labels, logits, undefined, eps, REDUCTION[red]);
  }
  const w = args.weight ?? new Array(C).fill(1);
  const coef = [];
  let D = 0;
  for (let n = 0; n < N; n++) {
    const y = args.target[n];
    if (!prob && y === ignore) {
      coef.push(new Array(C).fill(0));
      continue;
    }
    if (!prob) D += w[y];
    coef.push(w.map((wc, c) => wc * ((1 - eps) * (prob ? args.target[n][c] : c === y ? 1 : 0) + eps / C)));
  }
  const losses = tf.neg(tf.sum(zmul(tf.tensor2d(coef, [N, C]), tf.logSoftmax(logits)), -1));
  return reduceLosses(losses, red, prob ? N : D);
}

function bceWithLogits(logits, args) {
  const N = logits.shape[0];
  const red = args.reduction ?? 'mean';
  const pw = args.pos_weight ?? 1;
  const t = tf.tensor1d(args.target);
  const w = args.weight === undefined ? undefined : tf.tensor1d(args.weight);
  if (pw === 1) {
    const r = red === 'none' ? tf.Reduction.NONE : tf.Reduction.SUM;
    const l = tf.losses.sigmoidCrossEntropy(t, logits, w, 0, r);
    return red === 'mean' ? tf.div(l, N) : l;
  }
  const losses = tf.add(zmul(tf.mul(pw, t), tf.softplus(tf.neg(logits))), zmul(tf.sub(1, t), tf.softplus(logits)));
  return reduceLosses(w ? tf.mul(w, losses) : losses, red, N);
}

const ops = {
  softmax: ({ logits }) => run(() => tf.softmax(tf.tensor2d(logits))),
  log_softmax: ({ logits }) => run(() => tf.logSoftmax(tf.tensor2d(logits))),
  logsumexp: ({ logits }) => run(() => tf.logSumExp(tf.tensor2d(logits), -1)),
  sigmoid: ({ x }) => run(() => tf.sigmoid(tf.tensor1d(x))),
  log_sigmoid: ({ x }) => run(() => tf.logSigmoid(tf.tensor1d(x))),
  softplus: ({ x }) => run(() => tf.softplus(tf.tensor1d(x))),
  cross_entropy: (args) => run(() => crossEntropy(tf.tensor2d(args.logits), args)),
  binary_cross_entropy_with_logits: (args) => run(() => bceWithLogits(tf.tensor1d(args.logits), args)),
};

export default { name: `tfjs-core ${tf.version_core} (webgpu)`, dtype: 'float32', ops };
