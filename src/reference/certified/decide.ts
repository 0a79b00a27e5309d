/**
 * The rounding test of the certified path: given an enclosure of the exact value y,
 *   y ∈ 2^K·[hi + lo − err, hi + lo + err],
 * decide the correctly rounded float64 / float32 / float16 / bfloat16 (round to nearest
 * even), or return false ("not decided": the caller falls back to the decimal path).
 *
 * float64: with A ≤ 2^K·(lo − err) and B ≥ 2^K·(lo + err) (outward-rounded doubles) and
 * H = 2^K·hi exact, y ∈ [H + A, H + B]. IEEE addition is correctly rounded and round-to-
 * nearest is monotone, so if fl(H + A) = fl(H + B) = f, every real in between rounds to f:
 * f is the correctly rounded y (ties included: when err = 0 the sum is y itself).
 *
 * Narrower formats: every rounding boundary of float32/16/bfloat16 (a midpoint between two
 * neighbours, or the overflow threshold) is a double. The float64 rounding cell of f holds
 * no double but f, so unless f itself is a boundary of the format, rounding to it is
 * constant on the cell and equals roundToFormat(f). When f is a boundary, the sign of y − f
 * decides: c = H − f is exact (Sterbenz: f and H are neighbours), and fl(c + A), fl(c + B)
 * have the signs of the exact c + A, c + B (a sum of doubles rounds to 0 only when it is
 * exactly 0). `side` (sign of y − 2^K·hi, when the caller knows it structurally, e.g.
 * logsumexp = max + log1p(s) with s > 0) settles an enclosure that touches f.
 *
 * Exact zeros (err = 0, hi = 0) are +0 in every format (docs/semantics.md). Results in
 * float64's subnormal range (K ≠ 0) are rounded on the fixed 2^-1074 grid (decideSubnormal);
 * values below 2^-1076 (every format rounds them to zero) give a zero of their sign (see
 * also `tinyZero`).
 */
import { FORMATS, nextDown, nextUp, roundToFormat, type FloatFormat } from '../../core/floats.js';
import { INFLATE } from './dd.js';
import { pow2 } from './elementary.js';

export interface Floats {
  float64: number;
  float32: number;
  float16: number;
  bfloat16: number;
}

/** scratch output of decideInto */
export const OUT: Floats = { float64: 0, float32: 0, float16: 0, bfloat16: 0 };

const F32 = FORMATS.float32;
const F16 = FORMATS.float16;
const BF16 = FORMATS.bfloat16;
/** overflow thresholds (2 − 2^-p)·2^emax: IEEE rounds them (and above) to infinity */
const OVF32 = (2 - 2 ** -24) * 2 ** 127;
const OVF16 = (2 - 2 ** -11) * 2 ** 15;
const OVFBF = (2 - 2 ** -8) * 2 ** 127;

