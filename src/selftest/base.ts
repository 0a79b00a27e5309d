/**
 * The correct float64 base of the kill matrix: every catalog op in plain JavaScript,
 * adapted from examples/adapters/correct.mjs (max-shifted exponentials with the shift error
 * compensated, log1p of the normaliser, fused cross-entropy, Neumaier sums, the
 * zero-coefficient rule and the special values of docs/semantics.md).
 *
 * The planted bugs and the correct variants of bugs.ts replace one op (or one op pair) of
 * this base, so each entry differs from a correct implementation in exactly one place. The
 * helpers are exported for them: the summations, the special-value table of a row
 * (`specialRow`), the cross-entropy coefficients (`ceSetup`) and the reductions.
 *
 * Arguments arrive as the user-visible args of the catalog, so defaults are applied here:
 * reduction 'mean', ignore_index -100, label_smoothing 0, pos_weight 1, weight all ones,
 * grad_output 1 (mean / sum) or ones [N] (none).
 */
import type { OpName } from '../core/catalog.js';
import type { Implementation } from '../verify/adapter-inprocess.js';

export type Matrix = number[][];
export type Vector = number[];
/** An op of an implementation object: normalised-ish args in, nested arrays / a number out. */
// oxlint-disable-next-line typescript/no-explicit-any -- each op declares its own args type: only an `any` parameter accepts them all
export type OpFn = (args: any) => unknown;
export type Ops = Partial<Record<OpName, OpFn>>;

// ---------------------------------------------------------------------------------------
// summation

export type Sum = (xs: readonly number[]) => number;

/** Neumaier-compensated sum; infinities and NaN propagate as in a plain sum. */
export const neumaierSum: Sum = (xs) => {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
};

/** Recursive summation, left to right. */
export const plainSum: Sum = (xs) => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

/** Recursive summation, right to left (a different but equally sound order). */
export const reverseSum: Sum = (xs) => {
  let s = 0;
  for (let i = xs.length - 1; i >= 0; i--) s += xs[i];
  return s;
};

/** Pairwise (cascade) summation, as numpy and most GPU reductions do it. */
export const pairwiseSum: Sum = (xs) => {
  const rec = (lo: number, hi: number): number => {
    if (hi - lo <= 2) {
      let s = 0;
      for (let i = lo; i < hi; i++) s += xs[i];
      return s;
    }
    const mid = (lo + hi) >> 1;
    return rec(lo, mid) + rec(mid, hi);
  };
  return rec(0, xs.length);
};

export const sum = neumaierSum;

/** a − b as an unevaluated pair hi + lo (TwoSum), for finite a, b */
export function twoDiff(a: number, b: number): [number, number] {
  const hi = a - b;
  const bb = hi - a;
  const lo = a - (hi - bb) + (-b - bb);
  return [hi, lo];
}

/** the zero-coefficient rule: 0 · anything = 0 (including ±Infinity and NaN from 0/0) */
export const zmul = (coef: number, v: number): number => (coef === 0 ? 0 : coef * v);
/** outputs that are exactly zero are +0 in the forward ops */
export const pz = (v: number): number => (v === 0 ? 0 : v);
export const ones = (n: number): number[] => new Array<number>(n).fill(1);

export function sigmoid1(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x); // x < 0 or NaN
  return e / (1 + e);
}

export function softplus1(x: number): number {
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|); both terms >= 0, no cancellation
  if (Number.isNaN(x)) return NaN;
  if (x > 0) return x + Math.log1p(Math.exp(-x));
  return Math.log1p(Math.exp(x));
}

/** log(1 − p) for p in [0, 1], accurate for small p */
export const log1m = (p: number): number => (p < 0.5 ? Math.log1p(-p) : Math.log(1 - p));

// ---------------------------------------------------------------------------------------
// one row of logits

export interface RowAnalysis {
  /** softmax */
  p: number[];
  /** log_softmax */
  lsm: number[];
  /** logsumexp */
  lse: number;
  /** 1 − p_j without cancellation */
  q: (j: number) => number;
  nan: boolean;
}

/**
 * The rows of the special-value table of docs/semantics.md: a NaN, one or more +Infinity,
 * every entry −Infinity. null for a row with a finite maximum (−Infinity entries allowed).
 */
