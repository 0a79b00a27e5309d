/**
 * Fast softmax, log_softmax, logsumexp and their backward ops over the last axis of a
 * row-major [N*C] array.
 *
 * Algorithm (Blanchard–Higham–Higham Algorithm 4.1, made accurate):
 *   m = max_j x_j (index k);  d_j = x_j - m  held EXACTLY as d_hi + d_lo (TwoSum);
 *   w_j = exp(d_hi + d_lo) by the table exp of accurate.ts (no Math.exp), as hi + lo
 *   with ~2^-62 relative error;  s = sum_{j != k} w_j in double-double;
 *   L = log1p(s) in double-double (Math.log1p plus one Newton step, ~2^-62);
 *   softmax p_j = w_j / (1 + s) (one final rounding, the quotient formed exactly);
 *   log_softmax_j = (d_hi + d_lo) - L (same signs: no cancellation);
 *   logsumexp = m + L, re-evaluated entirely in double-double (expDDFull / log1pDDFull)
 *   when m < 0 and L > 8 |m + L| (the ill-conditioned rows where the two cancel).
 * Outputs whose exp falls in the subnormal range are recomputed with a scaled exponent
 * so they are rounded once.
 *
 * Measured accuracy (test/fast.test.ts, against mpmath, correctly rounded; max ulp):
 *   op            float64 scale 1e-3 / 1 / 100 / 700 / 1e308   hard rows   float32 (all)
 *   softmax                 1 / 1 / 1 / 1 / 0                    1           0
 *   log_softmax             0 / 0 / 1 / 1 / 1                    0           1
 *   logsumexp               0 / 0 / 0 / 0 / 0                    2 (*)       0
 *   softmax_backward        0 / 0 / 1 / 2 / 0                    -           0
 *   log_softmax_backward    0 / 0 / 1 / 0 / 0                    -           1
 * over C = 1 .. 10^4. The plain shifted algorithm on the same data: softmax 22 / 14 /
 * 511 / 509 ulp, log_softmax exactly 0 instead of -tiny at the max (SciPy 19521).
 * (*) rows with logsumexp ~ 1e-16 |max| (condition number ~2^53): the double-double
 * fallback is ~2^-104 relative, which is 2 ulp of such a result.
 *
 * Cost (bench/fast.bench.mjs, 2^20 logits, noisy shared machine): softmax / log_softmax
 * 1.0-1.2x the plain shifted JS at C >= 1000 and ~1.5x at C = 10 (per-row work: the
 * Newton step of log1p, the scan for NaN / Infinity).
 *
 * float32: inputs are float32 values (read directly, exact in double); every kernel runs the float64
 * algorithm and rounds each output once to float32 (Float32Array store = Math.fround),
 * so results are correctly rounded float32 except within ~2^-28 ulp of a tie (<= 1 ulp).
 *
 * Special values follow docs/semantics.md: NaN rows -> NaN; all -Infinity rows -> NaN
 * softmax / log_softmax, -Infinity logsumexp; one +Infinity -> one-hot; two or more ->
 * NaN at the +Infinity entries; -Infinity entries are masked (p = 0, log p = -Infinity).
 * No allocation per element: each call allocates O(C) scratch once, and one `Scratch`
 * (scratch.ts) whose registers (SCAN, SUM, LG, INV, DD, EX below are its fields) carry
 * the helpers' results; no state outlives a call.
 */
import {
  P2,
  P2_OFFSET,
  SPLITTER,
  TH,
  TL,
  INV_LN2_256,
  ROUND_SHIFT,
  EXP_C1,
  EXP_C2,
  EXP_UNDERFLOW,
  expAcc,
  expDDFull,
  log1pDD,
  log1pDDFull,
  ddAdd,
  ddMul,
  round2,
  scale2,
  twoSum,
} from './accurate.js';
import { Scratch } from './scratch.js';

export type FloatArray = Float64Array | Float32Array;
type F64 = Float64Array;

// ---------------------------------------------------------------------------------------
// row scan

export const ROW_FINITE = 0;
export const ROW_NAN = 1;
export const ROW_ALL_NEG_INF = 2;
export const ROW_POS_INF = 3;

