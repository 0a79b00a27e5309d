/**
 * The fast path: typed-array kernels for every catalog op (forward and backward), in
 * float64 (Float64Array) and float32 (Float32Array), plus FAST, an adapter from the
 * catalog's normalised nested-array args (src/core/args.ts) to those kernels and back,
 * so the catalog / CLI / verify can call the fast path generically:
 *
 *   FAST.softmax!({ logits: [[1, 2, 3]] }, 'float64')  // [[0.09..., 0.24..., 0.66...]]
 *
 * float32: every floating input (logits, probabilities, targets, weights, grad_output,
 * label_smoothing, pos_weight) is first rounded to float32; the kernel computes in
 * float64 (<= 1 ulp) and rounds each output once to float32.
 *
 * Accuracy, cost and the algorithms: see the comment blocks of softmax.ts,
 * elementwise.ts, losses.ts and accurate.ts.
 */
import type { ArgsByOp, OpName } from '../core/catalog.js';
import { isProbabilityTarget, type Matrix, type Vector } from '../core/args.js';
import {
  logSoftmax,
  logSoftmaxBackward,
  logsumexp,
  softmax,
  softmaxBackward,
  type FloatArray,
} from './softmax.js';
import { logSigmoid, sigmoid, sigmoidBackward, softplus } from './elementwise.js';
import {
  binaryCrossEntropy,
  binaryCrossEntropyBackward,
  bceWithLogits,
  bceWithLogitsBackward,
  crossEntropy,
  crossEntropyBackward,
  nllLoss,
  type CrossEntropyTarget,
} from './losses.js';

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

export type FastDtype = 'float64' | 'float32';
export type FastResult = number | number[] | number[][];
export type FastOp<N extends OpName> = (args: ArgsByOp[N], dtype: FastDtype) => FastResult;
export type FastTable = { [N in OpName]?: FastOp<N> };

// ---------------------------------------------------------------------------------------
// conversions

function vec(v: Vector, dtype: FastDtype): FloatArray {
  return dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v);
}

function mat(m: Matrix, dtype: FastDtype): { data: FloatArray; n: number; c: number } {
  const n = m.length;
  const c = m[0].length;
  const data = dtype === 'float64' ? new Float64Array(n * c) : new Float32Array(n * c);
  for (let i = 0; i < n; i++) data.set(m[i], i * c);
  return { data, n, c };
}

function scalar(v: number, dtype: FastDtype): number {
  return dtype === 'float32' ? Math.fround(v) : v;
}

function toVector(a: FloatArray): number[] {
  return Array.from(a);
}

function toMatrix(a: FloatArray, n: number, c: number): number[][] {
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Array.from(a.subarray(i * c, i * c + c));
  return out;
}

function lossOut(r: number | FloatArray): FastResult {
  return typeof r === 'number' ? r : toVector(r);
}

function gradOut(g: number | Vector, dtype: FastDtype): number | FloatArray {
  return typeof g === 'number' ? scalar(g, dtype) : vec(g, dtype);
}

function ceTarget(t: Vector | Matrix, dtype: FastDtype): CrossEntropyTarget {
  if (isProbabilityTarget(t)) return { probs: mat(t, dtype).data };
  return { index: Int32Array.from(t) };
}

function ceOpts(a: ArgsByOp['cross_entropy'], dtype: FastDtype) {
  return {
    weight: a.weight ? vec(a.weight, dtype) : undefined,
    ignoreIndex: a.ignore_index,
    reduction: a.reduction,
    labelSmoothing: scalar(a.label_smoothing, dtype),
  };
}

// ---------------------------------------------------------------------------------------
// the adapter

export const FAST: FastTable = {
  softmax: (a, dt) => {
    const x = mat(a.logits, dt);
    return toMatrix(softmax(x.data, x.n, x.c), x.n, x.c);
  },
  log_softmax: (a, dt) => {
    const x = mat(a.logits, dt);
    return toMatrix(logSoftmax(x.data, x.n, x.c), x.n, x.c);
  },
  logsumexp: (a, dt) => {
    const x = mat(a.logits, dt);
    return toVector(logsumexp(x.data, x.n, x.c));
  },
  sigmoid: (a, dt) => toVector(sigmoid(vec(a.x, dt))),
  log_sigmoid: (a, dt) => toVector(logSigmoid(vec(a.x, dt))),
  softplus: (a, dt) => toVector(softplus(vec(a.x, dt))),
  cross_entropy: (a, dt) => {
    const x = mat(a.logits, dt);
    return lossOut(crossEntropy(x.data, x.n, x.c, ceTarget(a.target, dt), ceOpts(a, dt)));
  },
  nll_loss: (a, dt) => {
    const x = mat(a.log_probs, dt);
    return lossOut(
      nllLoss(x.data, x.n, x.c, Int32Array.from(a.target), {
        weight: a.weight ? vec(a.weight, dt) : undefined,
        ignoreIndex: a.ignore_index,
        reduction: a.reduction,
      }),
    );
  },
  binary_cross_entropy: (a, dt) =>
    lossOut(
      binaryCrossEntropy(vec(a.probs, dt), vec(a.target, dt), {
        weight: a.weight ? vec(a.weight, dt) : undefined,
        reduction: a.reduction,
      }),
    ),
  binary_cross_entropy_with_logits: (a, dt) =>
    lossOut(
      bceWithLogits(vec(a.logits, dt), vec(a.target, dt), {
        weight: a.weight ? vec(a.weight, dt) : undefined,
        posWeight: scalar(a.pos_weight, dt),
        reduction: a.reduction,
      }),
    ),
  softmax_backward: (a, dt) => {
    const x = mat(a.logits, dt);
    const g = mat(a.grad_output, dt);
    return toMatrix(softmaxBackward(x.data, g.data, x.n, x.c), x.n, x.c);
  },
  log_softmax_backward: (a, dt) => {
    const x = mat(a.logits, dt);
    const g = mat(a.grad_output, dt);
    return toMatrix(logSoftmaxBackward(x.data, g.data, x.n, x.c), x.n, x.c);
  },
  sigmoid_backward: (a, dt) => toVector(sigmoidBackward(vec(a.x, dt), vec(a.grad_output, dt))),
  cross_entropy_backward: (a, dt) => {
    const x = mat(a.logits, dt);
    const r = crossEntropyBackward(x.data, x.n, x.c, ceTarget(a.target, dt), {
      ...ceOpts(a, dt),
      gradOutput: gradOut(a.grad_output, dt),
    });
    return toMatrix(r, x.n, x.c);
  },
  binary_cross_entropy_backward: (a, dt) =>
    toVector(
      binaryCrossEntropyBackward(vec(a.probs, dt), vec(a.target, dt), {
        weight: a.weight ? vec(a.weight, dt) : undefined,
        reduction: a.reduction,
        gradOutput: gradOut(a.grad_output, dt),
      }),
    ),
  binary_cross_entropy_with_logits_backward: (a, dt) =>
    toVector(
      bceWithLogitsBackward(vec(a.logits, dt), vec(a.target, dt), {
        weight: a.weight ? vec(a.weight, dt) : undefined,
        posWeight: scalar(a.pos_weight, dt),
        reduction: a.reduction,
        gradOutput: gradOut(a.grad_output, dt),
      }),
    ),
};
