/**
 * The tolerance policy of `verify` (docs/verdicts.md explains and justifies it).
 *
 * For an output f_i with exact value y_i, an implementation working in a format with unit
 * roundoff u (2^-53 for float64, 2^-24 for float32) passes when
 *
 *     |ŷ_i − y_i| ≤ u·(K_COND·κ_i + K_SUM·(n + 8)·(|y_i| + A_i)) + K_SUM·(n + 8)·η + ulp(y_i)
 *
 * where κ_i = Σ_j |x_j · ∂f_i/∂x_j| over every real-valued input x_j (logits, probabilities,
 * targets, weights, pos_weight, grad_output, label_smoothing). u·κ_i is, to first order, the
 * change of f_i under relative input perturbations of size u: a backward-stable algorithm
 * (the result is exact for inputs perturbed by a few u, the standard notion of a sound
 * algorithm; Higham, ASNA ch. 1) stays within a small multiple of it. This is why the bound
 * grows to hundreds of ULP for logits spread over hundreds (κ ∝ |x|) and shrinks to a few ULP
 * for well-conditioned inputs. n·u·|y| covers recursive summation of n terms
 * (Blanchard, Higham & Higham 2021: the shifted softmax error is ≤ (n + 2 + 2(x_max − x_min))·u);
 * η (half the smallest subnormal) is the absolute error one operation may make in the
 * gradual-underflow range (Higham, ASNA §2.1), and ulp(y_i) the final rounding.
 *
 * Standard formulas also cancel intermediate terms, which is not a perturbation of the inputs:
 * log-probabilities as log(S) with S ≥ 1 (0 for −log1p(s) = −4e−18), BCE's log(1 − p),
 * softmax_backward's p_j·(g_j − ⟨g, p⟩) (u·p_j·(|g_j| + Σ|g_k|p_k) when ⟨g, p⟩ ≈ g_j),
 * log_softmax_backward's g_j − p_j·Σg, cross_entropy_backward's p_j·A − a_j. Errors within
 * that floor, u·K_FLOOR·(n + 8)·M_i with M_i the magnitude of the cancelled terms, are
 * classed "tiny absolute": reported distinctly, failing only with --strict. The main bound
 * stays what backward-stable algorithms achieve.
 *
 * In the subnormal range a result missed by less than the smallest normal number is an
 * underflow artifact (an intermediate underflowed, or the hardware flushes subnormals to
 * zero, as GPU and SIMD kernels do): also "tiny absolute".
 *
 * At the top of the range, a sound algorithm may form intermediates up to
 * F = (n + 1)·max(1, |weights|, pos_weight, |grad_output|) times the result (a weighted sum
 * before its division): ±Infinity where |y|·F exceeds the format's largest finite value is
 * classed "edge overflow", the twin of the tiny class, also failing only with --strict.
 */
import { isProbabilityTarget, type CrossEntropyArgs, type Matrix } from '../core/args.js';
import type { ArgsByOp, OpName } from '../core/catalog.js';

export const K_COND = 4;
export const K_SUM = 2;
export const K_FLOOR = 4;

/** Largest magnitude among the scalar multipliers of an op's args (weights, pos_weight, grad_output). */
export function multiplierScale(args: Record<string, unknown>): number {
  let m = 1;
  for (const k of ['weight', 'pos_weight', 'grad_output']) {
    const v = args[k];
    const vals = typeof v === 'number' ? [v] : Array.isArray(v) ? (v.flat() as number[]) : [];
    for (const x of vals) if (Number.isFinite(x)) m = Math.max(m, Math.abs(x));
  }
  return m;
}

/** How the κ estimate may split the work: rowwise ops are evaluated one row at a time. */
export interface OpPolicy<N extends OpName> {
  /** output row n depends only on row n of every array argument */
  rowwise: boolean;
  /** number of terms a sound algorithm sums to produce an output */
  sumLength(args: ArgsByOp[N]): number;
  /**
   * The absolute floor magnitude M per output (flattened in result order): the size of the
   * terms a standard formula (PyTorch's, SciPy's) cancels or takes the log of; 0 where
   * standard algorithms are accurate in relative terms.
   */
  floor(args: ArgsByOp[N]): number[] | number;
  /** argument names that are real-valued inputs (perturbed for κ); others are indices/options */
  realArgs(args: ArgsByOp[N]): string[];
}

const rowsC = (a: { logits: Matrix }) => a.logits[0].length;

