/**
 * The kill matrix catalog: planted-bug implementations and correct variants.
 *
 * Every entry is the correct float64 base of base.ts with ONE op (or one op pair) replaced.
 * Bugs are the classes that keep showing up in the issue trackers of real frameworks
 * (unshifted softmax, log of a softmax, epsilon and clamp hacks, lost log1p, wrong mean
 * denominators with weights / ignore_index, label-smoothing spreads, dropped Jacobian terms,
 * sign errors, float32 accumulation, special values); correct variants differ from the
 * reference by a few ULP only (other summation orders, no compensation, no division,
 * float32 declared as such). `xent-oracle selftest` and test/selftest*.test.ts play every
 * entry through verify and check that each bug is caught and each correct variant passes.
 */
import { OP_NAMES, type OpName } from '../core/catalog.js';
import type { Implementation } from '../verify/adapter-inprocess.js';
import {
  analyseRow,
  argmax,
  baseImplementation,
  baseOps,
  ceLosses,
  ceSetup,
  log1m,
  lossGrad,
  neumaierSum,
  ones,
  pairwiseSum,
  plainSum,
  pz,
  reduce,
  reductionOf,
  reverseSum,
  sigmoid1,
  softplus1,
  specialRow,
  sum,
  twoDiff,
  withOps,
  zmul,
  type CeArgs,
  type Matrix,
  type Ops,
  type RowAnalysis,
  type Sum,
  type Vector,
} from './base.js';
import { float32Ops } from './float32.js';
import { RANGE_BUGS } from './bugs-range.js';

export type EntryKind = 'bug' | 'correct';

export interface MatrixEntry {
  id: string;
  description: string;
  bugClass: EntryKind;
  /** the op(s) the entry replaces; verify is restricted to them */
  ops: OpName[];
  impl: Implementation;
  /**
   * For bugs: the verdict the tolerance policy gives without --strict. 'fail' (the default)
   * or 'tiny' where the error is within the tiny-absolute floor of policy.ts (the lost-log1p
   * family): such a bug must then be reported as tiny by default and fail with --strict.
   */
  expect?: 'fail' | 'tiny';
  /** issue-tracker threads where this bug class was reported in a real framework or library */
  seenIn?: string[];
}

// ---------------------------------------------------------------------------------------
// a configurable shifted row: the knobs the variants and bugs turn

interface RowOptions {
  sum: Sum;
  /** add the rounding error of x_j − max back (TwoSum) */
  compensate: boolean;
  /** log S as log1p(S − 1) (true) or log(S) (false: the lost log1p) */
  log1p: boolean;
  /** p = e·(1/S) instead of e/S */
  reciprocal?: boolean;
}

function shiftedRow(x: readonly number[], o: RowOptions): RowAnalysis {
  const special = specialRow(x);
  if (special) return special;
  const k = argmax(x);
  const m = x[k];
  const d = x.map((v) => v - m); // −Infinity for masked entries and overflowing differences
  const lo = x.map((v, j) => (o.compensate && Number.isFinite(d[j]) ? twoDiff(v, m)[1] : 0));
  const e = d.map((v, j) => (v === -Infinity ? 0 : Math.exp(v) * (1 + lo[j])));
  e[k] = 1;
  const S = o.sum(e);
  const others = o.sum(e.filter((_, j) => j !== k));
  const L = o.log1p ? Math.log1p(others) : Math.log(S);
  const r = 1 / S;
  const p = e.map((v) => (o.reciprocal ? v * r : v / S));
  const lsm = d.map((v, j) => (v === -Infinity ? -Infinity : v - L + lo[j]));
  lsm[k] = -L;
  return { p, lsm, lse: m + L, q: (j) => o.sum(e.filter((_, i) => i !== j)) / S, nan: false };
}

const rowOps = (row: (x: number[]) => RowAnalysis) => ({
  softmax: ({ logits }: { logits: Matrix }) => logits.map((x) => row(x).p.map(pz)),
  log_softmax: ({ logits }: { logits: Matrix }) => logits.map((x) => row(x).lsm.map(pz)),
  logsumexp: ({ logits }: { logits: Matrix }) => logits.map((x) => pz(row(x).lse)),
  cross_entropy: (args: CeArgs) => {
    const s = ceSetup(args);
    return reduce(ceLosses(s, row), s.red, s.D);
  },
});

