/**
 * Error-free transforms, double-double (DD) helpers and the table-driven exponential
 * that the fast kernels are built on.
 *
 * Why not Math.exp: V8's Math.exp is fdlibm's (< 1 ulp, not correctly rounded), and a
 * softmax built on it inherits that ulp on every entry, plus the amplified rounding of
 * `x - max` (up to ~650 ulp at logit spreads of 700). The kernels here instead evaluate
 * exp of a double-double argument `a + b` with a 256-entry table of 2^(j/256) held in
 * double-double, so exp comes out as an unevaluated sum hi + lo with a relative error
 * of about 2^-62 (`fast` variant, used per element in the forward kernels) or 2^-72
 * (`expAcc`, with an exact Dekker product and renormalisation; used per row and in the
 * backward / elementwise kernels). In V8 the table exp is also *faster* than calling
 * Math.exp (no call into C++), which is what pays for the extra accuracy.
 *
 * Ill-conditioned cases (logsumexp close to 0, where cancellation between max and
 * log1p(s) amplifies every error) fall back to `expDDFull` / `log1pDDFull`: a
 * Taylor + squaring evaluation entirely in double-double (~2^-100 relative).
 *
 * Conventions: every helper takes the caller's `Scratch` (scratch.ts) first; a helper that
 * returns two numbers writes them to its `dd` register ([hi, lo], called DD below);
 * `expAcc` writes [hi, lo, exponent] to `ex` (EX: value (hi + lo) * 2^exponent, hi within
 * a factor 2^(1/512) of [1, 2)). Nothing allocates.
 * Dekker splitting overflows above ~2^996; `twoProd` guards with a scaled split so
 * huge operands (grad_output, weights near the float64 maximum) stay exact.
 */
import { Scratch } from './scratch.js';

export const SPLITTER = 134217729; // 2^27 + 1

const SPLIT_LIMIT = 6.69692879491417e299; // 2^996

// ---------------------------------------------------------------------------------------
// powers of two (exact), 2^-1074 .. 2^1023
//
// P2 and the exp tables below (TH, TL, THH, THL) are exported typed arrays, but constant:
// they are filled once while this module loads and never written afterwards (no state).

export const P2_OFFSET = 1100;
export const P2 = new Float64Array(2200);
{
  let v = 1;
  for (let e = 0; e <= 1023; e++) {
    P2[P2_OFFSET + e] = v;
    v *= 2;
  }
  v = 1;
  for (let e = 0; e >= -1074; e--) {
    P2[P2_OFFSET + e] = v;
    v /= 2;
  }
  for (let e = 1024; e < 1100; e++) P2[P2_OFFSET + e] = Infinity;
  // below 2^-1074 stays 0
}

/** q * 2^e with a single rounding (q finite, normal or zero). */
export function scale2(q: number, e: number): number {
  if (e >= -1022) {
    if (e <= 1023) return q * P2[P2_OFFSET + e];
    return q * P2[P2_OFFSET + 1023] * P2[P2_OFFSET + Math.min(e - 1023, 1023)];
  }
  // first step exact (result stays normal for |q| >= 2^-22), second rounds once
  const f = e + 1000 < -1074 ? 0 : P2[P2_OFFSET + e + 1000];
  return q * P2[P2_OFFSET - 1000] * f;
}

// ---------------------------------------------------------------------------------------
// error-free transforms

/** DD <- a + b exactly (Knuth TwoSum). */
export function twoSum(scr: Scratch, a: number, b: number): void {
  const DD = scr.dd;
  const s = a + b;
  const bp = s - a;
  const e = (a - (s - bp)) + (b - bp);
  DD[0] = s;
  DD[1] = e === e ? e : 0; // overflow: s is +-Infinity, keep it
}

/** DD <- a + b exactly, requires |a| >= |b| or a = 0 (Dekker Fast2Sum). */
export function fastTwoSum(scr: Scratch, a: number, b: number): void {
  const DD = scr.dd;
  const s = a + b;
  const e = b - (s - a);
  DD[0] = s;
  DD[1] = e === e ? e : 0;
}