export function specialRow(x: readonly number[]): RowAnalysis | null {
  const C = x.length;
  let nan = false;
  let posInf = 0;
  let finite = false;
  for (const v of x) {
    if (Number.isNaN(v)) nan = true;
    else if (v === Infinity) posInf++;
    else if (v !== -Infinity) finite = true;
  }
  if (nan) {
    const n = new Array<number>(C).fill(NaN);
    return { p: n, lsm: n, lse: NaN, q: () => NaN, nan: true };
  }
  if (posInf > 0) {
    // one +inf takes all the mass; two or more: the split depends on the path (NaN there)
    const at = posInf === 1 ? 1 : NaN;
    const p = x.map((v) => (v === Infinity ? at : 0));
    const lsm = x.map((v) => (v === Infinity ? (posInf === 1 ? 0 : NaN) : -Infinity));
    return { p, lsm, lse: Infinity, q: (j) => 1 - p[j], nan: false };
  }
  if (!finite) {
    // every entry masked: no limit for softmax; log Σ exp = log 0
    const n = new Array<number>(C).fill(NaN);
    return { p: n, lsm: n, lse: -Infinity, q: () => NaN, nan: false };
  }
  return null;
}

/** Index of the largest finite entry of a row that has one. */
export function argmax(x: readonly number[]): number {
  let k = -1;
  let m = -Infinity;
  for (let j = 0; j < x.length; j++) {
    if (x[j] > m) {
      m = x[j];
      k = j;
    }
  }
  return k;
}

/**
 * Everything the row ops need: p (softmax), lsm (log_softmax), lse (logsumexp) and q(j) =
 * 1 − p_j computed without cancellation. Follows the special-value table of the semantics.
 */
export function analyseRow(x: readonly number[]): RowAnalysis {
  const special = specialRow(x);
  if (special) return special;
  const C = x.length;
  const k = argmax(x);
  const m = x[k];
  const e = new Array<number>(C);
  const hiArr = new Array<number>(C);
  const loArr = new Array<number>(C);
  for (let j = 0; j < C; j++) {
    if (x[j] === -Infinity) {
      e[j] = 0;
      hiArr[j] = -Infinity;
      loArr[j] = 0;
      continue;
    }
    const [hi, lo] = twoDiff(x[j], m);
    hiArr[j] = hi;
    if (hi === -Infinity) {
      // the difference overflows: exp is 0 and the log-probability −Infinity
      e[j] = 0;
      loArr[j] = 0;
      continue;
    }
    loArr[j] = lo;
    // exp(hi + lo) = exp(hi)·(1 + lo + …), |lo| <= ulp(hi)/2
    e[j] = Math.exp(hi) * (1 + lo);
  }
  e[k] = 1;
  hiArr[k] = 0;
  loArr[k] = 0;
  const S = sum(e);
  const others = (skip: number) => sum(e.filter((_, j) => j !== skip));
  const L = Math.log1p(others(k)); // log S, accurate when S is close to 1
  const p = e.map((v) => v / S);
  const lsm = hiArr.map((hi, j) => (hi === -Infinity ? -Infinity : hi - L + loArr[j]));
  lsm[k] = -L;
  return { p, lsm, lse: m + L, q: (j) => others(j) / S, nan: false };
}

// ---------------------------------------------------------------------------------------
// argument helpers

export type Reduction = 'mean' | 'sum' | 'none';

export function reductionOf(args: { reduction?: unknown }): Reduction {
  const r = args.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new Error(`reduction = ${JSON.stringify(r)} must be mean, sum or none`);
  return r;
}

/** grad_output per sample: the number for mean / sum, element n for none */
export function lossGrad(args: { reduction?: unknown; grad_output?: number | number[] }, n: number): number[] {
  const red = reductionOf(args);
  if (red === 'none') return (args.grad_output as number[] | undefined) ?? ones(n);
  return new Array<number>(n).fill((args.grad_output as number | undefined) ?? 1);
}

export function reduce(losses: number[], red: Reduction, denominator: number, s: Sum = sum): number | number[] {
  if (red === 'none') return losses.map(pz);
  const total = s(losses);
  if (red === 'sum') return pz(total);
  return denominator === 0 ? NaN : pz(total / denominator);
}

export const isProbTarget = (t: unknown[]): t is number[][] => t.length > 0 && Array.isArray(t[0]);

export interface CeArgs {
  logits: Matrix;
  target: Vector | Matrix;
  weight?: Vector;
  ignore_index?: number;
  reduction?: Reduction;
  label_smoothing?: number;
  grad_output?: number | Vector;
}

export interface CeSetup {
  logits: Matrix;
  N: number;
  C: number;
  /** a_{n,c} = w_c·((1−ε)·target + ε/C) */
  coef: number[][];
  ignored: boolean[];
  red: Reduction;
  /** the mean denominator (1 for sum / none) */
  D: number;
  prob: boolean;
  /** the class-index targets (empty for probability targets) */
  y: number[];
}

