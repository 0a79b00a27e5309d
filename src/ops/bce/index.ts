/**
 * Binary cross-entropy: binary_cross_entropy of probabilities, binary_cross_entropy_with_logits
 * (pos_weight), and their backward with respect to the probabilities / logits. Kernels in
 * src/reference/ops.ts and src/fast/losses.ts.
 */
import * as A from '../../core/args.js';
import { bceLogitsRegimes, bceRegimes } from '../../core/regimes.js';
import type { Dtype } from '../../core/dtype.js';
import type { ResultShape } from '../../core/shape.js';
import { gradOut, lossOut, scalar, toVector, vec } from '../../fast/index.js';
import { bceWithLogits, bceWithLogitsBackward, binaryCrossEntropy, binaryCrossEntropyBackward } from '../../fast/losses.js';
import * as R from '../../reference/ops.js';
import { bceFloor, bceLogitsFloor } from '../lib/floors.js';
import { BCE_LOGITS_PROBES, BCE_PROBES } from '../lib/probes.js';
import { bceGradientPoints, bceLogitsGradientPoints, bceLogitsSweeps, bceSweeps } from '../lib/sweeps.js';
import type { OpRecord } from '../types.js';
import { BCEWITHLOGITS_SCHEMA, BINARYCROSSENTROPY_SCHEMA } from './schema.js';
import { BCE, BCE_BACKWARD, BCEL, BCEL_BACKWARD } from './curated.js';
import {
  BINARY_CROSS_ENTROPY_BACKWARD_DOC,
  BINARY_CROSS_ENTROPY_DOC,
  BINARY_CROSS_ENTROPY_WITH_LOGITS_BACKWARD_DOC,
  BINARY_CROSS_ENTROPY_WITH_LOGITS_DOC,
} from './docs.js';
import { PLANTED } from './planted.js';

const lossShape = (red: A.Reduction, n: number): ResultShape => (red === 'none' ? { kind: 'vector', length: n } : { kind: 'scalar' });
const weightOf = (a: { weight?: A.Vector }, dt: Dtype) => (a.weight ? vec(a.weight, dt) : undefined);

export const bceRecord: OpRecord<'binary_cross_entropy', A.BinaryCrossEntropyArgs> = {
  name: 'binary_cross_entropy',
  family: 'bce',
  kind: 'forward',
  pair: 'binary_cross_entropy_backward',
  summary: 'binary cross-entropy of probabilities',
  signature: 'probs [N]; target [N]; weight? [N]; reduction?',
  validate: (r) => A.validateBinaryCrossEntropy('binary_cross_entropy', r),
  argsSchema: BINARYCROSSENTROPY_SCHEMA,
  resultShape: (a) => lossShape(a.reduction, a.probs.length),
  reference: (ctx, a, profile) => R.bce(ctx, a, profile),
  fast: (a, dt) => lossOut(binaryCrossEntropy(vec(a.probs, dt), vec(a.target, dt), { weight: weightOf(a, dt), reduction: a.reduction })),
  certified: null,
  policy: {
    rowwise: false,
    sumLength: (a) => a.probs.length,
    floor: (a) => bceFloor(a, false),
    realArgs: () => ['probs', 'target', 'weight'],
  },
  kappa: null,
  regimes: (dt) => bceRegimes(dt, false),
  probes: BCE_PROBES,
  sweeps: bceSweeps,
  gradient: null,
  curated: BCE,
  planted: PLANTED.binary_cross_entropy,
  doc: BINARY_CROSS_ENTROPY_DOC,
};

export const bceWithLogitsRecord: OpRecord<'binary_cross_entropy_with_logits', A.BceWithLogitsArgs> = {
  name: 'binary_cross_entropy_with_logits',
  family: 'bce',
  kind: 'forward',
  pair: 'binary_cross_entropy_with_logits_backward',
  summary: 'binary cross-entropy of logits',
  signature: 'logits [N]; target [N]; weight? [N]; pos_weight?; reduction?',
  validate: (r) => A.validateBceWithLogits('binary_cross_entropy_with_logits', r),
  argsSchema: BCEWITHLOGITS_SCHEMA,
  resultShape: (a) => lossShape(a.reduction, a.logits.length),
  reference: (ctx, a) => R.bceWithLogits(ctx, a),
  fast: (a, dt) =>
    lossOut(
      bceWithLogits(vec(a.logits, dt), vec(a.target, dt), {
        weight: weightOf(a, dt),
        posWeight: scalar(a.pos_weight, dt),
        reduction: a.reduction,
      }),
    ),
  certified: null,
  policy: {
    rowwise: false,
    sumLength: (a) => a.logits.length,
    floor: (a) => bceLogitsFloor(a, false),
    realArgs: () => ['logits', 'target', 'weight', 'pos_weight'],
  },
  kappa: null,
  regimes: (dt) => bceLogitsRegimes(dt, false),
  probes: BCE_LOGITS_PROBES,
  sweeps: bceLogitsSweeps,
  gradient: null,
  curated: BCEL,
  planted: PLANTED.binary_cross_entropy_with_logits,
  doc: BINARY_CROSS_ENTROPY_WITH_LOGITS_DOC,
};

