/**
 * Fast cross_entropy (class-index or probability targets, class weights, ignore_index,
 * label_smoothing, reductions) and its backward, and nll_loss (shared rules: loss_common.ts).
 *
 * Forms (all in double-double, one rounding per output):
 *  - cross_entropy is fused from the logits, never log(softmax): with L = log1p(s) and
 *    tau_c = L - (x_c - max) >= 0 (the exact TwoSum difference),
 *    l_n = (1 - eps) * sum_c w_c t_c tau_c + (eps / C) * sum_c w_c tau_c,
 *    a sum of non-negative terms (no cancellation); t_c = [c = y] for index targets.
 *  - its gradient (p_c A - a_c) g / D (a_c the coefficient of tau_c above, A their sum);
 *    for index targets without smoothing the target entry uses
 *    1 - p_y = (1 + s - w_y) / (1 + s) (= s / (1 + s) at the max), so the
 *    confident-prediction gradient keeps its relative accuracy.
 *
 * Measured vs mpmath (test/fast.test.ts, correctly rounded): max 1 ulp in float64 and
 * float32 for the loss and its gradient (index / probability targets, weights,
 * ignore_index, smoothing, all reductions; logit scales 1 .. 700). Where a gradient entry
 * itself cancels (p_c A ~ a_c) the error is ~2^-70 of the cancelling terms, not a ulp bound.
 *
 * Choices where docs/semantics.md leaves room (tested in test/fast-special.test.ts):
 *  - the zero-coefficient rule also covers NaN: a row whose every coefficient a_c is 0
 *    (weight 0, or eps = 0 and target 0) has loss 0 even if its logits hold NaN;
 *  - a row of all -Infinity with a nonzero coefficient: NaN (its softmax is NaN), not +Inf.
 *
 * Cost (bench/fast.bench.mjs): forward ~1.0-1.3x the plain shifted JS at C >= 1000, ~1.5x
 * at C = 10; backward ~1.0-1.5x at C >= 1000, ~1.9x at C = 10.
 *
 * Structure: each kernel makes one Scratch (scratch.ts) per call; the work per row is split
 * by row class (index target without smoothing = the fast path / special row / general
 * row), each class in its own function that leaves its result in the scratch.
 */
import { SPLITTER, expAcc, ddAdd, ddDiv, ddMul, round2, scale2, twoProd, twoSum } from './accurate.js';
import { type GradOutput, type Reduction, checkRows, finish, gradOf, isF32, reduceDD } from './loss_common.js';
import { Scratch } from './scratch.js';
import {
  type FloatArray,
  ROW_FINITE,
  ROW_NAN,
  TINY_W,
  expRow,
  expRowAcc,
  invOnePlusS,
  pDD,
  rowLog,
  scanRow,
  specialLogSoftmaxRow,
  specialSoftmaxRow,
  tinyP,
  widen,
} from './softmax.js';

type F64 = Float64Array;

/** class indices [N], or probabilities [N*C] */
export type CrossEntropyTarget = { index: ArrayLike<number> } | { probs: FloatArray };

export interface CrossEntropyOptions {
  /** class weights [C] */
  weight?: FloatArray;
  /** default -100 */
  ignoreIndex?: number;
  /** default 'mean' */
  reduction?: Reduction;
  /** default 0 */
  labelSmoothing?: number;
}

export interface NllLossOptions {
  weight?: FloatArray;
  ignoreIndex?: number;
  reduction?: Reduction;
}

// ---------------------------------------------------------------------------------------
// the problem of one call, and the coefficients a_c

interface CeState {
  x: FloatArray;
  n: number;
  c: number;
  idx?: ArrayLike<number>;
  probs?: FloatArray;
  w?: F64;
  ign: number;
  eps: number;
  red: Reduction;
  f32: boolean;
  /** 1 - eps in double-double (exact: TwoSum) */
  omh: number;
  oml: number;
  /** eps / C in double-double */
  ech: number;
  ecl: number;
}

