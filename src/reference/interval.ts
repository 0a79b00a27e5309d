/**
 * Interval arithmetic over decimal.js with directed rounding.
 *
 * Why intervals: decimal.js's basic operations (+ − × ÷) are correctly rounded in the
 * requested direction, so computing the lower end with ROUND_FLOOR and the upper end with
 * ROUND_CEIL gives an enclosure of the exact value that is rigorous by construction. An
 * exact result stays a zero-width interval (floor = ceil), which is how the reference
 * recognises exact results such as 0, 1/2 or 1/4 without special cases.
 *
 * Convention: `lo` is always an instance of the context's `Dn` constructor and `hi` of its
 * `Up` constructor, so the instance methods of each end already round the right way; mixed
 * terms go through the static methods (`Dn.mul(a, b)` rounds down whatever a and b are).
 * Endpoints may be ±Infinity (e.g. −log 0); NaN endpoints mean "no value".
 */
import { Decimal } from 'decimal.js';
import { toDecimal } from '../core/exact.js';

/** Settings shared by every constructor: no exponent-notation surprises, the widest range. */
const RANGE = { toExpNeg: -7, toExpPos: 21, minE: -9e15, maxE: 9e15, crypto: false } as const;

/**
 * Exact arithmetic on inputs: the exact decimal of a double has at most 767 significant
 * digits and the difference of two doubles at most 1383, so 1500 digits make every
 * sum/difference of two doubles exact.
 */
