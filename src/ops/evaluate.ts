/**
 * The registry's generic entry points: the correctly rounded reference of any op, its
 * enclosures, the fast path, regimes, sweeps, curated cases — each a lookup of the op's
 * record (no per-op switch anywhere above this layer).
 */
import type { OpResult } from '../core/args.js';
import type { Dtype } from '../core/dtype.js';
import type { FormatName } from '../core/floats.js';
import { ctxFor } from '../reference/elementary.js';
import { zivRound, type Nest, type ReferenceOptions, type ReferenceResult } from '../reference/index.js';
import type { IvNest, Profile } from '../reference/ops.js';
import { fillTinyDecimals, hasTinyDecimals } from '../reference/tiny.js';
import { getRecord, recordOf, type OpName } from './registry.js';
import type { CuratedEntry, GradientPoint, RawArgs, Regime, Sweep, SweepOptions } from './types.js';

/**
 * The correctly rounded value of `op` on `rawArgs` (JSON-shaped, validated here; throws
 * ArgumentError with a message naming the argument and the value).
 */
export function reference(op: string, rawArgs: unknown, opts: ReferenceOptions = {}): ReferenceResult {
  const rec = recordOf(op);
  const args = rec.validate(rawArgs);
  const profile = opts.profile ?? 'exact';
  // below decimal.js's range a decided decimal is "0": recompute it in log space (reference/tiny.ts)
  const refine = hasTinyDecimals(rec.name)
    ? (enc: IvNest, decimal: Nest<string>, digits: number, working: number) =>
        fillTinyDecimals(rec.name, args, enc, decimal, digits, working, (c, a, w) => referenceEnclosure(c as OpName, a, w, profile)) as Nest<string>
    : undefined;
  return zivRound(rec.name, (ctx) => rec.reference(ctx, args, profile), opts, refine);
}

/** Shorthand: the correctly rounded result in one format. */
export function referenceIn(op: string, rawArgs: unknown, format: FormatName, opts?: ReferenceOptions): Nest<number> {
  return reference(op, rawArgs, opts)[format];
}

/** Evaluate an op's enclosures at a working precision (normalised args; for gradcheck and tests). */
export function referenceEnclosure(op: OpName, args: unknown, workingDigits: number, profile: Profile = 'exact'): IvNest {
  return getRecord(op).reference(ctxFor(workingDigits), args as Record<string, unknown>, profile);
}

/** The fast path of an op at normalised args. */
export function fastEvaluate(op: OpName, args: unknown, dtype: Dtype = 'float64'): OpResult {
  return getRecord(op).fast(args as Record<string, unknown>, dtype);
}

/** A float64 evaluator (normalised args → result) for condition numbers: the fast path. */
export type Float64Evaluator = (op: OpName, args: Record<string, unknown>) => OpResult;
export const fastEvaluator: Float64Evaluator = (op, args) => fastEvaluate(op, args, 'float64');

/** Every regime of an op, for implementations of the given dtype. */
export function regimesFor(op: OpName, dtype: Dtype): Regime[] {
  return getRecord(op).regimes(dtype);
}

/** Every audit sweep of an op. */
export function sweepsFor(op: OpName, o: SweepOptions): Sweep[] {
  return getRecord(op).sweeps(o);
}

/** Where the audit checks a backward op against finite differences of its forward (none for forward ops). */
export function gradientPoints(op: OpName, quick: boolean): GradientPoint[] {
  return getRecord(op).gradient?.auditPoints(quick) ?? [];
}

/** A curated golden case: the data behind oracles/<op>.json, id "<op>/<name>". */
export interface CuratedCase {
  id: string;
  op: OpName;
  args: RawArgs;
  tags: string[];
}

function toCase(op: OpName, [name, args, tags]: CuratedEntry): CuratedCase {
  return { id: `${op}/${name}`, op, args, tags: [...tags] };
}

/** The curated cases of one op, in record order. */
export function curatedFor(op: OpName): CuratedCase[] {
  return getRecord(op).curated.map((e) => toCase(op, e));
}
