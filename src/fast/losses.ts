/**
 * Fast losses and their backward ops: cross_entropy (class-index or probability targets,
 * class weights, ignore_index, label_smoothing, reductions), nll_loss,
 * binary_cross_entropy, binary_cross_entropy_with_logits (pos_weight).
 *
 * Forms (all in double-double, one rounding per output):
 *  - cross_entropy is fused from the logits, never log(softmax): with L = log1p(s) and
 *    tau_c = L - (x_c - max) >= 0 (the exact TwoSum difference),
 *    l_n = (1 - eps) * sum_c w_c t_c tau_c + (eps / C) * sum_c w_c tau_c,
 *    a sum of non-negative terms (no cancellation); t_c = [c = y] for index targets.
 *  - its gradient (p_c A - a_c) g / D; for index targets without smoothing the target
 *    entry uses 1 - p_y = (1 + s - w_y) / (1 + s) (= s / (1 + s) at the max), so the
 *    confident-prediction gradient keeps its relative accuracy.
 *  - binary_cross_entropy: log p via log1p(p - 1) for p >= 1/2 (exact argument) and a
 *    Newton-corrected Math.log below; log(1 - p) via log1p(-p); its gradient as
 *    (p - t) / (p (1 - p)) with an exact p - t.
 *  - binary_cross_entropy_with_logits via softplus: l = w (pw t softplus(-x) +
 *    (1 - t) softplus(x)), both terms >= 0; gradient w ((1 - t) sigma(x) - pw t sigma(-x)).
 * The zero-coefficient rule is applied exactly: a term whose coefficient is exactly 0
 * (weight 0, target 0 or 1, eps = 0, pw = 0) is skipped, whatever its log is.
 * Reductions: sums in double-double; mean divides by D = sum of the non-ignored target
 * weights (index targets) or N; D = 0 gives NaN (every target ignored, or weights 0).
 *
 * Measured vs mpmath (test/fast.test.ts, correctly rounded): max 1 ulp in float64 and
 * float32 for every loss and gradient (index / probability targets, weights, ignore_index,
 * smoothing, all reductions; logit scales 1 .. 700; BCE with p within 1e-300 of 0 / 1).
 * Where a gradient entry itself cancels (p_c A ~ a_c, (1 - t) sigma(x) ~ pw t sigma(-x))
 * the error is ~2^-70 of the cancelling terms, not a ulp bound. float32: the float64
 * kernel, one rounding to float32 per output.
 *
 * Choices where docs/semantics.md leaves room (tested in test/fast-special.test.ts):
 *  - the zero-coefficient rule also covers NaN: a row whose every coefficient a_c is 0
 *    (weight 0, or eps = 0 and target 0) has loss 0 even if its logits hold NaN;
 *  - a row of all -Infinity with a nonzero coefficient: NaN (its softmax is NaN), not +Inf;
 *  - a gradient entry with an infinite derivative and grad_output * weight = 0 is 0;
 *  - backward outputs carry the IEEE sign of their factors (-0 possible); forward zeros are +0.
 *
 * Cost (bench/fast.bench.mjs): cross_entropy forward ~1.0-1.3x the plain shifted JS at
 * C >= 1000, ~1.5x at C = 10; its backward ~1.0-1.5x at C >= 1000, ~1.9x at C = 10.
 */
import { DD, EX, P2, P2_OFFSET, SPLITTER, expAcc, ddAdd, ddDiv, ddMul, log1pDD, round2, scale2, twoProd, twoSum } from './accurate.js';
import {
  type FloatArray,
  INV,
  LG,
  ROW_FINITE,
  ROW_NAN,
  SCAN,
  SUM,
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
export type Reduction = 'mean' | 'sum' | 'none';

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

export interface BinaryCrossEntropyOptions {
  /** per-element weights [N] */
  weight?: FloatArray;
  reduction?: Reduction;
}

export interface BceWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** default 1 */
  posWeight?: number;
}

export interface GradOutput {
  /** a number for mean / sum, [N] for none; default 1 / ones */
  gradOutput?: number | FloatArray;
}

function isF32(a: FloatArray): boolean {
  return a instanceof Float32Array;
}

