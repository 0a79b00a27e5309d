/**
 * exp, ln and log1p as rigorous enclosures, built only on decimal.js's correctly rounded
 * + − × ÷ (decimal.js's own exp/ln are not used: their correct-rounding claim rests on
 * empirically chosen guard digits and at most 3 retries).
 *
 * exp(x) = e^a · e^(b/1024) · e^(c/2^20) · exp(t): x = a + b/1024 + c/2^20 + t split exactly
 * (a integer, b, c in [0, 1024), 0 ≤ t < 2^-20). exp(t) is a short Taylor polynomial (7 terms
 * at 50 digits; Horner, round-to-nearest) with the a-priori bound below; the three factors
 * are enclosures cached per precision (the "argument reduction shared across a row": a
 * softmax row reuses the same few a and b). No ln 2 is needed for exp.
 *
 * ln(y) = k·ln 2 + 2·atanh(z), z = (m − 1)/(m + 1), m = y·2^−k ∈ [0.7, 1.42];
 * log1p(a) = 2·atanh(a/(2 + a)) near 0, which keeps full relative accuracy for tiny a.
 *
 * Error bounds (u = ½·10^(1−p), round-to-nearest at p digits):
 *  - Horner on a positive-term polynomial of degree n with rounded coefficients:
 *    relative error ≤ γ_{2n}·(1 + u) + u ≤ (2n + 2)·u for n·u ≪ 1 (Higham, ASNA §5.1);
 *    truncation of exp's series at t ≤ τ: ≤ τ^(n+1)/(n+1)! · 1/(1 − τ) ≤ 2·τ^(n+1)/(n+1)!.
 *  - atanh series Σ z^(2i+1)/(2i+1), i ≤ n, z > 0, coefficients rounded: each term carries
 *    ≤ (2i + 2) roundings and the running sum ≤ n more, so relative error ≤ (3n + 4)·u;
 *    truncation ≤ z^(2n+2)/((2n + 3)(1 − z²)) relative to atanh z ≥ z.
 *  - A point evaluation at the lower end of a narrow argument interval [a, a + w] is widened
 *    by the derivative: exp by the factor 1 + w + w² (w ≤ 1), ln / log1p by w/(1 + a).
 */
import { Decimal } from 'decimal.js';
import { Ctx, ErrUp, Exact, Iv } from './interval.js';

const LOG2_10 = 3.321928094887362; // only for the estimate of k in ln

// ---------------------------------------------------------------------------------------
// constants, cached per precision

interface Consts {
  /** 1/k! rounded to nearest, k = 0..n */
  expCoeffs: Decimal[];
  /** relative error bound of the exp series at this precision */
  expEps: Decimal;
  /** 1/(2i+1) rounded to nearest */
  atanhCoeffs: Decimal[];
  pow2: Map<number, Iv>;
  expTable: { a: Map<number, Iv>; b: Map<number, Iv>; c: Map<number, Iv> };
}
const CONSTS = new Map<number, Consts>();

function consts(ctx: Ctx): Consts {
  let c = CONSTS.get(ctx.digits);
  if (c) return c;
  const { Near, u } = ctx;
  // smallest n with τ^(n+1)/(n+1)! ≤ u/4, τ = 10^-6 ≥ 2^-20 (the series is only used on [0, 2^-20])
  const tau = new ErrUp('1e-6');
  let n = 1;
  let tail = ErrUp.mul(tau, tau).div(2);
  while (tail.gt(u.div(4))) {
    n += 1;
    tail = tail.times(tau).div(n + 1);
  }
  const expCoeffs: Decimal[] = [new Near(1)];
  let f = new Exact(1);
  for (let k = 1; k <= n; k++) {
    f = f.times(k);
    expCoeffs.push(Near.div(1, f));
  }
  const expEps = ErrUp.mul(u, 2 * n + 2).plus(tail.times(2));
  c = { expCoeffs, expEps, atanhCoeffs: [new Near(1)], pow2: new Map(), expTable: { a: new Map(), b: new Map(), c: new Map() } };
  CONSTS.set(ctx.digits, c);
  return c;
}

const ctxCache = new Map<number, Ctx>();
export function ctxFor(digits: number): Ctx {
  let c = ctxCache.get(digits);
  if (!c) {
    c = new Ctx(digits);
    ctxCache.set(digits, c);
  }
  return c;
}

// ln 2 = 2·atanh(1/3) = 2·Σ 3^−(2i+1)/(2i+1), positive terms: the truncated sum rounded down
// is a lower bound; rounded up plus the geometric tail bound is an upper bound.
let LN2_MASTER: { digits: number; iv: Iv } | undefined;
const LN2_BY_DIGITS = new Map<number, Iv>();

