/**
 * The op catalog: one declarative entry per op (name, argument contract, result shape,
 * forward/backward pairing). It is the bottom layer: the reference, the fast path, the
 * gradient checkers, fixtures, verify and audit all enumerate OP_SPECS, and src/ops.ts joins
 * each entry with its implementations (PyTorch OpInfo style). Names and argument shapes are
 * a public contract (docs/ops.md) used verbatim by the JSON-lines protocol.
 */
import * as A from './args.js';

export const OP_NAMES = [
  'softmax',
  'log_softmax',
  'logsumexp',
  'sigmoid',
  'log_sigmoid',
  'softplus',
  'cross_entropy',
  'nll_loss',
  'binary_cross_entropy',
  'binary_cross_entropy_with_logits',
  'softmax_backward',
  'log_softmax_backward',
  'sigmoid_backward',
  'cross_entropy_backward',
  'binary_cross_entropy_backward',
  'binary_cross_entropy_with_logits_backward',
] as const;
export type OpName = (typeof OP_NAMES)[number];

export type ResultShape = { kind: 'scalar' } | { kind: 'vector'; length: number } | { kind: 'matrix'; rows: number; cols: number };

export interface ArgsByOp {
  softmax: A.RowsArgs;
  log_softmax: A.RowsArgs;
  logsumexp: A.RowsArgs;
  sigmoid: A.ElementArgs;
  log_sigmoid: A.ElementArgs;
  softplus: A.ElementArgs;
  cross_entropy: A.CrossEntropyArgs;
  nll_loss: A.NllLossArgs;
  binary_cross_entropy: A.BinaryCrossEntropyArgs;
  binary_cross_entropy_with_logits: A.BceWithLogitsArgs;
  softmax_backward: A.RowsBackwardArgs;
  log_softmax_backward: A.RowsBackwardArgs;
  sigmoid_backward: A.ElementBackwardArgs;
  cross_entropy_backward: A.CrossEntropyArgs;
  binary_cross_entropy_backward: A.BinaryCrossEntropyArgs;
  binary_cross_entropy_with_logits_backward: A.BceWithLogitsArgs;
}

export interface OpSpec<N extends OpName = OpName> {
  name: N;
  kind: 'forward' | 'backward';
  /** the forward op of a backward op, or the backward op of a forward op (if any) */
  pair?: OpName;
  /** the argument a backward op differentiates with respect to */
  wrt?: string;
  /** one line for --help and docs */
  summary: string;
  /** argument list as documented in docs/ops.md */
  signature: string;
  /** raw JSON-shaped args -> normalised args, or throws ArgumentError */
  validate(raw: unknown): ArgsByOp[N];
  resultShape(args: ArgsByOp[N]): ResultShape;
}

const rowsShape = (a: { logits: A.Matrix }): ResultShape => ({ kind: 'matrix', rows: a.logits.length, cols: a.logits[0].length });
const elemShape = (a: { x: A.Vector }): ResultShape => ({ kind: 'vector', length: a.x.length });
const lossShape = (red: A.Reduction, n: number): ResultShape => (red === 'none' ? { kind: 'vector', length: n } : { kind: 'scalar' });

type SpecTable = { [N in OpName]: OpSpec<N> };

