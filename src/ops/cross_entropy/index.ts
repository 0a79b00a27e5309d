/**
 * Cross-entropy and NLL: cross_entropy of [N][C] logits against class indices or
 * probabilities (weights, ignore_index, label smoothing, reductions), nll_loss of
 * log-probabilities, and the backward of cross_entropy with respect to the logits. Kernels in
 * src/reference/ops.ts and src/fast/losses.ts.
 */
import * as A from '../../core/args.js';
import { crossEntropyRegimes, nllRegimes } from '../../core/regimes.js';
import type { ResultShape } from '../../core/shape.js';
import { ceOpts, ceTarget, gradOut, lossOut, mat, toMatrix, vec } from '../../fast/index.js';
import { crossEntropy, crossEntropyBackward, nllLoss } from '../../fast/losses.js';
import * as R from '../../reference/ops.js';
import { ceFloor } from '../lib/floors.js';
import { crossEntropyBackwardKappa, crossEntropyKappa } from '../lib/kappa.js';
import { CE_PROBES, NLL_PROBES } from '../lib/probes.js';
import { nllSweeps, rowGradientPoints, rowSweeps } from '../lib/sweeps.js';
import type { OpRecord } from '../types.js';
import { CROSSENTROPY_SCHEMA, NLLLOSS_SCHEMA } from './schema.js';
import { CE_BACKWARD, CE_FORWARD, NLL } from './curated.js';
import { CROSS_ENTROPY_BACKWARD_DOC, CROSS_ENTROPY_DOC, NLL_LOSS_DOC } from './docs.js';
import { PLANTED } from './planted.js';

const lossShape = (red: A.Reduction, n: number): ResultShape => (red === 'none' ? { kind: 'vector', length: n } : { kind: 'scalar' });
const ceSumLength = (a: A.CrossEntropyArgs) => a.logits.length * a.logits[0].length;
const ceReal = (a: A.CrossEntropyArgs) => ['logits', 'weight', 'label_smoothing', ...(A.isProbabilityTarget(a.target) ? ['target'] : [])];

export const crossEntropyRecord: OpRecord<'cross_entropy', A.CrossEntropyArgs> = {
  name: 'cross_entropy',
  family: 'cross_entropy',
  kind: 'forward',
  pair: 'cross_entropy_backward',
  summary: 'cross-entropy of logits against class indices or probabilities',
  signature: 'logits [N][C]; target [N] | [N][C]; weight? [C]; ignore_index? (-100); reduction?; label_smoothing?',
  validate: (r) => A.validateCrossEntropy('cross_entropy', r),
  argsSchema: CROSSENTROPY_SCHEMA,
  resultShape: (a) => lossShape(a.reduction, a.logits.length),
  reference: (ctx, a) => R.crossEntropy(ctx, a),
  fast: (a, dt) => {
    const x = mat(a.logits, dt);
    return lossOut(crossEntropy(x.data, x.n, x.c, ceTarget(a.target, dt), ceOpts(a, dt)));
  },
  certified: null,
  policy: { rowwise: false, sumLength: ceSumLength, floor: (a) => ceFloor(a, false), realArgs: ceReal },
  kappa: crossEntropyKappa,
  regimes: (dt) => crossEntropyRegimes(dt, false),
  probes: CE_PROBES,
  sweeps: (o) => rowSweeps('cross_entropy', o),
  gradient: null,
  curated: CE_FORWARD,
  planted: PLANTED.cross_entropy,
  doc: CROSS_ENTROPY_DOC,
};

export const nllLossRecord: OpRecord<'nll_loss', A.NllLossArgs> = {
  name: 'nll_loss',
  family: 'cross_entropy',
  kind: 'forward',
  pair: null,
  summary: 'negative log-likelihood of log-probabilities',
  signature: 'log_probs [N][C]; target [N]; weight? [C]; ignore_index? (-100); reduction?',
  validate: (r) => A.validateNllLoss('nll_loss', r),
  argsSchema: NLLLOSS_SCHEMA,
  resultShape: (a) => lossShape(a.reduction, a.log_probs.length),
  reference: (ctx, a) => R.nllLoss(ctx, a),
  fast: (a, dt) => {
    const x = mat(a.log_probs, dt);
    return lossOut(
      nllLoss(x.data, x.n, x.c, Int32Array.from(a.target), {
        weight: a.weight ? vec(a.weight, dt) : undefined,
        ignoreIndex: a.ignore_index,
        reduction: a.reduction,
      }),
    );
  },
  certified: null,
  policy: { rowwise: false, sumLength: (a) => a.log_probs.length, floor: () => 0, realArgs: () => ['log_probs', 'weight'] },
  kappa: null,
  regimes: nllRegimes,
  probes: NLL_PROBES,
  sweeps: nllSweeps,
  gradient: null,
  curated: NLL,
  planted: PLANTED.nll_loss,
  doc: NLL_LOSS_DOC,
};

export const crossEntropyBackwardRecord: OpRecord<'cross_entropy_backward', A.CrossEntropyArgs> = {
  name: 'cross_entropy_backward',
  family: 'cross_entropy',
  kind: 'backward',
  pair: 'cross_entropy',
  summary: 'd loss / d logits of cross_entropy',
  signature: "cross_entropy's args; grad_output? (number, or [N] for none)",
  validate: (r) => A.validateCrossEntropy('cross_entropy_backward', r),
  argsSchema: CROSSENTROPY_SCHEMA,
  resultShape: (a) => ({ kind: 'matrix', rows: a.logits.length, cols: a.logits[0].length }),
  reference: (ctx, a) => R.crossEntropyBackward(ctx, a),
  fast: (a, dt) => {
    const x = mat(a.logits, dt);
    const r = crossEntropyBackward(x.data, x.n, x.c, ceTarget(a.target, dt), { ...ceOpts(a, dt), gradOutput: gradOut(a.grad_output, dt) });
    return toMatrix(r, x.n, x.c);
  },
  certified: null,
  policy: {
    rowwise: false,
    sumLength: ceSumLength,
    floor: (a) => ceFloor(a, true),
    realArgs: (a) => ['logits', 'weight', 'label_smoothing', 'grad_output', ...(A.isProbabilityTarget(a.target) ? ['target'] : [])],
  },
  kappa: crossEntropyBackwardKappa,
  regimes: (dt) => crossEntropyRegimes(dt, true),
  probes: CE_PROBES,
  sweeps: (o) => rowSweeps('cross_entropy', o),
  gradient: { forward: 'cross_entropy', wrt: 'logits', layout: 'loss', domain: 'real', auditPoints: rowGradientPoints },
  curated: CE_BACKWARD,
  planted: PLANTED.cross_entropy_backward,
  doc: CROSS_ENTROPY_BACKWARD_DOC,
};
