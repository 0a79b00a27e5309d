/**
 * The row ops: softmax, log_softmax, logsumexp over the last axis of [N][C] logits, and the
 * backward (vector-Jacobian product) of softmax and log_softmax. One record per op; the
 * kernels are src/reference/ops.ts (enclosures) and src/fast/softmax.ts (typed arrays).
 */
import * as A from '../../core/args.js';
import { rowBackwardRegimes, rowRegimes } from '../../core/regimes.js';
import type { ResultShape } from '../../core/shape.js';
import { logSoftmax, logSoftmaxBackward, logsumexp, softmax, softmaxBackward } from '../../fast/softmax.js';
import { mat, toMatrix, toVector } from '../../fast/index.js';
import { logSoftmaxBackwardRow, logSoftmaxRow, logsumexpRow, softmaxBackwardRow, softmaxRow } from '../../reference/ops.js';
import { logSoftmaxBackwardFloor, rowsC, softmaxBackwardFloor } from '../lib/floors.js';
import { logSoftmaxBackwardKappa, logSoftmaxKappa, logsumexpKappa, softmaxBackwardKappa, softmaxKappa } from '../lib/kappa.js';
import { ROW_BACKWARD_PROBES, ROW_PROBES } from '../lib/probes.js';
import { rowGradientPoints, rowSweeps } from '../lib/sweeps.js';
import {
  logSoftmaxBackwardCertified,
  logSoftmaxCertified,
  logsumexpCertified,
  rowGradUnit,
  rowUnit,
  softmaxBackwardCertified,
  softmaxCertified,
} from '../../reference/certified/index.js';
import { softmaxRowDecimals } from '../../reference/certified/fixed.js';
import type { OpRecord } from '../types.js';
import { ROWSBACKWARD_SCHEMA, ROWS_SCHEMA } from './schema.js';
import { LOG_SOFTMAX, LOGSUMEXP, ROWS_BACKWARD, SOFTMAX } from './curated.js';
import { LOG_SOFTMAX_BACKWARD_DOC, LOG_SOFTMAX_DOC, LOGSUMEXP_DOC, SOFTMAX_BACKWARD_DOC, SOFTMAX_DOC } from './docs.js';
import { PLANTED } from './planted.js';

const rowsShape = (a: { logits: A.Matrix }): ResultShape => ({ kind: 'matrix', rows: a.logits.length, cols: a.logits[0].length });
const LOGITS = () => ['logits'];
const LOGITS_GRAD = () => ['logits', 'grad_output'];

export const softmaxRecord: OpRecord<'softmax', A.RowsArgs> = {
  name: 'softmax',
  family: 'rows',
  kind: 'forward',
  pair: 'softmax_backward',
  summary: 'softmax over the last axis',
  signature: 'logits [N][C]',
  validate: (r) => A.validateRows('softmax', r),
  argsSchema: ROWS_SCHEMA,
  resultShape: rowsShape,
  reference: (ctx, a) => a.logits.map((x) => softmaxRow(ctx, x)),
  fast: (a, dt) => {
    const x = mat(a.logits, dt);
    return toMatrix(softmax(x.data, x.n, x.c), x.n, x.c);
  },
  certified: { floats: softmaxCertified, unit: rowUnit, rowDecimals: softmaxRowDecimals },
  policy: { rowwise: true, sumLength: rowsC, floor: () => 0, realArgs: LOGITS },
  kappa: softmaxKappa,
  regimes: rowRegimes,
  probes: ROW_PROBES,
  sweeps: (o) => rowSweeps('forward', o),
  gradient: null,
  curated: SOFTMAX,
  planted: PLANTED.softmax,
  doc: SOFTMAX_DOC,
};

export const logSoftmaxRecord: OpRecord<'log_softmax', A.RowsArgs> = {
  name: 'log_softmax',
  family: 'rows',
  kind: 'forward',
  pair: 'log_softmax_backward',
  summary: 'log of softmax over the last axis',
  signature: 'logits [N][C]',
  validate: (r) => A.validateRows('log_softmax', r),
  argsSchema: ROWS_SCHEMA,
  resultShape: rowsShape,
  reference: (ctx, a) => a.logits.map((x) => logSoftmaxRow(ctx, x)),
  fast: (a, dt) => {
    const x = mat(a.logits, dt);
    return toMatrix(logSoftmax(x.data, x.n, x.c), x.n, x.c);
  },
  // log(S) with S ≥ 1 loses u absolute (PyTorch's, SciPy's log-probabilities): floor 1
  certified: { floats: logSoftmaxCertified, unit: rowUnit },
  policy: { rowwise: true, sumLength: rowsC, floor: () => 1, realArgs: LOGITS },
  kappa: logSoftmaxKappa,
  regimes: rowRegimes,
  probes: ROW_PROBES,
  sweeps: (o) => rowSweeps('forward', o),
  gradient: null,
  curated: LOG_SOFTMAX,
  planted: PLANTED.log_softmax,
  doc: LOG_SOFTMAX_DOC,
};