/** Classify a row and find its max: SCAN = scr.scan <- [max, argmax (first), number of +Infinity entries]. */
export function scanRow(scr: Scratch, x: FloatArray, o: number, c: number): number {
  const SCAN = scr.scan;
  let m = -Infinity;
  let k = 0;
  let nan = false;
  const end = o + c;
  for (let i = o; i < end; i++) {
    const v = x[i];
    if (v > m) {
      m = v;
      k = i - o;
    } else if (v !== v) nan = true;
  }
  if (nan) return ROW_NAN;
  SCAN[0] = m;
  SCAN[1] = k;
  if (m === -Infinity) return ROW_ALL_NEG_INF;
  if (m === Infinity) {
    let cnt = 0;
    for (let i = o; i < end; i++) if (x[i] === Infinity) cnt++;
    SCAN[2] = cnt;
    return ROW_POS_INF;
  }
  return ROW_FINITE;
}

/** softmax of a special row (kind != ROW_FINITE) into out[oo..oo+c) */
export function specialSoftmaxRow(scr: Scratch, x: FloatArray, o: number, c: number, kind: number, out: F64, oo: number): void {
  const SCAN = scr.scan;
  if (kind === ROW_POS_INF) {
    const one = SCAN[2] === 1;
    for (let j = 0; j < c; j++) out[oo + j] = x[o + j] === Infinity ? (one ? 1 : NaN) : 0;
  } else {
    // an all -Infinity row of one entry: softmax is [1] on the whole line, so is its limit
    for (let j = 0; j < c; j++) out[oo + j] = kind === ROW_ALL_NEG_INF && c === 1 ? 1 : NaN;
  }
}

/** log_softmax of a special row into out[oo..oo+c) */
export function specialLogSoftmaxRow(scr: Scratch, x: FloatArray, o: number, c: number, kind: number, out: F64, oo: number): void {
  const SCAN = scr.scan;
  if (kind === ROW_POS_INF) {
    const one = SCAN[2] === 1;
    for (let j = 0; j < c; j++) out[oo + j] = x[o + j] === Infinity ? (one ? 0 : NaN) : -Infinity;
  } else {
    for (let j = 0; j < c; j++) out[oo + j] = kind === ROW_ALL_NEG_INF && c === 1 ? 0 : NaN;
  }
}

// ---------------------------------------------------------------------------------------
// exp of a row and its sum

/**
 * w_j = exp(x_j - m) as WH[ho + j] + WL[j] (~2^-62 relative; 0 below the underflow
 * threshold; subnormal values are approximate and recomputed by the callers that output
 * them), and SUM = scr.sum <- sum_{j != k} w_j in double-double.
 */
export function expRow(scr: Scratch, x: FloatArray, o: number, c: number, m: number, k: number, WH: F64, ho: number, WL: F64): void {
  const SUM = scr.sum;
  let sh = 0;
  let sl = 0;
  const nm = -m;
  for (let j = 0; j < c; j++) {
    const xv = x[o + j];
    const a = xv + nm;
    let wh = 0;
    let wl = 0;
    if (a > EXP_UNDERFLOW) {
      const bp = a - xv;
      const b = (xv - (a - bp)) + (nm - bp);
      const t = a * INV_LN2_256 + ROUND_SHIFT;
      const kk = t - ROUND_SHIFT;
      const ki = kk | 0;
      const r0 = a - kk * EXP_C1;
      const rl = b - kk * EXP_C2;
      const rh = r0 + rl;
      const rr = (r0 - rh) + rl;
      const p = rh * rh * (0.5 + rh * (0.16666666666666666 + rh * (0.041666666666666664 + rh * 0.008333333333333333)));
      const jj = ki & 255;
      const th = TH[jj];
      const sc = P2[(ki >> 8) + P2_OFFSET];
      wh = th * sc;
      wl = (th * rh + (th * (p + rr) + TL[jj])) * sc;
    }
    WH[ho + j] = wh;
    WL[j] = wl;
    if (j !== k) {
      const s = sh + wh;
      const z = s - sh;
      sl += (sh - (s - z)) + (wh - z) + wl;
      sh = s;
    }
  }
  SUM[0] = sh + sl;
  SUM[1] = sl - (SUM[0] - sh);
}

