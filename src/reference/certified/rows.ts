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
import { decideInto, OUT } from './decide.js';
import { EXP, expDD, log1pDD, pow2 } from './elementary.js';
import type { FloatsNest } from './index.js';

/** e^−761 < 2^−1097: beyond this an exponential only enters as a bound */
const NEGLIGIBLE_D = -761;
/** an upper bound of each unsummed exponential (K < −900, or negligible): < 2^−897 */
const SMALL_TERM = 2 ** -897;

const enum Cls {
  Masked = 0,
  Argmax = 1,
  Computed = 2,
  Negligible = 3,
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
  /** s = Σ_{i≠argmax} e_i */
  sh: number;
  sl: number;
  se: number;
  /** some other entry is unmasked: s > 0 */
  sPos: boolean;
}

function analyseRow(x: readonly number[], needExp: boolean): Row | null {
  const n = x.length;
  let m = -Infinity;
  let argmax = -1;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (Number.isNaN(v) || v === Infinity) return null;
    if (v > m) {
      m = v;
      argmax = i;
    }
  }
  if (argmax < 0) return null; // all masked
  const cls = new Uint8Array(n);
  const dh = new Float64Array(n);
  const dl = new Float64Array(n);
  const Mh = new Float64Array(needExp ? n : 0);
  const Ml = new Float64Array(needExp ? n : 0);
  const Me = new Float64Array(needExp ? n : 0);
  const K = new Float64Array(needExp ? n : 0);
  let sh = 0;
  let sl = 0;
  let se = 0;
  let small = 0;
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
    if (a < NEGLIGIBLE_D) {
      cls[i] = Cls.Negligible;
      small++;
      continue;
    }
    cls[i] = Cls.Computed;
    if (!expDD(a, b)) return null;
    const k = EXP[3];
    if (needExp) {
      Mh[i] = EXP[0];
      Ml[i] = EXP[1];
      Me[i] = EXP[2];
      K[i] = k;
    }
    if (k < -900) {
      small++;
      continue;
    }
    const s = pow2(k);
    add(sh, sl, se, EXP[0] * s, EXP[1] * s, EXP[2] * s);
    sh = O[0];
    sl = O[1];
    se = O[2];
  }
  se += small * SMALL_TERM;
  return { n, m, argmax, cls, dh, dl, Mh, Ml, Me, K, sh, sl, se, sPos };
}

export interface RowOut {
  float64: number[];
  float32: number[];
  float16: number[];
  bfloat16: number[];
}

function newRow(n: number): RowOut {
  return { float64: new Array(n), float32: new Array(n), float16: new Array(n), bfloat16: new Array(n) };
}

function put(o: RowOut, i: number, v: number): void {
  o.float64[i] = v;
  o.float32[i] = v;
  o.float16[i] = v;
  o.bfloat16[i] = v;
}

function putOut(o: RowOut, i: number): void {
  o.float64[i] = OUT.float64;
  o.float32[i] = OUT.float32;
  o.float16[i] = OUT.float16;
  o.bfloat16[i] = OUT.bfloat16;
}

/** softmax of one row, or null (fall back) */
export function softmaxRowCertified(x: readonly number[]): RowOut | null {
  const r = analyseRow(x, true);
  if (!r) return null;
  const o = newRow(r.n);
  add(1, 0, 0, r.sh, r.sl, r.se);
  div(1, 0, 0, O[0], O[1], O[2]);
  const ih = O[0];
  const il = O[1];
  const ie = O[2];
  for (let i = 0; i < r.n; i++) {
    switch (r.cls[i]) {
      case Cls.Masked:
      case Cls.Negligible:
        put(o, i, 0); // exactly 0, or in (0, 2^−1097): +0 in every format
        break;
      case Cls.Argmax:
        if (!decideInto(ih, il, ie, 0, 0)) return null;
        putOut(o, i);
        break;
      default:
        mul(r.Mh[i], r.Ml[i], r.Me[i], ih, il, ie);
        if (!decideInto(O[0], O[1], O[2], r.K[i], 0)) return null;
        putOut(o, i);
    }
  }
  return o;
}

/** log1p(s) of an analysed row into O */
function logS(r: Row): boolean {
  return log1pDD(r.sh, r.sl, r.se);
}

export function logSoftmaxRowCertified(x: readonly number[]): RowOut | null {
  const r = analyseRow(x, false);
  if (!r) return null;
  if (!r.sPos) {
    // every other entry masked: exactly 0 at the argmax (+0), −∞ elsewhere
    const o = newRow(r.n);
    for (let i = 0; i < r.n; i++) put(o, i, i === r.argmax ? 0 : -Infinity);
    return o;
  }
  if (!logS(r)) return null;
  const Lh = O[0];
  const Ll = O[1];
  const Le = O[2];
  const o = newRow(r.n);
  for (let i = 0; i < r.n; i++) {
    if (r.cls[i] === Cls.Masked) {
      put(o, i, -Infinity);
      continue;
    }
    const dh = r.dh[i]; // 0 at the argmax
    const dl = r.dl[i];
    add(dh, dl, 0, -Lh, -Ll, Le);
    // y = d_i − L < d_i strictly when L > 0: the side of the exact anchor d_i = hi
    const side = r.sPos && dl === 0 && O[0] === dh ? -1 : 0;
    if (!decideInto(O[0], O[1], O[2], 0, side)) return null;
    putOut(o, i);
  }
  return o;
}

export function logsumexpRowCertified(x: readonly number[], o: RowOut, j: number): boolean {
  const r = analyseRow(x, false);
  if (!r) return false;
  if (!r.sPos) {
    // exactly the maximum (a double)
    if (!decideInto(r.m, 0, 0, 0, 0)) return false;
    putOut(o, j);
    return true;
  }
  if (!logS(r)) return false;
  add(r.m, 0, 0, O[0], O[1], O[2]);
  const side = r.sPos && O[0] === r.m ? 1 : 0;
  if (!decideInto(O[0], O[1], O[2], 0, side)) return false;
  putOut(o, j);
  return true;
}

export function softmaxCertified(a: { logits: Matrix }): FloatsNest | null {
  return rowsOf(a.logits, softmaxRowCertified);
}

export function logSoftmaxCertified(a: { logits: Matrix }): FloatsNest | null {
  return rowsOf(a.logits, logSoftmaxRowCertified);
}

export function logsumexpCertified(a: { logits: Matrix }): FloatsNest | null {
  const o = newRow(a.logits.length);
  for (let j = 0; j < a.logits.length; j++) if (!logsumexpRowCertified(a.logits[j], o, j)) return null;
  return o;
}

function rowsOf(rows: Matrix, f: (x: readonly number[]) => RowOut | null): FloatsNest | null {
  const out: FloatsNest = { float64: [], float32: [], float16: [], bfloat16: [] };
  for (const x of rows) {
    const r = f(x);
    if (!r) return null;
    (out.float64 as number[][]).push(r.float64);
    (out.float32 as number[][]).push(r.float32);
    (out.float16 as number[][]).push(r.float16);
    (out.bfloat16 as number[][]).push(r.bfloat16);
  }
  return out;
}
