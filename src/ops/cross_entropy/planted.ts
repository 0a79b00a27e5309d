/**
 * Planted bugs and correct variants of the cross_entropy ops, by primary op (each record's
 * `planted`). Bugs are the classes that keep showing up in real trackers; correct variants differ
 * from the reference by a few ULP only. The self-test plays each through verify.
 */
import {
  analyseRow,
  ceSetup,
  ones,
  reduce,
  reductionOf,
  sum,
  zmul,
  baseOps,
  type CeArgs,
  type Matrix,
  type Vector,
} from '../../../examples/adapters/correct.mjs';
import { ceWith, negLogLoss, clamp, planted } from '../lib/planted.js';
import type { PlantedEntry } from '../types.js';

export const PLANTED = {
  cross_entropy: [
    planted('cross-entropy-neg-log-softmax', 'bug', 'cross_entropy as −log(softmax(x)[y]): +Infinity where softmax underflows', {
      cross_entropy: (args: CeArgs) => ceWith(args, negLogLoss((p) => p)),
    }),
    planted('cross-entropy-eps-1e-8', 'bug', 'epsilon hack: −log(softmax(x)[y] + 1e-8) (caps the loss at 18.4, biases small losses)', {
      cross_entropy: (args: CeArgs) => ceWith(args, negLogLoss((p) => p + 1e-8)),
    }),
    planted('cross-entropy-clamp-probs', 'bug', 'clamp hack: −log(clamp(softmax(x)[y], 1e-7, 1 − 1e-7)) (Keras-style epsilon clipping)', {
      cross_entropy: (args: CeArgs) => ceWith(args, negLogLoss((p) => clamp(p, 1e-7, 1 - 1e-7))),
    }),
    planted(
      'cross-entropy-mean-weights-by-n',
      'bug',
      "weighted mean divided by the number of samples N instead of Σ w[y_n] (PyTorch's weighted mean)",
      {
        cross_entropy: (args: CeArgs) =>
          ceWith(args, (r, a) => sum(a.map((ac, c) => zmul(ac, -r.lsm[c]))), (s) => (s.prob ? s.N : s.ignored.filter((i) => !i).length)),
      },
    ),
    planted('cross-entropy-mean-counts-ignored', 'bug', 'the mean denominator counts ignored targets (each with weight 1)', {
      cross_entropy: (args: CeArgs) =>
        ceWith(
          args,
          (r, a) => sum(a.map((ac, c) => zmul(ac, -r.lsm[c]))),
          (s) => (s.prob ? s.N : sum(s.y.map((y, n) => (s.ignored[n] ? 1 : (args.weight ?? ones(s.C))[y])))),
        ),
    }),
    planted(
      'cross-entropy-all-ignored-zero',
      'bug',
      'every target ignored with mean reduction returns 0 instead of NaN (0/0; pytorch#70348)',
      {
        cross_entropy: (args: CeArgs) => {
          const s = ceSetup(args);
          if (s.red === 'mean' && !s.prob && s.ignored.every(Boolean)) return 0;
          return baseOps.cross_entropy(args);
        },
      },
    ),
    planted(
      'cross-entropy-smoothing-c-minus-1',
      'bug',
      'label smoothing spread as ε/(C − 1) over the other classes instead of ε/C over all classes',
      {
        cross_entropy: (args: CeArgs) =>
          ceWith(args, (r, a) => sum(a.map((ac, c) => zmul(ac, -r.lsm[c]))), undefined, (s) => {
            const eps = args.label_smoothing ?? 0;
            const w = args.weight ?? ones(s.C);
            if (s.prob) return s.coef;
            return s.y.map((y) => w.map((wc, c) => wc * (c === y ? 1 - eps : eps / (s.C - 1))));
          }),
      },
    ),
    planted(
      'cross-entropy-smoothing-unweighted',
      'bug',
      'label smoothing not applied to the class weights: a_c = w_c·(1 − ε)·[c = y] + ε/C',
      {
        cross_entropy: (args: CeArgs) =>
          ceWith(args, (r, a) => sum(a.map((ac, c) => zmul(ac, -r.lsm[c]))), undefined, (s) => {
            const eps = args.label_smoothing ?? 0;
            const w = args.weight ?? ones(s.C);
            if (s.prob) return s.coef;
            return s.y.map((y) => w.map((wc, c) => (c === y ? wc * (1 - eps) : 0) + eps / s.C));
          }),
      },
    ),
    planted(
      'cross-entropy-prob-target-no-zero-rule',
      'bug',
      'probability targets without the zero-coefficient rule: t = 0 on a masked class gives 0·∞ = NaN',
      {
        cross_entropy: (args: CeArgs) => ceWith(args, (r, a) => sum(a.map((ac, c) => ac * -r.lsm[c]))),
      },
    ),
    planted(
      'cross-entropy-lse-minus-logit',
      'bug',
      'cross_entropy as logsumexp(x) − x_y (the optax / JAX formula): absolute error u·|logsumexp| swamps small losses at large logits (not backward stable)',
      {
        cross_entropy: (args: CeArgs) => {
          const s = ceSetup(args);
          if (s.prob || (args.label_smoothing ?? 0) !== 0) return baseOps.cross_entropy(args);
          const w = args.weight ?? ones(s.C);
          const losses = s.logits.map((x, n) => {
            if (s.ignored[n]) return 0;
            const y = s.y[n];
            const r = analyseRow(x);
            if (r.nan) return NaN;
            if (!Number.isFinite(r.lse) || !Number.isFinite(x[y])) return zmul(w[y], -r.lsm[y]);
            return zmul(w[y], r.lse - x[y]);
          });
          return reduce(losses, s.red, s.D);
        },
      },
    ),
  ],
  nll_loss: [
    planted('nll-loss-mean-unweighted', 'bug', 'nll_loss mean divides by the number of non-ignored targets instead of Σ w[y_n]', {
      nll_loss: (
        args: { log_probs: Matrix; target: Vector; weight?: Vector; ignore_index?: number; reduction?: 'mean' | 'sum' | 'none' },
      ) => {
        const w = args.weight ?? ones(args.log_probs[0].length);
        const ignore = args.ignore_index ?? -100;
        let count = 0;
        const losses = args.log_probs.map((row, n) => {
          const y = args.target[n];
          if (y === ignore) return 0;
          count++;
          return Number.isNaN(row[y]) ? NaN : zmul(w[y], -row[y]);
        });
        return reduce(losses, reductionOf(args), count);
      },
    }),
  ],
  cross_entropy_backward: [
    planted('cross-entropy-backward-sign', 'bug', 'sign error: cross_entropy_backward as (onehot − p)·g/D', {
      cross_entropy_backward: (args: CeArgs) => (baseOps.cross_entropy_backward(args)).map((r) => r.map((v) => -v)),
    }),
    planted('cross-entropy-backward-mean-by-n', 'bug', 'cross_entropy_backward divides by N instead of Σ w[y_n] for the weighted mean', {
      cross_entropy_backward: (args: CeArgs) => {
        const s = ceSetup(args);
        if (s.red !== 'mean' || s.prob || s.D === 0) return baseOps.cross_entropy_backward(args);
        const n = s.ignored.filter((i) => !i).length;
        return (baseOps.cross_entropy_backward(args)).map((r) => r.map((v) => (v * s.D) / n));
      },
    }),
    planted(
      'cross-entropy-backward-smoothing-ignored',
      'bug',
      'cross_entropy_backward ignores label smoothing: (p − onehot)·w_y·g/D while the forward smooths',
      {
        cross_entropy_backward: (args: CeArgs) => baseOps.cross_entropy_backward({ ...args, label_smoothing: 0 }),
      },
    ),
  ],
} satisfies Record<string, readonly PlantedEntry[]>;
