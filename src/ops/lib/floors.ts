/**
 * The absolute floors of the tolerance policy (docs/verdicts.md, src/verify/policy.ts): per
 * output, the magnitude of the terms a standard formula cancels or takes the log of, so that
 * errors within u·K_FLOOR·(n + 8)·M are classed "tiny absolute". Each op's record names its
 * floor; the formulas live here because several ops share them.
 */
import {
  isProbabilityTarget,
  type BceWithLogitsArgs,
  type BinaryCrossEntropyArgs,
  type CrossEntropyArgs,
  type ElementBackwardArgs,
  type Matrix,
} from '../../core/args.js';

export const rowsC = (a: { logits: Matrix }) => a.logits[0].length;

export function ceFloor(a: CrossEntropyArgs, backward: boolean): number[] | number {
  const C = a.logits[0].length;
  const w = (c: number) => (a.weight ? a.weight[c] : 1);
  // Σ_c a_{n,c}: the total coefficient of the log-sum of sample n
  const coeff = a.logits.map((_, n) => {
    if (isProbabilityTarget(a.target)) {
      let s = 0;
      for (let c = 0; c < C; c++) s += w(c) * ((1 - a.label_smoothing) * a.target[n][c] + a.label_smoothing / C);
      return s;
    }
    const y = a.target[n];
    if (y === a.ignore_index) return 0;
    let s = (1 - a.label_smoothing) * w(y);
    if (a.label_smoothing > 0) { for (let c = 0; c < C; c++) s += (a.label_smoothing / C) * w(c); }
    return s;
  });
  let D = 1;
  if (a.reduction === 'mean') {
    if (isProbabilityTarget(a.target)) D = a.logits.length;
    else D = a.target.reduce((acc, y) => (y === a.ignore_index ? acc : acc + w(y)), 0) || 1;
  }
  const g = (n: number) => Math.abs(a.reduction === 'none' ? (a.grad_output as number[])[n] : (a.grad_output as number));
  if (backward) return a.logits.flatMap((row, n) => row.map(() => (g(n) * coeff[n]) / D));
  if (a.reduction === 'none') return coeff;
  const total = coeff.reduce((x, y) => x + y, 0);
  return a.reduction === 'sum' ? total : total / D;
}

export function bceFloor(a: BinaryCrossEntropyArgs, backward: boolean): number[] | number {
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
export function softmaxBackwardFloor(a: { logits: Matrix; grad_output: Matrix }): number[] {
  return a.logits.flatMap((x, n) => {
    const p = softmaxRow(x);
    const g = a.grad_output[n];
    const m = rowMax(x);
    const gp = g.reduce((acc, gk, k) => acc + Math.abs(gk) * p[k] * (1 + (Number.isFinite(x[k] - m) ? Math.abs(x[k] - m) : 0)), 0);
    return p.map((pj, j) => pj * (Math.abs(g[j]) + gp));
  });
}

export function logSoftmaxBackwardFloor(a: { logits: Matrix; grad_output: Matrix }): number[] {
  return a.logits.flatMap((x, n) => {
    const p = softmaxRow(x);
    const g = a.grad_output[n];
    const gAbs = g.reduce((acc, gk) => acc + Math.abs(gk), 0);
    return p.map((pj, j) => Math.abs(g[j]) + pj * gAbs);
  });
}

/** σ(x)·g for sigmoid_backward's g·σ·(1 − σ): 1 − σ cancels near saturation (PyTorch's formula) */
export function sigmoidBackwardFloor(a: ElementBackwardArgs): number[] {
  return a.x.map((x, n) => Math.abs(a.grad_output[n]) / (1 + Math.exp(-x)));
}

/**
 * PyTorch's BCE-with-logits, (1 − t)·x + lw·(log1p(e^−|x|) + max(−x, 0)) with
 * lw = (pw − 1)·t + 1, cancels terms of size (1 − t + lw)·|x|; its backward
 * σ(x)·(pw·t + 1 − t) − pw·t cancels terms of size σ·B + pw·t.
 */
export function bceLogitsFloor(a: BceWithLogitsArgs, backward: boolean): number[] | number {
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
