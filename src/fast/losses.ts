/**
 * The loss kernels, one file per family: cross_entropy.ts (cross_entropy and its backward,
 * nll_loss), bce.ts (binary_cross_entropy, binary_cross_entropy_with_logits and their
 * backwards), with what they share in loss_common.ts. This file only re-exports them, so
 * `fast/losses.js` stays the one import for the loss kernels (src/ops, src/fast/index.ts).
 */
export {
  crossEntropy,
  crossEntropyBackward,
  nllLoss,
  type CrossEntropyTarget,
  type CrossEntropyOptions,
  type NllLossOptions,
} from './cross_entropy.js';
export {
  binaryCrossEntropy,
  binaryCrossEntropyBackward,
  bceWithLogits,
  bceWithLogitsBackward,
  type BinaryCrossEntropyOptions,
  type BceWithLogitsOptions,
} from './bce.js';
export type { GradOutput, Reduction } from './loss_common.js';
