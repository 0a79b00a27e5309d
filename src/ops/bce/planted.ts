/**
 * Planted bugs and correct variants of the bce ops, by primary op (each record's
 * `planted`). Bugs are the classes that keep showing up in real trackers; correct variants differ
 * from the reference by a few ULP only. The self-test plays each through verify.
 */
import { log1m, lossGrad, ones, reductionOf, sigmoid1, softplus1, zmul, type Vector } from '../../../examples/adapters/correct.mjs';
import { clamp, bceWith, bceLogitsWith, planted, type BceArgs, type BceLogitsArgs } from '../lib/planted.js';
import type { PlantedEntry } from '../types.js';

export const PLANTED = {
  binary_cross_entropy: [
    planted('bce-eps-1e-8', 'bug', 'epsilon hack: −(t·log(p + 1e-8) + (1 − t)·log(1 − p + 1e-8))', {
      binary_cross_entropy: (args: BceArgs) => bceWith(args, (p, t) => -(t * Math.log(p + 1e-8) + (1 - t) * Math.log(1 - p + 1e-8))),
    }),
    planted('bce-clamp-probs', 'bug', 'clamp hack: probabilities clipped to [1e-7, 1 − 1e-7] before the logs', {
      binary_cross_entropy: (args: BceArgs) =>
        bceWith(args, (p0, t) => {
          const p = clamp(p0, 1e-7, 1 - 1e-7);
          return zmul(t, -Math.log(p)) + zmul(1 - t, -log1m(p));
        }),
    }),
    planted(
      'bce-log-clamp-100',
      'bug',
      "PyTorch's convention: each log clamped at −100 (flagged under the exact profile; semantics.md: +Infinity at p = 0, t > 0)",
      {
        binary_cross_entropy: (args: BceArgs) =>
          bceWith(args, (p, t) => zmul(t, -Math.max(Math.log(p), -100)) + zmul(1 - t, -Math.max(log1m(p), -100))),
      },
    ),
    planted('bce-no-zero-log-rule', 'bug', 'BCE without the zero-coefficient rule: 0·log 0 = NaN at hard targets (p = 0, t = 0)', {
      binary_cross_entropy: (args: BceArgs) => bceWith(args, (p, t) => -(t * Math.log(p) + (1 - t) * log1m(p))),
    }),
  ],
  binary_cross_entropy_with_logits: [
    planted(
      'bce-logits-via-sigmoid',
      'bug',
      'BCE-with-logits as BCE(sigmoid(x)): log(1 − σ(x)) = log 0 for x > 37, log σ(x) = −∞ below −745',
      {
        binary_cross_entropy_with_logits: (args: BceLogitsArgs) =>
          bceLogitsWith(args, (x, t, pw) => {
            const p = sigmoid1(x);
            return -(zmul(pw * t, Math.log(p)) + zmul(1 - t, Math.log(1 - p)));
          }),
      },
    ),
    planted('bce-logits-pos-weight-wrong-term', 'bug', 'pos_weight applied to the negative term: −(t·log σ(x) + pw·(1 − t)·log σ(−x))', {
      binary_cross_entropy_with_logits: (args: BceLogitsArgs) =>
        bceLogitsWith(args, (x, t, pw) => zmul(t, softplus1(-x)) + zmul(pw * (1 - t), softplus1(x))),
    }),
    planted(
      'bce-logits-tf-formula',
      'correct',
      "TensorFlow's weighted_cross_entropy_with_logits: (1 − t)·x + (1 + (pw − 1)·t)·(log1p(e^−|x|) + max(−x, 0))",
      {
        binary_cross_entropy_with_logits: (args: BceLogitsArgs) =>
          bceLogitsWith(args, (x, t, pw) => {
            if (!Number.isFinite(x)) return zmul(pw * t, softplus1(-x)) + zmul(1 - t, softplus1(x));
            return (1 - t) * x + (1 + (pw - 1) * t) * (Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0));
          }),
      },
    ),
  ],
  binary_cross_entropy_backward: [
    planted(
      'bce-backward-eps-1e-12',
      'bug',
      "PyTorch's BCE gradient (p − t)/max(p·(1 − p), 1e-12) (flagged under the exact profile: 1/(1 − p) at p = 0, t = 0 is 1, not 0)",
      {
        binary_cross_entropy_backward: (args: BceArgs & { grad_output?: number | Vector }) => {
          const N = args.probs.length;
          const w = args.weight ?? ones(N);
          const g = lossGrad(args, N);
          const D = reductionOf(args) === 'mean' ? N : 1;
          return args.probs.map((p, n) => (g[n] * w[n] * ((p - args.target[n]) / Math.max(p * (1 - p), 1e-12))) / D);
        },
      },
    ),
  ],
  binary_cross_entropy_with_logits_backward: [],
} satisfies Record<string, readonly PlantedEntry[]>;