// ---------------------------------------------------------------------------------------
// helpers for the loss bugs

/** cross-entropy with per-sample losses from `loss(p, lsm, a)` and a custom mean denominator */
function ceWith(
  args: CeArgs,
  loss: (r: RowAnalysis, a: number[], n: number) => number,
  denominator?: (s: ReturnType<typeof ceSetup>) => number,
  coef?: (s: ReturnType<typeof ceSetup>) => number[][],
): number | Vector {
  const s = ceSetup(args);
  const a = coef ? coef(s) : s.coef;
  const losses = s.logits.map((x, n) => {
    if (s.ignored[n]) return 0;
    const r = analyseRow(x);
    if (r.nan) return NaN;
    return loss(r, a[n], n);
  });
  const D = s.red === 'mean' && denominator ? denominator(s) : s.D;
  return reduce(losses, s.red, D);
}

const negLogLoss = (f: (p: number) => number) => (r: RowAnalysis, a: number[]) => sum(a.map((ac, c) => zmul(ac, -Math.log(f(r.p[c])))));
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

interface BceArgs {
  probs: Vector;
  target: Vector;
  weight?: Vector;
  reduction?: 'mean' | 'sum' | 'none';
}
interface BceLogitsArgs {
  logits: Vector;
  target: Vector;
  weight?: Vector;
  pos_weight?: number;
  reduction?: 'mean' | 'sum' | 'none';
}

function bceWith(args: BceArgs, loss: (p: number, t: number) => number): number | Vector {
  const w = args.weight ?? ones(args.probs.length);
  const losses = args.probs.map((p, n) => zmul(w[n], loss(p, args.target[n])));
  return reduce(losses, reductionOf(args), args.probs.length);
}

function bceLogitsWith(args: BceLogitsArgs, loss: (x: number, t: number, pw: number) => number): number | Vector {
  const w = args.weight ?? ones(args.logits.length);
  const pw = args.pos_weight ?? 1;
  const losses = args.logits.map((x, n) => (Number.isNaN(x) ? NaN : zmul(w[n], loss(x, args.target[n], pw))));
  return reduce(losses, reductionOf(args), args.logits.length);
}

/** Only the replaced ops of an entry are listed here; the rest comes from the base. */
function entry(id: string, bugClass: EntryKind, ops: OpName[], description: string, overrides: Ops, extra: { expect?: 'fail' | 'tiny' } = {}): MatrixEntry {
  for (const op of ops) if (!overrides[op]) throw new Error(`entry ${id}: no override for ${op}`);
  return { id, bugClass, ops, description, impl: withOps(id, overrides), ...extra };
}

// ---------------------------------------------------------------------------------------
// planted bugs

