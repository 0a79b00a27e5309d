/**
 * The correctly rounded reference: every catalog op, forward and backward.
 *
 * Ziv's strategy: evaluate the op as rigorous enclosures (ops.ts) at a working precision a
 * few digits above the requested one; an output is decided when both ends of its enclosure
 * round to the same value in every target (the decimal at `digits` significant digits,
 * half-even, and float64 / float32 / float16 / bfloat16, round-to-nearest-even decided
 * against exact midpoints by src/core/rounding.ts). Otherwise the working precision doubles
 * and the op is evaluated again; past `maxDigits` a PrecisionError is thrown instead of a
 * guess. An exact result is a zero-width enclosure and is decided at once.
 */
import { Decimal } from 'decimal.js';
import { getSpec, isOpName, OP_NAMES, type OpName } from '../core/catalog.js';
import { ArgumentError, PrecisionError, show } from '../core/errors.js';
import { FORMAT_NAMES, FORMATS, nextDown, nextUp, roundToFormat, type FloatFormat, type FormatName } from '../core/floats.js';
import { roundDecimal } from '../core/rounding.js';
import { toDecimal } from '../core/exact.js';
import { ctxFor } from './elementary.js';
import { Exact, Iv } from './interval.js';
import { REFERENCE_OPS, type IvNest, type Profile } from './ops.js';
import { certify, UNIT_ARGS } from './certified/index.js';
import { softmaxRowDecimals } from './certified/fixed.js';
import { softmaxRowCertified } from './certified/rows.js';
export type { Profile } from './ops.js';

export type Nest<T> = T | T[] | T[][];

export interface ReferenceOptions {
  /** significant digits of the decimal result (default 40) */
  digits?: number;
  /** give up (PrecisionError) beyond this working precision (default 3000) */
  maxDigits?: number;
  /** 'exact' mathematics (default) or PyTorch's documented conventions (BCE log clamp) */
  profile?: Profile;
}

export interface ReferenceResult {
  op: OpName;
  digits: number;
  /** exact value rounded half-even to `digits` significant digits; "NaN", "Infinity", "-Infinity" */
  decimal: Nest<string>;
  float64: Nest<number>;
  float32: Nest<number>;
  float16: Nest<number>;
  bfloat16: Nest<number>;
  /** the largest working precision the Ziv loop needed (0: no Ziv loop ran) */
  workingDigits: number;
}

export const DEFAULT_DIGITS = 40;
const DEFAULT_MAX_DIGITS = 3000;
/**
 * decimal.js's smallest magnitude is 1e-9000000000000000. An enclosure that contains 0 with
 * both ends below this bound comes from its underflow (an exp below its range, possibly
 * scaled by a huge factor), not from a representable value: the value is reported as 0.
 */
const DEC_UNDERFLOW = new Decimal('1e-8000000000000000');

const NARROW_FORMATS: readonly FormatName[] = FORMAT_NAMES.filter((f) => f !== 'float64');

/** Is the double f a rounding boundary of fmt (its neighbours round to different values)? */
function isBoundary(f: number, fmt: FloatFormat): boolean {
  if (f === 0 || !Number.isFinite(f)) return false;
  return !Object.is(roundToFormat(nextDown(f), fmt), roundToFormat(nextUp(f), fmt));
}

export interface Decided {
  decimal: string;
  float64: number;
  float32: number;
  float16: number;
  bfloat16: number;
}

function decimalString(v: Decimal): string {
  if (v.isNaN()) return 'NaN';
  if (!v.isFinite()) return v.isNeg() ? '-Infinity' : 'Infinity';
  if (v.isZero()) return '0';
  return v.toString();
}

/** Decide one enclosure in every target, or return null when it straddles a boundary. */
export function decide(iv: Iv, digits: number): Decided | null {
  // a tiny value of known sign (anchor 0) is decided from its sign first: the plain decision
  // would report an enclosure touching 0 as +0
  if (iv.anchor?.isZero() && iv.side) return decideAnchored(iv, digits) ?? decidePlain(iv, digits);
  return decidePlain(iv, digits) ?? (iv.anchor && iv.side ? decideAnchored(iv, digits) : null);
}