/** Cross-entropy coefficients a_{n,c}, the mean denominator and the ignored rows. */
export function ceSetup(args: CeArgs): CeSetup {
  const logits = args.logits;
  const N = logits.length;
  const C = logits[0].length;
  const w = args.weight ?? ones(C);
  const eps = args.label_smoothing ?? 0;
  const ignore = args.ignore_index ?? -100;
  const red = reductionOf(args);
  const prob = isProbTarget(args.target);
  const coef: number[][] = [];
  const ignored: boolean[] = [];
  const dTerms: number[] = [];
  const y: number[] = [];
  for (let n = 0; n < N; n++) {
    const a = new Array<number>(C);
    if (prob) {
      const t = (args.target as Matrix)[n];
      for (let c = 0; c < C; c++) a[c] = w[c] * ((1 - eps) * t[c] + eps / C);
      ignored.push(false);
    } else {
      const yn = (args.target as Vector)[n];
      y.push(yn);
      ignored.push(yn === ignore);
      for (let c = 0; c < C; c++) a[c] = w[c] * ((c === yn ? 1 - eps : 0) + eps / C);
      if (yn !== ignore) dTerms.push(w[yn]);
    }
    coef.push(a);
  }
  // mean: PyTorch's weighted mean for class indices, N for probabilities
  const D = red !== 'mean' ? 1 : prob ? N : sum(dTerms);
  return { logits, N, C, coef, ignored, red, D, prob, y };
}

/** Cross-entropy losses per sample from a row analysis (log_softmax) and the coefficients. */
export function ceLosses(s: CeSetup, row: (x: number[]) => RowAnalysis = analyseRow): number[] {
  return s.logits.map((x, n) => {
    if (s.ignored[n]) return 0;
    const r = row(x);
    if (r.nan) return NaN;
    return sum(s.coef[n].map((a, c) => zmul(a, -r.lsm[c])));
  });
}

interface BceArgs {
  probs: Vector;
  target: Vector;
  weight?: Vector;
  reduction?: Reduction;
  grad_output?: number | Vector;
}

interface BceLogitsArgs {
  logits: Vector;
  target: Vector;
  weight?: Vector;
  pos_weight?: number;
  reduction?: Reduction;
  grad_output?: number | Vector;
}

// ---------------------------------------------------------------------------------------
// the ops