/** Same as expRow but with expAcc (~2^-72): for the backward kernels. */
export function expRowAcc(scr: Scratch, x: FloatArray, o: number, c: number, m: number, k: number, WH: F64, WL: F64): void {
  const EX = scr.ex;
  const SUM = scr.sum;
  let sh = 0;
  let sl = 0;
  for (let j = 0; j < c; j++) {
    const xv = x[o + j];
    const a = xv - m;
    let wh = 0;
    let wl = 0;
    if (a > EXP_UNDERFLOW) {
      const bp = a - xv;
      const b = (xv - (a - bp)) + (-m - bp);
      expAcc(scr, a, b);
      const sc = P2[EX[2] + P2_OFFSET];
      wh = EX[0] * sc;
      wl = EX[1] * sc;
    }
    WH[j] = wh;
    WL[j] = wl;
    if (j !== k) {
      const s = sh + wh;
      const z = s - sh;
      sl += (sh - (s - z)) + (wh - z) + wl;
      sh = s;
    }
  }
  SUM[0] = sh + sl;
  SUM[1] = sl - (SUM[0] - sh);
}

const TINY_S = 9.332636185032189e-302; // 2^-1000
const Z1000_HI = 693.1471805599454; // 1000 ln 2 = hi + lo
const Z1000_LO = -4.5199270178446646e-14;

/**
 * LG = scr.lg <- log1p(s) for the row (SUM must hold s). When s < 2^-1000 the sum is recomputed
 * with every exp scaled by 2^1000 (so subnormal terms, and terms below the underflow
 * threshold, are summed exactly) and L = s, rounded once.
 */
export function rowLog(scr: Scratch, x: FloatArray, o: number, c: number, m: number, k: number): void {
  const DD = scr.dd;
  const EX = scr.ex;
  const SUM = scr.sum;
  const LG = scr.lg;
  const sh = SUM[0];
  if (sh >= TINY_S || c === 1) {
    log1pDD(scr, sh, SUM[1]);
    LG[0] = DD[0];
    LG[1] = DD[1];
    return;
  }
  let th = 0;
  let tl = 0;
  for (let j = 0; j < c; j++) {
    if (j === k) continue;
    const xv = x[o + j];
    const a = xv - m;
    if (!(a > -800)) continue;
    const bp = a - xv;
    const b = (xv - (a - bp)) + (-m - bp);
    twoSum(scr, a, Z1000_HI);
    expAcc(scr, DD[0], DD[1] + b + Z1000_LO);
    const sc = P2[EX[2] + P2_OFFSET];
    ddAdd(scr, th, tl, EX[0] * sc, EX[1] * sc);
    th = DD[0];
    tl = DD[1];
  }
  LG[0] = scale2(round2(th, tl), -1000);
  LG[1] = 0;
}

/** INV = scr.inv <- the inverse of S = 1 + s in double-double, plus the split of its head: [ih, il, ihh, ihl] (SUM must hold s) */
export function invOnePlusS(scr: Scratch): void {
  const DD = scr.dd;
  const SUM = scr.sum;
  const INV = scr.inv;
  twoSum(scr, 1, SUM[0]);
  const Sh0 = DD[0];
  const Sl0 = DD[1] + SUM[1];
  const Sh = Sh0 + Sl0;
  const Sl = Sl0 - (Sh - Sh0);
  const ih = 1 / Sh;
  // 1 - ih*Sh exactly
  const cc = SPLITTER * ih;
  const ihh = cc - (cc - ih);
  const ihl = ih - ihh;
  const d = SPLITTER * Sh;
  const shh = d - (d - Sh);
  const shl = Sh - shh;
  const p = ih * Sh;
  const pe = ((ihh * shh - p) + ihh * shl + ihl * shh) + ihl * shl;
  const il = ((1 - p) - pe - ih * Sl) * ih;
  INV[0] = ih;
  INV[1] = il;
  INV[2] = ihh;
  INV[3] = ihl;
}

export const TINY_W = 1.0474052161249364e-289; // 2^-960

/** p_j for an entry whose w_j is tiny: recomputed with a scaled exponent, rounded once */
export function tinyP(scr: Scratch, xv: number, m: number): number {
  const DD = scr.dd;
  const EX = scr.ex;
  const INV = scr.inv;
  const a = xv - m;
  if (!(a > EXP_UNDERFLOW)) return 0;
  const bp = a - xv;
  const b = (xv - (a - bp)) + (-m - bp);
  expAcc(scr, a, b);
  const e = EX[2];
  ddMul(scr, EX[0], EX[1], INV[0], INV[1]);
  return scale2(round2(DD[0], DD[1]), e);
}