export const Exact = Decimal.clone({ ...RANGE, precision: 1500, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = Decimal;

/** Upper bounds on error terms: a few digits, always rounded up. */
export const ErrUp = Decimal.clone({ ...RANGE, precision: 10, rounding: Decimal.ROUND_CEIL });

export class Ctx {
  readonly Dn: typeof Decimal;
  readonly Up: typeof Decimal;
  readonly Near: typeof Decimal;
  /** unit roundoff of round-to-nearest at this precision: ½·10^(1−p), as an upper bound */
  readonly u: Decimal;
  constructor(readonly digits: number) {
    this.Dn = Decimal.clone({ ...RANGE, precision: digits, rounding: Decimal.ROUND_FLOOR });
    this.Up = Decimal.clone({ ...RANGE, precision: digits, rounding: Decimal.ROUND_CEIL });
    this.Near = Decimal.clone({ ...RANGE, precision: digits, rounding: Decimal.ROUND_HALF_EVEN });
    this.u = new ErrUp(`5e-${digits}`);
  }

  /** An exact value: numbers are converted from their bits (never via the shortest string). */
  point(x: number | Decimal): Iv {
    const v = typeof x === 'number' ? toDecimal(x, Exact) : x;
    return new Iv(new this.Dn(v), new this.Up(v));
  }

  /** [v − δ, v + δ] for a point value v with absolute error bound δ ≥ 0. */
  ball(v: Decimal, delta: Decimal): Iv {
    if (delta.isZero()) return this.point(v);
    return new Iv(this.Dn.sub(v, delta), this.Up.add(v, delta));
  }

  /** [v·(1 − ε), v·(1 + ε)] for v with relative error bound ε (v of either sign). */
  relBall(v: Decimal, eps: Decimal): Iv {
    return this.ball(v, ErrUp.mul(v.abs(), eps));
  }

  add(a: Iv, b: Iv): Iv {
    return new Iv(a.lo.plus(b.lo), a.hi.plus(b.hi));
  }

  /**
   * a + b for an exact point a and an interval b far smaller than a, as the final step of an
   * op (x − log1p(s), max + log1p(s), x + log1p(e^−x)). At working precision a + b would
   * round back onto a; here the sum is formed exactly (the precision covers the exponent gap),
   * so the enclosure keeps the side of a that the value is on. That decides results whose
   * exact part a is itself a rounding boundary (a double's 41-digit decimal ending in 5, a
   * float midpoint) without raising the working precision of the whole op. Subtractions
   * and additions are linear in the digits, so even a gap of 10^5 digits is cheap (the limit is 10^6).
   * `knownSide` is the sign of b when the caller knows it is strictly nonzero.
   */
  addTiny(a: Decimal, b: Iv, knownSide: -1 | 0 | 1 = 0): Iv {
    if (!a.isFinite() || b.isNaN() || !b.lo.isFinite() || !b.hi.isFinite() || (b.lo.isZero() && b.hi.isZero())) {
      return this.add(this.point(a), b);
    }
    if (a.isZero()) {
      // a tiny value of known sign: keep the sign for the rounding decision (±0 below range)
      const r = this.add(this.point(a), b);
      const side0 = b.lo.gt(0) ? 1 : b.hi.lt(0) ? -1 : knownSide;
      if (side0 !== 0) {
        r.anchor = a;
        r.side = side0;
      }
      return r;
    }
    const mag = Math.max(b.lo.isZero() ? -Infinity : b.lo.e, b.hi.isZero() ? -Infinity : b.hi.e);
    const gap = a.e - mag;
    // the sign of the offset (from the enclosure, or from the caller's structure when the
    // enclosure touches 0 because b is below decimal.js's range, e.g. log1p(e^−1e300) > 0):
    // lets the rounding decision resolve a result whose anchor a is a rounding boundary
    const side = b.lo.gt(0) ? 1 : b.hi.lt(0) ? -1 : knownSide;
    let r: Iv;
    if (gap < this.digits - 4 || gap > 1_000_000) r = this.add(this.point(a), b);
    else {
      const W = wideCtx(gap + this.digits + 4);
      r = new Iv(W.Dn.add(a, b.lo), W.Up.add(a, b.hi));
    }
    if (side !== 0) {
      r.anchor = a;
      r.side = side;
    }
    return r;
  }

  sub(a: Iv, b: Iv): Iv {
    return new Iv(this.Dn.sub(a.lo, b.hi), this.Up.sub(a.hi, b.lo));
  }

  neg(a: Iv): Iv {
    const r = new Iv(new this.Dn(a.hi).neg(), new this.Up(a.lo).neg());
    if (a.anchor) {
      r.anchor = a.anchor.neg();
      r.side = -(a.side ?? 0) as -1 | 0 | 1;
    }
    return r;
  }

  mul(a: Iv, b: Iv): Iv {
    const { Dn, Up } = this;
    if (a.lo.gte(0) && b.lo.gte(0)) return new Iv(a.lo.times(b.lo), a.hi.times(b.hi));
    if (a.isPoint() && b.isPoint()) return new Iv(Dn.mul(a.lo, b.lo), Up.mul(a.lo, b.lo));
    // general case: the extremes are among the four endpoint products
    const pairs: [Decimal, Decimal][] = [
      [a.lo, b.lo],
      [a.lo, b.hi],
      [a.hi, b.lo],
      [a.hi, b.hi],
    ];
    let lo = Dn.mul(pairs[0][0], pairs[0][1]);
    let hi = Up.mul(pairs[0][0], pairs[0][1]);
    for (let i = 1; i < 4; i++) {
      const l = Dn.mul(pairs[i][0], pairs[i][1]);
      const h = Up.mul(pairs[i][0], pairs[i][1]);
      if (l.lt(lo)) lo = l;
      if (h.gt(hi)) hi = h;
    }
    return new Iv(lo, hi);
  }

  /** a·k for an exact scalar k (a number or Decimal), cheaper than a full interval product. */
  scale(a: Iv, k: number | Decimal): Iv {
    const kd = typeof k === 'number' ? toDecimal(k, Exact) : k;
    if (kd.isZero()) return this.point(0);
    const r = kd.gt(0) ? new Iv(this.Dn.mul(a.lo, kd), this.Up.mul(a.hi, kd)) : new Iv(this.Dn.mul(a.hi, kd), this.Up.mul(a.lo, kd));
    if (a.anchor && kd.isFinite()) {
      // an exact scale keeps the anchor exact (product of exact decimals) and the side's sign
      r.anchor = Exact.mul(a.anchor, kd);
      r.side = ((a.side ?? 0) * (kd.isNeg() ? -1 : 1)) as -1 | 0 | 1;
    }
    return r;
  }

  div(a: Iv, b: Iv): Iv {
    if (b.lo.lte(0) && b.hi.gte(0)) {
      // only reached for a divisor that may be 0: callers exclude that by the semantics
      return new Iv(new this.Dn(NaN), new this.Up(NaN));
    }
    const { Dn, Up } = this;
    if (a.lo.gte(0) && b.lo.gt(0)) return new Iv(Dn.div(a.lo, b.hi), Up.div(a.hi, b.lo));
    const cands: [Decimal, Decimal][] = [
      [a.lo, b.lo],
      [a.lo, b.hi],
      [a.hi, b.lo],
      [a.hi, b.hi],
    ];
    let lo = Dn.div(cands[0][0], cands[0][1]);
    let hi = Up.div(cands[0][0], cands[0][1]);
    for (let i = 1; i < 4; i++) {
      const l = Dn.div(cands[i][0], cands[i][1]);
      const h = Up.div(cands[i][0], cands[i][1]);
      if (l.lt(lo)) lo = l;
      if (h.gt(hi)) hi = h;
    }
    return new Iv(lo, hi);
  }

  sum(xs: Iv[]): Iv {
    let lo = new this.Dn(0);
    let hi = new this.Up(0);
    for (const x of xs) {
      lo = lo.plus(x.lo);
      hi = hi.plus(x.hi);
    }
    return new Iv(lo, hi);
  }
}

const WIDE = new Map<number, { Dn: typeof Decimal; Up: typeof Decimal }>();
function wideCtx(p: number): { Dn: typeof Decimal; Up: typeof Decimal } {
  const key = Math.ceil(p / 64) * 64; // few distinct constructors
  let w = WIDE.get(key);
  if (!w) {
    w = {
      Dn: Decimal.clone({ ...RANGE, precision: key, rounding: Decimal.ROUND_FLOOR }),
      Up: Decimal.clone({ ...RANGE, precision: key, rounding: Decimal.ROUND_CEIL }),
    };
    WIDE.set(key, w);
  }
  return w;
}

export class Iv {
  /**
   * Optional structure from addTiny: the value is anchor + δ with δ of sign `side`, |δ|
   * within the enclosure. Only the rounding decision reads it.
   */
  anchor?: Decimal;
  side?: -1 | 0 | 1;
  constructor(
    readonly lo: Decimal,
    readonly hi: Decimal,
  ) {}
  isPoint(): boolean {
    return this.lo.eq(this.hi);
  }
  isNaN(): boolean {
    return this.lo.isNaN() || this.hi.isNaN();
  }
  /** true when the value is known exactly to be 0 */
  isExactZero(): boolean {
    return this.lo.isZero() && this.hi.isZero();
  }
  toString(): string {
    return `[${this.lo.toString()}, ${this.hi.toString()}]`;
  }
}