/** DD <- a * b exactly (Dekker TwoProduct with a guarded split; exact unless the error underflows). */
export function twoProd(scr: Scratch, a: number, b: number): void {
  const DD = scr.dd;
  const p = a * b;
  let ah: number, al: number, bh: number, bl: number;
  if (Math.abs(a) < SPLIT_LIMIT) {
    const c = SPLITTER * a;
    ah = c - (c - a);
    al = a - ah;
  } else {
    const as = a * 3.725290298461914e-9; // 2^-28
    const c = SPLITTER * as;
    ah = (c - (c - as)) * 268435456;
    al = a - ah;
  }
  if (Math.abs(b) < SPLIT_LIMIT) {
    const d = SPLITTER * b;
    bh = d - (d - b);
    bl = b - bh;
  } else {
    const bs = b * 3.725290298461914e-9;
    const d = SPLITTER * bs;
    bh = (d - (d - bs)) * 268435456;
    bl = b - bh;
  }
  const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  DD[0] = p;
  DD[1] = e === e ? e : 0;
}

/** the rounded value of the unevaluated sum hi + lo, robust to an overflowed hi */
export function round2(hi: number, lo: number): number {
  const r = hi + lo;
  return r === r ? r : hi;
}

// ---------------------------------------------------------------------------------------
// double-double arithmetic (~2^-104 relative), results in DD

export function ddAdd(scr: Scratch, ah: number, al: number, bh: number, bl: number): void {
  const DD = scr.dd;
  const s = ah + bh;
  if (s - s !== 0) {
    // +-Infinity or NaN: no tail
    DD[0] = s;
    DD[1] = 0;
    return;
  }
  const bp = s - ah;
  let e = (ah - (s - bp)) + (bh - bp);
  e += al + bl;
  const h = s + e;
  const l = e - (h - s);
  DD[0] = h;
  DD[1] = l === l ? l : 0;
}

export function ddMul(scr: Scratch, ah: number, al: number, bh: number, bl: number): void {
  const DD = scr.dd;
  twoProd(scr, ah, bh);
  const p = DD[0];
  if (p - p !== 0) {
    DD[1] = 0;
    return;
  }
  const e = DD[1] + (ah * bl + al * bh);
  const h = p + e;
  const l = e - (h - p);
  DD[0] = h;
  DD[1] = l === l ? l : 0;
}

export function ddDiv(scr: Scratch, ah: number, al: number, bh: number, bl: number): void {
  const DD = scr.dd;
  const q1 = ah / bh;
  if (!Number.isFinite(q1) || q1 === 0) {
    DD[0] = q1 === 0 ? (ah + al) / (bh + bl) : q1;
    DD[1] = 0;
    return;
  }
  twoProd(scr, q1, bh);
  const r = ((ah - DD[0]) - DD[1] + al - q1 * bl) / bh;
  const h = q1 + r;
  const l = r - (h - q1);
  DD[0] = h;
  DD[1] = l === l ? l : 0;
}

// ---------------------------------------------------------------------------------------
// table-driven exponential

/** 256 / ln 2 */
export const INV_LN2_256 = 369.3299304675746;
/** ln2/256 = C1 + C2 + C3; C1 has 32 significant bits so k*C1 is exact for |k| < 2^21 */
export const EXP_C1 = 0.00270760617331689;
export const EXP_C2 = 7.453964567463233e-13;
export const EXP_C3 = 4.536026261469739e-29;
/** 1.5 * 2^52: adding and subtracting it rounds to the nearest integer */
export const ROUND_SHIFT = 6755399441055744;
/** arguments below this give exp(a) < 2^-1075 (rounds to 0) */
export const EXP_UNDERFLOW = -745.2;
/** arguments above this overflow */
export const EXP_OVERFLOW = 709.782712893384;

/** 2^(j/256) = TH[j] + TL[j] (double-double); THH/THL = Dekker split of TH. Constant: filled by the block below at load, never written after. */
export const TH = new Float64Array(256);
export const TL = new Float64Array(256);
export const THH = new Float64Array(256);
export const THL = new Float64Array(256);
{
  // 2^(1/2^i) for i = 1..8 by double-double square roots, then products over the bits of j
  // (a scratch of its own: only this load-time block uses it)
  const scr = new Scratch();
  const DD = scr.dd;
  const rh = new Float64Array(9);
  const rl = new Float64Array(9);
  rh[0] = 2;
  rl[0] = 0;
  for (let i = 1; i <= 8; i++) {
    // sqrt of rh[i-1] + rl[i-1]
    const ah = rh[i - 1];
    const al = rl[i - 1];
    const s = Math.sqrt(ah);
    twoProd(scr, s, s);
    const e = ((ah - DD[0]) - DD[1] + al) / (2 * s);
    const h = s + e;
    rh[i] = h;
    rl[i] = e - (h - s);
  }
  for (let j = 0; j < 256; j++) {
    let h = 1;
    let l = 0;
    for (let bit = 0; bit < 8; bit++) {
      if (j & (1 << bit)) {
        // multiply by 2^(2^bit / 256) = 2^(1/2^(8-bit))
        ddMul(scr, h, l, rh[8 - bit], rl[8 - bit]);
        h = DD[0];
        l = DD[1];
      }
    }
    TH[j] = h;
    TL[j] = l;
    const c = SPLITTER * h;
    THH[j] = c - (c - h);
    THL[j] = h - THH[j];
  }
}

