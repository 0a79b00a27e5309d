// The naive textbook implementations, as the articles write them (float64, plain JS).
//
//   xent-oracle verify --module examples/adapters/naive.mjs
//
// THESE ARE DELIBERATELY WRONG. They are the bugs the verifier must catch; do not fix them:
//   - softmax as exp(x) / Σ exp(x) without the max shift: overflows to NaN (∞/∞) for
//     logits above ~709 and underflows to NaN (0/0) for rows below ~−745;
//   - log_softmax as log(softmax(x)): −Infinity where the probability underflows;
//   - logsumexp as log(Σ exp(x)): Infinity for large logits;
//   - sigmoid as 1 / (1 + exp(−x)), log_sigmoid as log(sigmoid(x)) (−Infinity for x < −745),
//     softplus as log(1 + exp(x)) (Infinity for x > 709, 0 instead of exp(x) for x < −37);
//   - cross_entropy as −log(softmax(x)[y] + 1e-8): the epsilon caps the loss at ~18.4 and
//     biases small losses; class indices only (probability targets throw);
//   - the mean reductions divide by the number of (non-ignored) rows even when weights are
//     given (PyTorch divides by the sum of the weights of the targets);
//   - binary_cross_entropy −(t·log(p + 1e-8) + (1 − t)·log(1 − p + 1e-8));
//   - binary_cross_entropy_with_logits via sigmoid then that binary_cross_entropy;
//   - the backward ops by their textbook formulas on top of the naive forward values.

const ones = (n) => new Array(n).fill(1);
const EPS = 1e-8;

function softmaxRow(row) {
  const e = row.map((v) => Math.exp(v));
  let s = 0;
  for (const v of e) s += v;
  return e.map((v) => v / s);
}

const sigmoid1 = (x) => 1 / (1 + Math.exp(-x));

function reduce(losses, reduction, count) {
  if (reduction === 'none') return losses;
  let s = 0;
  for (const l of losses) s += l;
  return reduction === 'sum' ? s : s / count;
}

function lossGrad(args, n) {
  const reduction = args.reduction ?? 'mean';
  if (reduction === 'none') return args.grad_output ?? ones(n);
  return new Array(n).fill(args.grad_output ?? 1);
}

function checkIndexTarget(target) {
  if (target.length > 0 && Array.isArray(target[0])) throw new Error('naive cross_entropy supports class-index targets only');
}

/** smoothed one-hot target row (1 − ε)·onehot + ε/C, the textbook way */
function smoothTarget(y, C, eps) {
  return Array.from({ length: C }, (_, c) => (c === y ? 1 - eps : 0) + eps / C);
}