/** check the arguments and set up the call: options with their defaults, and the smoothing factors 1 - eps, eps / C */
function ceState(scr: Scratch, logits: FloatArray, n: number, c: number, target: CrossEntropyTarget, opts: CrossEntropyOptions): CeState {
  const DD = scr.dd;
  checkRows(logits.length, n, c, 'cross_entropy');
  const eps = opts.labelSmoothing ?? 0;
  twoSum(scr, 1, -eps);
  const omh = DD[0];
  const oml = DD[1];
  ddDiv(scr, eps, 0, c, 0);
  const st: CeState = {
    x: logits,
    n,
    c,
    ign: opts.ignoreIndex ?? -100,
    eps,
    red: opts.reduction ?? 'mean',
    f32: isF32(logits),
    omh,
    oml,
    ech: DD[0],
    ecl: DD[1],
  };
  if ('index' in target) {
    if (target.index.length < n) throw new RangeError(`cross_entropy: target has ${target.index.length} entries, N = ${n}`);
    st.idx = target.index;
  } else {
    if (target.probs.length < n * c) throw new RangeError(`cross_entropy: target has ${target.probs.length} values, N*C = ${n * c}`);
    st.probs = target.probs;
  }
  if (opts.weight) {
    if (opts.weight.length < c) throw new RangeError(`cross_entropy: weight has ${opts.weight.length} entries, C = ${c}`);
    st.w = widen(opts.weight);
  }
  return st;
}

/** DD = scr.dd <- w_c * t_c for row n (t_c the target probability or [c = y]), the exact product */
function wt(scr: Scratch, st: CeState, n: number, cc: number, y: number): void {
  const DD = scr.dd;
  const wc = st.w ? st.w[cc] : 1;
  if (st.probs) {
    twoProd(scr, wc, st.probs[n * st.c + cc]);
  } else {
    DD[0] = cc === y ? wc : 0;
    DD[1] = 0;
  }
}

/** DD = scr.dd <- the coefficient a_c = (1 - eps) w_c t_c + (eps / C) w_c (exact-ish) */
function coefDD(scr: Scratch, st: CeState, n: number, cc: number, y: number): void {
  const DD = scr.dd;
  wt(scr, st, n, cc, y);
  const th = DD[0];
  const tl = DD[1];
  let ah = 0;
  let al = 0;
  if (th !== 0) {
    ddMul(scr, st.omh, st.oml, th, tl);
    ah = DD[0];
    al = DD[1];
  }
  const wc = st.w ? st.w[cc] : 1;
  if (st.ech !== 0 && wc !== 0) {
    ddMul(scr, st.ech, st.ecl, wc, 0);
    ddAdd(scr, ah, al, DD[0], DD[1]);
    ah = DD[0];
    al = DD[1];
  }
  DD[0] = ah;
  DD[1] = al;
}

/** is a_c exactly zero (mathematically)? */
function coefIsZero(st: CeState, n: number, cc: number, y: number): boolean {
  const wc = st.w ? st.w[cc] : 1;
  if (wc === 0) return true;
  if (st.eps !== 0) return false;
  return st.probs ? st.probs[n * st.c + cc] === 0 : cc !== y;
}

// ---------------------------------------------------------------------------------------
// cross_entropy forward

/**
 * DD = scr.dd <- the loss of row r, index target y, no smoothing, finite row (scanRow done):
 * l = w_y (L - (x_y - m)), the fast path (one log per row, no coefficient loop).
 */
function ceRowIndexLoss(scr: Scratch, st: CeState, r: number, y: number, WH: F64, WL: F64): void {
  const DD = scr.dd;
  const SCAN = scr.scan;
  const LG = scr.lg;
  const { x, c } = st;
  const o = r * c;
  const wy = st.w ? st.w[y] : 1;
  if (wy === 0) {
    DD[0] = 0;
    DD[1] = 0;
    return;
  }
  const m = SCAN[0];
  const k = SCAN[1];
  expRow(scr, x, o, c, m, k, WH, 0, WL);
  rowLog(scr, x, o, c, m, k);
  const xv = x[o + y];
  const a = xv - m;
  if (a === -Infinity) {
    DD[0] = Infinity;
    DD[1] = 0;
    return;
  }
  const bp = a - xv;
  const b = (xv - (a - bp)) + (-m - bp);
  // tau = (Lh - a) + (Ll - b), both parts >= 0 overall
  const Lh = LG[0];
  const t = Lh - a;
  const tp = t - Lh;
  const te = (Lh - (t - tp)) + (-a - tp) + (LG[1] - b);
  const th = t + te;
  const tl = te - (th - t);
  if (wy === 1) {
    DD[0] = th;
    DD[1] = tl;
  } else {
    ddMul(scr, wy, 0, th, tl);
  }
}