/** the softmax value p = (wh + wl) / S as a double-double in DD (uses INV) */
export function pDD(scr: Scratch, wh: number, wl: number): void {
  const DD = scr.dd;
  const INV = scr.inv;
  const ihh = INV[2];
  const ihl = INV[3];
  const c2 = SPLITTER * wh;
  const whh = c2 - (c2 - wh);
  const whl = wh - whh;
  const big = whh * ihh;
  const small = ((whh * ihl + whl * ihh) + whl * ihl) + (wh * INV[1] + wl * INV[0]);
  const h = big + small;
  DD[0] = h;
  DD[1] = small - (h - big);
}

// ---------------------------------------------------------------------------------------
// float64 kernels

function checkShape(len: number, n: number, c: number, what: string): void {
  if (!(Number.isInteger(n) && Number.isInteger(c) && n >= 0 && c >= 1)) {
    throw new RangeError(`${what}: N = ${n} and C = ${c} must be integers with N >= 0, C >= 1`);
  }
  if (len < n * c) throw new RangeError(`${what}: the array holds ${len} values but N*C = ${n * c}`);
}

export function softmax64(x: FloatArray, n: number, c: number, out: F64 = new Float64Array(n * c)): F64 {
  const scr = new Scratch();
  const SCAN = scr.scan;
  const INV = scr.inv;
  checkShape(x.length, n, c, 'softmax');
  if (out.buffer === x.buffer) x = x.slice(); // in place: the subnormal path re-reads x
  const WL = new Float64Array(c);
  for (let r = 0; r < n; r++) {
    const o = r * c;
    const kind = scanRow(scr, x, o, c);
    if (kind !== ROW_FINITE) {
      specialSoftmaxRow(scr, x, o, c, kind, out, o);
      continue;
    }
    const m = SCAN[0];
    const k = SCAN[1];
    expRow(scr, x, o, c, m, k, out, o, WL);
    invOnePlusS(scr);
    const ih = INV[0];
    const il = INV[1];
    const ihh = INV[2];
    const ihl = INV[3];
    for (let j = 0; j < c; j++) {
      const wh = out[o + j];
      if (wh < TINY_W) {
        out[o + j] = wh === 0 && WL[j] === 0 ? 0 : tinyP(scr, x[o + j], m);
        continue;
      }
      const wl = WL[j];
      const c2 = SPLITTER * wh;
      const whh = c2 - (c2 - wh);
      const whl = wh - whh;
      const big = whh * ihh;
      const small = ((whh * ihl + whl * ihh) + whl * ihl) + (wh * il + wl * ih);
      out[o + j] = big + small;
    }
  }
  return out;
}

export function logSoftmax64(x: FloatArray, n: number, c: number, out: F64 = new Float64Array(n * c)): F64 {
  const scr = new Scratch();
  const SCAN = scr.scan;
  const LG = scr.lg;
  checkShape(x.length, n, c, 'log_softmax');
  const WH = new Float64Array(c);
  const WL = new Float64Array(c);
  for (let r = 0; r < n; r++) {
    const o = r * c;
    const kind = scanRow(scr, x, o, c);
    if (kind !== ROW_FINITE) {
      specialLogSoftmaxRow(scr, x, o, c, kind, out, o);
      continue;
    }
    const m = SCAN[0];
    const k = SCAN[1];
    expRow(scr, x, o, c, m, k, WH, 0, WL);
    rowLog(scr, x, o, c, m, k);
    const Lh = LG[0];
    const Ll = LG[1];
    const nm = -m;
    for (let j = 0; j < c; j++) {
      const xv = x[o + j];
      const a = xv + nm;
      if (a === -Infinity) {
        out[o + j] = -Infinity;
        continue;
      }
      const bp = a - xv;
      const b = (xv - (a - bp)) + (nm - bp);
      // (a + b) - (Lh + Ll)
      const t = a - Lh;
      const tp = t - a;
      const te = (a - (t - tp)) + (-Lh - tp);
      out[o + j] = t + (te + (b - Ll));
    }
  }
  return out;
}

