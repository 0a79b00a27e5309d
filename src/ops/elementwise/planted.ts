/**
 * Planted bugs and correct variants of the elementwise ops, by primary op (each record's
 * `planted`). Bugs are the classes that keep showing up in real trackers; correct variants differ
 * from the reference by a few ULP only. The self-test plays each through verify.
 */
import { pz, sigmoid1, softplus1, type Vector } from '../../../examples/adapters/correct.mjs';
import { planted } from '../lib/planted.js';
import type { PlantedEntry } from '../types.js';

export const PLANTED = {
  softplus: [
    planted('softplus-no-log1p', 'bug', 'lost log1p: softplus = log(1 + exp(x)) (0 below x ≈ −37, Infinity above 709)', {
      softplus: ({ x }: { x: Vector }) => x.map((v) => Math.log(1 + Math.exp(v))),
    }),
    planted(
      'softplus-threshold-20',
      'bug',
      "PyTorch's threshold: softplus(x) = x for x > 20 (absolute error log1p(e^-x) ≈ 2e-9; semantics.md: no threshold)",
      {
        softplus: ({ x }: { x: Vector }) => x.map((v) => (v > 20 ? v : pz(softplus1(v)))),
      },
    ),
  ],
  log_sigmoid: [
    planted(
      'log-sigmoid-as-log-of-sigmoid',
      'bug',
      'lost log1p: log_sigmoid = log(sigmoid(x)) (stable sigmoid; log(1 − tiny) loses, −Infinity below −745)',
      {
        log_sigmoid: ({ x }: { x: Vector }) => x.map((v) => pz(Math.log(sigmoid1(v)))),
      },
    ),
    planted('log-sigmoid-min-form', 'correct', "log_sigmoid as min(x, 0) − log1p(exp(−|x|)) (PyTorch's kernel)", {
      log_sigmoid: ({ x }: { x: Vector }) =>
        x.map((v) => (Number.isNaN(v) ? NaN : pz(Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)))))),
    }),
  ],
  sigmoid_backward: [
    planted(
      'sigmoid-backward-s-one-minus-s',
      'bug',
      "sigmoid_backward as g·s·(1 − s) with s = σ(x) (PyTorch's formula): 1 − s cancels (0 for x > 37, relative error ~u·e^x before); policy.ts gives it a tiny-absolute floor |g|·σ(x)",
      {
        sigmoid_backward: ({ x, grad_output }: { x: Vector; grad_output: Vector }) =>
          x.map((v, n) => {
            const s = sigmoid1(v);
            return grad_output[n] * s * (1 - s);
          }),
      },
      { expect: 'tiny' },
    ),
    planted('sigmoid-backward-s-times-s-neg', 'correct', 'sigmoid_backward as g·σ(x)·σ(−x) (both factors accurate in relative terms)', {
      sigmoid_backward: ({ x, grad_output }: { x: Vector; grad_output: Vector }) =>
        x.map((v, n) => grad_output[n] * sigmoid1(v) * sigmoid1(-v)),
    }),
  ],
  sigmoid: [
    planted('sigmoid-textbook', 'correct', 'sigmoid as 1 / (1 + exp(−x)) for every x (exp overflow gives 1/∞ = 0, which is right)', {
      sigmoid: ({ x }: { x: Vector }) => x.map((v) => pz(1 / (1 + Math.exp(-v)))),
    }),
  ],
} satisfies Record<string, readonly PlantedEntry[]>;
