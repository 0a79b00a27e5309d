/**
 * Planted bugs and correct variants of the rows ops, by primary op (each record's
 * `planted`). Bugs are the classes that keep showing up in real trackers; correct variants differ
 * from the reference by a few ULP only. The self-test plays each through verify.
 */
import {
  analyseRow,
  neumaierSum,
  plainSum,
  pz,
  reverseSum,
  specialRow,
  sum,
  zmul,
  baseOps,
  type Matrix,
} from '../../../examples/adapters/correct.mjs';
import { shiftedRow, rowOps, plainRow, pairwiseRow, planted } from '../lib/planted.js';
import { float32Ops } from '../lib/float32.js';
import type { PlantedEntry } from '../types.js';

export const PLANTED = {
  softmax: [
    planted('softmax-no-max-shift', 'bug', 'softmax as exp(x) / Σ exp(x) without the max shift: ∞/∞ = NaN above ~709, 0/0 below ~−745', {
      softmax: ({ logits }: { logits: Matrix }) =>
        logits.map((row) => {
          const e = row.map(Math.exp);
          const s = plainSum(e);
          return e.map((v) => v / s);
        }),
    }),
    planted(
      'softmax-shift-no-special-cases',
      'bug',
      'max-shifted softmax without the special cases: a +Infinity logit gives NaN (∞ − ∞) instead of 1 / 0',
      {
        softmax: ({ logits }: { logits: Matrix }) =>
          logits.map((x) => {
            const m = Math.max(...x);
            const e = x.map((v) => Math.exp(v - m));
            const s = sum(e);
            return e.map((v) => v / s);
          }),
      },
    ),
    planted('softmax-all-masked-uniform', 'bug', 'an all-masked row returns the uniform distribution 1/C instead of NaN', {
      softmax: ({ logits }: { logits: Matrix }) =>
        logits.map((x) => (x.every((v) => v === -Infinity) ? x.map(() => 1 / x.length) : analyseRow(x).p.map(pz))),
    }),
    planted('softmax-all-masked-zero', 'bug', 'an all-masked row returns zeros instead of NaN (a "safe softmax")', {
      softmax: ({ logits }: { logits: Matrix }) =>
        logits.map((x) => (x.every((v) => v === -Infinity) ? x.map(() => 0) : analyseRow(x).p.map(pz))),
    }),
    planted(
      'softmax-masked-fill-1e4',
      'bug',
      'masking by replacing −Infinity with −1e4 (masked_fill): masked entries get probability when the other logits are below −1e4, all-masked rows become uniform',
      {
        softmax: ({ logits }: { logits: Matrix }) =>
          baseOps.softmax({ logits: logits.map((x) => x.map((v) => (v === -Infinity ? -1e4 : v))) }),
      },
    ),
    planted(
      'softmax-masked-fill-1e9',
      'bug',
      'masking by replacing −Infinity with −1e9: exact zeros while the other logits are above −1e9 + 745, but an all-masked row becomes uniform',
      {
        softmax: ({ logits }: { logits: Matrix }) =>
          baseOps.softmax({ logits: logits.map((x) => x.map((v) => (v === -Infinity ? -1e9 : v))) }),
      },
    ),
    planted('float32-claimed-float64', 'bug', 'float32 arithmetic (Math.fround after every operation) declared as float64', {
      softmax: (a: { logits: Matrix }) => float32Ops.softmax(a),
      cross_entropy: (a: Parameters<typeof float32Ops.cross_entropy>[0]) => float32Ops.cross_entropy(a),
    }),
    planted('shifted-uncompensated', 'correct', 'plain max shift (no TwoSum compensation), recursive summation, log1p of the normaliser', {
      softmax: rowOps(plainRow).softmax,
      log_softmax: rowOps(plainRow).log_softmax,
      logsumexp: rowOps(plainRow).logsumexp,
    }),
    // Division-free p = exp(x − logsumexp(x)) carries the rounding of LSE (≈ u·|LSE|) into every
    // output (BHH 2021: its bound grows with |y|). At moderate logits that is within the bound;
    // at |logits| ≳ 1e15 it is not: [[1e15, 1e15, 0]] gives [0.4724, 0.4724, 0] (6 % off, not
    // summing to 1) and [[1e308 ×3, 0, 0]] gives [1, 1, 1, 0, 0], which is the softmax of no
    // nearby input. verify's κ is a finite-perturbation sensitivity (relative steps 2^-20) and
    // flags both: a real accuracy loss at extreme scale, so this entry is a bug, not a correct variant.
    planted('softmax-division-free', 'bug', 'division-free softmax p = exp(x − logsumexp(x)): loses u·|LSE| at huge logits', {
      softmax: ({ logits }: { logits: Matrix }) =>
        logits.map((x) => {
          const r = analyseRow(x);
          if (specialRow(x)) return r.p.map(pz);
          return x.map((v) => pz(Math.exp(v - r.lse)));
        }),
    }),
    planted('pairwise-summation', 'correct', 'pairwise (cascade) summation of the exponentials, as numpy and GPU reductions do', {
      ...rowOps(pairwiseRow),
    }),
    planted('softmax-reciprocal-reverse', 'correct', 'summed right to left, multiplied by the reciprocal 1/S instead of divided', {
      softmax: rowOps((x) => shiftedRow(x, { sum: reverseSum, compensate: false, log1p: true, reciprocal: true })).softmax,
    }),
  ],
  log_softmax: [
    planted(
      'log-softmax-as-log-of-softmax',
      'bug',
      'log_softmax as log(softmax(x)) (shifted softmax): −Infinity where the probability underflows',
      {
        log_softmax: ({ logits }: { logits: Matrix }) => baseOps.softmax({ logits }).map((r) => r.map(Math.log)),
      },
    ),
    planted(
      'log-softmax-log-not-log1p',
      'bug',
      'lost log1p: log_softmax = (x − m) − log(Σ exp(x − m)) (absolute error ~u for log-probabilities near 0)',
      { log_softmax: rowOps((x) => shiftedRow(x, { sum: neumaierSum, compensate: true, log1p: false })).log_softmax },
      { expect: 'tiny' },
    ),
  ],
  logsumexp: [
    planted('logsumexp-log-not-log1p', 'bug', 'lost log1p: logsumexp = m + log(Σ exp(x − m)) (absolute error ~u where the result is ~0)', {
      logsumexp: rowOps((x) => shiftedRow(x, { sum: neumaierSum, compensate: true, log1p: false })).logsumexp,
    }, { expect: 'tiny' }),
    planted(
      'logsumexp-shift-no-special-cases',
      'bug',
      'max-shifted logsumexp without the special cases: an all −Infinity row gives NaN (−∞ − (−∞)) instead of −Infinity, a +Infinity gives NaN',
      {
        logsumexp: ({ logits }: { logits: Matrix }) =>
          logits.map((x) => {
            const m = Math.max(...x);
            const k = x.indexOf(m);
            return m + Math.log1p(sum(x.filter((_, j) => j !== k).map((v) => Math.exp(v - m))));
          }),
      },
    ),
  ],
  softmax_backward: [
    planted('softmax-backward-dropped-term', 'bug', 'softmax_backward returns p ⊙ g (the −p·⟨g, p⟩ term of the Jacobian dropped)', {
      softmax_backward: ({ logits, grad_output }: { logits: Matrix; grad_output: Matrix }) =>
        logits.map((x, n) => analyseRow(x).p.map((p, j) => zmul(p, grad_output[n][j]))),
    }),
    planted(
      'softmax-backward-distributed',
      'correct',
      'softmax_backward as p ⊙ g − p·⟨g, p⟩ (distributed; cancellation within the tiny-absolute floor)',
      {
        softmax_backward: ({ logits, grad_output }: { logits: Matrix; grad_output: Matrix }) =>
          logits.map((x, n) => {
            const r = analyseRow(x);
            if (r.nan) return x.map(() => NaN);
            const g = grad_output[n];
            const dot = sum(r.p.map((p, j) => zmul(p, g[j])));
            return r.p.map((p, j) => zmul(p, g[j]) - zmul(p, dot));
          }),
      },
    ),
  ],
  log_softmax_backward: [
    planted(
      'log-softmax-backward-dropped-sum',
      'bug',
      'log_softmax_backward returns g − p (the Σ g factor dropped: only right for Σ g = 1)',
      {
        log_softmax_backward: ({ logits, grad_output }: { logits: Matrix; grad_output: Matrix }) =>
          logits.map((x, n) => {
            const r = analyseRow(x);
            return r.nan ? x.map(() => NaN) : r.p.map((p, j) => grad_output[n][j] - p);
          }),
      },
    ),
  ],
} satisfies Record<string, readonly PlantedEntry[]>;
