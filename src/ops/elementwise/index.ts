/**
 * The elementwise ops: sigmoid, log_sigmoid, softplus of a vector x [N], and the backward of
 * sigmoid. One record per op; kernels in src/reference/ops.ts and src/fast/elementwise.ts.
 */
import * as A from '../../core/args.js';
import { elementwiseBackwardRegimes, elementwiseRegimes } from '../../core/regimes.js';
import type { ResultShape } from '../../core/shape.js';
import { logSigmoid, sigmoid, sigmoidBackward, softplus } from '../../fast/elementwise.js';
import { toVector, vec } from '../../fast/index.js';
import { sigmoidBackwardOf, sigmoidOf, softplusOf } from '../../reference/ops.js';
import { sigmoidBackwardFloor } from '../lib/floors.js';
import { ELEMENT_PROBES, SIGMOID_BACKWARD_PROBES } from '../lib/probes.js';
import { elementwiseSweeps, sigmoidGradientPoints } from '../lib/sweeps.js';
import {
  elemGradUnit,
  elemUnit,
  logSigmoidCertified,
  sigmoidBackwardCertified,
  sigmoidCertified,
  softplusCertified,
} from '../../reference/certified/index.js';
import type { OpRecord } from '../types.js';
import { ELEMENTSBACKWARD_SCHEMA, ELEMENTS_SCHEMA } from './schema.js';
import { ELEMENTS, SIGMOID_BACKWARD } from './curated.js';
import { LOG_SIGMOID_DOC, SIGMOID_BACKWARD_DOC, SIGMOID_DOC, SOFTPLUS_DOC } from './docs.js';
import { PLANTED } from './planted.js';

const elemShape = (a: { x: A.Vector }): ResultShape => ({ kind: 'vector', length: a.x.length });
const one = () => 1;
const X = () => ['x'];

export const sigmoidRecord: OpRecord<'sigmoid', A.ElementArgs> = {
  name: 'sigmoid',
  family: 'elementwise',
  kind: 'forward',
  pair: 'sigmoid_backward',
  summary: 'logistic sigmoid 1/(1+exp(-x))',
  signature: 'x [N]',
  validate: (r) => A.validateElements('sigmoid', r),
  argsSchema: ELEMENTS_SCHEMA,
  resultShape: elemShape,
  reference: (ctx, a) => a.x.map((x) => sigmoidOf(ctx, x)),
  fast: (a, dt) => toVector(sigmoid(vec(a.x, dt))),
  certified: { floats: sigmoidCertified, unit: elemUnit },
  policy: { rowwise: true, sumLength: one, floor: () => 0, realArgs: X },
  kappa: null,
  regimes: elementwiseRegimes,
  probes: ELEMENT_PROBES,
  sweeps: (o) => elementwiseSweeps(false, o),
  gradient: null,
  curated: ELEMENTS,
  planted: PLANTED.sigmoid,
  doc: SIGMOID_DOC,
};

export const logSigmoidRecord: OpRecord<'log_sigmoid', A.ElementArgs> = {
  name: 'log_sigmoid',
  family: 'elementwise',
  kind: 'forward',
  pair: null,
  summary: 'log of the sigmoid',
  signature: 'x [N]',
  validate: (r) => A.validateElements('log_sigmoid', r),
  argsSchema: ELEMENTS_SCHEMA,
  resultShape: elemShape,
  reference: (ctx, a) => a.x.map((x) => ctx.neg(softplusOf(ctx, -x))),
  fast: (a, dt) => toVector(logSigmoid(vec(a.x, dt))),
  certified: { floats: logSigmoidCertified, unit: elemUnit },
  policy: { rowwise: true, sumLength: one, floor: () => 0, realArgs: X },
  kappa: null,
  regimes: elementwiseRegimes,
  probes: ELEMENT_PROBES,
  sweeps: (o) => elementwiseSweeps(false, o),
  gradient: null,
  curated: ELEMENTS,
  planted: PLANTED.log_sigmoid,
  doc: LOG_SIGMOID_DOC,
};

export const softplusRecord: OpRecord<'softplus', A.ElementArgs> = {
  name: 'softplus',
  family: 'elementwise',
  kind: 'forward',
  pair: null,
  summary: 'log(1 + exp(x))',
  signature: 'x [N]',
  validate: (r) => A.validateElements('softplus', r),
  argsSchema: ELEMENTS_SCHEMA,
  resultShape: elemShape,
  reference: (ctx, a) => a.x.map((x) => softplusOf(ctx, x)),
  fast: (a, dt) => toVector(softplus(vec(a.x, dt))),
  certified: { floats: softplusCertified, unit: elemUnit },
  policy: { rowwise: true, sumLength: one, floor: () => 0, realArgs: X },
  kappa: null,
  regimes: elementwiseRegimes,
  probes: ELEMENT_PROBES,
  sweeps: (o) => elementwiseSweeps(false, o),
  gradient: null,
  curated: ELEMENTS,
  planted: PLANTED.softplus,
  doc: SOFTPLUS_DOC,
};

export const sigmoidBackwardRecord: OpRecord<'sigmoid_backward', A.ElementBackwardArgs> = {
  name: 'sigmoid_backward',
  family: 'elementwise',
  kind: 'backward',
  pair: 'sigmoid',
  summary: 'vector-Jacobian product of sigmoid',
  signature: 'x [N]; grad_output [N]',
  validate: (r) => A.validateElementsBackward('sigmoid_backward', r),
  argsSchema: ELEMENTSBACKWARD_SCHEMA,
  resultShape: elemShape,
  reference: (ctx, a) => a.x.map((x, n) => sigmoidBackwardOf(ctx, x, a.grad_output[n])),
  fast: (a, dt) => toVector(sigmoidBackward(vec(a.x, dt), vec(a.grad_output, dt))),
  certified: { floats: sigmoidBackwardCertified, unit: elemGradUnit },
  policy: { rowwise: true, sumLength: one, floor: sigmoidBackwardFloor, realArgs: () => ['x', 'grad_output'] },
  kappa: null,
  regimes: elementwiseBackwardRegimes,
  probes: SIGMOID_BACKWARD_PROBES,
  sweeps: (o) => elementwiseSweeps(true, o),
  gradient: { forward: 'sigmoid', wrt: 'x', layout: 'same-as-wrt', domain: 'real', auditPoints: sigmoidGradientPoints },
  curated: SIGMOID_BACKWARD,
  planted: PLANTED.sigmoid_backward,
  doc: SIGMOID_BACKWARD_DOC,
};
