/**
 * Certified evaluators of the row ops softmax, log_softmax and logsumexp (see index.ts for
 * the contract: each returns the correctly rounded floats, or null to fall back to the
 * decimal path).
 *
 * One row, finite entries and −∞ (masked) only (NaN and +∞ rows go to the decimal path):
 *  - d_i = x_i − max is exact as the DD TwoSum(x_i, −max); an overflowed TwoSum means
 *    d_i < −2^1023 exactly.
 *  - e_i = exp(d_i): exactly 1 at the argmax (the first maximal entry, as in ops.ts), exactly
 *    0 when masked; "negligible" when d_i < −761 (e_i < e^−761 < 2^−1097); otherwise
 *    expDD: M_i·2^K_i ± err.
 *  - s = Σ_{i≠argmax} e_i in DD with the running add bound; exponentials below 2^−899
 *    (K_i < −900) and negligible ones are not added but bounded (each < 2^−897, added to
 *    the error). S = 1 + s.
 *  - softmax: p_i = M_i·(1/S)·2^K_i (one DD reciprocal per row, a posteriori bound);
 *    negligible entries: p_i < 2^−1097, +0 in every format.
 *    log_softmax: d_i − log1p(s);  logsumexp: max + log1p(s).
 *  - L = log1p(s) > 0 strictly as soon as one other entry is unmasked (a sum of positive
 *    exponentials), which gives the rounding test the side of an exact anchor (d_i, max).
 */
import type { Matrix } from '../../core/args.js';
import { add, div, mul, O } from './dd.js';
import { decideInto, OUT, tinyZero } from './decide.js';
import { EXP, expDD, log1pDD, pow2 } from './elementary.js';
import type { FloatsNest } from './index.js';

/** e^−761 < 2^−1097: a softmax output below this rounds to +0 in every format */
const ZERO_OUTPUT_D = -761;
/** beyond this an exponential is not evaluated, only bounded: e^−5000 < 2^−7213 */
const UNEVALUATED_D = -5000;
const UNEVALUATED_LOG2 = -7213;
/** exponentials below 2^−900 are not summed with the others (their low parts would be subnormal) */
const SUM_MIN_K = -900;
/** an upper bound of each unsummed exponential (K < −900: M·2^K < 2^−897) */
const SMALL_TERM = 2 ** -897;

const enum Cls {
  Masked = 0,
  Argmax = 1,
  Computed = 2,
  Unevaluated = 3,
}

interface Row {
  n: number;
  m: number;
  argmax: number;
  cls: Uint8Array;
  dh: Float64Array;
  dl: Float64Array;
  Mh: Float64Array;
  Ml: Float64Array;
  Me: Float64Array;
  K: Float64Array;
  /** s = Σ_{i≠argmax} e_i ∈ sh + sl ± se */
  sh: number;
  sl: number;
  se: number;
  /** some other entry is unmasked: s > 0 */
  sPos: boolean;
  /**
   * every other exponential is below 2^−900 (or unevaluated): then s is carried in exponent
   * form, s ∈ 2^tK·(th + tl ± te) (th = 0 when none was evaluated), and 0 < s < 2^tinyLog2
   */
  tinyOnly: boolean;
  th: number;
  tl: number;
  te: number;
  tK: number;
  tinyLog2: number;
}

/** special rows, exactly as ops.ts's analyseRow cases: null when the row is finite/masked */
type Special = 'nan' | 'posInf' | 'allMasked';

function scan(x: readonly number[]): { special: Special | null; m: number; argmax: number; posInf: number } {
  let m = -Infinity;
  let argmax = -1;
  let posInf = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) return { special: 'nan', m, argmax, posInf };
    if (v === Infinity) posInf++;
    if (v > m) {
      m = v;
      argmax = i;
    }
  }
  if (posInf > 0) return { special: 'posInf', m, argmax, posInf };
  if (argmax < 0) return { special: 'allMasked', m, argmax, posInf };
  return { special: null, m, argmax, posInf };
}