/**
 * EX <- exp(a + b) as (hi + lo) * 2^e with relative error about 2^-72, for
 * |b| <= ulp(a) (any b with |b| < 2^-20 works). Out-of-range arguments give
 * hi = 0 (underflow below EXP_UNDERFLOW) or hi = Infinity; NaN gives NaN.
 */
export function expAcc(scr: Scratch, a: number, b: number): void {
  const EX = scr.ex;
  if (!(a > EXP_UNDERFLOW)) {
    EX[0] = a !== a ? a : 0;
    EX[1] = 0;
    EX[2] = 0;
    return;
  }
  if (a > EXP_OVERFLOW) {
    EX[0] = Infinity;
    EX[1] = 0;
    EX[2] = 0;
    return;
  }
  const t = a * INV_LN2_256 + ROUND_SHIFT;
  const k = t - ROUND_SHIFT;
  const ki = k | 0;
  const r0 = a - k * EXP_C1; // exact
  const rl = b - k * EXP_C2 - k * EXP_C3;
  const rh = r0 + rl;
  const rr = (r0 - rh) + rl;
  const p = rh * rh * (0.5 + rh * (1 / 6 + rh * (1 / 24 + rh * (1 / 120 + rh * (1 / 720)))));
  const j = ki & 255;
  const th = TH[j];
  const thh = THH[j];
  const thl = THL[j];
  // exact th * rh
  const c = SPLITTER * rh;
  const rhh = c - (c - rh);
  const rhl = rh - rhh;
  const ph = th * rh;
  const pe = ((thh * rhh - ph) + thh * rhl + thl * rhh) + thl * rhl;
  const hi0 = th + ph;
  const e1 = ph - (hi0 - th);
  const lo0 = e1 + (pe + (th * (p + rr) + TL[j] * (1 + rh)));
  const hi = hi0 + lo0;
  EX[0] = hi;
  EX[1] = lo0 - (hi - hi0);
  EX[2] = ki >> 8;
}

// ---------------------------------------------------------------------------------------
// log1p in double-double: one Newton step on Math.log1p, with the table exp

const LOG1P_SMALL = 0.0013; // |L0| below this: expm1(L0) by its Taylor series (k = 0 range)

/**
 * DD <- log1p(vh + vl), relative error about 2^-70 (for v > -1). v = -1 gives -Infinity,
 * v < -1 NaN, v = +Infinity gives +Infinity. Requires |vl| <= ulp(vh).
 */
export function log1pDD(scr: Scratch, vh: number, vl: number): void {
  const DD = scr.dd;
  const EX = scr.ex;
  const L0 = Math.log1p(vh);
  if (!Number.isFinite(L0) || L0 === 0) {
    // -Infinity (v = -1), +Infinity, NaN, or v = 0 (or |v| < 2^-1074-ish)
    if (L0 === 0 && vl !== 0) {
      DD[0] = vh + vl;
      DD[1] = 0;
      return;
    }
    DD[0] = L0;
    DD[1] = 0;
    return;
  }
  let delta: number;
  if (Math.abs(L0) < LOG1P_SMALL) {
    // expm1(L0) = L0 + q,  q = L0^2/2 + L0^3/6 + ...
    twoProd(scr, L0, L0);
    const sqh = DD[0] * 0.5;
    const sql = DD[1] * 0.5;
    const tail = sql + L0 * DD[0] * (1 / 6 + L0 * (1 / 24 + L0 * (1 / 120 + L0 * (1 / 720 + L0 * (1 / 5040)))));
    // delta = (v - expm1(L0)) / (1 + expm1(L0))
    const t1 = vh - L0; // exact (Sterbenz)
    const num = (t1 - sqh) + (vl - tail);
    delta = num / (1 + L0);
  } else {
    expAcc(scr, L0, 0);
    const s = P2[P2_OFFSET + EX[2]];
    const eh = EX[0] * s;
    const el = EX[1] * s;
    // (1 + v) - e^L0
    const u = 1 + vh;
    const bp = u - 1;
    const ue = (1 - (u - bp)) + (vh - bp) + vl;
    const num = (u - eh) + (ue - el);
    delta = num / eh;
  }
  const h = L0 + delta;
  DD[0] = h;
  DD[1] = delta - (h - L0);
}

