/**
 * The certified fast path of the reference (CORE-MATH's method): each op evaluated in
 * double-double with a proven error bound (dd.ts, elementary.ts), rounded when the
 * enclosure decides the rounding in all four binary formats (decide.ts). Whenever it does
 * not — or the input is outside what an evaluator handles (NaN, +∞ rows, subnormal
 * results, huge exponents, …) — the evaluator returns null and the caller uses the
 * decimal.js Ziv loop, so the floats returned are always exactly the decimal path's.
 *
 * Each op's record (src/ops, field `certified`) names its evaluator, the args of one unit for
 * the fallback, and (softmax) its fixed-point decimals. Evaluators receive validated args and
 * return the four float nests.
 */
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

/** The raw args of unit i alone (a row, or an element), for the decimal fallback of that unit. */
export const rowUnit = (a: { logits: number[][] }, i: number) => ({ logits: [a.logits[i]] });
export const rowGradUnit = (a: { logits: number[][]; grad_output: number[][] }, i: number) => ({
  logits: [a.logits[i]],
  grad_output: [a.grad_output[i]],
});
export const elemUnit = (a: { x: number[] }, i: number) => ({ x: [a.x[i]] });
export const elemGradUnit = (a: { x: number[]; grad_output: number[] }, i: number) => ({ x: [a.x[i]], grad_output: [a.grad_output[i]] });

/** Units decided by the certified path and units that fell back (process-wide counters). */
export const certifiedStats = { units: 0, fallbackUnits: 0, calls: 0, unsupported: 0 };

/** Count one certified evaluation (the statistics scripts/certified-check.mjs reports). */
export function countCertified(r: FloatsNest): FloatsNest {
  certifiedStats.calls++;
  certifiedStats.units += Array.isArray(r.float64) ? r.float64.length : 1;
  certifiedStats.fallbackUnits += r.undecided.length;
  return r;
}

export { warmCertified };
export { softmaxCertified, logSoftmaxCertified, logsumexpCertified, softmaxBackwardCertified, logSoftmaxBackwardCertified };
export { sigmoidCertified, logSigmoidCertified, softplusCertified, sigmoidBackwardCertified };