/**
 * DD = scr.dd <- the loss of a special row r (NaN / +-Infinity entries, kind from scanRow):
 * sum_c a_c (-log_softmax_c) over the nonzero coefficients only, in plain double (the
 * terms are 0, +Infinity or NaN), so a NaN behind a zero coefficient does not leak.
 */
function ceRowSpecialLoss(scr: Scratch, st: CeState, r: number, y: number, kind: number, LS: F64): void {
  const DD = scr.dd;
  const { x, c } = st;
  specialLogSoftmaxRow(scr, x, r * c, c, kind, LS, 0);
  let l = 0;
  for (let cc = 0; cc < c; cc++) {
    if (coefIsZero(st, r, cc, y)) continue;
    coefDD(scr, st, r, cc, y);
    l += DD[0] * -LS[cc];
  }
  DD[0] = l === 0 ? 0 : l;
  DD[1] = 0;
}

/**
 * DD = scr.dd <- the loss of a finite row r in general (probability targets or smoothing):
 * (1 - eps) A1 + (eps / C) A2 with A1 = sum w_c t_c tau_c, A2 = sum w_c tau_c, every term >= 0.
 */
function ceRowGeneralLoss(scr: Scratch, st: CeState, r: number, y: number, WH: F64, WL: F64): void {
  const DD = scr.dd;
  const SCAN = scr.scan;
  const LG = scr.lg;
  const { x, c, eps } = st;
  const o = r * c;
  const m = SCAN[0];
  const k = SCAN[1];
  expRow(scr, x, o, c, m, k, WH, 0, WL);
  rowLog(scr, x, o, c, m, k);
  const Lh = LG[0];
  const Ll = LG[1];
  let a1h = 0;
  let a1l = 0;
  let a2h = 0;
  let a2l = 0;
  // every class: a finite row gets here only with probability targets or smoothing (an
  // index target without smoothing takes ceRowIndexLoss), so any a_c may be nonzero
  for (let cc = 0; cc < c; cc++) {
    if (coefIsZero(st, r, cc, y)) continue;
    // tau = L - (x_c - m)
    const xv = x[o + cc];
    const a = xv - m;
    let th: number;
    let tl: number;
    if (a === -Infinity) {
      th = Infinity;
      tl = 0;
    } else {
      const bp = a - xv;
      const b = (xv - (a - bp)) + (-m - bp);
      twoSum(scr, Lh, -a);
      ddAdd(scr, DD[0], DD[1], Ll, -b);
      th = DD[0];
      tl = DD[1];
    }
    wt(scr, st, r, cc, y);
    if (DD[0] !== 0) {
      ddMul(scr, DD[0], DD[1], th, tl);
      ddAdd(scr, a1h, a1l, DD[0], DD[1]);
      a1h = DD[0];
      a1l = DD[1];
    }
    if (eps !== 0) {
      const wc = st.w ? st.w[cc] : 1;
      ddMul(scr, wc, 0, th, tl);
      ddAdd(scr, a2h, a2l, DD[0], DD[1]);
      a2h = DD[0];
      a2l = DD[1];
    }
  }
  let lh = 0;
  let ll = 0;
  if (a1h !== 0) {
    if (eps === 0) {
      lh = a1h;
      ll = a1l;
    } else {
      ddMul(scr, st.omh, st.oml, a1h, a1l);
      lh = DD[0];
      ll = DD[1];
    }
  }
  if (eps !== 0 && a2h !== 0) {
    ddMul(scr, st.ech, st.ecl, a2h, a2l);
    ddAdd(scr, lh, ll, DD[0], DD[1]);
    lh = DD[0];
    ll = DD[1];
  }
  DD[0] = lh;
  DD[1] = ll;
}

/**
 * Row losses into LH/LL (double-double; ignored rows 0), and DD = scr.dd <- the mean
 * denominator D (the sum of the non-ignored target weights, or N for probability targets).
 */