/** write a loss result: a number for mean / sum (rounded to the dtype), an array for none */
function finish(vals: F64, red: Reduction, scalar: number, f32: boolean, out?: FloatArray): number | FloatArray {
  if (red !== 'none') return f32 ? Math.fround(scalar) : scalar;
  const o = out ?? (f32 ? new Float32Array(vals.length) : vals);
  if (o !== vals) o.set(vals);
  return o;
}

/** the scalar grad_output coefficient of row n (before dividing by D) */
function gradOf(go: number | F64 | undefined, red: Reduction, n: number): number {
  if (go === undefined) return 1;
  if (typeof go === 'number') {
    if (red === 'none') throw new RangeError('grad_output must be an array [N] for reduction "none"');
    return go;
  }
  if (red !== 'none') throw new RangeError(`grad_output must be a number for reduction "${red}"`);
  return go[n];
}

function checkRows(len: number, n: number, c: number, what: string): void {
  if (!(Number.isInteger(n) && Number.isInteger(c) && n >= 1 && c >= 1)) {
    throw new RangeError(`${what}: N = ${n} and C = ${c} must be integers >= 1`);
  }
  if (len < n * c) throw new RangeError(`${what}: the array holds ${len} values but N*C = ${n * c}`);
}

/** sum of row losses (LH + LL) in double-double, divided by D for mean, rounded once */
function reduceDD(LH: F64, LL: F64, n: number, red: Reduction, Dh: number, Dl: number): number {
  let sh = 0;
  let sl = 0;
  for (let i = 0; i < n; i++) {
    ddAdd(sh, sl, LH[i], LL[i]);
    sh = DD[0];
    sl = DD[1];
  }
  if (red === 'sum') return round2(sh, sl);
  if (Dh === 0) return NaN;
  ddDiv(sh, sl, Dh, Dl);
  return round2(DD[0], DD[1]);
}

// ---------------------------------------------------------------------------------------
// cross_entropy

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
}