function analyseRow(x: readonly number[], m: number, argmax: number): Row | null {
  const n = x.length;
  const cls = new Uint8Array(n);
  const dh = new Float64Array(n);
  const dl = new Float64Array(n);
  const Mh = new Float64Array(n);
  const Ml = new Float64Array(n);
  const Me = new Float64Array(n);
  const K = new Float64Array(n);
  let sh = 0;
  let sl = 0;
  let se = 0;
  let small = 0; // evaluated exponentials below 2^−900
  let smallK = -Infinity; // their largest exponent
  let unevaluated = 0;
  let sPos = false;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v === -Infinity) {
      cls[i] = Cls.Masked;
      continue;
    }
    if (i === argmax) {
      cls[i] = Cls.Argmax;
      continue;
    }
    sPos = true;
    const a = v - m;
    const bp = a - v;
    const b = v - (a - bp) + (-m - bp);
    if (!Number.isFinite(a)) return null; // d < −2^1023: the decimal path reports it
    dh[i] = a;
    dl[i] = b;
    if (a < UNEVALUATED_D) {
      cls[i] = Cls.Unevaluated;
      unevaluated++;
      continue;
    }
    cls[i] = Cls.Computed;
    if (!expDD(a, b)) return null;
    const k = EXP[3];
    Mh[i] = EXP[0];
    Ml[i] = EXP[1];
    Me[i] = EXP[2];
    K[i] = k;
    if (k < SUM_MIN_K) {
      small++;
      if (k > smallK) smallK = k;
      continue;
    }
    const s = pow2(k);
    add(sh, sl, se, EXP[0] * s, EXP[1] * s, EXP[2] * s);
    sh = O[0];
    sl = O[1];
    se = O[2];
  }
  const tinyOnly = sPos && sh === 0 && sl === 0 && se === 0;
  let th = 0;
  let tl = 0;
  let te = 0;
  let tK = 0;
  let tinyLog2 = -Infinity;
  if (tinyOnly) {
    // s in exponent form, relative to the largest small exponential 2^smallK
    if (small > 0) {
      tK = smallK;
      let rest = 0;
      for (let i = 0; i < n; i++) {
        if (cls[i] !== Cls.Computed) continue;
        const rel = K[i] - tK;
        if (rel < SUM_MIN_K) {
          rest++;
          continue;
        }
        const s = pow2(rel);
        add(th, tl, te, Mh[i] * s, Ml[i] * s, Me[i] * s);
        th = O[0];
        tl = O[1];
        te = O[2];
      }
      // unevaluated ones are < 2^−7213 ≤ 2^(tK − 897) · 2^(−6316 − tK) with tK ≥ −7214
      te += rest * SMALL_TERM + unevaluated * pow2(Math.max(UNEVALUATED_LOG2 - tK, -1074));
      tinyLog2 = tK + Math.log2(Math.abs(th) + te) + 0.01; // 0.01: Math.log2's error
    } else {
      tinyLog2 = UNEVALUATED_LOG2 + Math.log2(unevaluated) + 0.01;
    }
  }
  se += (small + unevaluated) * SMALL_TERM;
  return { n, m, argmax, cls, dh, dl, Mh, Ml, Me, K, sh, sl, se, sPos, tinyOnly, th, tl, te, tK, tinyLog2 };
}

export interface RowOut {
  float64: number[];
  float32: number[];
  float16: number[];
  bfloat16: number[];
}

/** an empty output of n entries in the four formats */
export function newRow(n: number): RowOut {
  return { float64: new Array(n), float32: new Array(n), float16: new Array(n), bfloat16: new Array(n) };
}

/** the same value in the four formats (an exact special value) */
export function put(o: RowOut, i: number, v: number): void {
  o.float64[i] = v;
  o.float32[i] = v;
  o.float16[i] = v;
  o.bfloat16[i] = v;
}

/** the four roundings decide.ts just wrote into OUT */
export function putOut(o: RowOut, i: number): void {
  o.float64[i] = OUT.float64;
  o.float32[i] = OUT.float32;
  o.float16[i] = OUT.float16;
  o.bfloat16[i] = OUT.bfloat16;
}

/** softmax of one row, or null (fall back) */
export function softmaxRowCertified(x: readonly number[]): RowOut | null {
  const sc = scan(x);
  const o = newRow(x.length);
  // special rows (NaN, +∞, every entry masked) follow docs/semantics.md, which the decimal
  // path implements (limits, C = 1 rows): they fall back rather than keep a second copy here
  if (sc.special) return null;
  const r = analyseRow(x, sc.m, sc.argmax);
  if (!r) return null;
  add(1, 0, 0, r.sh, r.sl, r.se);
  div(1, 0, 0, O[0], O[1], O[2]);
  const ih = O[0];
  const il = O[1];
  const ie = O[2];
  for (let i = 0; i < r.n; i++) {
    switch (r.cls[i]) {
      case Cls.Masked:
        put(o, i, 0); // exactly 0: +0
        break;
      case Cls.Argmax:
        if (!decideInto(ih, il, ie, 0, 0)) return null;
        putOut(o, i);
        break;
      default:
        if (r.dh[i] < ZERO_OUTPUT_D) {
          put(o, i, 0); // p_i ≤ e_i < 2^−1097: +0 in every format
          break;
        }
        mul(r.Mh[i], r.Ml[i], r.Me[i], ih, il, ie);
        if (!decideInto(O[0], O[1], O[2], r.K[i], 0)) return null;
        putOut(o, i);
    }
  }
  return o;
}