export const bceBackwardRecord: OpRecord<'binary_cross_entropy_backward', A.BinaryCrossEntropyArgs> = {
  name: 'binary_cross_entropy_backward',
  family: 'bce',
  kind: 'backward',
  pair: 'binary_cross_entropy',
  summary: 'd loss / d probs of binary_cross_entropy',
  signature: "binary_cross_entropy's args; grad_output?",
  validate: (r) => A.validateBinaryCrossEntropy('binary_cross_entropy_backward', r),
  argsSchema: BINARYCROSSENTROPY_SCHEMA,
  resultShape: (a) => ({ kind: 'vector', length: a.probs.length }),
  reference: (ctx, a, profile) => R.bceBackward(ctx, a, profile),
  fast: (a, dt) =>
    toVector(
      binaryCrossEntropyBackward(vec(a.probs, dt), vec(a.target, dt), {
        weight: weightOf(a, dt),
        reduction: a.reduction,
        gradOutput: gradOut(a.grad_output, dt),
      }),
    ),
  certified: null,
  policy: {
    rowwise: false,
    sumLength: (a) => a.probs.length,
    floor: (a) => bceFloor(a, true),
    realArgs: () => ['probs', 'target', 'weight', 'grad_output'],
  },
  kappa: null,
  regimes: (dt) => bceRegimes(dt, true),
  probes: BCE_PROBES,
  sweeps: bceSweeps,
  gradient: { forward: 'binary_cross_entropy', wrt: 'probs', layout: 'loss', domain: 'open-unit', auditPoints: bceGradientPoints },
  curated: BCE_BACKWARD,
  planted: PLANTED.binary_cross_entropy_backward,
  doc: BINARY_CROSS_ENTROPY_BACKWARD_DOC,
};

export const bceWithLogitsBackwardRecord: OpRecord<'binary_cross_entropy_with_logits_backward', A.BceWithLogitsArgs> = {
  name: 'binary_cross_entropy_with_logits_backward',
  family: 'bce',
  kind: 'backward',
  pair: 'binary_cross_entropy_with_logits',
  summary: 'd loss / d logits of binary_cross_entropy_with_logits',
  signature: "binary_cross_entropy_with_logits' args; grad_output?",
  validate: (r) => A.validateBceWithLogits('binary_cross_entropy_with_logits_backward', r),
  argsSchema: BCEWITHLOGITS_SCHEMA,
  resultShape: (a) => ({ kind: 'vector', length: a.logits.length }),
  reference: (ctx, a) => R.bceWithLogitsBackward(ctx, a),
  fast: (a, dt) =>
    toVector(
      bceWithLogitsBackward(vec(a.logits, dt), vec(a.target, dt), {
        weight: weightOf(a, dt),
        posWeight: scalar(a.pos_weight, dt),
        reduction: a.reduction,
        gradOutput: gradOut(a.grad_output, dt),
      }),
    ),
  certified: null,
  policy: {
    rowwise: false,
    sumLength: (a) => a.logits.length,
    floor: (a) => bceLogitsFloor(a, true),
    realArgs: () => ['logits', 'target', 'weight', 'pos_weight', 'grad_output'],
  },
  kappa: null,
  regimes: (dt) => bceLogitsRegimes(dt, true),
  probes: BCE_LOGITS_PROBES,
  sweeps: bceLogitsSweeps,
  gradient: {
    forward: 'binary_cross_entropy_with_logits',
    wrt: 'logits',
    layout: 'loss',
    domain: 'real',
    auditPoints: bceLogitsGradientPoints,
  },
  curated: BCEL_BACKWARD,
  planted: PLANTED.binary_cross_entropy_with_logits_backward,
  doc: BINARY_CROSS_ENTROPY_WITH_LOGITS_BACKWARD_DOC,
};
