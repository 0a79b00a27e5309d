/**
 * Exact decimal strings for results below decimal.js's exponent range.
 *
 * decimal.js represents magnitudes down to 1e-9000000000000000; exp(x) for x below about
 * −2.07e16 underflows it, so the enclosure of softmax([[1e20, −1e20]])[0][1] = e^(−2e20)
 * collapses to [0, tiny] and its decimal used to be written "0", which is not the value. For
 * the ops whose tiny outputs are exponentials of something the reference computes well, the
 * value is recomputed in log space: with L the natural log of |y| (an enclosure of it),
 * log10|y| = L / ln 10 = E + f (E an integer, 0 ≤ f < 1), so |y| = 10^f · 10^E, and the
 * mantissa 10^f is an ordinary decimal while E is a BigInt-sized integer written in text
 * (e^(−2e308) has E ≈ −8.7e307). Both ends of the log enclosure are converted; the string is
 * returned only when they agree to `digits` significant digits (otherwise the caller's "0"
 * stays, and the Ziv loop's wider precision is tried next).
 *
 *   softmax_i     = exp(log_softmax_i)          (log_softmax is a reference op)
 *   sigmoid(x)    = exp(log_sigmoid(x))
 *   softplus(x)   = log1p(e^x) = e^x·(1 − θ·e^x/2), 0 ≤ θ ≤ 1: for e^x below 1e-8e15 the
 *                   correction is far below any requested digit, so L = x with an enclosure
 *                   widened by a few units of the working precision
 *   log_sigmoid(x) = −softplus(−x)
 *
 * Other ops (losses and gradients whose tiny entries mix sums, weights and signs) keep "0"
 * below the range; docs/fixtures.md lists which ops are exact.
 */
import { Decimal } from 'decimal.js';
import type { OpName } from '../core/catalog.js';
import { toDecimal } from '../core/exact.js';
import { Exact, type Iv } from './interval.js';

/** the enclosure ends below this magnitude come from decimal.js's underflow */
const DEC_UNDERFLOW = new Decimal('1e-8000000000000000');

export type LogSource = (companion: OpName, args: unknown, workingDigits: number) => unknown;

/** The ops handled here, with how to get ln|y| and the sign of y. */
const TINY_OPS: Partial<Record<OpName, { companion: OpName | null; negate: boolean; sign: -1 | 1 }>> = {
  softmax: { companion: 'log_softmax', negate: false, sign: 1 },
  sigmoid: { companion: 'log_sigmoid', negate: false, sign: 1 },
  softplus: { companion: null, negate: false, sign: 1 },
  log_sigmoid: { companion: null, negate: true, sign: -1 },
};

export function hasTinyDecimals(op: OpName): boolean {
  return op in TINY_OPS;
}

/** Is this enclosure a nonzero value below decimal.js's range (what decide() writes as "0")? */
export function belowRange(iv: Iv): boolean {
  return !iv.isExactZero() && !iv.isNaN() && iv.lo.abs().lte(DEC_UNDERFLOW) && iv.hi.abs().lte(DEC_UNDERFLOW);
}

/**
 * |y| = e^L as "m.mmm…e-E" with `digits` significant digits (trailing zeros dropped, like
 * decimal.js's toString), or null if L's enclosure [lo, hi] does not decide them.
 */
export function expDecimal(lo: Decimal, hi: Decimal, digits: number): string | null {
  const a = expParts(lo, digits);
  const b = expParts(hi, digits);
  if (a === null || b === null || a.mantissa !== b.mantissa || a.exponent !== b.exponent) return null;
  return `${a.mantissa}e${a.exponent < 0n ? '-' : '+'}${(a.exponent < 0n ? -a.exponent : a.exponent).toString()}`;
}

