/**
 * Certified evaluators of sigmoid, log_sigmoid, softplus and sigmoid_backward (contract in
 * index.ts). All are built on E = e^−|x| = M·2^K (expDD, exact argument −|x|), E ≤ 1:
 *   sigmoid:  x ≥ 0: 1/(1 + E);  x < 0: E/(1 + E)                     (as ops.ts)
 *   softplus: max(x, 0) + log1p(E);  log_sigmoid(x) = −softplus(−x)
 *   sigmoid_backward: g·E/(1 + E)²
 * −|x| < −761 (E < 2^−1097, ±∞ included): sigmoid is 1 or +0, softplus x or a value in
 * (0, 2^−1097) — decided from that enclosure (side known: log1p(E) > 0). E below 2^−899
 * (K < −900) is kept in exponent form: 1 + E is 1 with error 2^−897, and
 * log1p(E) = E·(1 − θ), 0 < θ ≤ E/2 < 2^(K+1).
 */
import type { Vector } from '../../core/args.js';
import { add, div, mul, O } from './dd.js';
import { decideInto, OUT, tinyZero } from './decide.js';
import { EXP, expDD, log1pDD, pow2 } from './elementary.js';
import type { FloatsNest } from './index.js';
import { newRow, put, putOut } from './rows.js';

const NEGLIGIBLE = -761;
const SMALL_E = 2 ** -897;

/** O <- 1 + E for E = EXP (M·2^K) */
function onePlusE(): void {
  const K = EXP[3];
  if (K < -900) {
    O[0] = 1;
    O[1] = 0;
    O[2] = SMALL_E;
    return;
  }
  const s = pow2(K);
  add(1, 0, 0, EXP[0] * s, EXP[1] * s, EXP[2] * s);
}

/** sigmoid(x) into OUT */
export function sigmoidOne(x: number): boolean {
  if (Number.isNaN(x)) return setAll(NaN);
  const a = -Math.abs(x);
  if (a < NEGLIGIBLE) return setAll(x > 0 ? 1 : 0); // 1 − (0, 2^−1097) rounds to 1; (0, 2^−1097) to +0
  if (!expDD(a, 0)) return false;
  const Mh = EXP[0];
  const Ml = EXP[1];
  const Me = EXP[2];
  const K = EXP[3];
  onePlusE();
  if (x >= 0) {
    div(1, 0, 0, O[0], O[1], O[2]);
    return decideInto(O[0], O[1], O[2], 0, 0);
  }
  div(Mh, Ml, Me, O[0], O[1], O[2]);
  return decideInto(O[0], O[1], O[2], K, 0);
}

function setAll(v: number): boolean {
  OUT.float64 = v;
  OUT.float32 = v;
  OUT.float16 = v;
  OUT.bfloat16 = v;
  return true;
}

/** softplus(x) (sign = 1) or log_sigmoid(−x) = −softplus(x) (sign = −1) into OUT */
function softplusSigned(x: number, sign: 1 | -1): boolean {
  if (Number.isNaN(x)) return setAll(NaN);
  if (x === Infinity) return setAll(sign * Infinity);
  if (x === -Infinity) return setAll(0); // exactly 0 (e^−∞ = 0): +0, also for log_sigmoid
  const a = -Math.abs(x);
  if (a < NEGLIGIBLE) {
    if (x < 0) return setAll(sign > 0 ? 0 : -0); // ±(0, 2^−1097): a zero of that sign
    // x + (0, 2^−1097): anchor x, side +
    return decideInto(sign * x, 0, 2 ** -1070, 0, sign);
  }
  if (!expDD(a, 0)) return false;
  const K = EXP[3];
  let Lh: number, Ll: number, Le: number, LK: number;
  if (K < -900) {
    // log1p(E) = E·(1 − θ), 0 < θ ≤ E/2 < 2^(K+1): relative error below 2^(K+1)
    Lh = EXP[0];
    Ll = EXP[1];
    Le = EXP[2] + Math.abs(EXP[0]) * Math.max(pow2(K + 1), 2 ** -1074);
    LK = K;
  } else {
    const s = pow2(K);
    if (!log1pDD(EXP[0] * s, EXP[1] * s, EXP[2] * s)) return false;
    Lh = O[0];
    Ll = O[1];
    Le = O[2];
    LK = 0;
  }
  if (x <= 0) return decideInto(sign * Lh, sign * Ll, Le, LK, 0);
  if (LK !== 0) {
    // x > 623 here, L < 2^−897: far below x's ulp; anchor x, side +
    return decideInto(sign * x, 0, SMALL_E, 0, sign);
  }
  add(x, 0, 0, Lh, Ll, Le);
  const side = O[0] === x ? sign : 0;
  return decideInto(sign * O[0], sign * O[1], O[2], 0, side);
}