function ceForwardRows(scr: Scratch, st: CeState, LH: F64, LL: F64): void {
  const DD = scr.dd;
  const { x, n, c, eps } = st;
  const WH = new Float64Array(c);
  const WL = new Float64Array(c);
  const LS = new Float64Array(c);
  let Dh = 0;
  let Dl = 0;
  for (let r = 0; r < n; r++) {
    let y = -1;
    if (st.idx) {
      y = st.idx[r];
      if (y === st.ign) {
        LH[r] = 0;
        LL[r] = 0;
        continue;
      }
      // D += w_y, compensated (the tail is renormalised by the final ddDiv of reduceDD)
      const wy0 = st.w ? st.w[y] : 1;
      const ds = Dh + wy0;
      const dz = ds - Dh;
      Dl += (Dh - (ds - dz)) + (wy0 - dz);
      Dh = ds;
    }
    const kind = scanRow(scr, x, r * c, c);
    if (st.idx && eps === 0 && kind === ROW_FINITE) ceRowIndexLoss(scr, st, r, y, WH, WL);
    else if (kind !== ROW_FINITE) ceRowSpecialLoss(scr, st, r, y, kind, LS);
    else ceRowGeneralLoss(scr, st, r, y, WH, WL);
    LH[r] = DD[0];
    LL[r] = DD[1];
  }
  if (st.probs) {
    Dh = n;
    Dl = 0;
  }
  DD[0] = Dh;
  DD[1] = Dl;
}

/** cross_entropy from logits [n*c]: a number for mean / sum, [n] for none */
export function crossEntropy(
  logits: FloatArray,
  n: number,
  c: number,
  target: CrossEntropyTarget,
  opts: CrossEntropyOptions = {},
  out?: FloatArray,
): number | FloatArray {
  const scr = new Scratch();
  const DD = scr.dd;
  const st = ceState(scr, logits, n, c, target, opts);
  const LH = new Float64Array(n);
  const LL = new Float64Array(n);
  ceForwardRows(scr, st, LH, LL);
  if (st.red === 'none') {
    for (let i = 0; i < n; i++) LH[i] = round2(LH[i], LL[i]);
    return finish(LH, 'none', 0, st.f32, out);
  }
  return finish(LH, st.red, reduceDD(scr, LH, LL, n, st.red, DD[0], DD[1]), st.f32);
}

// ---------------------------------------------------------------------------------------
// cross_entropy backward

/** DD = scr.dd <- the mean denominator D: the sum of the non-ignored target weights (index targets), or N */
function ceMeanDenominator(scr: Scratch, st: CeState): void {
  const DD = scr.dd;
  let Dh = st.n;
  let Dl = 0;
  if (st.idx) {
    Dh = 0;
    for (let r = 0; r < st.n; r++) {
      const y = st.idx[r];
      if (y === st.ign) continue;
      ddAdd(scr, Dh, Dl, st.w ? st.w[y] : 1, 0);
      Dh = DD[0];
      Dl = DD[1];
    }
  }
  DD[0] = Dh;
  DD[1] = Dl;
}

/**
 * DD = scr.dd <- the reduction scale G = g / D (mean) or g (sum), the same for every row;
 * 0 for reduction none (each row then takes its own g_n). Throws for a grad_output of
 * the wrong kind (an array for mean / sum).
 */
function ceReductionScale(scr: Scratch, go: number | F64 | undefined, red: Reduction, Dh: number, Dl: number): void {
  const DD = scr.dd;
  let G0h = 0;
  let G0l = 0;
  if (red !== 'none') {
    G0h = gradOf(go, red, 0);
    if (red === 'mean' && Dh !== 0) {
      ddDiv(scr, G0h, 0, Dh, Dl);
      G0h = DD[0];
      G0l = DD[1];
    }
  }
  DD[0] = G0h;
  DD[1] = G0l;
}

/**
 * One entry of the index-target gradient with K = w_y G, the target entry -(1 - p_y) K
 * or an entry whose w_c is tiny (p_c recomputed with a scaled exponent so it is rounded
 * once). Needs INV and SUM of the row (invOnePlusS done).
 */
