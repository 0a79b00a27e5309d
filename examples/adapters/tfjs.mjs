// TensorFlow.js (tfjs-core + the CPU backend), float32.
//
//   xent-oracle verify --module examples/adapters/tfjs.mjs
//
// Forward ops are the library's: tf.softmax, tf.logSoftmax, tf.logSumExp, tf.sigmoid,
// tf.logSigmoid, tf.softplus, tf.losses.softmaxCrossEntropy and
// tf.losses.sigmoidCrossEntropy where their semantics match the catalog's; where they do
// not, the loss is composed from tf ops (each case says why). Backward ops are tf.grad of
// the forward function with grad_output as dy (a vector-Jacobian product).
//
// All computation is float32 (tfjs's CPU backend); the verifier sends float32-representable
// inputs to a float32 adapter. Results come back as Float32Array (dataSync) for vectors and
// nested arrays (arraySync) for matrices: the adapter converts both.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

await tf.setBackend('cpu');
await tf.ready();
// the CPU backend prints a "install tfjs-node" banner on first use; keep stderr for real problems
const cpuBackend = tf.backend();
if ('firstUse' in cpuBackend) cpuBackend.firstUse = false;

// ---------------------------------------------------------------------------------------
// Gradients. tfjs-core's Node bundle does not register kernel gradients (they ship as ESM
// sources that the full @tensorflow/tfjs package bundles), so tf.grad fails with
// "gradient function not found for Softmax". Register the ones these graphs need, ported
// from tfjs-core/src/gradients/*_grad.ts; a gradient already registered (the full tfjs
// package) is left alone.

const { getReductionAxes, assertAndGetBroadcastShape, expandShapeToKeepDim } = tf.backend_util;

function reduceToShape(g, shape, outShape) {
  const axes = getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
}

const binaryGrad = (kernelName, da, db) => ({
  kernelName,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, [a, b]) => {
    const out = assertAndGetBroadcastShape(a.shape, b.shape);
    return { a: () => reduceToShape(da(dy, a, b), a.shape, out), b: () => reduceToShape(db(dy, a, b), b.shape, out) };
  },
});

const GRADIENTS = [
  binaryGrad('Add', (dy) => dy, (dy) => dy),
  binaryGrad('Sub', (dy) => dy, (dy) => tf.neg(dy)),
  binaryGrad('Multiply', (dy, a, b) => tf.mul(dy, tf.cast(b, 'float32')), (dy, a) => tf.mul(dy, tf.cast(a, 'float32'))),
  binaryGrad('RealDiv', (dy, a, b) => tf.div(dy, b), (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))),
  {
    kernelName: 'Maximum',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => tf.mul(dy, tf.cast(tf.greaterEqual(a, b), 'float32')),
      b: () => tf.mul(dy, tf.cast(tf.less(a, b), 'float32')),
    }),
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], { axis }) => {
      const shape = x.shape.slice();
      for (const ax of tf.util.parseAxisParam(axis, x.shape)) shape[ax] = 1;
      return { x: () => tf.mul(tf.reshape(dy, shape), tf.ones(x.shape, 'float32')) };
    },
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], { axis }) => {
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const shape = x.shape.slice();
      for (const ax of axes) shape[ax] = 1;
      const size = axes.reduce((n, ax) => n * x.shape[ax], 1);
      return { x: () => tf.div(tf.mul(tf.reshape(dy, shape), tf.ones(x.shape, 'float32')), size) };
    },
  },
  {
    kernelName: 'Max',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], { reductionIndices }) => {
      const axes = tf.util.parseAxisParam(reductionIndices, x.shape);
      const yk = y.rank < x.rank ? tf.reshape(y, expandShapeToKeepDim(y.shape, axes)) : y;
      const dyk = dy.rank < x.rank ? tf.reshape(dy, expandShapeToKeepDim(dy.shape, axes)) : dy;
      return { x: () => tf.mul(dyk, tf.cast(tf.equal(x, yk), 'float32')) };
    },
  },
  { kernelName: 'Exp', outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, y) }) },
  { kernelName: 'Log', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, x) }) },
  { kernelName: 'Log1p', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, tf.add(x, 1)) }) },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
  { kernelName: 'Abs', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.step(x, -1)) }) },
  { kernelName: 'Relu', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.step(x)) }) },
  { kernelName: 'Sigmoid', outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, tf.mul(y, tf.sub(1, y))) }) },
  { kernelName: 'Softplus', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.sigmoid(x)) }) },
  {
    kernelName: 'Softmax',
    outputsToSave: [true],
    gradFunc: (dy, [y], { dim }) => {
      const dyTimesY = tf.mul(dy, y);
      return { logits: () => tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y)) };
    },
  },
  { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => dy }) },
  { kernelName: 'ZerosLike', gradFunc: (dy) => ({ x: () => tf.zerosLike(dy) }) },
  { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => dy.clone() }) },
  { kernelName: 'Reshape', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }) },
  {
    kernelName: 'Select',
    inputsToSave: ['condition'],
    gradFunc: (dy, [cond]) => ({
      condition: () => tf.cast(tf.zerosLike(cond), 'float32'),
      t: () => tf.mul(dy, tf.cast(cond, dy.dtype)),
      e: () => tf.mul(dy, tf.cast(tf.logicalNot(cond), dy.dtype)),
    }),
  },
];
// Each gradFunc destructures the tensors its own kernel saves ([a, b], [x], ...); tfjs's
// GradFunc types them as Tensor[], which a fixed-length destructuring does not accept.
for (const g of GRADIENTS) if (!tf.getGradient(g.kernelName)) tf.registerGradient(/** @type {tf.GradConfig} */ (g));

