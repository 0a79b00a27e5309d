/**
 * The certified fast path of the reference (CORE-MATH's method): each op evaluated in
 * double-double with a proven error bound (dd.ts, elementary.ts), rounded when the
 * enclosure decides the rounding in all four binary formats (decide.ts). Whenever it does
 * not — or the input is outside what an evaluator handles (NaN, +∞ rows, subnormal
 * results, huge exponents, …) — the evaluator returns null and the caller uses the
 * decimal.js Ziv loop, so the floats returned are always exactly the decimal path's.
 *
 * `CERTIFIED` maps an op to its evaluator; each evaluator is a standalone exported function
 * (to move into the op's registry record). Evaluators receive validated args
 * (core/catalog.ts's `validate`) and return the four float nests or null.
 */
import type { ArgsByOp, OpName } from '../../core/catalog.js';
import { warmCertified } from './elementary.js';
import { logSigmoidCertified, sigmoidBackwardCertified, sigmoidCertified, softplusCertified } from './elementwise.js';
import { logSoftmaxCertified, logsumexpCertified, softmaxCertified } from './rows.js';

type Nest<T> = T | T[] | T[][];

export interface FloatsNest {
  float64: Nest<number>;
  float32: Nest<number>;
  float16: Nest<number>;
  bfloat16: Nest<number>;
}

export type CertifiedEvaluator<N extends OpName> = (args: ArgsByOp[N]) => FloatsNest | null;

export const CERTIFIED: { [N in OpName]?: CertifiedEvaluator<N> } = {
  softmax: softmaxCertified,
  log_softmax: logSoftmaxCertified,
  logsumexp: logsumexpCertified,
  sigmoid: sigmoidCertified,
  log_sigmoid: logSigmoidCertified,
  softplus: softplusCertified,
  sigmoid_backward: sigmoidBackwardCertified,
};

/** How many calls the certified path decided, and how many fell back (process-wide). */
export const certifiedStats = { certified: 0, fallback: 0, unsupported: 0 };

/**
 * The certified floats of op on validated args, or null (no evaluator for the op, or the
 * enclosure did not decide: use the decimal path).
 */
export function certify<N extends OpName>(op: N, args: ArgsByOp[N]): FloatsNest | null {
  const f = CERTIFIED[op] as CertifiedEvaluator<N> | undefined;
  if (!f) {
    certifiedStats.unsupported++;
    return null;
  }
  const r = f(args);
  if (r) certifiedStats.certified++;
  else certifiedStats.fallback++;
  return r;
}

export { warmCertified };
export { softmaxCertified, logSoftmaxCertified, logsumexpCertified };
export { sigmoidCertified, logSigmoidCertified, softplusCertified, sigmoidBackwardCertified };