function ceState(logits: FloatArray, n: number, c: number, target: CrossEntropyTarget, opts: CrossEntropyOptions): CeState {
  checkRows(logits.length, n, c, 'cross_entropy');
  const st: CeState = {
    x: logits,
    n,
    c,
    ign: opts.ignoreIndex ?? -100,
    eps: opts.labelSmoothing ?? 0,
    red: opts.reduction ?? 'mean',
    f32: isF32(logits),
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

/** w_c * t_c for row n (t_c the target probability or [c = y]); exact product in DD */
function wt(st: CeState, n: number, cc: number, y: number): void {
  const wc = st.w ? st.w[cc] : 1;
  if (st.probs) {
    twoProd(wc, st.probs[n * st.c + cc]);
  } else {
    DD[0] = cc === y ? wc : 0;
    DD[1] = 0;
  }
}

/** coefficient a_c = (1 - eps) w_c t_c + (eps / C) w_c in DD (exact-ish) */
function coefDD(st: CeState, n: number, cc: number, y: number, omh: number, oml: number, ech: number, ecl: number): void {
  wt(st, n, cc, y);
  const th = DD[0];
  const tl = DD[1];
  let ah = 0;
  let al = 0;
  if (th !== 0) {
    ddMul(omh, oml, th, tl);
    ah = DD[0];
    al = DD[1];
  }
  const wc = st.w ? st.w[cc] : 1;
  if (ech !== 0 && wc !== 0) {
    ddMul(ech, ecl, wc, 0);
    ddAdd(ah, al, DD[0], DD[1]);
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

/**
 * Row losses into LH/LL (double-double), returns the mean denominator D in DD via out2.
 * Ignored rows get 0 and active[n] = 0.
 */
function ceForwardRows(st: CeState, LH: F64, LL: F64, active: Uint8Array, D2: F64): void {
  const { x, n, c, eps } = st;
  const WH = new Float64Array(c);
  const WL = new Float64Array(c);
  const LS = new Float64Array(c);
  twoSum(1, -eps);
  const omh = DD[0];
  const oml = DD[1];
  ddDiv(eps, 0, c, 0);
  const ech = DD[0];
  const ecl = DD[1];
  let Dh = 0;
  let Dl = 0;
  for (let r = 0; r < n; r++) {
    const o = r * c;
    let y = -1;
    if (st.idx) {
      y = st.idx[r];
      if (y === st.ign) {
        LH[r] = 0;
        LL[r] = 0;
        active[r] = 0;
        continue;
      }
      const wy0 = st.w ? st.w[y] : 1;
      const ds = Dh + wy0;
      const dz = ds - Dh;
      Dl += (Dh - (ds - dz)) + (wy0 - dz);
      Dh = ds;
    }
    active[r] = 1;
    const kind = scanRow(x, o, c);
    if (st.idx && eps === 0 && kind === ROW_FINITE) {
      // fast path: l = w_y (L - (x_y - m))
      const wy = st.w ? st.w[y] : 1;
      if (wy === 0) {
        LH[r] = 0;
        LL[r] = 0;
        continue;
      }
      const m = SCAN[0];
      const k = SCAN[1];
      expRow(x, o, c, m, k, WH, 0, WL);
      rowLog(x, o, c, m, k);
      const xv = x[o + y];
      const a = xv - m;
      if (a === -Infinity) {
        LH[r] = Infinity;
        LL[r] = 0;
        continue;
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
        LH[r] = th;
        LL[r] = tl;
      } else {
        ddMul(wy, 0, th, tl);
        LH[r] = DD[0];
        LL[r] = DD[1];
      }
      continue;
    }
    if (kind !== ROW_FINITE) {
      specialLogSoftmaxRow(x, o, c, kind, LS, 0);
      let l = 0;
      for (let cc = 0; cc < c; cc++) {
        if (coefIsZero(st, r, cc, y)) continue;
        coefDD(st, r, cc, y, omh, oml, ech, ecl);
        l += DD[0] * -LS[cc];
      }
      LH[r] = l === 0 ? 0 : l;
      LL[r] = 0;
      continue;
    }
    const m = SCAN[0];
    const k = SCAN[1];
    expRow(x, o, c, m, k, WH, 0, WL);
    rowLog(x, o, c, m, k);
    const Lh = LG[0];
    const Ll = LG[1];
    // A1 = sum w_c t_c tau_c, A2 = sum w_c tau_c
    let a1h = 0;
    let a1l = 0;
    let a2h = 0;
    let a2l = 0;
    const c0 = st.probs || eps !== 0 ? 0 : y;
    const c1 = st.probs || eps !== 0 ? c : y + 1;
    for (let cc = c0; cc < c1; cc++) {
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
        twoSum(Lh, -a);
        ddAdd(DD[0], DD[1], Ll, -b);
        th = DD[0];
        tl = DD[1];
      }
      wt(st, r, cc, y);
      if (DD[0] !== 0) {
        ddMul(DD[0], DD[1], th, tl);
        ddAdd(a1h, a1l, DD[0], DD[1]);
        a1h = DD[0];
        a1l = DD[1];
      }
      if (eps !== 0) {
        const wc = st.w ? st.w[cc] : 1;
        ddMul(wc, 0, th, tl);
        ddAdd(a2h, a2l, DD[0], DD[1]);
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
        ddMul(omh, oml, a1h, a1l);
        lh = DD[0];
        ll = DD[1];
      }
    }
    if (eps !== 0 && a2h !== 0) {
      ddMul(ech, ecl, a2h, a2l);
      ddAdd(lh, ll, DD[0], DD[1]);
      lh = DD[0];
      ll = DD[1];
    }
    LH[r] = lh;
    LL[r] = ll;
  }
  if (st.probs) {
    Dh = n;
    Dl = 0;
  }
  D2[0] = Dh;
  D2[1] = Dl;
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
  const st = ceState(logits, n, c, target, opts);
  const LH = new Float64Array(n);
  const LL = new Float64Array(n);
  const active = new Uint8Array(n);
  const D2 = new Float64Array(2);
  ceForwardRows(st, LH, LL, active, D2);
  if (st.red === 'none') {
    for (let i = 0; i < n; i++) LH[i] = round2(LH[i], LL[i]);
    return finish(LH, 'none', 0, st.f32, out);
  }
  return finish(LH, st.red, reduceDD(LH, LL, n, st.red, D2[0], D2[1]), st.f32);
}

/** one entry of the index-target gradient: the target entry, or one with a tiny p (INV, SUM set) */
function ceGradEntry(x: FloatArray, o: number, cc: number, y: number, k: number, m: number, WH: F64, WL: F64, Kh: number, Kl: number): number {
  if (cc === y) {
    // 1 - p_y = (1 + s - w_y) / (1 + s)
    let nh: number;
    let nl: number;
    if (y === k) {
      nh = SUM[0];
      nl = SUM[1];
    } else {
      ddAdd(1, 0, SUM[0], SUM[1]);
      ddAdd(DD[0], DD[1], -WH[cc], -WL[cc]);
      nh = DD[0];
      nl = DD[1];
    }
    ddMul(nh, nl, INV[0], INV[1]);
    ddMul(DD[0], DD[1], Kh, Kl);
    return -round2(DD[0], DD[1]);
  }
  if (WH[cc] === 0 && WL[cc] === 0) return 0 * Kh;
  const xv = x[o + cc];
  const a = xv - m;
  const bp = a - xv;
  const b = (xv - (a - bp)) + (-m - bp);
  expAcc(a, b);
  const e = EX[2];
  ddMul(EX[0], EX[1], INV[0], INV[1]);
  ddMul(DD[0], DD[1], Kh, Kl);
  return scale2(round2(DD[0], DD[1]), e);
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
  const st = ceState(logits, n, c, target, opts);
  const { x, eps, red } = st;
  const go = opts.gradOutput === undefined || typeof opts.gradOutput === 'number' ? opts.gradOutput : widen(opts.gradOutput);
  const res = st.f32 || (out && out.buffer === logits.buffer) ? new Float64Array(n * c) : ((out as F64 | undefined) ?? new Float64Array(n * c));
  // D
  let Dh = n;
  let Dl = 0;
  if (st.idx) {
    Dh = 0;
    for (let r = 0; r < n; r++) {
      const y = st.idx[r];
      if (y === st.ign) continue;
      ddAdd(Dh, Dl, st.w ? st.w[y] : 1, 0);
      Dh = DD[0];
      Dl = DD[1];
    }
  }
  // G = g / D for mean / sum (the same for every row)
  let G0h = 0;
  let G0l = 0;
  if (red !== 'none') {
    G0h = gradOf(go, red, 0);
    if (red === 'mean' && Dh !== 0) {
      ddDiv(G0h, 0, Dh, Dl);
      G0h = DD[0];
      G0l = DD[1];
    }
  }
  const WH = new Float64Array(c);
  const WL = new Float64Array(c);
  const PH = new Float64Array(c);
  const PL = new Float64Array(c);
  const AH = new Float64Array(c);
  const AL = new Float64Array(c);
  twoSum(1, -eps);
  const omh = DD[0];
  const oml = DD[1];
  ddDiv(eps, 0, c, 0);
  const ech = DD[0];
  const ecl = DD[1];
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
    const kind = scanRow(x, o, c);
    if (st.idx && eps === 0 && kind === ROW_FINITE) {
      // fast path: grad_c = w_y G (p_c - [c = y]); here A = w_y, and w_y > 0 makes D > 0
      const wy = st.w ? st.w[y] : 1;
      if (wy === 0 || (Gh === 0 && Gl === 0)) {
        res.fill(0, o, o + c);
        continue;
      }
      ddMul(wy, 0, Gh, Gl);
      const Kh = DD[0];
      const Kl = DD[1];
      const m = SCAN[0];
      const k = SCAN[1];
      expRow(x, o, c, m, k, WH, 0, WL);
      invOnePlusS();
      // J = K / S in double-double, split once: grad_c = w_c * J with one rounding
      ddMul(INV[0], INV[1], Kh, Kl);
      const Jh = DD[0];
      const Jl = DD[1];
      if (!Number.isFinite(Jh) || Math.abs(Jh) > 1e290 || (Jh !== 0 && Math.abs(Jh) < 1e-290)) {
        // extreme grad_output / weights: the general path below handles scaling
      } else {
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
        if (y === k) ddMul(SUM[0], SUM[1], Jh, Jl);
        else {
          ddAdd(1, 0, SUM[0], SUM[1]);
          ddAdd(DD[0], DD[1], -WH[y], -WL[y]);
          ddMul(DD[0], DD[1], Jh, Jl);
        }
        res[o + y] = -round2(DD[0], DD[1]);
        for (let cc = 0; cc < c; cc++) {
          if (cc === y || !(WH[cc] < TINY_W)) continue;
          res[o + cc] = ceGradEntry(x, o, cc, y, k, m, WH, WL, Kh, Kl);
        }
        continue;
      }
      for (let cc = 0; cc < c; cc++) {
        if (cc === y) {
          // 1 - p_y = (1 + s - w_y) / (1 + s)
          let nh: number;
          let nl: number;
          if (y === k) {
            nh = SUM[0];
            nl = SUM[1];
          } else {
            ddAdd(1, 0, SUM[0], SUM[1]);
            ddAdd(DD[0], DD[1], -WH[cc], -WL[cc]);
            nh = DD[0];
            nl = DD[1];
          }
          ddMul(nh, nl, INV[0], INV[1]);
          ddMul(DD[0], DD[1], Kh, Kl);
          res[o + cc] = -round2(DD[0], DD[1]);
          continue;
        }
        const wh = WH[cc];
        if (wh < TINY_W) {
          if (wh === 0 && WL[cc] === 0) {
            res[o + cc] = 0 * Kh;
            continue;
          }
          const xv = x[o + cc];
          const a = xv - m;
          const bp = a - xv;
          const b = (xv - (a - bp)) + (-m - bp);
          expAcc(a, b);
          const e = EX[2];
          ddMul(EX[0], EX[1], INV[0], INV[1]);
          ddMul(DD[0], DD[1], Kh, Kl);
          res[o + cc] = scale2(round2(DD[0], DD[1]), e);
          continue;
        }
        pDD(wh, WL[cc]);
        ddMul(DD[0], DD[1], Kh, Kl);
        res[o + cc] = round2(DD[0], DD[1]);
      }
      continue;
    }
    // general path: (p_c A - a_c) G
    let Ah = 0;
    let Al = 0;
    for (let cc = 0; cc < c; cc++) {
      if (coefIsZero(st, r, cc, y)) {
        AH[cc] = 0;
        AL[cc] = 0;
        continue;
      }
      coefDD(st, r, cc, y, omh, oml, ech, ecl);
      AH[cc] = DD[0];
      AL[cc] = DD[1];
      ddAdd(Ah, Al, DD[0], DD[1]);
      Ah = DD[0];
      Al = DD[1];
    }
    if (Ah === 0) {
      res.fill(0, o, o + c); // every coefficient is 0: the loss row is identically 0
      continue;
    }
    if ((red === 'mean' && Dh === 0) || kind === ROW_NAN) {
      res.fill(NaN, o, o + c);
      continue;
    }
    if (Gh === 0 && Gl === 0) {
      // grad_output 0 times the bounded p_c A - a_c: 0 even where p is path dependent
      res.fill(0, o, o + c);
      continue;
    }
    if (kind === ROW_FINITE) {
      const m = SCAN[0];
      const k = SCAN[1];
      expRowAcc(x, o, c, m, k, PH, WL);
      invOnePlusS();
      for (let cc = 0; cc < c; cc++) {
        const wh = PH[cc];
        if (wh < TINY_W) {
          PH[cc] = wh === 0 && WL[cc] === 0 ? 0 : tinyP(x[o + cc], m);
          PL[cc] = 0;
        } else {
          pDD(wh, WL[cc]);
          PH[cc] = DD[0];
          PL[cc] = DD[1];
        }
      }
    } else {
      specialSoftmaxRow(x, o, c, kind, PH, 0);
      PL.fill(0);
    }
    for (let cc = 0; cc < c; cc++) {
      const ph = PH[cc];
      let dh: number;
      let dl: number;
      if (ph === 0) {
        dh = -AH[cc];
        dl = -AL[cc];
      } else {
        ddMul(ph, PL[cc], Ah, Al);
        ddAdd(DD[0], DD[1], -AH[cc], -AL[cc]);
        dh = DD[0];
        dl = DD[1];
      }
      if (dh === 0) {
        res[o + cc] = 0 * Gh;
        continue;
      }
      ddMul(dh, dl, Gh, Gl);
      res[o + cc] = round2(DD[0], DD[1]);
    }
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
    ddAdd(Dh, Dl, wy, 0);
    Dh = DD[0];
    Dl = DD[1];
    if (wy === 0) continue;
    twoProd(wy, lp[r * c + y]);
    LH[r] = 0 - DD[0];
    LL[r] = -DD[1];
  }
  if (red === 'none') return finish(LH, 'none', 0, isF32(logProbs), out);
  return finish(LH, red, reduceDD(LH, LL, n, red, Dh, Dl), isF32(logProbs));
}

// ---------------------------------------------------------------------------------------
// binary cross-entropy

/** DD <- log(p) for 0 < p < 1/2 (Math.log plus a Newton step with the table exp) */
function logSmall(p: number): void {
  const L0 = Math.log(p);
  expAcc(L0, 0);
  const H = EX[0];
  const Lo = EX[1];
  const E = EX[2];
  const ps = -E > 1000 ? p * P2[P2_OFFSET + 1000] * P2[P2_OFFSET - E - 1000] : p * P2[P2_OFFSET - E];
  const delta = ((ps - H) - Lo) / H;
  const h = L0 + delta;
  DD[0] = h;
  DD[1] = delta - (h - L0);
}

/** DD <- log(p), p in [0, 1] */
function logProb(p: number): void {
  if (p === 0) {
    DD[0] = -Infinity;
    DD[1] = 0;
  } else if (p >= 0.5) log1pDD(p - 1, 0);
  else logSmall(p);
}

/** DD <- log(1 - p), p in [0, 1] */
function log1mProb(p: number): void {
  if (p === 1) {
    DD[0] = -Infinity;
    DD[1] = 0;
  } else if (p <= 0.5) log1pDD(-p, 0);
  else logSmall(1 - p); // 1 - p exact for p >= 1/2
}

function bceCheck(a: FloatArray, b: FloatArray, what: string): void {
  if (b.length !== a.length) throw new RangeError(`${what}: target has ${b.length} entries but the input has ${a.length}`);
  if (a.length === 0) throw new RangeError(`${what}: empty input`);
}

/** binary_cross_entropy of probabilities [n] */
export function binaryCrossEntropy(
  probs: FloatArray,
  target: FloatArray,
  opts: BinaryCrossEntropyOptions = {},
  out?: FloatArray,
): number | FloatArray {
  bceCheck(probs, target, 'binary_cross_entropy');
  const n = probs.length;
  const red = opts.reduction ?? 'mean';
  const w = opts.weight ? widen(opts.weight) : undefined;
  const LH = new Float64Array(n);
  const LL = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    const t = target[i];
    const wn = w ? w[i] : 1;
    if (p !== p || t !== t || wn !== wn) {
      LH[i] = NaN;
      continue;
    }
    if (wn === 0) continue;
    let sh = 0;
    let sl = 0;
    if (t !== 0) {
      logProb(p);
      ddMul(t, 0, DD[0], DD[1]);
      sh = DD[0];
      sl = DD[1];
    }
    if (t !== 1) {
      log1mProb(p);
      const lh = DD[0];
      const ll = DD[1];
      twoSum(1, -t);
      ddMul(DD[0], DD[1], lh, ll);
      ddAdd(sh, sl, DD[0], DD[1]);
      sh = DD[0];
      sl = DD[1];
    }
    ddMul(wn, 0, sh, sl);
    LH[i] = 0 - DD[0];
    LL[i] = -DD[1];
  }
  if (red === 'none') {
    for (let i = 0; i < n; i++) LH[i] = round2(LH[i], LL[i]) + 0;
    return finish(LH, 'none', 0, isF32(probs), out);
  }
  return finish(LH, red, reduceDD(LH, LL, n, red, n, 0) + 0, isF32(probs));
}


/** K = g·w/D in double-double, into DD (the per-element factor of both BCE backward kernels). */
function gradFactor(g: number, w: number, D: number): void {
  twoProd(g, w);
  if (D !== 1) ddDiv(DD[0], DD[1], D, 0);
}
/** d binary_cross_entropy / d probs: [n] */
export function binaryCrossEntropyBackward(
  probs: FloatArray,
  target: FloatArray,
  opts: BinaryCrossEntropyOptions & GradOutput = {},
  out?: FloatArray,
): FloatArray {
  bceCheck(probs, target, 'binary_cross_entropy_backward');
  const n = probs.length;
  const red = opts.reduction ?? 'mean';
  const w = opts.weight ? widen(opts.weight) : undefined;
  const go = opts.gradOutput === undefined || typeof opts.gradOutput === 'number' ? opts.gradOutput : widen(opts.gradOutput);
  const res = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    const t = target[i];
    const wn = w ? w[i] : 1;
    // K = g w / D
    gradFactor(gradOf(go, red, i), wn, red === 'mean' ? n : 1);
    const Kh = DD[0];
    const Kl = DD[1];
    if (p !== p || t !== t || Kh !== Kh) {
      res[i] = NaN;
      continue;
    }
    if (p === 0 || p === 1) {
      // term by term with the zero-coefficient rule
      let d = 0;
      if (t !== 0) d += -t / p; // -Infinity at p = 0, -t at p = 1
      if (t !== 1) d += (1 - t) / (1 - p);
      if (wn === 0 || Kh === 0) {
        res[i] = 0;
        continue;
      }
      if (!Number.isFinite(d)) {
        res[i] = d * Kh;
        continue;
      }
      ddMul(d, 0, Kh, Kl);
      res[i] = round2(DD[0], DD[1]);
      continue;
    }
    // (p - t) / (p (1 - p))
    twoSum(p, -t);
    const nh = DD[0];
    const nl = DD[1];
    twoSum(1, -p);
    ddMul(p, 0, DD[0], DD[1]);
    ddDiv(nh, nl, DD[0], DD[1]);
    ddMul(DD[0], DD[1], Kh, Kl);
    res[i] = round2(DD[0], DD[1]);
  }
  const o = out ?? (isF32(probs) ? new Float32Array(n) : res);
  if (o !== res) o.set(res);
  return o;
}

