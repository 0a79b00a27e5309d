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
import { getRecord, type OpName } from '../ops/registry.js';
import type { OpPolicy } from '../ops/types.js';

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

/** The policy facts of an op (its record's `policy`). */
export function policyFor(op: OpName): OpPolicy<Record<string, unknown>> {
  return getRecord(op).policy;
}