export function softplusOne(x: number): boolean {
  return softplusSigned(x, 1);
}

export function logSigmoidOne(x: number): boolean {
  return softplusSigned(-x, -1);
}

/** 1/(ln2) bits of g: g = gm·2^ge with gm ∈ [1, 2) exactly (normal g) */
function sigmoidBackwardOne(x: number, g: number): boolean {
  if (Number.isNaN(x) || Number.isNaN(g)) return setAll(NaN);
  if (!Number.isFinite(g) || g === 0) return false; // the decimal path's zero / limit rules
  if (!Number.isFinite(x)) return setAll(0); // σ(1 − σ) exactly 0 at ±∞ (zero-coefficient rule)
  const ag = Math.abs(g);
  if (ag < 2 ** -1022) return false; // a subnormal g: its exponent split is not exact
  let ge = Math.floor(Math.log2(ag));
  let gm = g * pow2(-ge);
  // Math.log2 may be off by an ulp at powers of two: correct the exponent exactly
  if (Math.abs(gm) >= 2) {
    ge += 1;
    gm = g * pow2(-ge);
  } else if (Math.abs(gm) < 1) {
    ge -= 1;
    gm = g * pow2(-ge);
  }
  const a = -Math.abs(x);
  if (a < -5000) {
    // |g·σ'(x)| < 2^1024·e^−5000 < 2^−6189: a zero of the sign of g. Only up to |x| = 1e15,
    // where the decimal path still encloses e^−|x| away from 0 (beyond decimal.js's exponent
    // range its enclosure touches 0 and the sign of that zero is its own convention)
    return a > -1e15 && tinyZero(g, -6189);
  }
  if (!expDD(a, 0)) return false;
  const Mh = EXP[0];
  const Ml = EXP[1];
  const Me = EXP[2];
  const K = EXP[3];
  onePlusE();
  mul(O[0], O[1], O[2], O[0], O[1], O[2]);
  div(Mh, Ml, Me, O[0], O[1], O[2]);
  mul(O[0], O[1], O[2], gm, 0, 0);
  return decideInto(O[0], O[1], O[2], K + ge, 0);
}

function elementwise(n: number, f: (i: number) => boolean): FloatsNest {
  const o = newRow(n);
  const undecided: number[] = [];
  for (let i = 0; i < n; i++) {
    if (f(i)) putOut(o, i);
    else {
      put(o, i, NaN);
      undecided.push(i);
    }
  }
  return { ...o, undecided };
}

export function sigmoidCertified(a: { x: Vector }): FloatsNest {
  return elementwise(a.x.length, (i) => sigmoidOne(a.x[i]));
}
export function softplusCertified(a: { x: Vector }): FloatsNest {
  return elementwise(a.x.length, (i) => softplusOne(a.x[i]));
}
export function logSigmoidCertified(a: { x: Vector }): FloatsNest {
  return elementwise(a.x.length, (i) => logSigmoidOne(a.x[i]));
}
export function sigmoidBackwardCertified(a: { x: Vector; grad_output: Vector }): FloatsNest {
  return elementwise(a.x.length, (i) => sigmoidBackwardOne(a.x[i], a.grad_output[i]));
}