function expParts(L: Decimal, digits: number): { mantissa: string; exponent: bigint } | null {
  if (!L.isFinite()) return null;
  // enough digits for the integer part of L/ln 10 plus the requested ones and guard digits
  const intDigits = Math.max(1, L.abs().toFixed(0).length);
  const P = intDigits + digits + 25;
  const D = Decimal.clone({ precision: P, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15, minE: -9e15, maxE: 9e15 });
  const t = new D(L).div(D.ln(10)); // log10 |y|
  const E = t.floor();
  const f = t.minus(E); // in [0, 1)
  const M = Decimal.clone({ precision: digits + 25, rounding: Decimal.ROUND_HALF_EVEN });
  let m = M.pow(10, new M(f.toFixed(digits + 24, Decimal.ROUND_DOWN)));
  let exponent = BigInt(E.toFixed(0));
  let r = m.toSignificantDigits(digits, Decimal.ROUND_HALF_EVEN);
  if (r.gte(10)) {
    m = m.div(10);
    exponent += 1n;
    r = m.toSignificantDigits(digits, Decimal.ROUND_HALF_EVEN);
  }
  // a mantissa within the guard digits of a rounding tie is not decided at this precision
  // (the caller compares both ends of the enclosure too)
  const up = m.toSignificantDigits(digits, Decimal.ROUND_UP);
  const down = m.toSignificantDigits(digits, Decimal.ROUND_DOWN);
  if (!up.eq(down) && m.minus(up.plus(down).div(2)).abs().lt(new M(10).pow(-(digits + 15)))) return null;
  return { mantissa: r.toFixed(), exponent };
}

/**
 * Replace the "0" decimals of below-range entries of `op` by their exact strings where they
 * can be decided. `enc` and `decimal` are the op's enclosures and decided strings (same
 * nesting); `companion` evaluates another reference op's enclosures at the working precision.
 */
export function fillTinyDecimals(
  op: OpName,
  args: Record<string, unknown>,
  enc: unknown,
  decimal: unknown,
  digits: number,
  workingDigits: number,
  companion: LogSource,
): unknown {
  const spec = TINY_OPS[op];
  if (!spec) return decimal;
  // the log of a tiny value is huge (−2e20 for e^(−2e20)): its enclosure must be narrow in
  // absolute terms, so the companion runs with as many more digits as L has integer digits
  const intDigits = (L: Decimal) => (L.isFinite() && !L.isZero() ? Math.max(1, L.abs().toFixed(0).length) : 1);
  const extra = new Map<number, unknown>();
  const companionAt = (w: number): unknown => {
    if (!extra.has(w)) extra.set(w, companion(spec.companion!, args, w));
    return extra.get(w);
  };
  const at = (v: unknown, path: number[]): Iv => {
    for (const k of path) v = (v as unknown[])[k];
    return v as Iv;
  };
  const logAt = (path: number[]): { lo: Decimal; hi: Decimal } | null => {
    if (spec.companion) {
      const first = at(companionAt(workingDigits), path);
      const w = workingDigits + intDigits(first.lo) + 10;
      const iv = at(companionAt(w), path);
      return { lo: iv.lo, hi: iv.hi };
    }
    // softplus / log_sigmoid: L = ln|y| lies in [±x − e^(±x), ±x] and e^(±x) is below
    // 1e-8e15 here, far below any digit that matters: a tiny width stands for it
    let x: unknown = args.x;
    for (const k of path) x = (x as unknown[])[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) return null;
    const X = toDecimal(spec.negate ? -x : x, Exact); // the exact binary value
    const eps = new Exact(10).pow(-(intDigits(X) + digits + 40));
    return { lo: X.minus(eps), hi: X };
  };
  const walk = (d: unknown, e: unknown, path: number[]): unknown => {
    if (Array.isArray(d)) return d.map((x, i) => walk(x, (e as unknown[])[i], [...path, i]));
    if (d !== '0' || !belowRange(e as Iv)) return d;
    const L = logAt(path);
    if (!L) return d;
    const s = expDecimal(L.lo, L.hi, digits);
    return s === null ? d : spec.sign < 0 ? `-${s}` : s;
  };
  return walk(decimal, enc, []);
}