const TABLE: SpecTable = {
  softmax: {
    name: 'softmax', kind: 'forward', pair: 'softmax_backward',
    summary: 'softmax over the last axis', signature: 'logits [N][C]',
    validate: (r) => A.validateRows('softmax', r), resultShape: rowsShape,
  },
  log_softmax: {
    name: 'log_softmax', kind: 'forward', pair: 'log_softmax_backward',
    summary: 'log of softmax over the last axis', signature: 'logits [N][C]',
    validate: (r) => A.validateRows('log_softmax', r), resultShape: rowsShape,
  },
  logsumexp: {
    name: 'logsumexp', kind: 'forward',
    summary: 'log of the sum of exponentials of each row', signature: 'logits [N][C]',
    validate: (r) => A.validateRows('logsumexp', r),
    resultShape: (a) => ({ kind: 'vector', length: a.logits.length }),
  },
  sigmoid: {
    name: 'sigmoid', kind: 'forward', pair: 'sigmoid_backward',
    summary: 'logistic sigmoid 1/(1+exp(-x))', signature: 'x [N]',
    validate: (r) => A.validateElements('sigmoid', r), resultShape: elemShape,
  },
  log_sigmoid: {
    name: 'log_sigmoid', kind: 'forward',
    summary: 'log of the sigmoid', signature: 'x [N]',
    validate: (r) => A.validateElements('log_sigmoid', r), resultShape: elemShape,
  },
  softplus: {
    name: 'softplus', kind: 'forward',
    summary: 'log(1 + exp(x))', signature: 'x [N]',
    validate: (r) => A.validateElements('softplus', r), resultShape: elemShape,
  },
  cross_entropy: {
    name: 'cross_entropy', kind: 'forward', pair: 'cross_entropy_backward',
    summary: 'cross-entropy of logits against class indices or probabilities',
    signature: 'logits [N][C]; target [N] | [N][C]; weight? [C]; ignore_index? (-100); reduction?; label_smoothing?',
    validate: (r) => A.validateCrossEntropy('cross_entropy', r),
    resultShape: (a) => lossShape(a.reduction, a.logits.length),
  },
  nll_loss: {
    name: 'nll_loss', kind: 'forward',
    summary: 'negative log-likelihood of log-probabilities',
    signature: 'log_probs [N][C]; target [N]; weight? [C]; ignore_index? (-100); reduction?',
    validate: (r) => A.validateNllLoss('nll_loss', r),
    resultShape: (a) => lossShape(a.reduction, a.log_probs.length),
  },
  binary_cross_entropy: {
    name: 'binary_cross_entropy', kind: 'forward', pair: 'binary_cross_entropy_backward',
    summary: 'binary cross-entropy of probabilities', signature: 'probs [N]; target [N]; weight? [N]; reduction?',
    validate: (r) => A.validateBinaryCrossEntropy('binary_cross_entropy', r),
    resultShape: (a) => lossShape(a.reduction, a.probs.length),
  },
  binary_cross_entropy_with_logits: {
    name: 'binary_cross_entropy_with_logits', kind: 'forward', pair: 'binary_cross_entropy_with_logits_backward',
    summary: 'binary cross-entropy of logits', signature: 'logits [N]; target [N]; weight? [N]; pos_weight?; reduction?',
    validate: (r) => A.validateBceWithLogits('binary_cross_entropy_with_logits', r),
    resultShape: (a) => lossShape(a.reduction, a.logits.length),
  },
  softmax_backward: {
    name: 'softmax_backward', kind: 'backward', pair: 'softmax', wrt: 'logits',
    summary: 'vector-Jacobian product of softmax', signature: 'logits [N][C]; grad_output [N][C]',
    validate: (r) => A.validateRowsBackward('softmax_backward', r), resultShape: rowsShape,
  },
  log_softmax_backward: {
    name: 'log_softmax_backward', kind: 'backward', pair: 'log_softmax', wrt: 'logits',
    summary: 'vector-Jacobian product of log_softmax', signature: 'logits [N][C]; grad_output [N][C]',
    validate: (r) => A.validateRowsBackward('log_softmax_backward', r), resultShape: rowsShape,
  },
  sigmoid_backward: {
    name: 'sigmoid_backward', kind: 'backward', pair: 'sigmoid', wrt: 'x',
    summary: 'vector-Jacobian product of sigmoid', signature: 'x [N]; grad_output [N]',
    validate: (r) => A.validateElementsBackward('sigmoid_backward', r), resultShape: elemShape,
  },
  cross_entropy_backward: {
    name: 'cross_entropy_backward', kind: 'backward', pair: 'cross_entropy', wrt: 'logits',
    summary: 'd loss / d logits of cross_entropy', signature: "cross_entropy's args; grad_output? (number, or [N] for none)",
    validate: (r) => A.validateCrossEntropy('cross_entropy_backward', r), resultShape: rowsShape,
  },
  binary_cross_entropy_backward: {
    name: 'binary_cross_entropy_backward', kind: 'backward', pair: 'binary_cross_entropy', wrt: 'probs',
    summary: 'd loss / d probs of binary_cross_entropy', signature: "binary_cross_entropy's args; grad_output?",
    validate: (r) => A.validateBinaryCrossEntropy('binary_cross_entropy_backward', r),
    resultShape: (a) => ({ kind: 'vector', length: a.probs.length }),
  },
  binary_cross_entropy_with_logits_backward: {
    name: 'binary_cross_entropy_with_logits_backward', kind: 'backward', pair: 'binary_cross_entropy_with_logits', wrt: 'logits',
    summary: 'd loss / d logits of binary_cross_entropy_with_logits', signature: "binary_cross_entropy_with_logits' args; grad_output?",
    validate: (r) => A.validateBceWithLogits('binary_cross_entropy_with_logits_backward', r),
    resultShape: (a) => ({ kind: 'vector', length: a.logits.length }),
  },
};

export const OP_SPECS: readonly OpSpec[] = OP_NAMES.map((n) => TABLE[n] as unknown as OpSpec);

export function isOpName(name: string): name is OpName {
  return (OP_NAMES as readonly string[]).includes(name);
}

export function getSpec<N extends OpName>(name: N): OpSpec<N> {
  return TABLE[name] as OpSpec<N>;
}

/** Check that a result has the nesting and sizes the op promises; returns a message or null. */
export function shapeMismatch(shape: ResultShape, result: unknown): string | null {
  const isNum = (v: unknown) => typeof v === 'number';
  switch (shape.kind) {
    case 'scalar':
      return isNum(result) ? null : `expected a number, got ${describeShape(result)}`;
    case 'vector':
      if (!Array.isArray(result) || result.length !== shape.length || !result.every(isNum)) {
        return `expected [${shape.length}] numbers, got ${describeShape(result)}`;
      }
      return null;
    case 'matrix':
      if (
        !Array.isArray(result) ||
        result.length !== shape.rows ||
        !result.every((r) => Array.isArray(r) && r.length === shape.cols && r.every(isNum))
      ) {
        return `expected [${shape.rows}][${shape.cols}] numbers, got ${describeShape(result)}`;
      }
      return null;
  }
}

export function describeShape(v: unknown): string {
  if (typeof v === 'number') return 'a number';
  if (Array.isArray(v)) {
    if (v.length > 0 && Array.isArray(v[0])) return `[${v.length}][${(v[0] as unknown[]).length}]`;
    return `[${v.length}]`;
  }
  return v === null ? 'null' : typeof v;
}