export function logsumexp64(x: FloatArray, n: number, c: number, out: F64 = new Float64Array(n)): F64 {
  const scr = new Scratch();
  const DD = scr.dd;
  const SCAN = scr.scan;
  const LG = scr.lg;
  checkShape(x.length, n, c, 'logsumexp');
  const WH = new Float64Array(c);
  const WL = new Float64Array(c);
  for (let r = 0; r < n; r++) {
    const o = r * c;
    const kind = scanRow(scr, x, o, c);
    if (kind !== ROW_FINITE) {
      out[r] = kind === ROW_NAN ? NaN : kind === ROW_ALL_NEG_INF ? -Infinity : Infinity;
      continue;
    }
    const m = SCAN[0];
    const k = SCAN[1];
    expRow(scr, x, o, c, m, k, WH, 0, WL);
    rowLog(scr, x, o, c, m, k);
    twoSum(scr, m, LG[0]);
    const res = round2(DD[0], DD[1] + LG[1]);
    if (m < 0 && LG[0] > 8 * Math.abs(res)) {
      out[r] = lseIllConditioned(scr, x, o, c, m, k);
      continue;
    }
    out[r] = res;
  }
  return out;
}

/** logsumexp of a row where m and log1p(s) cancel: everything in double-double (~2^-100). */
function lseIllConditioned(scr: Scratch, x: FloatArray, o: number, c: number, m: number, k: number): number {
  const DD = scr.dd;
  const EX = scr.ex;
  let sh = 0;
  let sl = 0;
  for (let j = 0; j < c; j++) {
    if (j === k) continue;
    const xv = x[o + j];
    const a = xv - m;
    if (!(a > EXP_UNDERFLOW)) continue;
    const bp = a - xv;
    const b = (xv - (a - bp)) + (-m - bp);
    expDDFull(scr, a, b);
    const sc = P2[EX[2] + P2_OFFSET];
    ddAdd(scr, sh, sl, EX[0] * sc, EX[1] * sc);
    sh = DD[0];
    sl = DD[1];
  }
  log1pDDFull(scr, sh, sl);
  ddAdd(scr, m, 0, DD[0], DD[1]);
  return round2(DD[0], DD[1]);
}

/**
 * softmax of a row as double-double PH + PL, used by the backward kernels. Entries whose
 * p is subnormal-range are kept scaled: (PH + PL) * 2^PE[j] (PE[j] = 0 otherwise), so
 * the backward result can be rounded once.
 */
function softmaxRowDD(scr: Scratch, x: FloatArray, o: number, c: number, kind: number, PH: F64, PL: F64, PE: Int32Array, WL: F64): void {
  const DD = scr.dd;
  const EX = scr.ex;
  const SCAN = scr.scan;
  const INV = scr.inv;
  PE.fill(0);
  if (kind !== ROW_FINITE) {
    specialSoftmaxRow(scr, x, o, c, kind, PH, 0);
    PL.fill(0);
    return;
  }
  const m = SCAN[0];
  const k = SCAN[1];
  expRowAcc(scr, x, o, c, m, k, PH, WL);
  invOnePlusS(scr);
  for (let j = 0; j < c; j++) {
    const wh = PH[j];
    if (wh < TINY_W) {
      PH[j] = 0;
      PL[j] = 0;
      if (wh === 0 && WL[j] === 0) continue;
      const xv = x[o + j];
      const a = xv - m;
      const bp = a - xv;
      const b = (xv - (a - bp)) + (-m - bp);
      expAcc(scr, a, b);
      const e = EX[2];
      ddMul(scr, EX[0], EX[1], INV[0], INV[1]);
      PH[j] = DD[0];
      PL[j] = DD[1];
      PE[j] = e;
      continue;
    }
    pDD(scr, wh, WL[j]);
    PH[j] = DD[0];
    PL[j] = DD[1];
  }
}

/**
 * softmax_backward of a finite row at o (softmaxRowDD done: PH/PL/PE hold p, k = argmax):
 * g_j - <g, p> = (g_j - g_k) + nu,  nu = sum_{i != k} p_i (g_k - g_i): no cancellation
 * at the max entry k, whose p_k ~ 1 would otherwise cancel g_k against <g, p>.
 */