// ---------------------------------------------------------------------------------------
// helpers

const REDUCTION = { none: tf.Reduction.NONE, sum: tf.Reduction.SUM, mean: tf.Reduction.MEAN };
const isProbTarget = (t) => t.length > 0 && Array.isArray(t[0]);

/** run f inside tf.tidy and read the result: numbers, Float32Array (vectors) or nested arrays */
function run(f) {
  return tf.tidy(() => {
    const t = f();
    if (t.rank === 0) return t.dataSync()[0];
    if (t.rank === 1) return t.dataSync().slice();
    return t.arraySync();
  });
}

/** grad_output as dy for a loss: a scalar for mean / sum, [N] for none */
function lossDy(args, n) {
  const red = args.reduction ?? 'mean';
  if (red === 'none') return tf.tensor1d(args.grad_output ?? new Array(n).fill(1));
  return tf.scalar(args.grad_output ?? 1);
}

/** the zero-coefficient rule: coef · v, but 0 where coef is exactly 0 (v may be ±Infinity) */
const zmul = (coef, v) => tf.where(tf.equal(coef, 0), tf.zerosLike(v), tf.mul(coef, v));

function reduceLosses(losses, red, denominator) {
  if (red === 'none') return losses;
  const s = tf.sum(losses);
  return red === 'sum' ? s : tf.div(s, denominator);
}

// ---------------------------------------------------------------------------------------
// losses as functions of the differentiated tensor

