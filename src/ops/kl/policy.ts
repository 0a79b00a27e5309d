/**
 * kl_div's tolerance policy, in the shape of src/verify/policy.ts's POLICIES entries
 * (rowwise, sumLength, floor, realArgs), for the three ops of this folder.
 *
 * realArgs: input and target are real in both modes (a relative perturbation of t = 0 or of
 * t = −∞ leaves it alone, which is right: the zero-coefficient rule makes those terms exact);
 * grad_output is real for the backward ops.
 *
 * sumLength: a reduced loss sums N·C terms; 'none' sums nothing. The backward ops sum nothing
 * either, but their outputs are a product divided by D (N·C for mean, N for batchmean): the
 * undivided product is D times the result, and verify's edge-overflow class
 * (policy.ts: intermediates up to (n + 1)·max(1, |grad_output|) times the result) must see
 * that, so their sumLength is D. (-e^t·g/D at t = 710 overflows before the division while the
 * result, e^710/4, is finite: a sound implementation, classed edge overflow, not wrong.)
 *
 * floor (the magnitude M of what a standard formula cancels; policy.ts grants u·K_FLOOR·(n + 8)·M
 * as "tiny absolute"):
 *  - forward, log_target = false: PyTorch's xlogy(t, t) − t·x rounds t·log t and t·x
 *    separately before they cancel (a loss near 0 when x ≈ log t): M = Σ(|t·log t| + |t·x|)/D.
 *    The same sum bounds the terms of mixed signs a reduction adds (Σ|ℓ| ≤ Σ|t·log t| + |t·x|).
 *  - forward, log_target = true: exp(t)·(t − x) has no cancellation inside a term (t − x is
 *    one rounding, relative), but the terms of a reduction have mixed signs: M = Σ|e^t·(t − x)|/D.
 *  - d/d input: −t·g/D (or −e^t·g/D), one product: M = 0.
 *  - d/d target: g·(log t + 1 − x)/D cancels log t, 1 and x: M = |g|·(|log t| + 1 + |x|)/D
 *    (log_target: |g|·e^t·(|t| + 1 + |x|)/D); 0 where the value is exactly 0 (t = 0, e^t = 0).
 * Non-finite magnitudes are 0: those outputs are special values, judged exactly.
 */
import { gradAt, reductionDenominator, type KlDivArgs, type KlOpName } from './args.js';

/** src/verify/policy.ts's OpPolicy, for KlDivArgs (the registry will make it generic) */
export interface KlPolicy {
  /** output row n depends only on row n of every array argument */
  rowwise: boolean;
  /** number of terms a sound algorithm sums to produce an output */
  sumLength(args: KlDivArgs): number;
  /** the absolute floor magnitude M per output (flattened in result order), or one number */
  floor(args: KlDivArgs): number[] | number;
  /** argument names that are real-valued inputs (perturbed for κ) */
  realArgs(args: KlDivArgs): string[];
}

const finite = (v: number): number => (Number.isFinite(v) ? v : 0);

/** per-element magnitude of the forward terms (before the reduction) */
function forwardMagnitudes(a: KlDivArgs): number[] {
  return a.input.flatMap((row, n) =>
    row.map((x, c) => {
      const t = a.target[n][c];
      if (a.log_target) return t === -Infinity ? 0 : finite(Math.exp(t) * Math.abs(t - x));
      if (t === 0) return 0;
      return finite(Math.abs(t * Math.log(t)) + Math.abs(t * x));
    })
  );
}

function forwardFloor(a: KlDivArgs): number[] | number {
  const m = forwardMagnitudes(a);
  if (a.reduction === 'none') return m;
  const total = m.reduce((s, v) => s + v, 0);
  return total / reductionDenominator(a);
}

function targetBackwardFloor(a: KlDivArgs): number[] {
  const D = reductionDenominator(a);
  return a.input.flatMap((row, n) =>
    row.map((x, c) => {
      const t = a.target[n][c];
      const g = Math.abs(gradAt(a, n, c));
      if (a.log_target) return t === -Infinity ? 0 : finite((g * Math.exp(t) * (Math.abs(t) + 1 + Math.abs(x))) / D);
      if (t === 0) return 0;
      return finite((g * (Math.abs(Math.log(t)) + 1 + Math.abs(x))) / D);
    })
  );
}

export const POLICY: { [N in KlOpName]: KlPolicy } = {
  kl_div: {
    rowwise: false,
    sumLength: (a) => (a.reduction === 'none' ? 1 : a.input.length * a.input[0].length),
    floor: forwardFloor,
    realArgs: () => ['input', 'target'],
  },
  kl_div_backward: {
    rowwise: false,
    sumLength: reductionDenominator,
    floor: () => 0,
    realArgs: () => ['input', 'target', 'grad_output'],
  },
  kl_div_target_backward: {
    rowwise: false,
    sumLength: reductionDenominator,
    floor: targetBackwardFloor,
    realArgs: () => ['input', 'target', 'grad_output'],
  },
};