function ceFloor(a: CrossEntropyArgs, backward: boolean): number[] | number {
  const C = a.logits[0].length;
  const w = (c: number) => (a.weight ? a.weight[c] : 1);
  // Σ_c a_{n,c}: the total coefficient of the log-sum of sample n
  const coeff = a.logits.map((_, n) => {
    if (isProbabilityTarget(a.target)) {
      let s = 0;
      for (let c = 0; c < C; c++) s += w(c) * ((1 - a.label_smoothing) * a.target[n][c] + a.label_smoothing / C);
      return s;
    }
    const y = (a.target as number[])[n];
    if (y === a.ignore_index) return 0;
    let s = (1 - a.label_smoothing) * w(y);
    if (a.label_smoothing > 0) for (let c = 0; c < C; c++) s += (a.label_smoothing / C) * w(c);
    return s;
  });
  let D = 1;
  if (a.reduction === 'mean') {
    if (isProbabilityTarget(a.target)) D = a.logits.length;
    else D = (a.target as number[]).reduce((acc, y) => (y === a.ignore_index ? acc : acc + w(y)), 0) || 1;
  }
  const g = (n: number) => Math.abs(a.reduction === 'none' ? (a.grad_output as number[])[n] : (a.grad_output as number));
  if (backward) return a.logits.flatMap((row, n) => row.map(() => (g(n) * coeff[n]) / D));
  if (a.reduction === 'none') return coeff;
  const total = coeff.reduce((x, y) => x + y, 0);
  return a.reduction === 'sum' ? total : total / D;
}

function bceFloor(a: ArgsByOp['binary_cross_entropy'], backward: boolean): number[] | number {
  if (backward) return 0;
  // log(1 − p) computed directly loses ~u absolute: M_n = w_n·(1 − t_n)
  const m = a.probs.map((_, n) => (a.weight ? a.weight[n] : 1) * (1 - a.target[n]));
  if (a.reduction === 'none') return m;
  const total = m.reduce((x, y) => x + y, 0);
  return a.reduction === 'sum' ? total : total / a.probs.length;
}

/** the largest non-NaN entry (a loop: spreading a row of 10^5+ entries into Math.max throws) */
function rowMax(x: number[]): number {
  let m = -Infinity;
  for (const v of x) if (v > m) m = v;
  return m;
}

