/**
 * The gradient problems of kl_div's backward ops, for gradcheck (src/gradcheck/catalog.ts's
 * opProblem, whose loss branch assumes a [N] result for reduction 'none'; kl_div's is [N][C]):
 * what each backward op differentiates, with respect to which argument, and the cotangent.
 *
 * Finite differences with respect to target need care at the edge of its domain: a target
 * 0 has no two-sided derivative (t·log t is undefined for t < 0; the reference's value there
 * is the convention 0, README.md) and validation rejects a perturbed t < 0, so gradcheck
 * should skip zero targets (or difference one-sidedly) for kl_div_target_backward.
 */
import type { KlDivArgs } from './args.js';

export interface KlGradientProblem {
  /** the forward op */
  forward: 'kl_div';
  /** the argument differentiated */
  wrt: 'input' | 'target';
}

export const GRADIENT: { kl_div_backward: KlGradientProblem; kl_div_target_backward: KlGradientProblem } = {
  kl_div_backward: { forward: 'kl_div', wrt: 'input' },
  kl_div_target_backward: { forward: 'kl_div', wrt: 'target' },
};

/** number of outputs of the forward: N·C for none, 1 otherwise */
export function forwardOutputs(a: KlDivArgs): number {
  return a.reduction === 'none' ? a.input.length * a.input[0].length : 1;
}

/** the cotangent (grad_output) flattened in the forward's output order */
export function cotangent(a: KlDivArgs): number[] {
  return typeof a.grad_output === 'number' ? [a.grad_output] : a.grad_output.flat();
}