export function ln2(ctx: Ctx): Iv {
  const cached = LN2_BY_DIGITS.get(ctx.digits);
  if (cached) return cached;
  if (!LN2_MASTER || LN2_MASTER.digits < ctx.digits) {
    const P = Math.max(ctx.digits + 10, 2 * (LN2_MASTER?.digits ?? 60));
    const m = ctxFor(P);
    let powLo = m.Dn.div(1, 3);
    let powHi = m.Up.div(1, 3);
    let lo = powLo;
    let hi = powHi;
    const stop = new ErrUp(`1e-${P + 5}`);
    for (let i = 1;; i++) {
      powLo = powLo.div(9);
      powHi = powHi.div(9);
      lo = lo.plus(powLo.div(2 * i + 1));
      hi = hi.plus(powHi.div(2 * i + 1));
      if (powHi.lt(stop)) {
        // tail Σ_{j>i} 3^−(2j+1)/(2j+1) ≤ powHi/9 · 9/8
        hi = hi.plus(m.Up.div(powHi, 8));
        break;
      }
    }
    LN2_MASTER = { digits: P, iv: new Iv(lo.times(2), hi.times(2)) };
  }
  // round the master enclosure outward to this precision
  const iv = new Iv(new ctx.Dn(LN2_MASTER.iv.lo).plus(0), new ctx.Up(LN2_MASTER.iv.hi).plus(0));
  LN2_BY_DIGITS.set(ctx.digits, iv);
  return iv;
}

/** Enclosure of 2^k by binary powering with directed rounding (positive values). */
function pow2(ctx: Ctx, k: number): Iv {
  const c = consts(ctx);
  let v = c.pow2.get(k);
  if (v) return v;
  const base = k >= 0 ? 2 : 0.5; // both exact
  let e = Math.abs(k);
  let rLo = new ctx.Dn(1);
  let rHi = new ctx.Up(1);
  let bLo = new ctx.Dn(base);
  let bHi = new ctx.Up(base);
  while (e > 0) {
    if (e % 2 === 1) {
      rLo = rLo.times(bLo);
      rHi = rHi.times(bHi);
    }
    e = Math.floor(e / 2);
    if (e > 0) {
      bLo = bLo.times(bLo);
      bHi = bHi.times(bHi);
    }
  }
  v = new Iv(rLo, rHi);
  if (c.pow2.size < 5000) c.pow2.set(k, v);
  return v;
}

/** exp(t) for an exact point 0 ≤ t ≤ 2^-20, as an enclosure. */
function expSmall(ctx: Ctx, t: Decimal): Iv {
  if (t.isZero()) return ctx.point(1);
  const c = consts(ctx);
  const co = c.expCoeffs;
  const { Near } = ctx;
  let acc = co[co.length - 1];
  for (let k = co.length - 2; k >= 0; k--) acc = Near.mul(acc, t).plus(co[k]);
  return ctx.relBall(acc, c.expEps);
}

/** Enclosure of base^n (base a positive enclosure, n ≥ 0) by binary powering in ctx g. */
function ivPow(g: Ctx, base: Iv, n: number): Iv {
  let r = g.point(1);
  let b = base;
  let e = n;
  while (e > 0) {
    if (e % 2 === 1) r = g.mul(r, b);
    e = Math.floor(e / 2);
    if (e > 0) b = g.mul(b, b);
  }
  return r;
}

/** Round an enclosure outward to ctx's precision. */
function outward(ctx: Ctx, v: Iv): Iv {
  return new Iv(new ctx.Dn(v.lo).plus(0), new ctx.Up(v.hi).plus(0));
}

const TWO_M20 = new Exact(1).div(1048576); // 2^-20, exact

/**
 * Cached enclosures of exp(n·2^-20) (kind 'c', n < 1024), exp(n/1024) (kind 'b', n < 1024)
 * and exp(n) (kind 'a', any integer n), each from one series value exp(2^-20) raised to the
 * power by binary powering with guard digits (raising to the m-th power multiplies the
 * relative error by at most m, so log10(m) + 4 guard digits keep the enclosure tight).
 */
function expTable(ctx: Ctx, kind: 'a' | 'b' | 'c', n: number): Iv {
  const table = consts(ctx).expTable[kind];
  let v = table.get(n);
  if (v) return v;
  if (n === 0) v = ctx.point(1);
  else {
    const m = Math.abs(n) * (kind === 'a' ? 1048576 : kind === 'b' ? 1024 : 1);
    const g = ctxFor(ctx.digits + Math.ceil(Math.log10(m + 1)) + 4);
    const r = ivPow(g, expSmall(g, TWO_M20), m);
    v = outward(ctx, n < 0 ? g.div(g.point(1), r) : r);
  }
  if (table.size > 50000) table.clear(); // bound memory for rows with huge spreads
  table.set(n, v);
  return v;
}