// ---------------------------------------------------------------------------------------
// binary cross-entropy with logits

/** SP = [softplus(x) hi, lo, softplus(-x) hi, lo]; SG = [sigma(x) hi, lo, sigma(-x) hi, lo] */
const SP = new Float64Array(4);
const SG = new Float64Array(4);

function softplusPair(x: number): void {
  if (x === Infinity) {
    SP[0] = Infinity; SP[1] = 0; SP[2] = 0; SP[3] = 0;
    return;
  }
  if (x === -Infinity) {
    SP[0] = 0; SP[1] = 0; SP[2] = Infinity; SP[3] = 0;
    return;
  }
  const ax = Math.abs(x);
  expAcc(-ax, 0);
  const sc = P2[P2_OFFSET + EX[2]];
  let lh = 0;
  let ll = 0;
  const vh = EX[0] * sc;
  if (vh > 9.332636185032189e-302) {
    log1pDD(vh, EX[1] * sc);
    lh = DD[0];
    ll = DD[1];
  } else {
    lh = vh;
    ll = EX[1] * sc;
  }
  // the larger one: |x| + l
  twoSum(ax, lh);
  const bh = DD[0];
  const bl = DD[1] + ll;
  if (x >= 0) {
    SP[0] = bh; SP[1] = bl; SP[2] = lh; SP[3] = ll;
  } else {
    SP[0] = lh; SP[1] = ll; SP[2] = bh; SP[3] = bl;
  }
}