// ---------------------------------------------------------------------------------------
// full double-double exp / expm1 / log1p (slow; for ill-conditioned rows only)

const LN2_1 = 0.6931471805592082; // 40 significant bits
const LN2_2 = 7.371002565167799e-13;
const LN2_3 = 1.94704509238075e-31;
const INV_LN2 = 1.4426950408889634;

/** expm1 of a DD argument r with |r| <= 0.36, in DD (~2^-102 relative). */
function expm1Reduced(scr: Scratch, rh: number, rl: number): void {
  const DD = scr.dd;
  // r' = r / 1024, Taylor to degree 10, then 10 doublings em1 <- em1 * (em1 + 2)
  const xh = rh * 0.0009765625;
  const xl = rl * 0.0009765625;
  // Horner: em1 = x(1 + x/2(1 + x/3(1 + ... (1 + x/10))))
  let h = 1;
  let l = 0;
  for (let n = 10; n >= 2; n--) {
    // (h, l) <- 1 + (x / n) * (h, l)
    ddMul(scr, xh, xl, h, l);
    ddDiv(scr, DD[0], DD[1], n, 0);
    ddAdd(scr, 1, 0, DD[0], DD[1]);
    h = DD[0];
    l = DD[1];
  }
  ddMul(scr, xh, xl, h, l);
  h = DD[0];
  l = DD[1];
  for (let i = 0; i < 10; i++) {
    ddAdd(scr, h, l, 2, 0);
    ddMul(scr, h, l, DD[0], DD[1]);
    h = DD[0];
    l = DD[1];
  }
  DD[0] = h;
  DD[1] = l;
}

/** DD <- expm1(r) for r = a - k ln2, returns k (so exp(a) = 2^k (1 + DD)). */
function expCore(scr: Scratch, ah: number, al: number): number {
  const DD = scr.dd;
  const k = Math.round(ah * INV_LN2);
  // r = a - k ln2 in DD
  const r0 = ah - k * LN2_1; // exact for |k| < 2^13
  twoProd(scr, k, LN2_2);
  const p2h = DD[0];
  const p2l = DD[1];
  ddAdd(scr, r0, al, -p2h, -p2l - k * LN2_3);
  expm1Reduced(scr, DD[0], DD[1]);
  return k;
}

/** DD <- expm1(ah + al), relative error ~2^-100, for |a| <= 700. */
export function expm1DDFull(scr: Scratch, ah: number, al: number): void {
  const DD = scr.dd;
  const k = expCore(scr, ah, al);
  if (k === 0) return;
  // 2^k (1 + em1) - 1
  const h = DD[0];
  const l = DD[1];
  ddAdd(scr, 1, 0, h, l);
  const s = P2[P2_OFFSET + k];
  ddAdd(scr, DD[0] * s, DD[1] * s, -1, 0);
}

/** EX <- exp(ah + al) as (hi + lo) * 2^e, relative error ~2^-100, for a in [-746, 709]. */
export function expDDFull(scr: Scratch, ah: number, al: number): void {
  const DD = scr.dd;
  const EX = scr.ex;
  if (!(ah > EXP_UNDERFLOW)) {
    EX[0] = ah !== ah ? ah : 0;
    EX[1] = 0;
    EX[2] = 0;
    return;
  }
  const k = expCore(scr, ah, al);
  ddAdd(scr, 1, 0, DD[0], DD[1]);
  EX[0] = DD[0];
  EX[1] = DD[1];
  EX[2] = k;
}

/** DD <- log1p(vh + vl) to ~2^-100 relative (v > -1, finite). */
export function log1pDDFull(scr: Scratch, vh: number, vl: number): void {
  const DD = scr.dd;
  const L0 = Math.log1p(vh);
  if (!Number.isFinite(L0) || L0 === 0) {
    DD[0] = L0 === 0 ? vh + vl : L0;
    DD[1] = 0;
    return;
  }
  // Newton on f(L) = expm1(L) - v:  L1 = L0 + (v - expm1(L0)) / (1 + expm1(L0))
  expm1DDFull(scr, L0, 0);
  const mh = DD[0];
  const ml = DD[1];
  ddAdd(scr, vh, vl, -mh, -ml);
  const nh = DD[0];
  const nl = DD[1];
  ddAdd(scr, 1, 0, mh, ml);
  ddDiv(scr, nh, nl, DD[0], DD[1]);
  // one more refinement of the tiny correction is unnecessary: |delta| ~ 2^-52 |L0|
  ddAdd(scr, L0, 0, DD[0], DD[1]);
}
