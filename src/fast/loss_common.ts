/**
 * What the loss kernels share (cross_entropy.ts: cross_entropy, nll_loss; bce.ts:
 * binary_cross_entropy, binary_cross_entropy_with_logits): the reduction and grad_output
 * types, the row-count check, the final write of a loss result, and the reduction itself.
 *
 * Rules every loss kernel follows:
 *  - all sums in double-double and one rounding per output (float32: the float64 kernel,
 *    then one rounding to float32 per output);
 *  - the zero-coefficient rule is applied exactly: a term whose coefficient is exactly 0
 *    (weight 0, target 0 or 1, eps = 0, pw = 0) is skipped, whatever its log is;
 *  - mean divides by D = sum of the non-ignored target weights (index targets) or N; D = 0
 *    gives NaN (every target ignored, or weights 0);
 *  - backward outputs carry the IEEE sign of their factors (-0 possible); forward zeros are +0.
 */
import { ddAdd, ddDiv, round2 } from './accurate.js';
import type { Scratch } from './scratch.js';
import type { FloatArray } from './softmax.js';

type F64 = Float64Array;
export type Reduction = 'mean' | 'sum' | 'none';

export interface GradOutput {
  /** a number for mean / sum, [N] for none; default 1 / ones */
  gradOutput?: number | FloatArray;
}

export function isF32(a: FloatArray): boolean {
  return a instanceof Float32Array;
}

/** write a loss result: a number for mean / sum (rounded to the dtype), an array for none */
export function finish(vals: F64, red: Reduction, scalar: number, f32: boolean, out?: FloatArray): number | FloatArray {
  if (red !== 'none') return f32 ? Math.fround(scalar) : scalar;
  const o = out ?? (f32 ? new Float32Array(vals.length) : vals);
  if (o !== vals) o.set(vals);
  return o;
}

/** the scalar grad_output coefficient of row n (before dividing by D) */
export function gradOf(go: number | F64 | undefined, red: Reduction, n: number): number {
  if (go === undefined) return 1;
  if (typeof go === 'number') {
    if (red === 'none') throw new RangeError('grad_output must be an array [N] for reduction "none"');
    return go;
  }
  if (red !== 'none') throw new RangeError(`grad_output must be a number for reduction "${red}"`);
  return go[n];
}

export function checkRows(len: number, n: number, c: number, what: string): void {
  if (!(Number.isInteger(n) && Number.isInteger(c) && n >= 1 && c >= 1)) {
    throw new RangeError(`${what}: N = ${n} and C = ${c} must be integers >= 1`);
  }
  if (len < n * c) throw new RangeError(`${what}: the array holds ${len} values but N*C = ${n * c}`);
}

/** sum of row losses (LH + LL) in double-double, divided by D for mean, rounded once */
export function reduceDD(scr: Scratch, LH: F64, LL: F64, n: number, red: Reduction, Dh: number, Dl: number): number {
  const DD = scr.dd;
  let sh = 0;
  let sl = 0;
  for (let i = 0; i < n; i++) {
    ddAdd(scr, sh, sl, LH[i], LL[i]);
    sh = DD[0];
    sl = DD[1];
  }
  if (red === 'sum') return round2(sh, sl);
  if (Dh === 0) return NaN;
  ddDiv(scr, sh, sl, Dh, Dl);
  return round2(DD[0], DD[1]);
}
