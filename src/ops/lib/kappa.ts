/**
 * Condition numbers κ_i = Σ_j |x_j · ∂f_i/∂x_j| of the row ops in closed form, in O(C log C)
 * per row. verify's estimate (src/verify/condition.ts) perturbs every input and re-evaluates
 * the op: O(C²) per row, which is minutes at C = 10^4. The audit's width sweep uses these
 * formulas for wide rows instead and hands κ to the same verdict (judgeResult); for small rows
 * it uses verify's estimate. test/audit.test.ts checks that the two agree.
 *
 * Like the estimate, an input that is 0 or non-finite is not perturbed (it contributes 0).
 * With p = softmax(x), a_j = |x_j|, A = Σ a_j p_j, and Σ' a sum over j ≠ i (formed from prefix
 * and suffix sums, so that 1 − p_i = Σ' p_j does not cancel when p_i ≈ 1):
 *   softmax_i           p_i·(a_i·Σ' p_j + Σ' a_j p_j)
 *   log_softmax_i       a_i·Σ' p_j + Σ' a_j p_j
 *   logsumexp           A
 *   softmax_backward_i  y_i = p_i(g_i − ḡ): p_i·(|g_i|·Σ' p_j + Σ' |g_j| p_j)
 *                       + a_i p_i |h_i||1 − 2p_i| + p_i·Σ' a_j p_j |h_i + h_j|,  h = g − ḡ
 *   log_softmax_back._i y_i = g_i − p_i·Σg: |g_i|·Σ' p_j + p_i·Σ' |g_j| + |Σg|·κ(softmax)_i
 *   cross_entropy       (index targets, no weights, no smoothing) Σ_n κ(log_softmax)_{n,y_n} / D
 *   cross_entropy_back. (same) |g_n|/D·(κ(softmax)_{n,j} + |p_j − [j = y_n]|)
 */
import { isProbabilityTarget, type CrossEntropyArgs, type RowsArgs, type RowsBackwardArgs } from '../../core/args.js';
import type { ClosedFormKappa } from '../types.js';

function softmaxRow(x: number[]): number[] {
  let m = -Infinity;
  for (const v of x) if (v > m) m = v;
  if (!Number.isFinite(m)) return x.map(() => 0);
  const e = x.map((v) => Math.exp(v - m));
  let s = 0;
  for (const v of e) s += v;
  return e.map((v) => v / s);
}

const mag = (v: number) => (v === 0 || !Number.isFinite(v) ? 0 : Math.abs(v));

interface RowStats {
  p: number[];
  a: number[];
  A: number;
  /** Σ_{j≠i} p_j (= 1 − p_i without cancellation) */
  pex: number[];
  /** Σ_{j≠i} a_j·p_j */
  aex: number[];
  /** κ of softmax per entry: p_i·(a_i·Σ_{j≠i} p_j + Σ_{j≠i} a_j p_j) */
  ks: number[];
}

/** Σ_{j≠i} v_j for every i, from prefix and suffix sums (no cancellation for v ≥ 0). */
function exclusiveSums(v: number[]): number[] {
  const n = v.length;
  const pre = new Array<number>(n + 1).fill(0);
  const suf = new Array<number>(n + 1).fill(0);
  for (let j = 0; j < n; j++) pre[j + 1] = pre[j] + v[j];
  for (let j = n - 1; j >= 0; j--) suf[j] = suf[j + 1] + v[j];
  return v.map((_, i) => pre[i] + suf[i + 1]);
}

function rowStats(x: number[]): RowStats {
  const p = softmaxRow(x);
  const a = x.map(mag);
  const ap = a.map((aj, j) => aj * p[j]);
  let A = 0;
  for (const v of ap) A += v;
  const pex = exclusiveSums(p);
  const aex = exclusiveSums(ap);
  const ks = p.map((pi, i) => pi * (a[i] * pex[i] + aex[i]));
  return { p, a, A, pex, aex, ks };
}

/** Σ_j w_j·|h_j − q| for many q: sorted h with prefix sums of w and w·h. */
function absSums(h: number[], w: number[]): (q: number) => number {
  const idx = h.map((_, i) => i).sort((i, j) => h[i] - h[j]);
  const hs = idx.map((i) => h[i]);
  const W = [0];
  const WH = [0];
  for (const i of idx) {
    W.push(W[W.length - 1] + w[i]);
    WH.push(WH[WH.length - 1] + w[i] * h[i]);
  }
  const n = hs.length;
  return (q) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (hs[mid] < q) lo = mid + 1;
      else hi = mid;
    }
    const below = q * W[lo] - WH[lo];
    const above = WH[n] - WH[lo] - q * (W[n] - W[lo]);
    return Math.max(0, below + above);
  };
}

