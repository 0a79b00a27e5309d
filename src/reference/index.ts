/**
 * The correctly rounded reference: Ziv's loop over an op's enclosures (each op's record names
 * its enclosure function, src/ops; `reference(op, args)` is in src/ops/evaluate.ts).
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
import { ArgumentError, PrecisionError, show } from '../core/errors.js';
import { FORMAT_NAMES, FORMATS, nextDown, nextUp, roundToFormat, type FloatFormat, type FormatName } from '../core/floats.js';
import { roundDecimal } from '../core/rounding.js';
import { toDecimal } from '../core/exact.js';
import { ctxFor } from './elementary.js';
import { Exact, type Iv, type Ctx } from './interval.js';
import type { IvNest, Profile } from './ops.js';
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
  op: string;
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
  return f(v, path);
}

function leaves<T>(v: Nest<T>): T[] {
  if (!Array.isArray(v)) return [v];
  return (v as Nest<T>[]).flatMap((x) => leaves(x));
}

export function validateDigits(digits: unknown, name = 'digits'): number {
  if (typeof digits !== 'number' || !Number.isInteger(digits) || digits < 1 || digits > 1000) {
    throw new ArgumentError(`${name} = ${show(digits)} must be an integer from 1 to 1000`);
  }
  return digits;
}

/**
 * Ziv's loop: the correctly rounded value of the enclosures `evaluate(ctx)` (one op at its
 * normalised args; src/ops/evaluate.ts's `reference` looks the op up and validates its args).
 * `name` is only used in messages.
 */
export function zivRound(
  name: string,
  evaluate: (ctx: Ctx) => IvNest,
  opts: ReferenceOptions = {},
  /** rewrites the decided decimals once everything is decided (tiny.ts: values below decimal.js's range) */
  refineDecimal?: (enc: IvNest, decimal: Nest<string>, digits: number, workingDigits: number) => Nest<string>,
): ReferenceResult {
  const digits = validateDigits(opts.digits ?? DEFAULT_DIGITS);
  const maxDigits = opts.maxDigits ?? DEFAULT_MAX_DIGITS;
  let working = digits + 8;
  for (;;) {
    const enc = evaluate(ctxFor(working));
    const decided = mapNest<Iv, Decided | null>(enc, (iv) => decide(iv, digits));
    const undecided = leaves(decided).filter((d) => d === null).length;
    if (undecided === 0) {
      const pick = <K extends keyof Decided>(k: K) => mapNest(decided as Nest<Decided>, (d) => d[k]);
      const decimal = refineDecimal ? refineDecimal(enc, pick('decimal'), digits, working) : pick('decimal');
      return {
        op: name,
        digits,
        decimal,
        float64: pick('float64'),
        float32: pick('float32'),
        float16: pick('float16'),
        bfloat16: pick('bfloat16'),
        workingDigits: working,
      };
    }
    if (working >= maxDigits) {
      throw new PrecisionError(
        `${name}: ${undecided} output(s) could not be rounded correctly within ${maxDigits} working digits `
          + '(the exact value is extraordinarily close to a rounding boundary); raise maxDigits',
      );
    }
    working = Math.min(maxDigits, working * 2);
  }
}

export { Ctx, Iv, Exact } from './interval.js';
export { ctxFor, expPoint, lnPoint, log1pPoint } from './elementary.js';