/** log1p(s) of an analysed row (not tinyOnly) into O */
function logS(r: Row): boolean {
  return log1pDD(r.sh, r.sl, r.se);
}

/**
 * L = log1p(s) when s is only tiny exponentials: L = s·(1 − θ), 0 < θ ≤ s/2 < 2^tinyLog2,
 * so L ∈ 2^tK·(th + tl ± (te + |th|·2^tinyLog2)) (exponent form). Writes [hi, lo, err] to O and
 * returns the exponent.
 */
function tinyL(r: Row): number {
  O[0] = r.th;
  O[1] = r.tl;
  O[2] = r.te + Math.abs(r.th) * Math.max(pow2(Math.ceil(r.tinyLog2)), 2 ** -1074);
  return r.tK;
}

export function logSoftmaxRowCertified(x: readonly number[]): RowOut | null {
  const sc = scan(x);
  const o = newRow(x.length);
  // special rows (NaN, +∞, every entry masked) follow docs/semantics.md, which the decimal
  // path implements (limits, C = 1 rows): they fall back rather than keep a second copy here
  if (sc.special) return null;
  const r = analyseRow(x, sc.m, sc.argmax);
  if (!r) return null;
  if (!r.sPos) {
    // every other entry masked: exactly 0 at the argmax (+0), −∞ elsewhere
    for (let i = 0; i < r.n; i++) put(o, i, i === r.argmax ? 0 : -Infinity);
    return o;
  }
  let Lh: number, Ll: number, Le: number;
  let tiny = false;
  let LK = 0;
  if (r.tinyOnly) {
    tiny = true;
    LK = r.th === 0 ? 0 : tinyL(r);
    Lh = O[0];
    Ll = O[1];
    Le = O[2];
  } else {
    if (!logS(r)) return null;
    Lh = O[0];
    Ll = O[1];
    Le = O[2];
  }
  // an upper bound of L as a double, for the entries where L is far below their ulp
  const Lbound = tiny ? Math.max(pow2(Math.ceil(r.tinyLog2)), 2 ** -1074) : 0;
  for (let i = 0; i < r.n; i++) {
    if (r.cls[i] === Cls.Masked) {
      put(o, i, -Infinity);
      continue;
    }
    const dh = r.dh[i]; // 0 at the argmax
    const dl = r.dl[i];
    let ok: boolean;
    if (tiny) {
      if (i === r.argmax) {
        // −L: in exponent form, or a negative value below every format's range
        ok = r.th !== 0 ? decideInto(-Lh, -Ll, Le, LK, 0) || tinyZero(-1, r.tinyLog2) : tinyZero(-1, r.tinyLog2);
      } else {
        // d_i − L, 0 < L < Lbound; y < d_i strictly (side −1 when d_i is exactly the double dh)
        ok = decideInto(dh, dl, Lbound, 0, dl === 0 ? -1 : 0);
      }
    } else {
      add(dh, dl, 0, -Lh, -Ll, Le);
      // y = d_i − L < d_i strictly (L > 0): the side of the exact anchor d_i = hi
      const side = dl === 0 && O[0] === dh ? -1 : 0;
      ok = decideInto(O[0], O[1], O[2], 0, side);
    }
    if (!ok) return null;
    putOut(o, i);
  }
  return o;
}

export function logsumexpRowCertified(x: readonly number[], o: RowOut, j: number): boolean {
  const sc = scan(x);
  if (sc.special) {
    // NaN; +∞ with any +∞ entry; −∞ when all masked
    put(o, j, sc.special === 'nan' ? NaN : sc.special === 'posInf' ? Infinity : -Infinity);
    return true;
  }
  const r = analyseRow(x, sc.m, sc.argmax);
  if (!r) return false;
  let ok: boolean;
  if (!r.sPos) {
    ok = decideInto(r.m, 0, 0, 0, 0); // exactly the maximum
  } else if (r.tinyOnly) {
    // m + L, 0 < L < 2^tinyLog2
    if (r.m !== 0) ok = decideInto(r.m, 0, Math.max(pow2(Math.ceil(r.tinyLog2)), 2 ** -1074), 0, 1);
    else {
      const K = r.th === 0 ? 0 : tinyL(r);
      ok = (r.th !== 0 && decideInto(O[0], O[1], O[2], K, 0)) || tinyZero(1, r.tinyLog2);
    }
  } else {
    if (!logS(r)) return false;
    add(r.m, 0, 0, O[0], O[1], O[2]);
    const side = O[0] === r.m ? 1 : 0;
    ok = decideInto(O[0], O[1], O[2], 0, side);
  }
  if (ok) putOut(o, j);
  return ok;
}