function softmaxBackwardRow(x: number[], g: number[]): number[] {
  const { p, a, pex } = rowStats(x);
  const c = g.map(mag);
  let gbar = 0;
  for (let j = 0; j < x.length; j++) if (p[j] !== 0) gbar += g[j] * p[j];
  const cex = exclusiveSums(c.map((cj, j) => cj * p[j]));
  const h = g.map((v) => v - gbar);
  const w = a.map((aj, j) => aj * p[j]);
  const sumAbs = absSums(h, w);
  return p.map((pi, i) => {
    const gPart = pi * (c[i] * pex[i] + cex[i]);
    const self = a[i] * pi * Math.abs(h[i]) * Math.abs(1 - 2 * pi);
    const others = pi * Math.max(0, sumAbs(-h[i]) - w[i] * Math.abs(2 * h[i]));
    return gPart + self + others;
  });
}

function logSoftmaxBackwardRow(x: number[], g: number[]): number[] {
  const { p, pex, ks } = rowStats(x);
  const c = g.map(mag);
  let G = 0;
  for (const v of g) G += v;
  const scex = exclusiveSums(c);
  return p.map((pi, i) => c[i] * pex[i] + pi * scex[i] + Math.abs(G) * ks[i]);
}

const always = () => true;

export const softmaxKappa: ClosedFormKappa<RowsArgs> = {
  applies: always,
  values: (a) => a.logits.flatMap((x) => rowStats(x).ks),
};

export const logSoftmaxKappa: ClosedFormKappa<RowsArgs> = {
  applies: always,
  values: (a) =>
    a.logits.flatMap((x) => {
      const { a: mags, pex, aex } = rowStats(x);
      // −Infinity at a masked entry: no condition number (the estimate skips non-finite outputs)
      return x.map((xi, i) => (xi === -Infinity ? 0 : mags[i] * pex[i] + aex[i]));
    }),
};

export const logsumexpKappa: ClosedFormKappa<RowsArgs> = {
  applies: always,
  values: (a) => a.logits.map((x) => rowStats(x).A),
};

export const softmaxBackwardKappa: ClosedFormKappa<RowsBackwardArgs> = {
  applies: always,
  values: (a) => a.logits.flatMap((x, n) => softmaxBackwardRow(x, a.grad_output[n])),
};

export const logSoftmaxBackwardKappa: ClosedFormKappa<RowsBackwardArgs> = {
  applies: always,
  values: (a) => a.logits.flatMap((x, n) => logSoftmaxBackwardRow(x, a.grad_output[n])),
};

/** class-index targets without weights or label smoothing */
const plainCe = (a: CrossEntropyArgs) => !isProbabilityTarget(a.target) && a.weight === undefined && a.label_smoothing === 0;
const meanDenominator = (a: CrossEntropyArgs) => {
  const kept = (a.target as number[]).filter((y) => y !== a.ignore_index).length;
  return a.reduction === 'mean' ? kept : 1;
};

export const crossEntropyKappa: ClosedFormKappa<CrossEntropyArgs> = {
  applies: plainCe,
  values: (a) => {
    const target = a.target as number[];
    const D = meanDenominator(a);
    const per = a.logits.map((x, n) => {
      if (target[n] === a.ignore_index) return 0;
      const { a: mags, pex, aex } = rowStats(x);
      const y = target[n];
      return mags[y] * pex[y] + aex[y];
    });
    if (a.reduction === 'none') return per;
    return [per.reduce((s, v) => s + v, 0) / (D || 1)];
  },
};

export const crossEntropyBackwardKappa: ClosedFormKappa<CrossEntropyArgs> = {
  applies: plainCe,
  values: (a) => {
    const target = a.target as number[];
    const D = meanDenominator(a);
    const g = (n: number) => Math.abs(a.reduction === 'none' ? (a.grad_output as number[])[n] : (a.grad_output as number));
    return a.logits.flatMap((x, n) => {
      if (target[n] === a.ignore_index) return x.map(() => 0);
      const { p, ks } = rowStats(x);
      const y = target[n];
      return p.map((pj, j) => (g(n) / (D || 1)) * (ks[j] + Math.abs(pj - (j === y ? 1 : 0))));
    });
  },
};