/**
 * The value is anchor + δ with sign(δ) = side and |δ| tiny: round "just beside the anchor".
 * A float target: if the anchor is a midpoint between two neighbours, the side picks one;
 * otherwise the rounding of the anchor. A decimal target: a tie at `digits` is broken by the
 * side the same way. Each answer is then checked against the far end of the enclosure, so
 * the decision still rests on the enclosure (it only adds the strict side of the anchor).
 */
function decideAnchored(iv: Iv, digits: number): Decided | null {
  const a = iv.anchor!;
  const side = iv.side!;
  const far = side > 0 ? iv.hi : iv.lo;
  const out: Partial<Decided> = {};
  if (a.isZero()) {
    // the value is a tiny number of sign `side`: every format rounds it to a signed zero as
    // long as the far end does; its decimal is "0" only below decimal.js's range
    for (const name of FORMAT_NAMES) {
      if (roundDecimal(far, FORMATS[name]) !== 0) return null;
      out[name] = side < 0 ? -0 : 0;
    }
    if (!far.abs().lte(DEC_UNDERFLOW)) return null;
    out.decimal = '0';
    return out as Decided;
  }
  for (const name of FORMAT_NAMES) {
    const fmt = FORMATS[name];
    const fa = roundDecimal(a, fmt);
    let r = fa;
    const exactA = toDecimal(fa, Exact); // exact: the default Decimal class rounds at 20 digits
    if (Number.isFinite(fa) && !exactA.eq(a)) {
      // the neighbour on the anchor's side of fa, and the midpoint between them
      const nb = a.gt(exactA) ? nextUp(fa, fmt) : nextDown(fa, fmt);
      if (Number.isFinite(nb)) {
        const mid = exactA.plus(toDecimal(nb, Exact)).div(2);
        if (mid.eq(a)) r = (side > 0) === nb > fa ? nb : fa;
      }
    }
    if (!Object.is(roundDecimal(far, fmt), r)) return null;
    out[name] = r === 0 ? 0 : r;
  }
  const up = a.toSignificantDigits(digits, Decimal.ROUND_HALF_UP);
  const down = a.toSignificantDigits(digits, Decimal.ROUND_HALF_DOWN);
  let d = a.toSignificantDigits(digits, Decimal.ROUND_HALF_EVEN);
  if (!up.eq(down)) d = side > 0 ? Decimal.max(up, down) : Decimal.min(up, down); // a tie
  if (!far.toSignificantDigits(digits, Decimal.ROUND_HALF_EVEN).eq(d)) return null;
  out.decimal = decimalString(d);
  return out as Decided;
}

function decidePlain(iv: Iv, digits: number): Decided | null {
  const { lo, hi } = iv;
  if (lo.isNaN() || hi.isNaN()) return { decimal: 'NaN', float64: NaN, float32: NaN, float16: NaN, bfloat16: NaN };
  const out: Partial<Decided> = {};
  if (iv.isPoint() && lo.isZero()) {
    // an exact zero is reported as +0 in every format (docs/semantics.md)
    return { decimal: '0', float64: 0, float32: 0, float16: 0, bfloat16: 0 };
  }
  // float64 decided against exact midpoints; both ends must round to the same double, sign
  // of zero included
  let f = roundDecimal(lo, FORMATS.float64);
  const fHi = roundDecimal(hi, FORMATS.float64);
  if (!Object.is(f, fHi)) {
    // both ends round to a zero of different signs: the enclosure contains 0 and the value is
    // below every format's range (typically below decimal.js's, where the sign is lost);
    // reported as +0 (docs/semantics.md), and every verdict treats ±0 alike
    if (f === 0 && fHi === 0 && lo.lte(0) && hi.gte(0)) f = 0;
    else return null;
  }
  out.float64 = f;
  for (const name of NARROW_FORMATS) {
    const fmt = FORMATS[name];
    // Every rounding boundary of float32/16/bfloat16 (a midpoint, or the overflow threshold)
    // is a double. [lo, hi] lies in the float64 rounding cell of f, which holds no double but
    // f, so unless f itself is a boundary, rounding to fmt is constant on the cell and equals
    // rounding f (exact, cheap). Otherwise decide both ends against exact midpoints.
    if (!isBoundary(f, fmt)) {
      out[name] = roundToFormat(f, fmt);
      continue;
    }
    const a = roundDecimal(lo, fmt);
    const b = roundDecimal(hi, fmt);
    if (!Object.is(a, b) && !(a === 0 && b === 0 && f === 0)) return null;
    out[name] = a === 0 && b === 0 && !Object.is(a, b) ? 0 : a;
  }
  if (iv.isPoint()) {
    out.decimal = decimalString(lo.toSignificantDigits(digits, Decimal.ROUND_HALF_EVEN));
  } else {
    const a = lo.toSignificantDigits(digits, Decimal.ROUND_HALF_EVEN);
    const b = hi.toSignificantDigits(digits, Decimal.ROUND_HALF_EVEN);
    if (a.eq(b)) out.decimal = decimalString(a);
    else if (lo.lte(0) && hi.gte(0) && lo.abs().lte(DEC_UNDERFLOW) && hi.abs().lte(DEC_UNDERFLOW)) out.decimal = '0'; // docs/semantics.md
    else return null;
  }
  return out as Decided;
}