function softmaxGradRowFinite(
  scr: Scratch,
  g: FloatArray,
  o: number,
  c: number,
  k: number,
  PH: F64,
  PL: F64,
  PE: Int32Array,
  out: F64,
): void {
  const DD = scr.dd;
  const gk = g[o + k];
  let nh = 0;
  let nl = 0;
  for (let i = 0; i < c; i++) {
    const ph = PH[i];
    if (i === k || ph === 0) continue;
    const sc = PE[i] === 0 ? 1 : P2[P2_OFFSET + PE[i]];
    twoSum(scr, gk, -g[o + i]);
    ddMul(scr, DD[0], DD[1], ph * sc, PL[i] * sc);
    ddAdd(scr, nh, nl, DD[0], DD[1]);
    nh = DD[0];
    nl = DD[1];
  }
  for (let j = 0; j < c; j++) {
    const ph = PH[j];
    twoSum(scr, g[o + j], -gk);
    if (ph === 0) {
      const d = DD[0] + nh;
      out[o + j] = Number.isFinite(d) ? 0 * d : 0;
      continue;
    }
    ddAdd(scr, DD[0], DD[1], nh, nl);
    ddMul(scr, ph, PL[j], DD[0], DD[1]);
    out[o + j] = PE[j] === 0 ? round2(DD[0], DD[1]) : scale2(round2(DD[0], DD[1]), PE[j]);
  }
}

/**
 * softmax_backward of a special row at o (p is 0 / 1 / NaN, in PH/PL). With two or more
 * +Infinity entries the split of p among them is path dependent, but if g agrees on them,
 * p ⊙ (g − ⟨g, p⟩) → 0 on every entry (docs/semantics.md, as the reference does).
 */
function softmaxGradRowSpecial(
  scr: Scratch,
  x: FloatArray,
  g: FloatArray,
  o: number,
  c: number,
  kind: number,
  PH: F64,
  PL: F64,
  out: F64,
): void {
  const DD = scr.dd;
  // With two or more +Infinity entries (or every entry -Infinity) the split of p among them is
  // path dependent, but if g is finite and agrees on them, p ⊙ (g − ⟨g, p⟩) → 0 on every entry
  // (docs/semantics.md, as the reference does)
  const allNeg = kind === ROW_ALL_NEG_INF;
  let infs = 0;
  let gInf = NaN;
  let agree = true;
  for (let j = 0; j < c; j++) {
    if (!allNeg && x[o + j] !== Infinity) continue;
    const gj = g[o + j];
    if (infs++ === 0) gInf = gj;
    else if (gj !== gInf) agree = false;
    if (!Number.isFinite(gj)) agree = false;
  }
  if (kind !== ROW_NAN && infs >= 2 && agree) {
    out.fill(0, o, o + c);
    return;
  }
  let mh = 0;
  let ml = 0;
  for (let j = 0; j < c; j++) {
    const ph = PH[j];
    if (ph === 0) continue; // zero coefficient
    ddMul(scr, g[o + j], 0, ph, PL[j]);
    ddAdd(scr, mh, ml, DD[0], DD[1]);
    mh = DD[0];
    ml = DD[1];
  }
  for (let j = 0; j < c; j++) {
    const ph = PH[j];
    const gj = g[o + j];
    if (ph === 0) {
      const d = gj - mh;
      out[o + j] = Number.isFinite(d) ? 0 * d : 0;
      continue;
    }
    ddAdd(scr, gj, 0, -mh, -ml);
    ddMul(scr, ph, PL[j], DD[0], DD[1]);
    out[o + j] = round2(DD[0], DD[1]);
  }
}

export function softmaxBackward64(x: FloatArray, g: FloatArray, n: number, c: number, out: F64 = new Float64Array(n * c)): F64 {
  const scr = new Scratch();
  const SCAN = scr.scan;
  checkShape(x.length, n, c, 'softmax_backward');
  checkShape(g.length, n, c, 'softmax_backward grad_output');
  const PH = new Float64Array(c);
  const PL = new Float64Array(c);
  const PE = new Int32Array(c);
  const WL = new Float64Array(c);
  for (let r = 0; r < n; r++) {
    const o = r * c;
    const kind = scanRow(scr, x, o, c);
    softmaxRowDD(scr, x, o, c, kind, PH, PL, PE, WL);
    if (kind === ROW_FINITE) softmaxGradRowFinite(scr, g, o, c, SCAN[1], PH, PL, PE, out);
    else softmaxGradRowSpecial(scr, x, g, o, c, kind, PH, PL, out);
  }
  return out;
}

