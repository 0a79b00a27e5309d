/**
 * The fast path: typed-array kernels for every catalog op (forward and backward), in
 * float64 (Float64Array) and float32 (Float32Array), plus the conversions from the ops'
 * normalised nested-array args (src/core/args.ts) to those kernels and back. Each op's record
 * (src/ops) names its kernel; `fastEvaluate('softmax', { logits: [[1, 2, 3]] }, 'float64')`
 * (src/ops/evaluate.ts) calls it generically.
 *
 * float32: every floating input (logits, probabilities, targets, weights, grad_output,
 * label_smoothing, pos_weight) is first rounded to float32; the kernel computes in
 * float64 (<= 1 ulp) and rounds each output once to float32.
 *
 * Accuracy, cost and the algorithms: see the comment blocks of softmax.ts,
 * elementwise.ts, cross_entropy.ts, bce.ts, loss_common.ts and accurate.ts; the helpers'
 * result registers (one Scratch per kernel call, no module state): scratch.ts.
 */
import { isProbabilityTarget, type CrossEntropyArgs, type Matrix, type Vector } from '../core/args.js';
import type { Dtype } from '../core/dtype.js';
import type { FloatArray } from './softmax.js';
import type { CrossEntropyTarget } from './losses.js';

export {
  softmax,
  logSoftmax,
  logsumexp,
  softmaxBackward,
  logSoftmaxBackward,
  softmax64,
  logSoftmax64,
  logsumexp64,
  softmaxBackward64,
  logSoftmaxBackward64,
  type FloatArray,
} from './softmax.js';
export { sigmoid, logSigmoid, softplus, sigmoidBackward, sigmoid1, logSigmoid1, softplus1, sigmoidBackward1 } from './elementwise.js';
export {
  crossEntropy,
  crossEntropyBackward,
  nllLoss,
  binaryCrossEntropy,
  binaryCrossEntropyBackward,
  bceWithLogits,
  bceWithLogitsBackward,
  type CrossEntropyTarget,
  type CrossEntropyOptions,
  type NllLossOptions,
  type BinaryCrossEntropyOptions,
  type BceWithLogitsOptions,
  type GradOutput,
  type Reduction,
} from './losses.js';

export type FastResult = number | number[] | number[][];

// ---------------------------------------------------------------------------------------
// conversions between the ops' nested-array args and the kernels' typed arrays (each op's
// record in src/ops calls its kernel through these)

export function vec(v: Vector, dtype: Dtype): FloatArray {
  return dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v);
}

export function mat(m: Matrix, dtype: Dtype): { data: FloatArray; n: number; c: number } {
  const n = m.length;
  const c = m[0].length;
  const data = dtype === 'float64' ? new Float64Array(n * c) : new Float32Array(n * c);
  for (let i = 0; i < n; i++) data.set(m[i], i * c);
  return { data, n, c };
}

export function scalar(v: number, dtype: Dtype): number {
  return dtype === 'float32' ? Math.fround(v) : v;
}

export function toVector(a: FloatArray): number[] {
  return Array.from(a);
}

export function toMatrix(a: FloatArray, n: number, c: number): number[][] {
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Array.from(a.subarray(i * c, i * c + c));
  return out;
}

export function lossOut(r: number | FloatArray): FastResult {
  return typeof r === 'number' ? r : toVector(r);
}

export function gradOut(g: number | Vector, dtype: Dtype): number | FloatArray {
  return typeof g === 'number' ? scalar(g, dtype) : vec(g, dtype);
}

export function ceTarget(t: Vector | Matrix, dtype: Dtype): CrossEntropyTarget {
  if (isProbabilityTarget(t)) return { probs: mat(t, dtype).data };
  return { index: Int32Array.from(t) };
}

export function ceOpts(a: CrossEntropyArgs, dtype: Dtype) {
  return {
    weight: a.weight ? vec(a.weight, dtype) : undefined,
    ignoreIndex: a.ignore_index,
    reduction: a.reduction,
    labelSmoothing: scalar(a.label_smoothing, dtype),
  };
}