function crossEntropy(logits, args, forGradient) {
  const [N, C] = logits.shape;
  const red = args.reduction ?? 'mean';
  const eps = args.label_smoothing ?? 0;
  const ignore = args.ignore_index ?? -100;
  const prob = isProbTarget(args.target);
  const anyIgnored = !prob && args.target.some((y) => y === ignore);
  // tf.losses.softmaxCrossEntropy matches the catalog without class weights and ignored
  // targets (its `weights` are per example, and its MEAN with weights divides by Σ weights).
  // Its custom gradient is (softmax − labels)·dy, which assumes every label row sums to 1:
  // true for class indices (also smoothed), not for arbitrary probability targets, so their
  // gradient goes through the composed form below.
  if (args.weight === undefined && !anyIgnored && !(prob && forGradient)) {
    const labels = prob ? tf.tensor2d(args.target) : tf.cast(tf.oneHot(tf.tensor1d(args.target, 'int32'), C), 'float32');
    return tf.losses.softmaxCrossEntropy(labels, logits, undefined, eps, REDUCTION[red]);
  }
  // composed: ℓ_n = −Σ_c a_nc·log_softmax(x)_nc with a_nc = w_c·((1 − ε)·target + ε/C)
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

function binaryCrossEntropy(probs, args) {
  // composed: tf.losses.logLoss adds an epsilon (1e-7) inside both logs
  const N = probs.shape[0];
  const t = tf.tensor1d(args.target);
  const w = tf.tensor1d(args.weight ?? new Array(N).fill(1));
  const terms = tf.add(zmul(t, tf.log(probs)), zmul(tf.sub(1, t), tf.log(tf.sub(1, probs))));
  return reduceLosses(tf.neg(tf.mul(w, terms)), args.reduction ?? 'mean', N);
}

function bceWithLogits(logits, args) {
  const N = logits.shape[0];
  const red = args.reduction ?? 'mean';
  const pw = args.pos_weight ?? 1;
  const t = tf.tensor1d(args.target);
  const w = args.weight === undefined ? undefined : tf.tensor1d(args.weight);
  if (pw === 1) {
    // tf.losses.sigmoidCrossEntropy: max(x, 0) − x·t + log1p(exp(−|x|)), per-example weights as
    // in the catalog; its MEAN with weights divides by Σ weights, the catalog by N
    const r = red === 'none' ? tf.Reduction.NONE : tf.Reduction.SUM;
    const l = tf.losses.sigmoidCrossEntropy(t, logits, w, 0, r);
    return red === 'mean' ? tf.div(l, N) : l;
  }
  // composed with pos_weight: ℓ = w·(pw·t·softplus(−x) + (1 − t)·softplus(x))
  const losses = tf.add(zmul(tf.mul(pw, t), tf.softplus(tf.neg(logits))), zmul(tf.sub(1, t), tf.softplus(logits)));
  return reduceLosses(w ? tf.mul(w, losses) : losses, red, N);
}

function nllLoss(args) {
  // composed: tfjs has no NLL loss
  const lp = tf.tensor2d(args.log_probs);
  const [N, C] = lp.shape;
  const ignore = args.ignore_index ?? -100;
  const w = args.weight ?? new Array(C).fill(1);
  let D = 0;
  const coef = args.target.map((y) => {
    if (y === ignore) return new Array(C).fill(0);
    D += w[y];
    return w.map((wc, c) => (c === y ? wc : 0));
  });
  const losses = tf.neg(tf.sum(zmul(tf.tensor2d(coef, [N, C]), lp), -1));
  return reduceLosses(losses, args.reduction ?? 'mean', D);
}

// ---------------------------------------------------------------------------------------
// the ops

const ops = {
  softmax: ({ logits }) => run(() => tf.softmax(tf.tensor2d(logits))),
  log_softmax: ({ logits }) => run(() => tf.logSoftmax(tf.tensor2d(logits))),
  logsumexp: ({ logits }) => run(() => tf.logSumExp(tf.tensor2d(logits), -1)),
  sigmoid: ({ x }) => run(() => tf.sigmoid(tf.tensor1d(x))),
  log_sigmoid: ({ x }) => run(() => tf.logSigmoid(tf.tensor1d(x))),
  softplus: ({ x }) => run(() => tf.softplus(tf.tensor1d(x))),

  cross_entropy: (args) => run(() => crossEntropy(tf.tensor2d(args.logits), args, false)),
  nll_loss: (args) => run(() => nllLoss(args)),
  binary_cross_entropy: (args) => run(() => binaryCrossEntropy(tf.tensor1d(args.probs), args)),
  binary_cross_entropy_with_logits: (args) => run(() => bceWithLogits(tf.tensor1d(args.logits), args)),

  softmax_backward: ({ logits, grad_output }) => run(() => tf.grad((x) => tf.softmax(x))(tf.tensor2d(logits), tf.tensor2d(grad_output))),
  log_softmax_backward: ({ logits, grad_output }) =>
    run(() => tf.grad((x) => tf.logSoftmax(x))(tf.tensor2d(logits), tf.tensor2d(grad_output))),
  sigmoid_backward: ({ x, grad_output }) => run(() => tf.grad((v) => tf.sigmoid(v))(tf.tensor1d(x), tf.tensor1d(grad_output))),
  cross_entropy_backward: (args) =>
    run(() => tf.grad((l) => crossEntropy(l, args, true))(tf.tensor2d(args.logits), lossDy(args, args.logits.length))),
  binary_cross_entropy_backward: (args) =>
    run(() => tf.grad((p) => binaryCrossEntropy(p, args))(tf.tensor1d(args.probs), lossDy(args, args.probs.length))),
  binary_cross_entropy_with_logits_backward: (args) =>
    run(() => tf.grad((l) => bceWithLogits(l, args))(tf.tensor1d(args.logits), lossDy(args, args.logits.length))),
};

export default { name: `tfjs-core ${tf.version_core} (cpu)`, dtype: 'float32', ops };
