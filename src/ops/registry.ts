/**
 * The registry: every op's record, in catalog order. Names, argument types and the list of
 * ops are derived from it, so adding an op is one folder (its records) and one line here.
 * Everything that enumerates ops — verify, audit, selftest, gradcheck, fixtures, the CLI, the
 * fixture schema's op enum, docs/ops.md — goes through this module (test/registry.test.ts
 * checks that every record is complete and consistent).
 */
import { ArgumentError, show } from '../core/errors.js';
import { bceBackwardRecord, bceRecord, bceWithLogitsBackwardRecord, bceWithLogitsRecord } from './bce/index.js';
import { crossEntropyBackwardRecord, crossEntropyRecord, nllLossRecord } from './cross_entropy/index.js';
import { logSigmoidRecord, sigmoidBackwardRecord, sigmoidRecord, softplusRecord } from './elementwise/index.js';
import { logSoftmaxBackwardRecord, logSoftmaxRecord, logsumexpRecord, softmaxBackwardRecord, softmaxRecord } from './rows/index.js';
import { klDivBackwardRecord, klDivRecord, klDivTargetBackwardRecord } from './kl/index.js';
import type { GradientSpec, OpRecord } from './types.js';

export const REGISTRY = {
  softmax: softmaxRecord,
  log_softmax: logSoftmaxRecord,
  logsumexp: logsumexpRecord,
  sigmoid: sigmoidRecord,
  log_sigmoid: logSigmoidRecord,
  softplus: softplusRecord,
  cross_entropy: crossEntropyRecord,
  nll_loss: nllLossRecord,
  binary_cross_entropy: bceRecord,
  binary_cross_entropy_with_logits: bceWithLogitsRecord,
  softmax_backward: softmaxBackwardRecord,
  log_softmax_backward: logSoftmaxBackwardRecord,
  sigmoid_backward: sigmoidBackwardRecord,
  cross_entropy_backward: crossEntropyBackwardRecord,
  binary_cross_entropy_backward: bceBackwardRecord,
  binary_cross_entropy_with_logits_backward: bceWithLogitsBackwardRecord,
  kl_div: klDivRecord,
  kl_div_backward: klDivBackwardRecord,
  kl_div_target_backward: klDivTargetBackwardRecord,
  // each record has its own argument type (checked where the record is declared); here the
  // check is that each key names its own record
  // oxlint-disable-next-line typescript/no-explicit-any -- a record's argument type appears in and out (validate, reference): no other type fits every record
} as const satisfies { [N in string]: OpRecord<N, any> };

type Registry = typeof REGISTRY;
export type OpName = keyof Registry;
/** The normalised arguments of each op (its record's validate). */
export type ArgsByOp = { [N in OpName]: ReturnType<Registry[N]['validate']> };
/** Any op's record, with its argument type erased (for generic code that enumerates ops). */
export type AnyRecord = OpRecord<OpName, Record<string, unknown>>;

export const OP_NAMES: readonly OpName[] = Object.keys(REGISTRY) as OpName[];

export function isOpName(name: unknown): name is OpName {
  return typeof name === 'string' && Object.hasOwn(REGISTRY, name);
}

/** The record of an op, with its argument type erased. */
export function getRecord(op: OpName): AnyRecord {
  return REGISTRY[op] as unknown as AnyRecord;
}

/** The record of an op by a user-supplied name; ArgumentError naming the op otherwise. */
export function recordOf(op: unknown, what = 'op'): AnyRecord {
  if (!isOpName(op)) throw new ArgumentError(`unknown ${what} ${show(op)} (known: ${OP_NAMES.join(', ')})`);
  return getRecord(op);
}

export const RECORDS: readonly AnyRecord[] = OP_NAMES.map(getRecord);

/** @deprecated kept for the library's v0.1 API: the record is the spec (name, kind, pair, summary, signature, validate, resultShape) */
export const getSpec = getRecord;
/** @deprecated kept for the library's v0.1 API */
export const OP_SPECS = RECORDS;
export type OpSpec = AnyRecord;

/** The op paired with `op` (backward of a forward op, forward of a backward op), or null. */
export function pairOf(op: OpName): OpName | null {
  const p = getRecord(op).pair;
  return p === null ? null : (p as OpName);
}

/** What a backward op differentiates (its record's gradient spec, forward typed as an op name). */
export function gradientOf(
  op: OpName,
): { forward: OpName; wrt: string; layout: GradientSpec['layout']; domain: GradientSpec['domain'] } | null {
  const g = getRecord(op).gradient;
  return g === null ? null : { forward: g.forward as OpName, wrt: g.wrt, layout: g.layout, domain: g.domain };
}

export { describeShape, shapeMismatch, type ResultShape } from '../core/shape.js';
