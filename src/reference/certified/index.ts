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
import {
  logSoftmaxBackwardCertified,
  logSoftmaxCertified,
  logsumexpCertified,
  softmaxBackwardCertified,
  softmaxCertified,
} from './rows.js';

type Nest<T> = T | T[] | T[][];

/**
 * The four float nests of an op's result. `undecided` lists the units (rows of a row op,
 * elements of an elementwise op) the certified path could not decide: their entries are
 * NaN placeholders, to be replaced by the decimal path's values for that unit alone
 * (`unitArgs`), which is valid because those ops compute each unit independently.
 */
export interface FloatsNest {
  float64: Nest<number>;
  float32: Nest<number>;
  float16: Nest<number>;
  bfloat16: Nest<number>;
  undecided: number[];
}

export type CertifiedEvaluator<N extends OpName> = (args: ArgsByOp[N]) => FloatsNest;

export const CERTIFIED: { [N in OpName]?: CertifiedEvaluator<N> } = {
  softmax: softmaxCertified,
  log_softmax: logSoftmaxCertified,
  logsumexp: logsumexpCertified,
  sigmoid: sigmoidCertified,
  log_sigmoid: logSigmoidCertified,
  softplus: softplusCertified,
  sigmoid_backward: sigmoidBackwardCertified,
  softmax_backward: softmaxBackwardCertified,
  log_softmax_backward: logSoftmaxBackwardCertified,
};

const rowUnit = (a: { logits: number[][] }, i: number) => ({ logits: [a.logits[i]] });
const elemUnit = (a: { x: number[] }, i: number) => ({ x: [a.x[i]] });

/** The raw args of unit i alone (a row, or an element), for the decimal fallback. */
export const UNIT_ARGS: { [N in OpName]?: (args: ArgsByOp[N], i: number) => unknown } = {
  softmax: rowUnit,
  log_softmax: rowUnit,
  logsumexp: rowUnit,
  sigmoid: elemUnit,
  log_sigmoid: elemUnit,
  softplus: elemUnit,
  sigmoid_backward: (a, i) => ({ x: [a.x[i]], grad_output: [a.grad_output[i]] }),
  softmax_backward: (a, i) => ({ logits: [a.logits[i]], grad_output: [a.grad_output[i]] }),
  log_softmax_backward: (a, i) => ({ logits: [a.logits[i]], grad_output: [a.grad_output[i]] }),
};

/** Units decided by the certified path and units that fell back (process-wide counters). */
export const certifiedStats = { units: 0, fallbackUnits: 0, calls: 0, unsupported: 0 };

/**
 * The certified floats of op on validated args (with the undecided units listed), or null
 * when the op has no certified evaluator.
 */
export function certify<N extends OpName>(op: N, args: ArgsByOp[N]): FloatsNest | null {
  const f = CERTIFIED[op] as CertifiedEvaluator<N> | undefined;
  if (!f) {
    certifiedStats.unsupported++;
    return null;
  }
  const r = f(args);
  certifiedStats.calls++;
  certifiedStats.units += Array.isArray(r.float64) ? r.float64.length : 1;
  certifiedStats.fallbackUnits += r.undecided.length;
  return r;
}

export { warmCertified };
export { softmaxCertified, logSoftmaxCertified, logsumexpCertified, softmaxBackwardCertified, logSoftmaxBackwardCertified };
export { sigmoidCertified, logSigmoidCertified, softplusCertified, sigmoidBackwardCertified };