export function logSoftmaxBackward64(x: FloatArray, g: FloatArray, n: number, c: number, out: F64 = new Float64Array(n * c)): F64 {
  const scr = new Scratch();
  const DD = scr.dd;
  checkShape(x.length, n, c, 'log_softmax_backward');
  checkShape(g.length, n, c, 'log_softmax_backward grad_output');
  const PH = new Float64Array(c);
  const PL = new Float64Array(c);
  const PE = new Int32Array(c);
  const WL = new Float64Array(c);
  for (let r = 0; r < n; r++) {
    const o = r * c;
    const kind = scanRow(scr, x, o, c);
    softmaxRowDD(scr, x, o, c, kind, PH, PL, PE, WL);
    // G = sum g in double-double
    let Gh = 0;
    let Gl = 0;
    for (let j = 0; j < c; j++) {
      const gj = g[o + j];
      const s = Gh + gj;
      const z = s - Gh;
      const e = (Gh - (s - z)) + (gj - z);
      Gl += e === e ? e : 0;
      Gh = s;
    }
    // where p is path dependent (NaN: two +Infinity, or every entry -Infinity) g_j - p_j G
    // still has a limit when G = 0 exactly: g_j on the whole simplex (docs/semantics.md)
    const pathFree = (kind === ROW_POS_INF || kind === ROW_ALL_NEG_INF) && Gh === 0 && Gl === 0;
    for (let j = 0; j < c; j++) {
      const ph = PH[j];
      const gj = g[o + j];
      if (ph === 0 || (pathFree && ph !== ph)) {
        out[o + j] = gj; // zero coefficient: p_j * G contributes nothing
        continue;
      }
      if (PE[j] === 0) ddMul(scr, ph, PL[j], Gh, Gl);
      else ddMul(scr, ph * P2[P2_OFFSET + PE[j]], 0, Gh, Gl);
      ddAdd(scr, gj, 0, -DD[0], -DD[1]);
      out[o + j] = round2(DD[0], DD[1]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// public dtype-generic kernels (Float64Array -> float64, Float32Array -> float32)

/** Float32Array -> Float64Array (exact) */
export function widen(a: FloatArray): F64 {
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

function narrowInto<T extends FloatArray>(src: F64, out: T): T {
  if (out !== (src as unknown)) out.set(src);
  return out;
}

/** softmax over the last axis of row-major x [n*c] */
export function softmax<T extends FloatArray>(x: T, n: number, c: number, out?: T): T {
  if (x instanceof Float64Array) return softmax64(x, n, c, (out as F64 | undefined) ?? new Float64Array(n * c)) as T;
  const o = (out ?? new Float32Array(n * c)) as Float32Array;
  return narrowInto(softmax64(x, n, c), o) as T;
}

export function logSoftmax<T extends FloatArray>(x: T, n: number, c: number, out?: T): T {
  if (x instanceof Float64Array) return logSoftmax64(x, n, c, (out as F64 | undefined) ?? new Float64Array(n * c)) as T;
  const o = (out ?? new Float32Array(n * c)) as Float32Array;
  return narrowInto(logSoftmax64(x, n, c), o) as T;
}

/** logsumexp of each row: result [n] */
export function logsumexp<T extends FloatArray>(x: T, n: number, c: number, out?: T): T {
  if (x instanceof Float64Array) return logsumexp64(x, n, c, (out as F64 | undefined) ?? new Float64Array(n)) as T;
  const o = (out ?? new Float32Array(n)) as Float32Array;
  return narrowInto(logsumexp64(x, n, c), o) as T;
}

/** softmax VJP: p ⊙ (g − <g, p>) per row */
export function softmaxBackward<T extends FloatArray>(x: T, g: T, n: number, c: number, out?: T): T {
  if (x instanceof Float64Array) {
    return softmaxBackward64(x, g, n, c, (out as F64 | undefined) ?? new Float64Array(n * c)) as T;
  }
  const o = (out ?? new Float32Array(n * c)) as Float32Array;
  return narrowInto(softmaxBackward64(x, g, n, c), o) as T;
}

/** log_softmax VJP: g − p · Σ g per row */
export function logSoftmaxBackward<T extends FloatArray>(x: T, g: T, n: number, c: number, out?: T): T {
  if (x instanceof Float64Array) {
    return logSoftmaxBackward64(x, g, n, c, (out as F64 | undefined) ?? new Float64Array(n * c)) as T;
  }
  const o = (out ?? new Float32Array(n * c)) as Float32Array;
  return narrowInto(logSoftmaxBackward64(x, g, n, c), o) as T;
}