function sigmoidPair(x: number): void {
  const ax = Math.abs(x);
  expAcc(-ax, 0);
  const sc = P2[P2_OFFSET + EX[2]];
  const vh = EX[0] * sc;
  const vl = EX[1] * sc;
  ddAdd(1, 0, vh, vl);
  const dh = DD[0];
  const dl = DD[1];
  ddDiv(1, 0, dh, dl);
  const bh = DD[0];
  const bl = DD[1];
  ddDiv(vh, vl, dh, dl);
  const sh = DD[0];
  const sl = DD[1];
  if (x >= 0) {
    SG[0] = bh; SG[1] = bl; SG[2] = sh; SG[3] = sl;
  } else {
    SG[0] = sh; SG[1] = sl; SG[2] = bh; SG[3] = bl;
  }
}

/** binary_cross_entropy_with_logits of logits [n] */
export function bceWithLogits(
  logits: FloatArray,
  target: FloatArray,
  opts: BceWithLogitsOptions = {},
  out?: FloatArray,
): number | FloatArray {
  bceCheck(logits, target, 'binary_cross_entropy_with_logits');
  const n = logits.length;
  const red = opts.reduction ?? 'mean';
  const pw = opts.posWeight ?? 1;
  const w = opts.weight ? widen(opts.weight) : undefined;
  const LH = new Float64Array(n);
  const LL = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    const t = target[i];
    const wn = w ? w[i] : 1;
    // zero-coefficient rule before NaN (docs/semantics.md): weight 0, or t = 1 with pw = 0
    if (wn === 0 || (t === 1 && pw === 0)) continue;
    if (x !== x || t !== t) {
      LH[i] = NaN;
      continue;
    }
    softplusPair(x);
    let sh = 0;
    let sl = 0;
    twoProd(pw, t);
    if (DD[0] !== 0) {
      ddMul(DD[0], DD[1], SP[2], SP[3]); // pw t softplus(-x)
      sh = DD[0];
      sl = DD[1];
    }
    if (t !== 1) {
      twoSum(1, -t);
      ddMul(DD[0], DD[1], SP[0], SP[1]); // (1 - t) softplus(x)
      ddAdd(sh, sl, DD[0], DD[1]);
      sh = DD[0];
      sl = DD[1];
    }
    ddMul(wn, 0, sh, sl);
    LH[i] = DD[0];
    LL[i] = DD[1];
  }
  if (red === 'none') {
    for (let i = 0; i < n; i++) LH[i] = round2(LH[i], LL[i]) + 0;
    return finish(LH, 'none', 0, isF32(logits), out);
  }
  return finish(LH, red, reduceDD(LH, LL, n, red, n, 0) + 0, isF32(logits));
}

