/**
 * The registry's generic entry points: the correctly rounded reference of any op, its
 * enclosures, the fast path, regimes, sweeps, curated cases — each a lookup of the op's
 * record (no per-op switch anywhere above this layer).
 */
import type { OpResult } from '../core/args.js';
import type { Dtype } from '../core/dtype.js';
import type { FormatName } from '../core/floats.js';
import { ctxFor } from '../reference/elementary.js';
import { DEFAULT_DIGITS, validateDigits, zivRound, type Nest, type ReferenceOptions, type ReferenceResult } from '../reference/index.js';
import { countCertified } from '../reference/certified/index.js';
import { FORMAT_NAMES } from '../core/floats.js';
import type { IvNest, Profile } from '../reference/ops.js';
import { fillTinyDecimals, hasTinyDecimals } from '../reference/tiny.js';
import { getRecord, recordOf, type AnyRecord, type OpName } from './registry.js';
import type { CertifiedSpec, CuratedEntry, GradientPoint, RawArgs, Regime, Sweep, SweepOptions } from './types.js';

/**
 * The correctly rounded value of `op` on `rawArgs` (JSON-shaped, validated here; throws
 * ArgumentError with a message naming the argument and the value).
 */
export function reference(op: string, rawArgs: unknown, opts: ReferenceOptions = {}): ReferenceResult {
  const rec = recordOf(op);
  const args = rec.validate(rawArgs);
  const profile = opts.profile ?? 'exact';
  const digits = validateDigits(opts.digits ?? DEFAULT_DIGITS);
  // rows whose decimals the record computes in fixed point (softmax, digits ≤ 45), with the
  // certified floats; the Ziv loop below only for the rows they leave undecided
  const c = rec.certified;
  if (c?.rowDecimals && digits <= 45 && profile === 'exact') {
    const fixed = fixedRows(
      rec.name,
      (args as { logits: number[][] }).logits,
      digits,
      c,
      (row) => zivReference(rec, rec.validate({ logits: [row] }), opts),
    );
    if (fixed) return fixed;
  }
  return zivReference(rec, args, opts);
}

/** The Ziv loop over the record's enclosures (no fixed-point shortcut). */
function zivReference(rec: AnyRecord, args: Record<string, unknown>, opts: ReferenceOptions): ReferenceResult {
  const profile = opts.profile ?? 'exact';
  // below decimal.js's range a decided decimal is "0": recompute it in log space (reference/tiny.ts)
  const refine = hasTinyDecimals(rec.name)
    ? (enc: IvNest, decimal: Nest<string>, d: number, working: number) =>
      fillTinyDecimals(rec.name, args, enc, decimal, d, working, (cmp, a, w) => referenceEnclosure(cmp as OpName, a, w, profile)) as Nest<
        string
      >
    : undefined;
  return zivRound(rec.name, (ctx) => rec.reference(ctx, args, profile), opts, refine);
}

/**
 * Row ops whose record has fixed-point decimals (softmax): each row by those decimals and the
 * certified floats, or by `ziv` when either is undecided. Null when no row was decided that
 * way (then the caller runs the Ziv loop on everything).
 */
function fixedRows(
  op: string,
  rows: number[][],
  digits: number,
  c: CertifiedSpec<Record<string, unknown>>,
  ziv: (row: number[]) => ReferenceResult,
): ReferenceResult | null {
  const out = {
    decimal: [] as string[][],
    float64: [] as number[][],
    float32: [] as number[][],
    float16: [] as number[][],
    bfloat16: [] as number[][],
  };
  let working = 0;
  let anyFast = false;
  for (const row of rows) {
    const dec = c.rowDecimals!(row, digits);
    const fl = dec ? c.floats({ logits: [row] }) : null;
    if (dec && fl && fl.undecided.length === 0) {
      anyFast = true;
      out.decimal.push(dec);
      for (const f of FORMAT_NAMES) out[f].push((fl[f] as number[][])[0]);
    } else {
      const r = ziv(row);
      working = Math.max(working, r.workingDigits);
      out.decimal.push((r.decimal as string[][])[0]);
      for (const f of FORMAT_NAMES) out[f].push((r[f] as number[][])[0]);
    }
  }
  if (!anyFast) return null;
  return { op, digits, ...out, workingDigits: working };
}

export interface ReferenceFloats {
  op: OpName;
  float64: Nest<number>;
  float32: Nest<number>;
  float16: Nest<number>;
  bfloat16: Nest<number>;
  /** true when the certified double-double path decided every output (no Ziv loop at all) */
  certified: boolean;
}

/**
 * The correctly rounded floats of `op` (no decimal string): the record's certified
 * double-double path first, the decimal Ziv loop for each unit it cannot decide. Both give
 * the same floats; only the time differs. The 'pytorch' profile changes only the BCE ops,
 * which have no certified evaluator.
 */
export function referenceFloats(op: string, rawArgs: unknown, opts: ReferenceOptions = {}): ReferenceFloats {
  const rec = recordOf(op);
  const args = rec.validate(rawArgs);
  const name = rec.name;
  const ziv = (raw: unknown) => reference(name, raw, { ...opts, digits: Math.min(opts.digits ?? 17, 17) });
  if (rec.certified === null) {
    const r = ziv(rawArgs);
    return { op: name, float64: r.float64, float32: r.float32, float16: r.float16, bfloat16: r.bfloat16, certified: false };
  }
  const c = countCertified(rec.certified.floats(args));
  for (const i of c.undecided) {
    // an undecided row / element: the decimal path on that unit alone (units are independent)
    const r = ziv(rec.certified.unit(args, i));
    for (const f of FORMAT_NAMES) (c[f] as Nest<number>[])[i] = (r[f] as Nest<number>[])[0];
  }
  return {
    op: name,
    float64: c.float64,
    float32: c.float32,
    float16: c.float16,
    bfloat16: c.bfloat16,
    certified: c.undecided.length === 0,
  };
}

/** Shorthand: the correctly rounded result in one format (the certified path when the op has one). */
export function referenceIn(op: string, rawArgs: unknown, format: FormatName, opts?: ReferenceOptions): Nest<number> {
  return referenceFloats(op, rawArgs, opts)[format];
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