const ops = {
  softmax: ({ logits }) => logits.map(softmaxRow),

  log_softmax: ({ logits }) => logits.map((row) => softmaxRow(row).map(Math.log)),

  logsumexp: ({ logits }) =>
    logits.map((row) => {
      let s = 0;
      for (const v of row) s += Math.exp(v);
      return Math.log(s);
    }),

  sigmoid: ({ x }) => x.map(sigmoid1),

  log_sigmoid: ({ x }) => x.map((v) => Math.log(sigmoid1(v))),

  softplus: ({ x }) => x.map((v) => Math.log(1 + Math.exp(v))),

  cross_entropy(args) {
    const { logits, target } = args;
    checkIndexTarget(target);
    const C = logits[0].length;
    const w = args.weight ?? ones(C);
    const ignore = args.ignore_index ?? -100;
    const eps = args.label_smoothing ?? 0;
    let count = 0;
    const losses = logits.map((row, n) => {
      const y = target[n];
      if (y === ignore) return 0;
      count++;
      const p = softmaxRow(row);
      if (eps === 0) return -w[y] * Math.log(p[y] + EPS);
      const t = smoothTarget(y, C, eps);
      let l = 0;
      for (let c = 0; c < C; c++) l += -w[c] * t[c] * Math.log(p[c] + EPS);
      return l;
    });
    return reduce(losses, args.reduction ?? 'mean', count);
  },

  nll_loss(args) {
    const { log_probs, target } = args;
    const w = args.weight ?? ones(log_probs[0].length);
    const ignore = args.ignore_index ?? -100;
    let count = 0;
    const losses = log_probs.map((row, n) => {
      const y = target[n];
      if (y === ignore) return 0;
      count++;
      return -w[y] * row[y];
    });
    return reduce(losses, args.reduction ?? 'mean', count);
  },

  binary_cross_entropy(args) {
    const { probs, target } = args;
    const w = args.weight ?? ones(probs.length);
    const losses = probs.map((p, n) => -w[n] * (target[n] * Math.log(p + EPS) + (1 - target[n]) * Math.log(1 - p + EPS)));
    return reduce(losses, args.reduction ?? 'mean', probs.length);
  },

  binary_cross_entropy_with_logits(args) {
    const { logits, target } = args;
    const w = args.weight ?? ones(logits.length);
    const pw = args.pos_weight ?? 1;
    const losses = logits.map((x, n) => {
      const p = sigmoid1(x);
      const t = target[n];
      return -w[n] * (pw * t * Math.log(p + EPS) + (1 - t) * Math.log(1 - p + EPS));
    });
    return reduce(losses, args.reduction ?? 'mean', logits.length);
  },

  softmax_backward: ({ logits, grad_output }) =>
    logits.map((row, n) => {
      const p = softmaxRow(row);
      const g = grad_output[n];
      let dot = 0;
      for (let j = 0; j < p.length; j++) dot += g[j] * p[j];
      return p.map((pj, j) => pj * (g[j] - dot));
    }),

  log_softmax_backward: ({ logits, grad_output }) =>
    logits.map((row, n) => {
      const p = softmaxRow(row);
      const g = grad_output[n];
      let gs = 0;
      for (const v of g) gs += v;
      return p.map((pj, j) => g[j] - pj * gs);
    }),

  sigmoid_backward: ({ x, grad_output }) =>
    x.map((v, n) => {
      const s = sigmoid1(v);
      return grad_output[n] * s * (1 - s);
    }),

  // textbook: (softmax(x) − onehot(y)) · g / N, weights and smoothing applied naively
  cross_entropy_backward(args) {
    const { logits, target } = args;
    checkIndexTarget(target);
    const C = logits[0].length;
    const w = args.weight ?? ones(C);
    const ignore = args.ignore_index ?? -100;
    const eps = args.label_smoothing ?? 0;
    const reduction = args.reduction ?? 'mean';
    const g = lossGrad(args, logits.length);
    const count = target.filter((y) => y !== ignore).length;
    return logits.map((row, n) => {
      const y = target[n];
      if (y === ignore) return row.map(() => 0);
      const p = softmaxRow(row);
      const t = smoothTarget(y, C, eps);
      const scale = (reduction === 'mean' ? g[n] / count : g[n]) * w[y];
      return p.map((pc, c) => (pc - t[c]) * scale);
    });
  },

  // textbook: (p − t) / (p·(1 − p)) · w · g / N
  binary_cross_entropy_backward(args) {
    const { probs, target } = args;
    const N = probs.length;
    const w = args.weight ?? ones(N);
    const g = lossGrad(args, N);
    const D = (args.reduction ?? 'mean') === 'mean' ? N : 1;
    return probs.map((p, n) => ((p - target[n]) / (p * (1 - p))) * w[n] * g[n] / D);
  },

  // textbook: (σ(x)·(pw·t + 1 − t) − pw·t) · w · g / N
  binary_cross_entropy_with_logits_backward(args) {
    const { logits, target } = args;
    const N = logits.length;
    const w = args.weight ?? ones(N);
    const pw = args.pos_weight ?? 1;
    const g = lossGrad(args, N);
    const D = (args.reduction ?? 'mean') === 'mean' ? N : 1;
    return logits.map((x, n) => {
      const t = target[n];
      return (sigmoid1(x) * (pw * t + 1 - t) - pw * t) * w[n] * g[n] / D;
    });
  },
};

export default { name: 'naive-textbook', dtype: 'float64', ops };