// the binary exponent of a double from its bits (a typed-array alias is much cheaper than a
// DataView on the hot path; the high word's index depends on the platform's endianness)
const F = new Float64Array(1);
const W = new Uint32Array(F.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * Round a double to fmt (nearest even). float32: Math.fround. float16 / bfloat16 in their
 * normal range: f ± C ∓ C with C = 1.5·2^(E+53−p) (E the binade of f): the sum lies in the
 * binade of C, whose ulp is fmt's quantum 2^(E+1−p) there, and C is an even multiple of it,
 * so round-to-nearest-even of the sum is that of f on fmt's grid; subtracting C is exact.
 * Subnormal and overflowing ranges take roundToFormat.
 */
function rnd(f: number, fmt: FloatFormat): number {
  if (fmt === F32) return Math.fround(f);
  F[0] = f;
  const E = ((W[HI] >>> 20) & 0x7ff) - 1023;
  if (E < fmt.emin || E > fmt.emax) return roundToFormat(f, fmt);
  const C = 1.5 * pow2(E + 53 - fmt.precision);
  const r = f > 0 ? f + C - C : f - C + C;
  return Math.abs(r) >= pow2(fmt.emax + 1) ? (f > 0 ? Infinity : -Infinity) : r;
}

/**
 * Is the double f a rounding boundary of fmt? r = round(f) is one neighbour; when f is a
 * midpoint, o = 2f − r (exact) is the other, a value of fmt, and no value of fmt lies
 * strictly between them (it would be nearer to f than r). Conversely, if o is in fmt, f is
 * the midpoint of two values of fmt with nothing between them.
 */
export function isBoundary(f: number, fmt: FloatFormat, ovf: number): boolean {
  if (f === 0 || !Number.isFinite(f)) return false;
  if (Math.abs(f) === ovf) return true;
  const r = rnd(f, fmt);
  if (r === f || !Number.isFinite(r)) return false;
  const o = 2 * f - r;
  return rnd(o, fmt) === o;
}

/** the largest double ≤ the exact v − e ... outward rounding of a double sum */
function down(v: number): number {
  return v - (Math.abs(v) * 2.3e-16 + 1e-323);
}
function up(v: number): number {
  return v + (Math.abs(v) * 2.3e-16 + 1e-323);
}

const MIN_NORMAL = 2 ** -1022;

/**
 * A value known to lie strictly between 0 and sign·2^log2Bound (log2Bound < −1076, i.e. below
 * half the smallest float64 subnormal): a zero of that sign in every format.
 */
export function tinyZero(sign: number, log2Bound: number): boolean {
  if (!(log2Bound < -1076)) return false;
  const z = sign < 0 ? -0 : 0;
  OUT.float64 = z;
  OUT.float32 = z;
  OUT.float16 = z;
  OUT.bfloat16 = z;
  return true;
}

function narrow(f: number, f0: number, H: number, A: number, B: number, side: number, fmt: FloatFormat, ovf: number): number | null {
  if (!isBoundary(f, fmt, ovf)) return rnd(f, fmt);
  const c = H - f0; // exact: f0 and H are equal or neighbouring doubles (Sterbenz)
  const lowD = c + A;
  const highD = c + B;
  let dir: number;
  if (lowD > 0) dir = 1;
  else if (highD < 0) dir = -1;
  else if (lowD === 0 && highD === 0) return rnd(f, fmt); // y = f exactly: ties to even
  else if (c === 0 && side !== 0) dir = side;
  else return null;
  return rnd(dir > 0 ? nextUp(f) : nextDown(f), fmt);
}

/**
 * |y·2^K| < 2^-1022: float64's quantum there is 2^-1074 (also in the first normal binade),
 * so the rounding is that of Y = y·2^(K+1074) to an integer, ties to even. hs = hi·2^(K+1074)
 * is exact (a normal double below 2^52); n = RN-even(hs) by adding and subtracting 2^52, and
 * δ = hs − n is exact (|δ| ≤ 1/2, both on hs's grid). Y − n ∈ [δ + A·s, δ + B·s] (outward
 * rounded); inside (−1/2, 1/2) every Y rounds to n. Every narrower format rounds such a
 * value to a zero of its sign (their smallest subnormals are ≥ 2^-149); so does float64
 * when n = 0.
 */
function decideSubnormal(hi: number, hs: number, A: number, B: number, s: number): boolean {
  if (!(Math.abs(hi) > Math.abs(A) && Math.abs(hi) > Math.abs(B))) return false; // the sign must be certain
  const C = hs >= 0 ? 2 ** 52 : -(2 ** 52);
  const n = hs + C - C;
  const delta = hs - n;
  const a = down(delta + down(A * s));
  const b = up(delta + up(B * s));
  if (!(a > -0.5 && b < 0.5)) return false;
  const z = hi < 0 ? -0 : 0;
  OUT.float64 = n === 0 ? z : n * 2 ** -1074;
  OUT.float32 = z;
  OUT.float16 = z;
  OUT.bfloat16 = z;
  return true;
}

/**
 * Decide y ∈ 2^K·[hi + lo − err, hi + lo + err] in the four formats into OUT. `side` is the
 * known sign of y − 2^K·hi (0 when unknown). |K| ≤ 1000 (larger scales are classified by
 * the callers).
 */
export function decideInto(hi: number, lo: number, err: number, K: number, side: number): boolean {
  if (!Number.isFinite(hi) || !(err >= 0) || !Number.isFinite(err) || !Number.isFinite(lo)) return false;
  if (hi === 0) {
    if (lo !== 0 || err !== 0) return false;
    OUT.float64 = 0;
    OUT.float32 = 0;
    OUT.float16 = 0;
    OUT.bfloat16 = 0;
    return true;
  }
  const e = err * INFLATE;
  if (K !== 0) {
    const bound = Math.abs(hi) + Math.abs(lo) + e;
    if (K + Math.log2(bound) < -1076 && Math.abs(hi) > 4 * (Math.abs(lo) + e)) {
      // |y| < 2^-1076 (Math.log2 is off by far less than the unit of margin): below half
      // the smallest subnormal of every format, a zero of the sign of hi
      return tinyZero(hi, -1077);
    }
  }
  // the test runs unscaled: for a normal result, scaling by 2^K maps the rounding cells of
  // the 53-bit grid onto float64's (checked below), so RN(2^K·y) = 2^K·RN(y)
  const A = e === 0 ? lo : down(lo - e);
  const B = e === 0 ? lo : up(lo + e);
  if (K !== 0 && K + 1074 <= 1023 && K + 1074 >= -1000) {
    const hs = hi * pow2(K + 1074);
    if (Math.abs(hs) < 2 ** 52) return decideSubnormal(hi, hs, A, B, pow2(K + 1074));
  }
  const f0 = hi + A;
  if (!Object.is(f0, hi + B)) return false;
  let f = f0;
  if (K !== 0) {
    f = f0 * pow2(K); // exact when normal
    // a subnormal f would sit on a coarser grid than the scaled one; an infinite f may
    // come from a value below the overflow threshold
    if (!(Math.abs(f) >= MIN_NORMAL) || !Number.isFinite(f)) return false;
  }
  OUT.float64 = f;
  const a = narrow(f, f0, hi, A, B, side, F32, OVF32);
  if (a === null) return false;
  const b = narrow(f, f0, hi, A, B, side, F16, OVF16);
  if (b === null) return false;
  const c = narrow(f, f0, hi, A, B, side, BF16, OVFBF);
  if (c === null) return false;
  OUT.float32 = a;
  OUT.float16 = b;
  OUT.bfloat16 = c;
  return true;
}