function ceGradEntry(
  scr: Scratch,
  x: FloatArray,
  o: number,
  cc: number,
  y: number,
  k: number,
  m: number,
  WH: F64,
  WL: F64,
  Kh: number,
  Kl: number,
): number {
  const DD = scr.dd;
  const EX = scr.ex;
  const SUM = scr.sum;
  const INV = scr.inv;
  if (cc === y) {
    // 1 - p_y = (1 + s - w_y) / (1 + s)
    let nh: number;
    let nl: number;
    if (y === k) {
      nh = SUM[0];
      nl = SUM[1];
    } else {
      ddAdd(scr, 1, 0, SUM[0], SUM[1]);
      ddAdd(scr, DD[0], DD[1], -WH[cc], -WL[cc]);
      nh = DD[0];
      nl = DD[1];
    }
    ddMul(scr, nh, nl, INV[0], INV[1]);
    ddMul(scr, DD[0], DD[1], Kh, Kl);
    return -round2(DD[0], DD[1]);
  }
  if (WH[cc] === 0 && WL[cc] === 0) return 0 * Kh;
  const xv = x[o + cc];
  const a = xv - m;
  const bp = a - xv;
  const b = (xv - (a - bp)) + (-m - bp);
  expAcc(scr, a, b);
  const e = EX[2];
  ddMul(scr, EX[0], EX[1], INV[0], INV[1]);
  ddMul(scr, DD[0], DD[1], Kh, Kl);
  return scale2(round2(DD[0], DD[1]), e);
}

/**
 * The gradient of a finite row r with index target y and no smoothing (scanRow done):
 * grad_c = w_y G (p_c - [c = y]), the fast path. With J = K / S (K = w_y G, S = 1 + s)
 * split once, each ordinary entry is w_c * J with one rounding; extreme K (J outside
 * 1e+-290, where the split product would over- or underflow) goes through
 * ceGradRowIndexScaled instead.
 */
function ceGradRowIndex(scr: Scratch, st: CeState, r: number, y: number, Gh: number, Gl: number, WH: F64, WL: F64, res: F64): void {
  const DD = scr.dd;
  const SCAN = scr.scan;
  const SUM = scr.sum;
  const INV = scr.inv;
  const { x, c } = st;
  const o = r * c;
  // here A = w_y, and w_y > 0 makes the mean's denominator D > 0
  const wy = st.w ? st.w[y] : 1;
  if (wy === 0 || (Gh === 0 && Gl === 0)) {
    res.fill(0, o, o + c);
    return;
  }
  ddMul(scr, wy, 0, Gh, Gl);
  const Kh = DD[0];
  const Kl = DD[1];
  const m = SCAN[0];
  const k = SCAN[1];
  expRow(scr, x, o, c, m, k, WH, 0, WL);
  invOnePlusS(scr);
  // J = K / S in double-double, split once: grad_c = w_c * J with one rounding
  ddMul(scr, INV[0], INV[1], Kh, Kl);
  const Jh = DD[0];
  const Jl = DD[1];
  if (!Number.isFinite(Jh) || Math.abs(Jh) > 1e290 || (Jh !== 0 && Math.abs(Jh) < 1e-290)) {
    ceGradRowIndexScaled(scr, x, o, c, y, k, m, WH, WL, Kh, Kl, res);
    return;
  }
  const cj = SPLITTER * Jh;
  const jhh = cj - (cj - Jh);
  const jhl = Jh - jhh;
  for (let cc = 0; cc < c; cc++) {
    const wh = WH[cc];
    if (cc === y || wh < TINY_W) {
      res[o + cc] = NaN; // filled below
      continue;
    }
    const wl = WL[cc];
    const c2 = SPLITTER * wh;
    const whh = c2 - (c2 - wh);
    const whl = wh - whh;
    const big = whh * jhh;
    const small = ((whh * jhl + whl * jhh) + whl * jhl) + (wh * Jl + wl * Jh);
    res[o + cc] = big + small;
  }
  // the target entry: -(1 - p_y) K = -(1 + s - w_y) J, with 1 + s - w_y = s at the max
  if (y === k) ddMul(scr, SUM[0], SUM[1], Jh, Jl);
  else {
    ddAdd(scr, 1, 0, SUM[0], SUM[1]);
    ddAdd(scr, DD[0], DD[1], -WH[y], -WL[y]);
    ddMul(scr, DD[0], DD[1], Jh, Jl);
  }
  res[o + y] = -round2(DD[0], DD[1]);
  for (let cc = 0; cc < c; cc++) {
    if (cc === y || !(WH[cc] < TINY_W)) continue;
    res[o + cc] = ceGradEntry(scr, x, o, cc, y, k, m, WH, WL, Kh, Kl);
  }
}

/**
 * ceGradRowIndex for an extreme K (grad_output or weights near the float64 limits): every
 * entry as p_c K (p_c in double-double, then the product, one rounding), which never
 * forms the over- or underflowing J = K / S. Needs INV and SUM of the row.
 */