export function softmaxCertified(a: { logits: Matrix }): FloatsNest {
  return rowsOf(a.logits, softmaxRowCertified);
}

export function logSoftmaxCertified(a: { logits: Matrix }): FloatsNest {
  return rowsOf(a.logits, logSoftmaxRowCertified);
}

export function logsumexpCertified(a: { logits: Matrix }): FloatsNest {
  const o = newRow(a.logits.length);
  const undecided: number[] = [];
  for (let j = 0; j < a.logits.length; j++) {
    if (!logsumexpRowCertified(a.logits[j], o, j)) {
      put(o, j, NaN);
      undecided.push(j);
    }
  }
  return { ...o, undecided };
}

function rowsOf(rows: Matrix, f: (x: readonly number[], j: number) => RowOut | null): FloatsNest {
  const out = { float64: [] as number[][], float32: [] as number[][], float16: [] as number[][], bfloat16: [] as number[][] };
  const undecided: number[] = [];
  rows.forEach((x, j) => {
    let r = f(x, j);
    if (!r) {
      undecided.push(j);
      r = newRow(x.length);
      for (let i = 0; i < x.length; i++) put(r, i, NaN);
    }
    out.float64.push(r.float64);
    out.float32.push(r.float32);
    out.float16.push(r.float16);
    out.bfloat16.push(r.bfloat16);
  });
  return { ...out, undecided };
}

// ---------------------------------------------------------------------------------------
// backward row ops (rows of finite logits and finite grad_output; everything else, and any
// row with an exponential below 2^−900, goes to the decimal path, whose exact-zero rules —
// e.g. softmax_backward's common-mean grouping — then apply)

/** O <- Σ g_k (DD, running bound) */
function sumDD(g: readonly number[]): boolean {
  let h = 0;
  let l = 0;
  let e = 0;
  for (const v of g) {
    if (!Number.isFinite(v)) return false;
    add(h, l, e, v, 0, 0);
    h = O[0];
    l = O[1];
    e = O[2];
  }
  O[0] = h;
  O[1] = l;
  O[2] = e;
  return true;
}

/** Rows whose every unmasked exponential is summed (K ≥ −900): the backward evaluators' domain. */
function plainRow(x: readonly number[]): Row | null {
  const sc = scan(x);
  if (sc.special) return null;
  const r = analyseRow(x, sc.m, sc.argmax);
  if (!r) return null;
  for (let i = 0; i < r.n; i++) if (r.cls[i] === Cls.Unevaluated || (r.cls[i] === Cls.Computed && r.K[i] < SUM_MIN_K)) return null;
  return r;
}

/**
 * log_softmax_backward of one row: g_j − p_j·Σg, as ops.ts writes it: masked entries g_j
 * (exact); at the argmax ((g_j − G) + g_j·s)/S; elsewhere (g_j·S − e_j·G)/S. Cancellation
 * (g_j ≈ p_j·G) only widens the absolute bound; an undecided result falls back.
 */
export function logSoftmaxBackwardRowCertified(x: readonly number[], g: readonly number[]): RowOut | null {
  const r = plainRow(x);
  if (!r || !sumDD(g)) return null;
  const Gh = O[0];
  const Gl = O[1];
  const Ge = O[2];
  add(1, 0, 0, r.sh, r.sl, r.se);
  const Sh = O[0];
  const Sl = O[1];
  const Se = O[2];
  const o = newRow(r.n);
  for (let j = 0; j < r.n; j++) {
    const gj = g[j];
    if (r.cls[j] === Cls.Masked) {
      if (!decideInto(gj, 0, 0, 0, 0)) return null;
      putOut(o, j);
      continue;
    }
    if (j === r.argmax) {
      mul(r.sh, r.sl, r.se, gj, 0, 0);
      const th = O[0];
      const tl = O[1];
      const te = O[2];
      add(gj, 0, 0, -Gh, -Gl, Ge);
      add(O[0], O[1], O[2], th, tl, te);
    } else {
      const s = pow2(r.K[j]);
      mul(r.Mh[j] * s, r.Ml[j] * s, r.Me[j] * s, Gh, Gl, Ge);
      const th = O[0];
      const tl = O[1];
      const te = O[2];
      mul(Sh, Sl, Se, gj, 0, 0);
      add(O[0], O[1], O[2], -th, -tl, te);
    }
    div(O[0], O[1], O[2], Sh, Sl, Se);
    if (!decideInto(O[0], O[1], O[2], 0, 0)) return null;
    putOut(o, j);
  }
  return o;
}