const DEC_LIMIT = 2.07e16; // |x| beyond which exp(x) leaves decimal.js's exponent range (1e±9e15)

/** Upper bound of exp(a + w) from an upper bound hi of exp(a): e^w ≤ 1 + w + w² for 0 ≤ w ≤ 1. */
function widenExp(ctx: Ctx, hi: Decimal, w: Decimal): Decimal {
  // the widening is added as an error term (rounded up), never multiplied at low precision
  return ctx.Up.add(hi, ErrUp.mul(hi, ErrUp.add(w, ErrUp.mul(w, w))));
}

/**
 * Enclosure of exp(x) for an exact point x: x = a + b/1024 + c/2^20 + t exactly, with a an
 * integer, b, c in [0, 1024) and 0 ≤ t < 2^-20, so exp(x) = e^a · e^(b/1024) · e^(c/2^20) ·
 * exp(t): three cached enclosures and a 7-term series (at 50 digits).
 */
export function expPoint(ctx: Ctx, x: Decimal): Iv {
  if (x.isNaN()) return ctx.point(NaN);
  if (x.isZero()) return ctx.point(1);
  if (!x.isFinite()) return ctx.point(x.isNeg() ? 0 : Infinity);
  if (x.lt(-DEC_LIMIT)) return new Iv(new ctx.Dn(0), new ctx.Up('1e-9000000000000000'));
  if (x.gt(DEC_LIMIT)) return new Iv(new ctx.Dn('9e8999999999999999'), new ctx.Up(Infinity));
  const a = x.floor();
  const f = Exact.sub(x, a); // [0, 1), exact
  const f1024 = f.times(1024);
  const b = f1024.floor();
  const f2 = f1024.minus(b); // [0, 1) in units of 1/1024, exact
  const f2m = f2.times(1024);
  const cIdx = f2m.floor();
  const t = f2m.minus(cIdx).times(TWO_M20); // [0, 2^-20), exact
  let r = expSmall(ctx, t);
  const bn = b.toNumber();
  const cn = cIdx.toNumber();
  if (cn !== 0) r = ctx.mul(r, expTable(ctx, 'c', cn));
  if (bn !== 0) r = ctx.mul(r, expTable(ctx, 'b', bn));
  if (!a.isZero()) r = ctx.mul(r, expTable(ctx, 'a', a.toNumber()));
  return r;
}

/** Enclosure of exp over an interval (monotone): evaluate at lo, widen by the derivative. */
export function exp(ctx: Ctx, x: Iv): Iv {
  if (x.isPoint()) return expPoint(ctx, x.lo);
  if (x.isNaN()) return ctx.point(NaN);
  const w = Exact.sub(x.hi, x.lo);
  if (!x.lo.isFinite() || !x.hi.isFinite() || w.gt(1)) {
    const a = expPoint(ctx, x.lo);
    const b = expPoint(ctx, x.hi);
    return new Iv(a.lo, b.hi);
  }
  const a = expPoint(ctx, x.lo);
  return new Iv(a.lo, widenExp(ctx, a.hi, w));
}

/** 2·atanh(z) for an exact point |z| ≤ 0.2, as an enclosure. */
function twoAtanh(ctx: Ctx, z: Decimal): Iv {
  if (z.isZero()) return ctx.point(0);
  if (z.isNeg()) return ctx.neg(twoAtanh(ctx, z.neg()));
  const { Near, u } = ctx;
  const c = consts(ctx).atanhCoeffs;
  const z2 = Near.mul(z, z);
  let term = new Near(z);
  let sum = new Near(z);
  const z2n = z2.toNumber();
  const stop = u.div(8);
  let i = 1;
  let tailRel: Decimal;
  for (;;) {
    term = term.times(z2);
    if (c.length <= i) c.push(Near.div(1, 2 * i + 1));
    sum = sum.plus(term.times(c[i]));
    // remaining terms, relative to the sum (≥ z): ≤ z^(2i+2)/((2i+3)(1 − z²))
    tailRel = ErrUp.mul(term, z).div(2 * i + 3).div(1 - 1.0001 * z2n);
    if (tailRel.lt(stop)) break;
    i += 1;
  }
  const eps = ErrUp.mul(u, 3 * i + 4).plus(tailRel.times(1.01));
  return ctx.scale(ctx.relBall(sum, eps), 2);
}