function mapNest<T, U>(v: Nest<T>, f: (x: T, path: number[]) => U, path: number[] = []): Nest<U> {
  if (Array.isArray(v)) return (v as Nest<T>[]).map((x, i) => mapNest(x, f, [...path, i])) as Nest<U>;
  return f(v as T, path);
}

function leaves<T>(v: Nest<T>): T[] {
  if (!Array.isArray(v)) return [v as T];
  return (v as Nest<T>[]).flatMap((x) => leaves(x));
}

/** Evaluate an op's enclosures at a working precision (for gradcheck and tests). */
export function referenceEnclosure(op: OpName, args: unknown, workingDigits: number, profile: Profile = 'exact'): IvNest {
  const impl = REFERENCE_OPS[op] as (ctx: ReturnType<typeof ctxFor>, a: unknown, p: Profile) => IvNest;
  return impl(ctxFor(workingDigits), args, profile);
}

export function validateDigits(digits: unknown, name = 'digits'): number {
  if (typeof digits !== 'number' || !Number.isInteger(digits) || digits < 1 || digits > 1000) {
    throw new ArgumentError(`${name} = ${show(digits)} must be an integer from 1 to 1000`);
  }
  return digits;
}

/**
 * The correctly rounded value of `op` on `rawArgs` (JSON-shaped, validated here; throws
 * ArgumentError with a message naming the argument and the value).
 */
export function reference(op: string, rawArgs: unknown, opts: ReferenceOptions = {}): ReferenceResult {
  if (!isOpName(op)) throw new ArgumentError(`unknown op ${show(op)} (known: ${OP_NAMES.join(', ')})`);
  const digits = validateDigits(opts.digits ?? DEFAULT_DIGITS);
  const maxDigits = opts.maxDigits ?? DEFAULT_MAX_DIGITS;
  const args = getSpec(op).validate(rawArgs);
  if (op === 'softmax') {
    // BigInt fixed-point decimals + certified floats per row (./certified/fixed.ts); the
    // Ziv loop below only for the rows they leave undecided
    const fast = softmaxFixedRows((args as { logits: number[][] }).logits, digits, (row) =>
      zivLoop(op, { logits: [row] }, digits, maxDigits, opts.profile ?? 'exact'),
    );
    if (fast) return fast;
  }
  return zivLoop(op, args, digits, maxDigits, opts.profile ?? 'exact');
}

/**
 * softmax rows by the fixed-point decimals and the certified floats; `ziv` computes a row
 * they cannot decide. Null when no row was decided that way (then the caller runs the Ziv
 * loop on everything).
 */