/**
 * softmax_backward of one row: e_j·(g_j·S − T)/S² with T = Σ e_k g_k, the numerator taken as
 * ops.ts does, (g_j − g_{j*}) + Σ_{k≠j*} e_k·(g_j − g_k) = (g_j − g_{j*}) + g_j·s − T', T' =
 * Σ_{k≠j*} e_k g_k (j* the argmax, e = 1 there). Masked entries are exactly 0 (+0).
 */
export function softmaxBackwardRowCertified(x: readonly number[], g: readonly number[]): RowOut | null {
  const r = plainRow(x);
  if (!r) return null;
  for (const v of g) if (!Number.isFinite(v)) return null;
  // a grad_output constant over the unmasked entries: g·S − Σ e_k·g = 0 exactly, every
  // output is an exact 0 (+0) — ops.ts's common-mean rule in its simplest case, which the
  // DD numerator could only enclose, not decide
  let g0 = NaN;
  let constant = true;
  for (let k = 0; k < r.n; k++) {
    if (r.cls[k] === Cls.Masked) continue;
    if (Number.isNaN(g0)) g0 = g[k];
    else if (g[k] !== g0) constant = false;
  }
  if (constant) {
    const o = newRow(r.n);
    for (let k = 0; k < r.n; k++) put(o, k, 0);
    return o;
  }
  // T' = Σ_{k≠j*} e_k g_k
  let Th = 0;
  let Tl = 0;
  let Te = 0;
  for (let k = 0; k < r.n; k++) {
    if (r.cls[k] !== Cls.Computed) continue;
    const s = pow2(r.K[k]);
    mul(r.Mh[k] * s, r.Ml[k] * s, r.Me[k] * s, g[k], 0, 0);
    add(Th, Tl, Te, O[0], O[1], O[2]);
    Th = O[0];
    Tl = O[1];
    Te = O[2];
  }
  add(1, 0, 0, r.sh, r.sl, r.se);
  const Sh = O[0];
  const Sl = O[1];
  const Se = O[2];
  mul(Sh, Sl, Se, Sh, Sl, Se);
  const S2h = O[0];
  const S2l = O[1];
  const S2e = O[2];
  const gs = g[r.argmax];
  const o = newRow(r.n);
  for (let j = 0; j < r.n; j++) {
    if (r.cls[j] === Cls.Masked) {
      put(o, j, 0);
      continue;
    }
    const gj = g[j];
    mul(r.sh, r.sl, r.se, gj, 0, 0); // g_j·s
    add(O[0], O[1], O[2], -Th, -Tl, Te);
    const rh = O[0];
    const rl = O[1];
    const re = O[2];
    twoSumInto(gj, -gs); // g_j − g_{j*} exactly
    add(O[0], O[1], 0, rh, rl, re);
    const Mh = j === r.argmax ? 1 : r.Mh[j];
    const Ml = j === r.argmax ? 0 : r.Ml[j];
    const Me = j === r.argmax ? 0 : r.Me[j];
    const K = j === r.argmax ? 0 : r.K[j];
    mul(O[0], O[1], O[2], Mh, Ml, Me);
    div(O[0], O[1], O[2], S2h, S2l, S2e);
    if (!decideInto(O[0], O[1], O[2], K, 0)) return null;
    putOut(o, j);
  }
  return o;
}

function twoSumInto(a: number, b: number): void {
  const s = a + b;
  const bp = s - a;
  O[0] = s;
  O[1] = a - (s - bp) + (b - bp);
}

export function softmaxBackwardCertified(a: { logits: Matrix; grad_output: Matrix }): FloatsNest {
  return rowsOf(a.logits, (x, j) => softmaxBackwardRowCertified(x, a.grad_output[j]));
}

export function logSoftmaxBackwardCertified(a: { logits: Matrix; grad_output: Matrix }): FloatsNest {
  return rowsOf(a.logits, (x, j) => logSoftmaxBackwardRowCertified(x, a.grad_output[j]));
}