export const logsumexpRecord: OpRecord<'logsumexp', A.RowsArgs> = {
  name: 'logsumexp',
  family: 'rows',
  kind: 'forward',
  pair: null,
  summary: 'log of the sum of exponentials of each row',
  signature: 'logits [N][C]',
  validate: (r) => A.validateRows('logsumexp', r),
  argsSchema: ROWS_SCHEMA,
  resultShape: (a) => ({ kind: 'vector', length: a.logits.length }),
  reference: (ctx, a) => a.logits.map((x) => logsumexpRow(ctx, x)),
  fast: (a, dt) => {
    const x = mat(a.logits, dt);
    return toVector(logsumexp(x.data, x.n, x.c));
  },
  certified: { floats: logsumexpCertified, unit: rowUnit },
  policy: { rowwise: true, sumLength: rowsC, floor: () => 1, realArgs: LOGITS },
  kappa: logsumexpKappa,
  regimes: rowRegimes,
  probes: ROW_PROBES,
  sweeps: (o) => rowSweeps('forward', o),
  gradient: null,
  curated: LOGSUMEXP,
  planted: PLANTED.logsumexp,
  doc: LOGSUMEXP_DOC,
};

export const softmaxBackwardRecord: OpRecord<'softmax_backward', A.RowsBackwardArgs> = {
  name: 'softmax_backward',
  family: 'rows',
  kind: 'backward',
  pair: 'softmax',
  summary: 'vector-Jacobian product of softmax',
  signature: 'logits [N][C]; grad_output [N][C]',
  validate: (r) => A.validateRowsBackward('softmax_backward', r),
  argsSchema: ROWSBACKWARD_SCHEMA,
  resultShape: rowsShape,
  reference: (ctx, a) => a.logits.map((x, n) => softmaxBackwardRow(ctx, x, a.grad_output[n])),
  fast: (a, dt) => {
    const x = mat(a.logits, dt);
    const g = mat(a.grad_output, dt);
    return toMatrix(softmaxBackward(x.data, g.data, x.n, x.c), x.n, x.c);
  },
  certified: { floats: softmaxBackwardCertified, unit: rowGradUnit },
  policy: { rowwise: true, sumLength: rowsC, floor: softmaxBackwardFloor, realArgs: LOGITS_GRAD },
  kappa: softmaxBackwardKappa,
  regimes: rowBackwardRegimes,
  probes: ROW_BACKWARD_PROBES,
  sweeps: (o) => rowSweeps('backward', o),
  gradient: { forward: 'softmax', wrt: 'logits', layout: 'same-as-wrt', domain: 'real', auditPoints: rowGradientPoints },
  curated: ROWS_BACKWARD,
  planted: PLANTED.softmax_backward,
  doc: SOFTMAX_BACKWARD_DOC,
};

export const logSoftmaxBackwardRecord: OpRecord<'log_softmax_backward', A.RowsBackwardArgs> = {
  name: 'log_softmax_backward',
  family: 'rows',
  kind: 'backward',
  pair: 'log_softmax',
  summary: 'vector-Jacobian product of log_softmax',
  signature: 'logits [N][C]; grad_output [N][C]',
  validate: (r) => A.validateRowsBackward('log_softmax_backward', r),
  argsSchema: ROWSBACKWARD_SCHEMA,
  resultShape: rowsShape,
  reference: (ctx, a) => a.logits.map((x, n) => logSoftmaxBackwardRow(ctx, x, a.grad_output[n])),
  fast: (a, dt) => {
    const x = mat(a.logits, dt);
    const g = mat(a.grad_output, dt);
    return toMatrix(logSoftmaxBackward(x.data, g.data, x.n, x.c), x.n, x.c);
  },
  certified: { floats: logSoftmaxBackwardCertified, unit: rowGradUnit },
  policy: { rowwise: true, sumLength: rowsC, floor: logSoftmaxBackwardFloor, realArgs: LOGITS_GRAD },
  kappa: logSoftmaxBackwardKappa,
  regimes: rowBackwardRegimes,
  probes: ROW_BACKWARD_PROBES,
  sweeps: (o) => rowSweeps('backward', o),
  gradient: { forward: 'log_softmax', wrt: 'logits', layout: 'same-as-wrt', domain: 'real', auditPoints: rowGradientPoints },
  curated: ROWS_BACKWARD,
  planted: PLANTED.log_softmax_backward,
  doc: LOG_SOFTMAX_BACKWARD_DOC,
};
