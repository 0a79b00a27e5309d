/**
 * Fast elementwise ops: sigmoid, log_sigmoid, softplus and sigmoid_backward.
 *
 * Every op needs only v = exp(-|x|) <= 1, taken from the table exp (expAcc, ~2^-72, as
 * hi + lo with a separate binary exponent so subnormal results are rounded once):
 *   sigmoid(x)      = 1 / (1 + v)            (x >= 0),   v / (1 + v)   (x < 0)
 *   softplus(x)     = max(x, 0) + log1p(v)   (log1p in double-double: log1pDD)
 *   log_sigmoid(x)  = -softplus(-x)          (both terms <= 0: no cancellation)
 *   sigmoid'(x) g   = g * v / (1 + v)^2      (symmetric in x; no 1 - sigma cancellation)
 * each evaluated in double-double and rounded once. Measured (test/fast.test.ts) <= 1 ulp
 * in float64 over |x| up to 1e308, subnormal results included; float32 = the float64
 * kernel rounded once to float32.
 *
 * Special values (docs/semantics.md): sigmoid(+-Infinity) = 1, 0; log_sigmoid(+Infinity)
 * = 0, log_sigmoid(-Infinity) = -Infinity; softplus(+Infinity) = +Infinity,
 * softplus(-Infinity) = 0; NaN -> NaN. sigmoid_backward at x = +-Infinity is g * 0 (the
 * sign of g; NaN when g is infinite, IEEE).
 *
 * The `...With(scr, x)` forms take the caller's Scratch (scratch.ts: DD = scr.dd, EX =
 * scr.ex are the registers the accurate.ts helpers write); the array kernels make one per
 * call, the one-number forms (sigmoid1, ...) one per number.
 */
import { P2, P2_OFFSET, expAcc, ddAdd, ddDiv, ddMul, log1pDD, round2, scale2, twoSum } from './accurate.js';
import { Scratch } from './scratch.js';
import type { FloatArray } from './softmax.js';

const TINY = 9.332636185032189e-302; // 2^-1000

/** EX = scr.ex <- exp(-ax) for ax >= 0 (ax > 745.2 gives 0) */
function expNeg(scr: Scratch, ax: number): void {
  expAcc(scr, -ax, 0);
}

export function sigmoidWith(scr: Scratch, x: number): number {
  const DD = scr.dd;
  const EX = scr.ex;
  if (x !== x) return x;
  const ax = Math.abs(x);
  expNeg(scr, ax);
  const H = EX[0];
  const Lo = EX[1];
  const E = EX[2];
  if (H === 0) return x > 0 ? 1 : 0;
  const sc = P2[P2_OFFSET + E];
  ddAdd(scr, 1, 0, H * sc, Lo * sc); // 1 + v
  const dh = DD[0];
  const dl = DD[1];
  if (x >= 0) {
    ddDiv(scr, 1, 0, dh, dl);
    return round2(DD[0], DD[1]);
  }
  ddDiv(scr, H, Lo, dh, dl);
  return scale2(round2(DD[0], DD[1]), E);
}

export function softplusWith(scr: Scratch, x: number): number {
  const DD = scr.dd;
  const EX = scr.ex;
  if (x !== x) return x;
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return 0;
  const ax = Math.abs(x);
  expNeg(scr, ax);
  const H = EX[0];
  const Lo = EX[1];
  const E = EX[2];
  if (H === 0) return x > 0 ? x : 0;
  const sc = P2[P2_OFFSET + E];
  const vh = H * sc;
  if (vh < TINY) {
    // log1p(v) = v to 2^-1000 relative
    if (x < 0) return scale2(round2(H, Lo), E);
    return x; // x + tiny
  }
  log1pDD(scr, vh, Lo * sc);
  if (x < 0) return round2(DD[0], DD[1]);
  const lh = DD[0];
  const ll = DD[1];
  twoSum(scr, x, lh);
  return round2(DD[0], DD[1] + ll);
}

export function logSigmoidWith(scr: Scratch, x: number): number {
  return 0 - softplusWith(scr, -x);
}

export function sigmoidBackwardWith(scr: Scratch, x: number, g: number): number {
  const DD = scr.dd;
  const EX = scr.ex;
  if (x !== x || g !== g) return NaN;
  const ax = Math.abs(x);
  expNeg(scr, ax);
  const H = EX[0];
  const Lo = EX[1];
  let E = EX[2];
  if (H === 0) return 0; // σ(1 − σ) is exactly 0 at ±∞: zero-coefficient rule, even for an infinite g
  const sc = P2[P2_OFFSET + E];
  ddAdd(scr, 1, 0, H * sc, Lo * sc);
  const dh = DD[0];
  const dl = DD[1];
  ddMul(scr, dh, dl, dh, dl); // (1 + v)^2
  ddDiv(scr, H, Lo, DD[0], DD[1]); // mantissa of v / (1 + v)^2
  let gg = g;
  if (Math.abs(gg) > 1e300) {
    gg *= 0.0625;
    E += 4;
  }
  ddMul(scr, DD[0], DD[1], gg, 0);
  return scale2(round2(DD[0], DD[1]), E);
}

/**
 * sigmoid of one number. The one-number forms make a Scratch per call (~1 us: eight small
 * typed arrays), several times the cost of the arithmetic; they serve callers that need one
 * value at a time (src/ops planted variants). The array kernels below make one per call.
 */
export function sigmoid1(x: number): number {
  return sigmoidWith(new Scratch(), x);
}

export function softplus1(x: number): number {
  return softplusWith(new Scratch(), x);
}

export function logSigmoid1(x: number): number {
  return logSigmoidWith(new Scratch(), x);
}

export function sigmoidBackward1(x: number, g: number): number {
  return sigmoidBackwardWith(new Scratch(), x, g);
}

// ---------------------------------------------------------------------------------------
// array kernels

function map1<T extends FloatArray>(f: (scr: Scratch, v: number) => number, x: T, out?: T): T {
  const scr = new Scratch();
  const o = out ?? (x instanceof Float64Array ? new Float64Array(x.length) : new Float32Array(x.length));
  for (let i = 0; i < x.length; i++) o[i] = f(scr, x[i]); // Float32Array stores round once
  return o as T;
}

export function sigmoid<T extends FloatArray>(x: T, out?: T): T {
  return map1(sigmoidWith, x, out);
}

export function logSigmoid<T extends FloatArray>(x: T, out?: T): T {
  return map1(logSigmoidWith, x, out);
}

export function softplus<T extends FloatArray>(x: T, out?: T): T {
  return map1(softplusWith, x, out);
}

/** g * sigmoid(x) * (1 - sigmoid(x)) */
export function sigmoidBackward<T extends FloatArray>(x: T, g: T, out?: T): T {
  if (g.length !== x.length) throw new RangeError(`sigmoid_backward: grad_output has ${g.length} values but x has ${x.length}`);
  const scr = new Scratch();
  const o = out ?? (x instanceof Float64Array ? new Float64Array(x.length) : new Float32Array(x.length));
  for (let i = 0; i < x.length; i++) o[i] = sigmoidBackwardWith(scr, x[i], g[i]);
  return o as T;
}
