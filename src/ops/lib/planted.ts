/**
 * Helpers of the self-test's planted bugs and correct variants (src/ops/<family>/planted.ts):
 * a configurable shifted row (summation order, TwoSum compensation, log1p or log, reciprocal),
 * loss builders with pluggable per-sample losses and denominators, and where each bug class
 * was reported in the wild. The correct base itself is examples/adapters/correct.mjs.
 */
import {
  analyseRow,
  argmax,
  ceLosses,
  ceSetup,
  ones,
  pairwiseSum,
  plainSum,
  pz,
  reduce,
  reductionOf,
  specialRow,
  sum,
  twoDiff,
  zmul,
  type CeArgs,
  type Matrix,
  type Ops,
  type RowAnalysis,
  type Sum,
  type Vector,
} from '../../../examples/adapters/correct.mjs';
import type { PlantedEntry } from '../types.js';

// ---------------------------------------------------------------------------------------
// a configurable shifted row: the knobs the variants and bugs turn

export interface RowOptions {
  sum: Sum;
  /** add the rounding error of x_j − max back (TwoSum) */
  compensate: boolean;
  /** log S as log1p(S − 1) (true) or log(S) (false: the lost log1p) */
  log1p: boolean;
  /** p = e·(1/S) instead of e/S */
  reciprocal?: boolean;
}

export function shiftedRow(x: readonly number[], o: RowOptions): RowAnalysis {
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

export const rowOps = (row: (x: number[]) => RowAnalysis) => ({
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
export function ceWith(
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

export const negLogLoss = (f: (p: number) => number) => (r: RowAnalysis, a: number[]) =>
  sum(a.map((ac, c) => zmul(ac, -Math.log(f(r.p[c])))));
export const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export interface BceArgs {
  probs: Vector;
  target: Vector;
  weight?: Vector;
  reduction?: 'mean' | 'sum' | 'none';
}
export interface BceLogitsArgs {
  logits: Vector;
  target: Vector;
  weight?: Vector;
  pos_weight?: number;
  reduction?: 'mean' | 'sum' | 'none';
}

export function bceWith(args: BceArgs, loss: (p: number, t: number) => number): number | Vector {
  const w = args.weight ?? ones(args.probs.length);
  const losses = args.probs.map((p, n) => zmul(w[n], loss(p, args.target[n])));
  return reduce(losses, reductionOf(args), args.probs.length);
}

export function bceLogitsWith(args: BceLogitsArgs, loss: (x: number, t: number, pw: number) => number): number | Vector {
  const w = args.weight ?? ones(args.logits.length);
  const pw = args.pos_weight ?? 1;
  const losses = args.logits.map((x, n) => (Number.isNaN(x) ? NaN : zmul(w[n], loss(x, args.target[n], pw))));
  return reduce(losses, reductionOf(args), args.logits.length);
}

export const plainRow = (x: number[]) => shiftedRow(x, { sum: plainSum, compensate: false, log1p: true });
export const pairwiseRow = (x: number[]) => shiftedRow(x, { sum: pairwiseSum, compensate: false, log1p: true });

/** Where each planted bug class was reported in the wild (owner/repo#number on GitHub). */
export const SEEN_IN: Record<string, string[]> = {
  'softmax-no-max-shift': ['tensorflow/tensorflow#10142', 'uTensor/uTensor#175', 'deeplearning4j/deeplearning4j-examples#730'],
  'log-softmax-as-log-of-softmax': ['Theano/Theano#2781', 'tracel-ai/burn#315'],
  'cross-entropy-neg-log-softmax': ['Theano/Theano#2781'],
  'bce-logits-via-sigmoid': ['huggingface/candle#2561'],
  'logsumexp-shift-no-special-cases': [
    'JuliaStats/StatsFuns.jl#22',
    'microsoft/onnxruntime#28461',
    'HenrikBengtsson/matrixStats#84',
    'probcomp/metaprob#156',
  ],
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

/**
 * A planted bug or correct variant: the correct base (examples/adapters/correct.mjs) with the
 * ops in `overrides` replaced. Where the class was seen in the wild comes from SEEN_IN.
 */
export function planted(
  id: string,
  kind: 'bug' | 'correct',
  description: string,
  overrides: Ops,
  extra: { expect?: 'fail' | 'tiny' } = {},
): PlantedEntry {
  return { id, kind, description, overrides, ...extra, ...(SEEN_IN[id] ? { seenIn: SEEN_IN[id] } : {}) };
}