/** d binary_cross_entropy_with_logits / d logits: [n] */
export function bceWithLogitsBackward(
  logits: FloatArray,
  target: FloatArray,
  opts: BceWithLogitsOptions & GradOutput = {},
  out?: FloatArray,
): FloatArray {
  bceCheck(logits, target, 'binary_cross_entropy_with_logits_backward');
  const n = logits.length;
  const red = opts.reduction ?? 'mean';
  const pw = opts.posWeight ?? 1;
  const w = opts.weight ? widen(opts.weight) : undefined;
  const go = opts.gradOutput === undefined || typeof opts.gradOutput === 'number' ? opts.gradOutput : widen(opts.gradOutput);
  const res = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    const t = target[i];
    const wn = w ? w[i] : 1;
    gradFactor(gradOf(go, red, i), wn, red === 'mean' ? n : 1);
    const Kh = DD[0];
    const Kl = DD[1];
    if (wn === 0 || (t === 1 && pw === 0)) {
      res[i] = 0; // the term is identically 0: so is its gradient, even at a NaN logit
      continue;
    }
    if (x !== x || t !== t || Kh !== Kh) {
      res[i] = NaN;
      continue;
    }
    sigmoidPair(x);
    // (1 - t) sigma(x) - pw t sigma(-x)
    let dh = 0;
    let dl = 0;
    if (t !== 1) {
      twoSum(1, -t);
      ddMul(DD[0], DD[1], SG[0], SG[1]);
      dh = DD[0];
      dl = DD[1];
    }
    twoProd(pw, t);
    if (DD[0] !== 0) {
      ddMul(DD[0], DD[1], SG[2], SG[3]);
      ddAdd(dh, dl, -DD[0], -DD[1]);
      dh = DD[0];
      dl = DD[1];
    }
    ddMul(dh, dl, Kh, Kl);
    res[i] = round2(DD[0], DD[1]);
  }
  const o = out ?? (isF32(logits) ? new Float32Array(n) : res);
  if (o !== res) o.set(res);
  return o;
}