function ceGradRowIndexScaled(
  scr: Scratch,
  x: FloatArray,
  o: number,
  c: number,
  y: number,
  k: number,
  m: number,
  WH: F64,
  WL: F64,
  Kh: number,
  Kl: number,
  res: F64,
): void {
  const DD = scr.dd;
  for (let cc = 0; cc < c; cc++) {
    const wh = WH[cc];
    if (cc === y || wh < TINY_W) {
      res[o + cc] = ceGradEntry(scr, x, o, cc, y, k, m, WH, WL, Kh, Kl);
      continue;
    }
    pDD(scr, wh, WL[cc]);
    ddMul(scr, DD[0], DD[1], Kh, Kl);
    res[o + cc] = round2(DD[0], DD[1]);
  }
}

/**
 * AH/AL <- the coefficients a_c of row r (0 where coefIsZero), and DD = scr.dd <- their
 * sum A (what p_c multiplies in the gradient (p_c A - a_c) G).
 */
function ceRowCoefs(scr: Scratch, st: CeState, r: number, y: number, AH: F64, AL: F64): void {
  const DD = scr.dd;
  let Ah = 0;
  let Al = 0;
  for (let cc = 0; cc < st.c; cc++) {
    if (coefIsZero(st, r, cc, y)) {
      AH[cc] = 0;
      AL[cc] = 0;
      continue;
    }
    coefDD(scr, st, r, cc, y);
    AH[cc] = DD[0];
    AL[cc] = DD[1];
    ddAdd(scr, Ah, Al, DD[0], DD[1]);
    Ah = DD[0];
    Al = DD[1];
  }
  DD[0] = Ah;
  DD[1] = Al;
}

/**
 * PH/PL <- the softmax of row r in double-double (scanRow done, kind its class). Tiny
 * entries are rounded once to double (tinyP), special rows give 0 / 1 / NaN.
 */
function ceRowSoftmax(scr: Scratch, st: CeState, r: number, kind: number, PH: F64, PL: F64, WL: F64): void {
  const DD = scr.dd;
  const SCAN = scr.scan;
  const { x, c } = st;
  const o = r * c;
  if (kind !== ROW_FINITE) {
    specialSoftmaxRow(scr, x, o, c, kind, PH, 0);
    PL.fill(0);
    return;
  }
  const m = SCAN[0];
  const k = SCAN[1];
  expRowAcc(scr, x, o, c, m, k, PH, WL);
  invOnePlusS(scr);
  for (let cc = 0; cc < c; cc++) {
    const wh = PH[cc];
    if (wh < TINY_W) {
      PH[cc] = wh === 0 && WL[cc] === 0 ? 0 : tinyP(scr, x[o + cc], m);
      PL[cc] = 0;
    } else {
      pDD(scr, wh, WL[cc]);
      PH[cc] = DD[0];
      PL[cc] = DD[1];
    }
  }
}

/** per-call work arrays of the general gradient path, [C] each */
interface CeGradWork {
  PH: F64;
  PL: F64;
  AH: F64;
  AL: F64;
  WL: F64;
}

/**
 * The gradient of row r in general (probability targets, smoothing, or a special row):
 * (p_c A - a_c) G, each entry one rounding. A row whose coefficients are all 0 has the
 * gradient 0 whatever its logits (the loss row is identically 0).
 */
function ceGradRowGeneral(
  scr: Scratch,
  st: CeState,
  r: number,
  y: number,
  kind: number,
  Gh: number,
  Gl: number,
  zeroMean: boolean,
  wk: CeGradWork,
  res: F64,
): void {
  const DD = scr.dd;
  const { c } = st;
  const o = r * c;
  const { PH, PL, AH, AL } = wk;
  ceRowCoefs(scr, st, r, y, AH, AL);
  const Ah = DD[0];
  const Al = DD[1];
  if (Ah === 0) {
    res.fill(0, o, o + c); // every coefficient is 0: the loss row is identically 0
    return;
  }
  if (zeroMean || kind === ROW_NAN) {
    res.fill(NaN, o, o + c);
    return;
  }
  if (Gh === 0 && Gl === 0) {
    // grad_output 0 times the bounded p_c A - a_c: 0 even where p is path dependent
    res.fill(0, o, o + c);
    return;
  }
  ceRowSoftmax(scr, st, r, kind, PH, PL, wk.WL);
  for (let cc = 0; cc < c; cc++) {
    const ph = PH[cc];
    let dh: number;
    let dl: number;
    if (ph === 0) {
      dh = -AH[cc];
      dl = -AL[cc];
    } else {
      ddMul(scr, ph, PL[cc], Ah, Al);
      ddAdd(scr, DD[0], DD[1], -AH[cc], -AL[cc]);
      dh = DD[0];
      dl = DD[1];
    }
    if (dh === 0) {
      res[o + cc] = 0 * Gh;
      continue;
    }
    ddMul(scr, dh, dl, Gh, Gl);
    res[o + cc] = round2(DD[0], DD[1]);
  }
}