/** softmax of a row in float64 (magnitudes only): shifted, masked entries 0, NaN-free */
function softmaxRow(x: number[]): number[] {
  const m = rowMax(x);
  if (!Number.isFinite(m)) return x.map(() => 0);
  const e = x.map((v) => (Number.isNaN(v) ? 0 : Math.exp(v - m)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * A computed p_k carries relative error ≤ (|x_k − max| + n + 2)·u (BHH 2021), so ⟨g, p⟩'s
 * absolute error is ≲ u·Σ|g_k|·p_k·(1 + |x_k − max|) beyond the summation term.
 */
function softmaxBackwardFloor(a: { logits: Matrix; grad_output: Matrix }): number[] {
  return a.logits.flatMap((x, n) => {
    const p = softmaxRow(x);
    const g = a.grad_output[n];
    const m = rowMax(x);
    const gp = g.reduce((acc, gk, k) => acc + Math.abs(gk) * p[k] * (1 + (Number.isFinite(x[k] - m) ? Math.abs(x[k] - m) : 0)), 0);
    return p.map((pj, j) => pj * (Math.abs(g[j]) + gp));
  });
}

function logSoftmaxBackwardFloor(a: { logits: Matrix; grad_output: Matrix }): number[] {
  return a.logits.flatMap((x, n) => {
    const p = softmaxRow(x);
    const g = a.grad_output[n];
    const gAbs = g.reduce((acc, gk) => acc + Math.abs(gk), 0);
    return p.map((pj, j) => Math.abs(g[j]) + pj * gAbs);
  });
}

/** σ(x)·g for sigmoid_backward's g·σ·(1 − σ): 1 − σ cancels near saturation (PyTorch's formula) */
function sigmoidBackwardFloor(a: ArgsByOp['sigmoid_backward']): number[] {
  return a.x.map((x, n) => Math.abs(a.grad_output[n]) / (1 + Math.exp(-x)));
}

/**
 * PyTorch's BCE-with-logits, (1 − t)·x + lw·(log1p(e^−|x|) + max(−x, 0)) with
 * lw = (pw − 1)·t + 1, cancels terms of size (1 − t + lw)·|x|; its backward
 * σ(x)·(pw·t + 1 − t) − pw·t cancels terms of size σ·B + pw·t.
 */
function bceLogitsFloor(a: ArgsByOp['binary_cross_entropy_with_logits'], backward: boolean): number[] | number {
  const N = a.logits.length;
  const D = a.reduction === 'mean' ? N : 1;
  const m = a.logits.map((x, n) => {
    const t = a.target[n];
    const w = a.weight ? a.weight[n] : 1;
    const pw = a.pos_weight;
    if (!Number.isFinite(x)) return 0;
    if (backward) {
      const g = Math.abs(a.reduction === 'none' ? (a.grad_output as number[])[n] : (a.grad_output as number));
      const sig = 1 / (1 + Math.exp(-x));
      return (g * w * (sig * (pw * t + 1 - t) + pw * t)) / D;
    }
    return w * (1 - t + (pw - 1) * t + 1) * Math.abs(x);
  });
  if (backward || a.reduction === 'none') return m;
  const total = m.reduce((x, y) => x + y, 0);
  return a.reduction === 'sum' ? total : total / N;
}

const ROW_REAL = () => ['logits'];
const ELEM_REAL = () => ['x'];

export const POLICIES: { [N in OpName]: OpPolicy<N> } = {
  softmax: { rowwise: true, sumLength: rowsC, floor: () => 0, realArgs: ROW_REAL },
  log_softmax: { rowwise: true, sumLength: rowsC, floor: () => 1, realArgs: ROW_REAL },
  logsumexp: { rowwise: true, sumLength: rowsC, floor: () => 1, realArgs: ROW_REAL },
  sigmoid: { rowwise: true, sumLength: () => 1, floor: () => 0, realArgs: ELEM_REAL },
  log_sigmoid: { rowwise: true, sumLength: () => 1, floor: () => 0, realArgs: ELEM_REAL },
  softplus: { rowwise: true, sumLength: () => 1, floor: () => 0, realArgs: ELEM_REAL },
  cross_entropy: {
    rowwise: false,
    sumLength: (a) => a.logits.length * a.logits[0].length,
    floor: (a) => ceFloor(a, false),
    realArgs: (a) => ['logits', 'weight', 'label_smoothing', ...(isProbabilityTarget(a.target) ? ['target'] : [])],
  },
  nll_loss: {
    rowwise: false,
    sumLength: (a) => a.log_probs.length,
    floor: () => 0,
    realArgs: () => ['log_probs', 'weight'],
  },
  binary_cross_entropy: {
    rowwise: false,
    sumLength: (a) => a.probs.length,
    floor: (a) => bceFloor(a, false),
    realArgs: () => ['probs', 'target', 'weight'],
  },
  binary_cross_entropy_with_logits: {
    rowwise: false,
    sumLength: (a) => a.logits.length,
    floor: (a) => bceLogitsFloor(a, false),
    realArgs: () => ['logits', 'target', 'weight', 'pos_weight'],
  },
  softmax_backward: {
    rowwise: true, sumLength: rowsC, floor: softmaxBackwardFloor, realArgs: () => ['logits', 'grad_output'],
  },
  log_softmax_backward: {
    rowwise: true, sumLength: rowsC, floor: logSoftmaxBackwardFloor, realArgs: () => ['logits', 'grad_output'],
  },
  sigmoid_backward: { rowwise: true, sumLength: () => 1, floor: sigmoidBackwardFloor, realArgs: () => ['x', 'grad_output'] },
  cross_entropy_backward: {
    rowwise: false,
    sumLength: (a) => a.logits.length * a.logits[0].length,
    floor: (a) => ceFloor(a, true),
    realArgs: (a) => [
      'logits', 'weight', 'label_smoothing', 'grad_output', ...(isProbabilityTarget(a.target) ? ['target'] : []),
    ],
  },
  binary_cross_entropy_backward: {
    rowwise: false,
    sumLength: (a) => a.probs.length,
    floor: (a) => bceFloor(a, true),
    realArgs: () => ['probs', 'target', 'weight', 'grad_output'],
  },
  binary_cross_entropy_with_logits_backward: {
    rowwise: false,
    sumLength: (a) => a.logits.length,
    floor: (a) => bceLogitsFloor(a, true),
    realArgs: () => ['logits', 'target', 'weight', 'pos_weight', 'grad_output'],
  },
};

export function policyFor<N extends OpName>(op: N): OpPolicy<N> {
  return POLICIES[op] as OpPolicy<N>;
}