/** Enclosure of log1p(a) for an exact point a > −1. */
export function log1pPoint(ctx: Ctx, a: Decimal): Iv {
  if (a.isNaN()) return ctx.point(NaN);
  if (a.isZero()) return ctx.point(0);
  if (a.eq(-1)) return ctx.point(-Infinity);
  if (!a.isFinite()) return ctx.point(a.isNeg() ? NaN : Infinity);
  if (a.gte(-0.3) && a.lte(0.4)) {
    // z = a/(2 + a) without cancellation; |z| ≤ 0.177
    const den = Exact.add(2, a);
    const zLo = ctx.Dn.div(a, den);
    const zHi = ctx.Up.div(a, den);
    return widenAtanh(ctx, zLo, zHi);
  }
  return lnPoint(ctx, Exact.add(1, a));
}

/** 2·atanh over [zLo, zHi] (narrow, inside [−0.2, 0.2]): evaluate at zLo, widen by 2/(1 − z²). */
function widenAtanh(ctx: Ctx, zLo: Decimal, zHi: Decimal): Iv {
  const v = twoAtanh(ctx, zLo);
  const w = Exact.sub(zHi, zLo);
  if (w.isZero()) return v;
  const zmax = Math.max(Math.abs(zLo.toNumber()), Math.abs(zHi.toNumber()));
  return new Iv(v.lo, ctx.Up.add(v.hi, ErrUp.mul(w, 2.0001 / (1 - zmax * zmax))));
}

/** Enclosure of ln(y) for an exact point y > 0. */
export function lnPoint(ctx: Ctx, y: Decimal): Iv {
  if (y.isNaN() || y.isNeg()) return ctx.point(NaN);
  if (y.isZero()) return ctx.point(-Infinity);
  if (!y.isFinite()) return ctx.point(Infinity);
  if (y.eq(1)) return ctx.point(0);
  if (y.gte(0.7) && y.lte(1.4)) return log1pPoint(ctx, Exact.sub(y, 1));
  // k ≈ log2(y) from the decimal exponent and the leading digits (y may be outside double range)
  const e = y.e; // decimal exponent: y = d.ddd × 10^e
  const lead = new Decimal(y).times(new Decimal(10).pow(-e)).toNumber();
  const k = Math.round((e + Math.log10(lead)) * LOG2_10);
  const kd = Math.ceil(Math.log10(Math.abs(k) + 1)) + 1;
  const g = ctxFor(ctx.digits + 4);
  const m = g.mul(g.point(y), pow2(g, -k)); // m ∈ ~[0.7, 1.42]
  // z = (m − 1)/(m + 1) is increasing in m: enclose it at both ends of m
  const zAt = (v: Decimal) => g.div(g.sub(g.point(v), g.point(1)), g.add(g.point(v), g.point(1)));
  const lnM = widenAtanh(g, zAt(m.lo).lo, zAt(m.hi).hi);
  const h = ctxFor(ctx.digits + kd + 4);
  const kL = h.scale(ln2(h), k);
  const sum = h.add(kL, new Iv(new h.Dn(lnM.lo), new h.Up(lnM.hi)));
  return new Iv(new ctx.Dn(sum.lo).plus(0), new ctx.Up(sum.hi).plus(0));
}

/** Enclosure of ln over an interval [a, b], a > 0. */
export function ln(ctx: Ctx, x: Iv): Iv {
  if (x.isPoint()) return lnPoint(ctx, x.lo);
  if (x.isNaN() || x.hi.isNeg()) return ctx.point(NaN);
  if (x.lo.lte(0)) {
    // only the lower end may be 0 (e.g. an underflowed probability): ln of it is −∞
    return new Iv(new ctx.Dn(-Infinity), lnPoint(ctx, x.hi).hi);
  }
  const v = lnPoint(ctx, x.lo);
  if (!x.hi.isFinite()) return new Iv(v.lo, new ctx.Up(Infinity));
  // ln(b) ≤ ln(a) + (b − a)/a
  return new Iv(v.lo, ctx.Up.add(v.hi, ErrUp.div(Exact.sub(x.hi, x.lo), x.lo)));
}

/** Enclosure of log1p over an interval [a, b], a > −1. */
export function log1p(ctx: Ctx, x: Iv): Iv {
  if (x.isPoint()) return log1pPoint(ctx, x.lo);
  if (x.isNaN()) return ctx.point(NaN);
  if (x.lo.lte(-1)) return new Iv(new ctx.Dn(-Infinity), log1pPoint(ctx, x.hi).hi);
  const v = log1pPoint(ctx, x.lo);
  if (!x.hi.isFinite()) return new Iv(v.lo, new ctx.Up(Infinity));
  // log1p(b) ≤ log1p(a) + (b − a)/(1 + a)
  return new Iv(v.lo, ctx.Up.add(v.hi, ErrUp.div(Exact.sub(x.hi, x.lo), Exact.add(1, x.lo))));
}