/** d cross_entropy / d logits: [n*c] */
export function crossEntropyBackward(
  logits: FloatArray,
  n: number,
  c: number,
  target: CrossEntropyTarget,
  opts: CrossEntropyOptions & GradOutput = {},
  out?: FloatArray,
): FloatArray {
  const scr = new Scratch();
  const DD = scr.dd;
  const st = ceState(scr, logits, n, c, target, opts);
  const { x, eps, red } = st;
  const go = opts.gradOutput === undefined || typeof opts.gradOutput === 'number' ? opts.gradOutput : widen(opts.gradOutput);
  const res = st.f32 || (out && out.buffer === logits.buffer)
    ? new Float64Array(n * c)
    : ((out as F64 | undefined) ?? new Float64Array(n * c));
  ceMeanDenominator(scr, st);
  const Dh = DD[0];
  const Dl = DD[1];
  ceReductionScale(scr, go, red, Dh, Dl);
  const G0h = DD[0];
  const G0l = DD[1];
  const WH = new Float64Array(c);
  const wk: CeGradWork = {
    PH: new Float64Array(c),
    PL: new Float64Array(c),
    AH: new Float64Array(c),
    AL: new Float64Array(c),
    WL: new Float64Array(c),
  };
  for (let r = 0; r < n; r++) {
    const o = r * c;
    let y = -1;
    if (st.idx) {
      y = st.idx[r];
      if (y === st.ign) {
        res.fill(0, o, o + c);
        continue;
      }
    }
    // G = g_n / D
    let Gh = G0h;
    let Gl = G0l;
    if (red === 'none') {
      Gh = gradOf(go, red, r);
      Gl = 0;
    }
    // precedence (docs/semantics.md): every coefficient 0 -> 0 (the loss row is identically
    // 0); then D = 0 or NaN logits -> NaN; then grad_output 0 -> 0 (times a bounded p A - a)
    const kind = scanRow(scr, x, o, c);
    if (st.idx && eps === 0 && kind === ROW_FINITE) ceGradRowIndex(scr, st, r, y, Gh, Gl, WH, wk.WL, res);
    else ceGradRowGeneral(scr, st, r, y, kind, Gh, Gl, red === 'mean' && Dh === 0, wk, res);
  }
  if (st.f32 || (out && out !== res)) {
    const o = out ?? new Float32Array(n * c);
    o.set(res);
    return o;
  }
  return res;
}

// ---------------------------------------------------------------------------------------
// nll_loss

/** nll_loss of log-probabilities [n*c] against class indices [n] */
export function nllLoss(
  logProbs: FloatArray,
  n: number,
  c: number,
  target: ArrayLike<number>,
  opts: NllLossOptions = {},
  out?: FloatArray,
): number | FloatArray {
  const scr = new Scratch();
  const DD = scr.dd;
  checkRows(logProbs.length, n, c, 'nll_loss');
  const lp = logProbs;
  const w = opts.weight ? widen(opts.weight) : undefined;
  const ign = opts.ignoreIndex ?? -100;
  const red = opts.reduction ?? 'mean';
  const LH = new Float64Array(n);
  const LL = new Float64Array(n);
  let Dh = 0;
  let Dl = 0;
  for (let r = 0; r < n; r++) {
    const y = target[r];
    if (y === ign) continue;
    const wy = w ? w[y] : 1;
    ddAdd(scr, Dh, Dl, wy, 0);
    Dh = DD[0];
    Dl = DD[1];
    if (wy === 0) continue;
    twoProd(scr, wy, lp[r * c + y]);
    LH[r] = 0 - DD[0];
    LL[r] = -DD[1];
  }
  if (red === 'none') return finish(LH, 'none', 0, isF32(logProbs), out);
  return finish(LH, red, reduceDD(scr, LH, LL, n, red, Dh, Dl), isF32(logProbs));
}