export const baseOps = {
  softmax({ logits }: { logits: Matrix }): Matrix {
    return logits.map((row) => analyseRow(row).p.map(pz));
  },

  log_softmax({ logits }: { logits: Matrix }): Matrix {
    return logits.map((row) => analyseRow(row).lsm.map(pz));
  },

  logsumexp({ logits }: { logits: Matrix }): Vector {
    return logits.map((row) => pz(analyseRow(row).lse));
  },

  sigmoid({ x }: { x: Vector }): Vector {
    return x.map((v) => pz(sigmoid1(v)));
  },

  log_sigmoid({ x }: { x: Vector }): Vector {
    return x.map((v) => pz(-softplus1(-v)));
  },

  softplus({ x }: { x: Vector }): Vector {
    return x.map((v) => pz(softplus1(v)));
  },

  cross_entropy(args: CeArgs): number | Vector {
    const s = ceSetup(args);
    return reduce(ceLosses(s), s.red, s.D);
  },

  nll_loss(args: { log_probs: Matrix; target: Vector; weight?: Vector; ignore_index?: number; reduction?: Reduction }): number | Vector {
    const lp = args.log_probs;
    const w = args.weight ?? ones(lp[0].length);
    const ignore = args.ignore_index ?? -100;
    const red = reductionOf(args);
    const dTerms: number[] = [];
    const losses = lp.map((row, n) => {
      const y = args.target[n];
      if (y === ignore) return 0;
      dTerms.push(w[y]);
      if (Number.isNaN(row[y])) return NaN;
      return zmul(w[y], -row[y]);
    });
    return reduce(losses, red, red === 'mean' ? sum(dTerms) : 1);
  },

  binary_cross_entropy(args: BceArgs): number | Vector {
    const { probs, target } = args;
    const w = args.weight ?? ones(probs.length);
    const red = reductionOf(args);
    const losses = probs.map((p, n) => {
      const t = target[n];
      const l = zmul(t, -Math.log(p)) + zmul(1 - t, -log1m(p));
      return zmul(w[n], l);
    });
    return reduce(losses, red, probs.length);
  },

  binary_cross_entropy_with_logits(args: BceLogitsArgs): number | Vector {
    const { logits, target } = args;
    const w = args.weight ?? ones(logits.length);
    const pw = args.pos_weight ?? 1;
    const red = reductionOf(args);
    const losses = logits.map((x, n) => {
      if (Number.isNaN(x)) return NaN;
      const t = target[n];
      // −log σ(x) = softplus(−x), −log σ(−x) = softplus(x): two non-negative terms
      const l = zmul(pw * t, softplus1(-x)) + zmul(1 - t, softplus1(x));
      return zmul(w[n], l);
    });
    return reduce(losses, red, logits.length);
  },

  softmax_backward({ logits, grad_output }: { logits: Matrix; grad_output: Matrix }): Matrix {
    return logits.map((row, n) => {
      const r = analyseRow(row);
      const g = grad_output[n];
      if (r.nan) return row.map(() => NaN);
      // the zero-coefficient rule keeps finite entries of a two-+inf row at 0
      const dot = sum(r.p.map((p, j) => zmul(p, g[j])));
      return r.p.map((p, j) => zmul(p, g[j] - dot));
    });
  },

  log_softmax_backward({ logits, grad_output }: { logits: Matrix; grad_output: Matrix }): Matrix {
    return logits.map((row, n) => {
      const r = analyseRow(row);
      const g = grad_output[n];
      if (r.nan) return row.map(() => NaN);
      const gs = sum(g);
      return r.p.map((p, j) => g[j] - zmul(p, gs));
    });
  },

  sigmoid_backward({ x, grad_output }: { x: Vector; grad_output: Vector }): Vector {
    return x.map((v, n) => {
      // σ(x)·(1 − σ(x)) = e/(1 + e)² with e = exp(−|x|): no cancellation
      const e = Math.exp(-Math.abs(v));
      const d = e / ((1 + e) * (1 + e));
      return grad_output[n] * d;
    });
  },

  cross_entropy_backward(args: CeArgs): Matrix {
    const s = ceSetup(args);
    const g = lossGrad(args, s.N);
    return s.logits.map((row, n) => {
      if (s.ignored[n]) return row.map(() => 0);
      const r = analyseRow(row);
      if (r.nan || s.D === 0) return row.map(() => NaN);
      const a = s.coef[n];
      const A = sum(a);
      const scale = g[n] / s.D;
      const out = r.p.map((p, c) => (zmul(A, p) - a[c]) * scale);
      if (!s.prob) {
        // target class: p_y·A − a_y = (A − a_y) − A·(1 − p_y), with 1 − p_y without cancellation
        const y = s.y[n];
        const rest = sum(a.filter((_, c) => c !== y));
        out[y] = (rest - zmul(A, r.q(y))) * scale;
      }
      return out;
    });
  },

  binary_cross_entropy_backward(args: BceArgs): Vector {
    const { probs, target } = args;
    const N = probs.length;
    const w = args.weight ?? ones(N);
    const red = reductionOf(args);
    const g = lossGrad(args, N);
    const D = red === 'mean' ? N : 1;
    return probs.map((p, n) => {
      const t = target[n];
      let d: number;
      if (t === 0) d = 1 / (1 - p); // −t/p vanishes (zero coefficient), also at p = 0
      else if (t === 1) d = -1 / p;
      else if (p === 0 || p === 1) d = -t / p + (1 - t) / (1 - p);
      else d = (p - t) / (p * (1 - p));
      return (g[n] * zmul(w[n], d)) / D;
    });
  },

  binary_cross_entropy_with_logits_backward(args: BceLogitsArgs): Vector {
    const { logits, target } = args;
    const N = logits.length;
    const w = args.weight ?? ones(N);
    const pw = args.pos_weight ?? 1;
    const red = reductionOf(args);
    const g = lossGrad(args, N);
    const D = red === 'mean' ? N : 1;
    return logits.map((x, n) => {
      if (Number.isNaN(x)) return NaN;
      const t = target[n];
      // σ(x)·(pw·t + 1 − t) − pw·t = (1 − t)·σ(x) − pw·t·σ(−x)
      const d = zmul(1 - t, sigmoid1(x)) - zmul(pw * t, sigmoid1(-x));
      return (g[n] * zmul(w[n], d)) / D;
    });
  },
} satisfies Record<OpName, OpFn>;

/** The base with some ops replaced: `{ name, dtype, ops }` for the in-process adapter. */
export function withOps(name: string, overrides: Ops, dtype: 'float64' | 'float32' = 'float64'): Implementation {
  return { name, dtype, ops: { ...baseOps, ...overrides } as Implementation['ops'] };
}

/** The base implementation object. */
export const baseImplementation: Implementation = withOps('selftest-base', {});