const BUGS: MatrixEntry[] = [
  entry('softmax-no-max-shift', 'bug', ['softmax'], 'softmax as exp(x) / Σ exp(x) without the max shift: ∞/∞ = NaN above ~709, 0/0 below ~−745', {
    softmax: ({ logits }: { logits: Matrix }) =>
      logits.map((row) => {
        const e = row.map(Math.exp);
        const s = plainSum(e);
        return e.map((v) => v / s);
      }),
  }),
  entry('log-softmax-as-log-of-softmax', 'bug', ['log_softmax'], 'log_softmax as log(softmax(x)) (shifted softmax): −Infinity where the probability underflows', {
    log_softmax: ({ logits }: { logits: Matrix }) => baseOps.softmax({ logits }).map((r) => r.map(Math.log)),
  }),
  entry('cross-entropy-neg-log-softmax', 'bug', ['cross_entropy'], 'cross_entropy as −log(softmax(x)[y]): +Infinity where softmax underflows', {
    cross_entropy: (args: CeArgs) => ceWith(args, negLogLoss((p) => p)),
  }),
  entry('cross-entropy-eps-1e-8', 'bug', ['cross_entropy'], 'epsilon hack: −log(softmax(x)[y] + 1e-8) (caps the loss at 18.4, biases small losses)', {
    cross_entropy: (args: CeArgs) => ceWith(args, negLogLoss((p) => p + 1e-8)),
  }),
  entry('cross-entropy-clamp-probs', 'bug', ['cross_entropy'], 'clamp hack: −log(clamp(softmax(x)[y], 1e-7, 1 − 1e-7)) (Keras-style epsilon clipping)', {
    cross_entropy: (args: CeArgs) => ceWith(args, negLogLoss((p) => clamp(p, 1e-7, 1 - 1e-7))),
  }),
  entry('bce-eps-1e-8', 'bug', ['binary_cross_entropy'], 'epsilon hack: −(t·log(p + 1e-8) + (1 − t)·log(1 − p + 1e-8))', {
    binary_cross_entropy: (args: BceArgs) => bceWith(args, (p, t) => -(t * Math.log(p + 1e-8) + (1 - t) * Math.log(1 - p + 1e-8))),
  }),
  entry('bce-clamp-probs', 'bug', ['binary_cross_entropy'], 'clamp hack: probabilities clipped to [1e-7, 1 − 1e-7] before the logs', {
    binary_cross_entropy: (args: BceArgs) =>
      bceWith(args, (p0, t) => {
        const p = clamp(p0, 1e-7, 1 - 1e-7);
        return zmul(t, -Math.log(p)) + zmul(1 - t, -log1m(p));
      }),
  }),
  entry('bce-log-clamp-100', 'bug', ['binary_cross_entropy'], "PyTorch's convention: each log clamped at −100 (flagged under the exact profile; semantics.md: +Infinity at p = 0, t > 0)", {
    binary_cross_entropy: (args: BceArgs) => bceWith(args, (p, t) => zmul(t, -Math.max(Math.log(p), -100)) + zmul(1 - t, -Math.max(log1m(p), -100))),
  }),
  entry('bce-no-zero-log-rule', 'bug', ['binary_cross_entropy'], 'BCE without the zero-coefficient rule: 0·log 0 = NaN at hard targets (p = 0, t = 0)', {
    binary_cross_entropy: (args: BceArgs) => bceWith(args, (p, t) => -(t * Math.log(p) + (1 - t) * log1m(p))),
  }),
  entry('bce-logits-via-sigmoid', 'bug', ['binary_cross_entropy_with_logits'], 'BCE-with-logits as BCE(sigmoid(x)): log(1 − σ(x)) = log 0 for x > 37, log σ(x) = −∞ below −745', {
    binary_cross_entropy_with_logits: (args: BceLogitsArgs) =>
      bceLogitsWith(args, (x, t, pw) => {
        const p = sigmoid1(x);
        return -(zmul(pw * t, Math.log(p)) + zmul(1 - t, Math.log(1 - p)));
      }),
  }),
  entry('bce-logits-pos-weight-wrong-term', 'bug', ['binary_cross_entropy_with_logits'], 'pos_weight applied to the negative term: −(t·log σ(x) + pw·(1 − t)·log σ(−x))', {
    binary_cross_entropy_with_logits: (args: BceLogitsArgs) => bceLogitsWith(args, (x, t, pw) => zmul(t, softplus1(-x)) + zmul(pw * (1 - t), softplus1(x))),
  }),
  entry('softplus-no-log1p', 'bug', ['softplus'], 'lost log1p: softplus = log(1 + exp(x)) (0 below x ≈ −37, Infinity above 709)', {
    softplus: ({ x }: { x: Vector }) => x.map((v) => Math.log(1 + Math.exp(v))),
  }),
  entry('softplus-threshold-20', 'bug', ['softplus'], "PyTorch's threshold: softplus(x) = x for x > 20 (absolute error log1p(e^-x) ≈ 2e-9; semantics.md: no threshold)", {
    softplus: ({ x }: { x: Vector }) => x.map((v) => (v > 20 ? v : pz(softplus1(v)))),
  }),
  entry('log-sigmoid-as-log-of-sigmoid', 'bug', ['log_sigmoid'], 'lost log1p: log_sigmoid = log(sigmoid(x)) (stable sigmoid; log(1 − tiny) loses, −Infinity below −745)', {
    log_sigmoid: ({ x }: { x: Vector }) => x.map((v) => pz(Math.log(sigmoid1(v)))),
  }),
  entry(
    'logsumexp-log-not-log1p',
    'bug',
    ['logsumexp'],
    'lost log1p: logsumexp = m + log(Σ exp(x − m)) (absolute error ~u where the result is ~0)',
    { logsumexp: rowOps((x) => shiftedRow(x, { sum: neumaierSum, compensate: true, log1p: false })).logsumexp },
    { expect: 'tiny' },
  ),
  entry(
    'log-softmax-log-not-log1p',
    'bug',
    ['log_softmax'],
    'lost log1p: log_softmax = (x − m) − log(Σ exp(x − m)) (absolute error ~u for log-probabilities near 0)',
    { log_softmax: rowOps((x) => shiftedRow(x, { sum: neumaierSum, compensate: true, log1p: false })).log_softmax },
    { expect: 'tiny' },
  ),
  entry('logsumexp-shift-no-special-cases', 'bug', ['logsumexp'], 'max-shifted logsumexp without the special cases: an all −Infinity row gives NaN (−∞ − (−∞)) instead of −Infinity, a +Infinity gives NaN', {
    logsumexp: ({ logits }: { logits: Matrix }) =>
      logits.map((x) => {
        const m = Math.max(...x);
        const k = x.indexOf(m);
        return m + Math.log1p(sum(x.filter((_, j) => j !== k).map((v) => Math.exp(v - m))));
      }),
  }),
  entry('softmax-shift-no-special-cases', 'bug', ['softmax'], 'max-shifted softmax without the special cases: a +Infinity logit gives NaN (∞ − ∞) instead of 1 / 0', {
    softmax: ({ logits }: { logits: Matrix }) =>
      logits.map((x) => {
        const m = Math.max(...x);
        const e = x.map((v) => Math.exp(v - m));
        const s = sum(e);
        return e.map((v) => v / s);
      }),
  }),
  entry('softmax-all-masked-uniform', 'bug', ['softmax'], 'an all-masked row returns the uniform distribution 1/C instead of NaN', {
    softmax: ({ logits }: { logits: Matrix }) => logits.map((x) => (x.every((v) => v === -Infinity) ? x.map(() => 1 / x.length) : analyseRow(x).p.map(pz))),
  }),
  entry('softmax-all-masked-zero', 'bug', ['softmax'], 'an all-masked row returns zeros instead of NaN (a "safe softmax")', {
    softmax: ({ logits }: { logits: Matrix }) => logits.map((x) => (x.every((v) => v === -Infinity) ? x.map(() => 0) : analyseRow(x).p.map(pz))),
  }),
  entry('softmax-masked-fill-1e4', 'bug', ['softmax'], 'masking by replacing −Infinity with −1e4 (masked_fill): masked entries get probability when the other logits are below −1e4, all-masked rows become uniform', {
    softmax: ({ logits }: { logits: Matrix }) => baseOps.softmax({ logits: logits.map((x) => x.map((v) => (v === -Infinity ? -1e4 : v))) }),
  }),
  entry('softmax-masked-fill-1e9', 'bug', ['softmax'], 'masking by replacing −Infinity with −1e9: exact zeros while the other logits are above −1e9 + 745, but an all-masked row becomes uniform', {
    softmax: ({ logits }: { logits: Matrix }) => baseOps.softmax({ logits: logits.map((x) => x.map((v) => (v === -Infinity ? -1e9 : v))) }),
  }),
  entry('cross-entropy-mean-weights-by-n', 'bug', ['cross_entropy'], "weighted mean divided by the number of samples N instead of Σ w[y_n] (PyTorch's weighted mean)", {
    cross_entropy: (args: CeArgs) => ceWith(args, (r, a) => sum(a.map((ac, c) => zmul(ac, -r.lsm[c]))), (s) => (s.prob ? s.N : s.ignored.filter((i) => !i).length)),
  }),
  entry('cross-entropy-mean-counts-ignored', 'bug', ['cross_entropy'], 'the mean denominator counts ignored targets (each with weight 1)', {
    cross_entropy: (args: CeArgs) =>
      ceWith(
        args,
        (r, a) => sum(a.map((ac, c) => zmul(ac, -r.lsm[c]))),
        (s) => (s.prob ? s.N : sum(s.y.map((y, n) => (s.ignored[n] ? 1 : (args.weight ?? ones(s.C))[y])))),
      ),
  }),
  entry('cross-entropy-all-ignored-zero', 'bug', ['cross_entropy'], 'every target ignored with mean reduction returns 0 instead of NaN (0/0; pytorch#70348)', {
    cross_entropy: (args: CeArgs) => {
      const s = ceSetup(args);
      if (s.red === 'mean' && !s.prob && s.ignored.every(Boolean)) return 0;
      return baseOps.cross_entropy(args);
    },
  }),
  entry('cross-entropy-smoothing-c-minus-1', 'bug', ['cross_entropy'], 'label smoothing spread as ε/(C − 1) over the other classes instead of ε/C over all classes', {
    cross_entropy: (args: CeArgs) =>
      ceWith(args, (r, a) => sum(a.map((ac, c) => zmul(ac, -r.lsm[c]))), undefined, (s) => {
        const eps = args.label_smoothing ?? 0;
        const w = args.weight ?? ones(s.C);
        if (s.prob) return s.coef;
        return s.y.map((y) => w.map((wc, c) => wc * (c === y ? 1 - eps : eps / (s.C - 1))));
      }),
  }),
  entry('cross-entropy-smoothing-unweighted', 'bug', ['cross_entropy'], 'label smoothing not applied to the class weights: a_c = w_c·(1 − ε)·[c = y] + ε/C', {
    cross_entropy: (args: CeArgs) =>
      ceWith(args, (r, a) => sum(a.map((ac, c) => zmul(ac, -r.lsm[c]))), undefined, (s) => {
        const eps = args.label_smoothing ?? 0;
        const w = args.weight ?? ones(s.C);
        if (s.prob) return s.coef;
        return s.y.map((y) => w.map((wc, c) => (c === y ? wc * (1 - eps) : 0) + eps / s.C));
      }),
  }),
  entry('cross-entropy-prob-target-no-zero-rule', 'bug', ['cross_entropy'], 'probability targets without the zero-coefficient rule: t = 0 on a masked class gives 0·∞ = NaN', {
    cross_entropy: (args: CeArgs) => ceWith(args, (r, a) => sum(a.map((ac, c) => ac * -r.lsm[c]))),
  }),
  entry('nll-loss-mean-unweighted', 'bug', ['nll_loss'], 'nll_loss mean divides by the number of non-ignored targets instead of Σ w[y_n]', {
    nll_loss: (args: { log_probs: Matrix; target: Vector; weight?: Vector; ignore_index?: number; reduction?: 'mean' | 'sum' | 'none' }) => {
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
  entry('softmax-backward-dropped-term', 'bug', ['softmax_backward'], 'softmax_backward returns p ⊙ g (the −p·⟨g, p⟩ term of the Jacobian dropped)', {
    softmax_backward: ({ logits, grad_output }: { logits: Matrix; grad_output: Matrix }) =>
      logits.map((x, n) => analyseRow(x).p.map((p, j) => zmul(p, grad_output[n][j]))),
  }),
  entry('log-softmax-backward-dropped-sum', 'bug', ['log_softmax_backward'], 'log_softmax_backward returns g − p (the Σ g factor dropped: only right for Σ g = 1)', {
    log_softmax_backward: ({ logits, grad_output }: { logits: Matrix; grad_output: Matrix }) =>
      logits.map((x, n) => {
        const r = analyseRow(x);
        return r.nan ? x.map(() => NaN) : r.p.map((p, j) => grad_output[n][j] - p);
      }),
  }),
  entry('cross-entropy-backward-sign', 'bug', ['cross_entropy_backward'], 'sign error: cross_entropy_backward as (onehot − p)·g/D', {
    cross_entropy_backward: (args: CeArgs) => (baseOps.cross_entropy_backward(args) as Matrix).map((r) => r.map((v) => -v)),
  }),
  entry('cross-entropy-backward-mean-by-n', 'bug', ['cross_entropy_backward'], 'cross_entropy_backward divides by N instead of Σ w[y_n] for the weighted mean', {
    cross_entropy_backward: (args: CeArgs) => {
      const s = ceSetup(args);
      if (s.red !== 'mean' || s.prob || s.D === 0) return baseOps.cross_entropy_backward(args);
      const n = s.ignored.filter((i) => !i).length;
      return (baseOps.cross_entropy_backward(args) as Matrix).map((r) => r.map((v) => (v * s.D) / n));
    },
  }),
  entry('cross-entropy-backward-smoothing-ignored', 'bug', ['cross_entropy_backward'], 'cross_entropy_backward ignores label smoothing: (p − onehot)·w_y·g/D while the forward smooths', {
    cross_entropy_backward: (args: CeArgs) => baseOps.cross_entropy_backward({ ...args, label_smoothing: 0 }),
  }),
  entry('bce-backward-eps-1e-12', 'bug', ['binary_cross_entropy_backward'], "PyTorch's BCE gradient (p − t)/max(p·(1 − p), 1e-12) (flagged under the exact profile: 1/(1 − p) at p = 0, t = 0 is 1, not 0)", {
    binary_cross_entropy_backward: (args: BceArgs & { grad_output?: number | Vector }) => {
      const N = args.probs.length;
      const w = args.weight ?? ones(N);
      const g = lossGrad(args, N);
      const D = reductionOf(args) === 'mean' ? N : 1;
      return args.probs.map((p, n) => (g[n] * w[n] * ((p - args.target[n]) / Math.max(p * (1 - p), 1e-12))) / D);
    },
  }),
  entry(
    'sigmoid-backward-s-one-minus-s',
    'bug',
    ['sigmoid_backward'],
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
  entry(
    'float32-claimed-float64',
    'bug',
    ['softmax', 'cross_entropy'],
    'float32 arithmetic (Math.fround after every operation) declared as float64',
    { softmax: float32Ops.softmax, cross_entropy: float32Ops.cross_entropy },
  ),
  entry('cross-entropy-lse-minus-logit', 'bug', ['cross_entropy'], 'cross_entropy as logsumexp(x) − x_y (the optax / JAX formula): absolute error u·|logsumexp| swamps small losses at large logits (not backward stable)', {
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
  }),
];

// ---------------------------------------------------------------------------------------
// correct variants

const plainRow = (x: number[]) => shiftedRow(x, { sum: plainSum, compensate: false, log1p: true });
const pairwiseRow = (x: number[]) => shiftedRow(x, { sum: pairwiseSum, compensate: false, log1p: true });

const CORRECT: MatrixEntry[] = [
  { id: 'base', bugClass: 'correct', ops: [...OP_NAMES], description: 'the correct float64 base itself (every op)', impl: baseImplementation },
  entry('shifted-uncompensated', 'correct', ['softmax', 'log_softmax', 'logsumexp'], 'plain max shift (no TwoSum compensation), recursive summation, log1p of the normaliser', {
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
  entry('softmax-division-free', 'bug', ['softmax'], 'division-free softmax p = exp(x − logsumexp(x)): loses u·|LSE| at huge logits', {
    softmax: ({ logits }: { logits: Matrix }) =>
      logits.map((x) => {
        const r = analyseRow(x);
        if (specialRow(x)) return r.p.map(pz);
        return x.map((v) => pz(Math.exp(v - r.lse)));
      }),
  }),
  entry('pairwise-summation', 'correct', ['softmax', 'log_softmax', 'logsumexp', 'cross_entropy'], 'pairwise (cascade) summation of the exponentials, as numpy and GPU reductions do', {
    ...rowOps(pairwiseRow),
  }),
  entry('softmax-reciprocal-reverse', 'correct', ['softmax'], 'summed right to left, multiplied by the reciprocal 1/S instead of divided', {
    softmax: rowOps((x) => shiftedRow(x, { sum: reverseSum, compensate: false, log1p: true, reciprocal: true })).softmax,
  }),
  entry('sigmoid-textbook', 'correct', ['sigmoid'], 'sigmoid as 1 / (1 + exp(−x)) for every x (exp overflow gives 1/∞ = 0, which is right)', {
    sigmoid: ({ x }: { x: Vector }) => x.map((v) => pz(1 / (1 + Math.exp(-v)))),
  }),
  entry('log-sigmoid-min-form', 'correct', ['log_sigmoid'], "log_sigmoid as min(x, 0) − log1p(exp(−|x|)) (PyTorch's kernel)", {
    log_sigmoid: ({ x }: { x: Vector }) => x.map((v) => (Number.isNaN(v) ? NaN : pz(Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)))))),
  }),
  entry('sigmoid-backward-s-times-s-neg', 'correct', ['sigmoid_backward'], 'sigmoid_backward as g·σ(x)·σ(−x) (both factors accurate in relative terms)', {
    sigmoid_backward: ({ x, grad_output }: { x: Vector; grad_output: Vector }) => x.map((v, n) => grad_output[n] * sigmoid1(v) * sigmoid1(-v)),
  }),
  entry('softmax-backward-distributed', 'correct', ['softmax_backward'], 'softmax_backward as p ⊙ g − p·⟨g, p⟩ (distributed; cancellation within the tiny-absolute floor)', {
    softmax_backward: ({ logits, grad_output }: { logits: Matrix; grad_output: Matrix }) =>
      logits.map((x, n) => {
        const r = analyseRow(x);
        if (r.nan) return x.map(() => NaN);
        const g = grad_output[n];
        const dot = sum(r.p.map((p, j) => zmul(p, g[j])));
        return r.p.map((p, j) => zmul(p, g[j]) - zmul(p, dot));
      }),
  }),
  entry('bce-logits-tf-formula', 'correct', ['binary_cross_entropy_with_logits'], "TensorFlow's weighted_cross_entropy_with_logits: (1 − t)·x + (1 + (pw − 1)·t)·(log1p(e^−|x|) + max(−x, 0))", {
    binary_cross_entropy_with_logits: (args: BceLogitsArgs) =>
      bceLogitsWith(args, (x, t, pw) => {
        if (!Number.isFinite(x)) return zmul(pw * t, softplus1(-x)) + zmul(1 - t, softplus1(x));
        return (1 - t) * x + (1 + (pw - 1) * t) * (Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0));
      }),
  }),
  {
    id: 'float32-declared',
    bugClass: 'correct',
    ops: ['softmax', 'log_softmax', 'logsumexp', 'sigmoid', 'log_sigmoid', 'softplus', 'sigmoid_backward', 'cross_entropy'],
    description: 'float32 arithmetic (Math.fround after every operation) declared as float32 (verify sends float32-representable inputs)',
    impl: withOps('float32-declared', float32Ops, 'float32'),
  },
];

/** Where each planted bug class was reported in the wild (owner/repo#number on GitHub). */
const SEEN_IN: Record<string, string[]> = {
  'softmax-no-max-shift': ['tensorflow/tensorflow#10142', 'uTensor/uTensor#175', 'deeplearning4j/deeplearning4j-examples#730'],
  'log-softmax-as-log-of-softmax': ['Theano/Theano#2781', 'tracel-ai/burn#315'],
  'cross-entropy-neg-log-softmax': ['Theano/Theano#2781'],
  'bce-logits-via-sigmoid': ['huggingface/candle#2561'],
  'logsumexp-shift-no-special-cases': ['JuliaStats/StatsFuns.jl#22', 'microsoft/onnxruntime#28461', 'HenrikBengtsson/matrixStats#84', 'probcomp/metaprob#156'],
  'softmax-shift-no-special-cases': ['FluxML/NNlib.jl#206'],
  'softmax-all-masked-uniform': ['pytorch/pytorch#131060 (option 1 of the discussion)'],
  'softmax-all-masked-zero': ['pytorch/pytorch#131060 (SDPA _safe_softmax)', 'tracel-ai/burn#4694'],
  'softmax-masked-fill-1e4': ['tracel-ai/burn#4697 (row max floored at -1e4)'],
  'cross-entropy-mean-weights-by-n': ['pytorch/pytorch#40560', 'pytorch/pytorch#25571', 'pytorch/pytorch#8062'],
  'cross-entropy-smoothing-unweighted': ['pytorch/pytorch#104776'],
  'cross-entropy-smoothing-c-minus-1': ['fastai/fastai#1814', 'pytorch/pytorch#7455 (smoothing / (classNum - 1) recipes)'],
  'cross-entropy-all-ignored-zero': ['pytorch/pytorch#70348'],
  'cross-entropy-lse-minus-logit': ['BasisResearch/dynestyx#183', 'jax-ml/jax#985'],
};

export const MATRIX_ENTRIES: readonly MatrixEntry[] = [...BUGS, ...RANGE_BUGS, ...CORRECT].map((e) => (SEEN_IN[e.id] ? { ...e, seenIn: SEEN_IN[e.id] } : e));

export function findEntry(id: string): MatrixEntry | undefined {
  return MATRIX_ENTRIES.find((e) => e.id === id);
}