function softmaxFixedRows(rows: number[][], digits: number, ziv: (row: number[]) => ReferenceResult): ReferenceResult | null {
  if (digits > 45) return null;
  const out = { decimal: [] as string[][], float64: [] as number[][], float32: [] as number[][], float16: [] as number[][], bfloat16: [] as number[][] };
  let working = 0;
  let anyFast = false;
  for (const row of rows) {
    const dec = softmaxRowDecimals(row, digits);
    const fl = dec ? softmaxRowCertified(row) : null;
    if (dec && fl) {
      anyFast = true;
      out.decimal.push(dec);
      for (const f of FORMAT_NAMES) out[f].push(fl[f]);
    } else {
      const r = ziv(row);
      working = Math.max(working, r.workingDigits);
      out.decimal.push((r.decimal as string[][])[0]);
      for (const f of FORMAT_NAMES) out[f].push((r[f] as number[][])[0]);
    }
  }
  if (!anyFast) return null;
  return { op: 'softmax', digits, ...out, workingDigits: working };
}

function zivLoop(op: OpName, args: unknown, digits: number, maxDigits: number, profile: Profile): ReferenceResult {
  let working = digits + 8;
  for (;;) {
    const enc = referenceEnclosure(op, args, working, profile);
    const decided = mapNest<Iv, Decided | null>(enc as Nest<Iv>, (iv) => decide(iv, digits));
    const undecided = leaves(decided).filter((d) => d === null).length;
    if (undecided === 0) {
      const pick = <K extends keyof Decided>(k: K) => mapNest(decided as Nest<Decided>, (d) => d[k]);
      return {
        op,
        digits,
        decimal: pick('decimal'),
        float64: pick('float64'),
        float32: pick('float32'),
        float16: pick('float16'),
        bfloat16: pick('bfloat16'),
        workingDigits: working,
      };
    }
    if (working >= maxDigits) {
      throw new PrecisionError(
        `${op}: ${undecided} output(s) could not be rounded correctly within ${maxDigits} working digits ` +
          '(the exact value is extraordinarily close to a rounding boundary); raise maxDigits',
      );
    }
    working = Math.min(maxDigits, working * 2);
  }
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
 * The correctly rounded floats of `op` (no decimal string): the certified double-double
 * path (./certified) first, the decimal Ziv loop when it cannot decide. Both give the same
 * floats; only the time differs. The 'pytorch' profile changes only the BCE ops, which have
 * no certified evaluator, so it always takes the decimal path for them.
 */
export function referenceFloats(op: string, rawArgs: unknown, opts: ReferenceOptions = {}): ReferenceFloats {
  if (!isOpName(op)) throw new ArgumentError(`unknown op ${show(op)} (known: ${OP_NAMES.join(', ')})`);
  const args = getSpec(op).validate(rawArgs);
  const c = certify(op, args);
  const ziv = (raw: unknown) => reference(op, raw, { ...opts, digits: Math.min(opts.digits ?? 17, 17) });
  if (!c) {
    const r = ziv(rawArgs);
    return { op, float64: r.float64, float32: r.float32, float16: r.float16, bfloat16: r.bfloat16, certified: false };
  }
  const unit = UNIT_ARGS[op] as (a: unknown, i: number) => unknown;
  for (const i of c.undecided) {
    // an undecided row / element: the decimal path on that unit alone (units are independent)
    const r = ziv(unit(args, i));
    for (const f of FORMAT_NAMES) (c[f] as Nest<number>[])[i] = (r[f] as Nest<number>[])[0];
  }
  return { op, float64: c.float64, float32: c.float32, float16: c.float16, bfloat16: c.bfloat16, certified: c.undecided.length === 0 };
}

/** Shorthand: the correctly rounded result in one format. */
export function referenceIn(op: string, rawArgs: unknown, format: FormatName, opts?: ReferenceOptions): Nest<number> {
  return referenceFloats(op, rawArgs, opts)[format];
}

export { REFERENCE_OPS } from './ops.js';
export { CERTIFIED, certifiedStats } from './certified/index.js';
export { Ctx, Iv, Exact } from './interval.js';
export { ctxFor, expPoint, lnPoint, log1pPoint } from './elementary.js';
