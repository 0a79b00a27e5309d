/**
 * Correct rounding of exact values (decimal.js values and rationals) to a binary format,
 * round-to-nearest-even, with subnormals and overflow as IEEE 754 defines them.
 *
 * Every decision is made with exact BigInt arithmetic against the true midpoints. We never
 * go through `Number(string)`: ECMAScript allows an implementation to round a long decimal
 * string at its 20th significant digit first (double rounding), and `Math.fround(Number(s))`
 * rounds twice (to double, then to float32) which is wrong next to float32 midpoints.
 *
 * This module is the lowest layer of the float toolkit: it imports only the FloatFormat
 * type from ./floats.js, so there is no runtime import cycle (floats.ts uses roundRational
 * and ldexp from here).
 */
import type { Decimal } from 'decimal.js';
import type { FloatFormat } from './floats.js';

// ---------------------------------------------------------------------------------------
// Exact powers of two as doubles, and ldexp

/** 2^k for k in [-1074, 1023], built from the bit patterns (Math.pow is not specified to be exact). */
const POW2 = (() => {
  const table = new Float64Array(1023 + 1074 + 1);
  const view = new DataView(new ArrayBuffer(8));
  for (let k = -1074; k <= 1023; k++) {
    if (k >= -1022) {
      view.setUint32(0, (k + 1023) << 20); // biased exponent in the high word, fraction 0
      view.setUint32(4, 0);
    } else {
      // subnormal: a single fraction bit at position k + 1074 (0..51)
      const bit = k + 1074;
      view.setUint32(0, bit >= 32 ? 2 ** (bit - 32) : 0);
      view.setUint32(4, bit < 32 ? 2 ** bit : 0);
    }
    table[k + 1074] = view.getFloat64(0);
  }
  return table;
})();

/** 2^k as a double, exact for k in [-1074, 1023]; 0 / Infinity outside. */
export function pow2(k: number): number {
  if (k > 1023) return Infinity;
  if (k < -1074) return 0;
  return POW2[k + 1074];
}

/**
 * m * 2^k, exact whenever the mathematical result is a double (and then also for any m).
 * The scaling is split into steps of at most 2^±1022 so that no intermediate overflows or
 * underflows: when the final result is representable, every intermediate (which lies
 * between m and the result in magnitude, on a grid at least as fine as the result's) is
 * representable too, so only the last step can round, and it does not.
 */
export function ldexp(m: number, k: number): number {
  if (m === 0 || !Number.isFinite(m)) return m;
  while (k > 1023) {
    m *= POW2[1023 + 1074];
    k -= 1023;
    if (!Number.isFinite(m)) return m;
  }
  while (k < -1022) {
    m *= POW2[-1022 + 1074];
    k += 1022;
    if (m === 0) return m;
  }
  return m * POW2[k + 1074];
}

// ---------------------------------------------------------------------------------------
// BigInt helpers

/**
 * Number of bits of n > 0 (floor(log2 n) + 1). Estimated through Number(n) (cheap,
 * no toString(2)) and then corrected with exact shifts, so the result is exact.
 */
export function bitLength(n: bigint): number {
  if (n <= 0n) return 0;
  const f = Number(n); // correctly rounded; Infinity beyond 2^1024
  let b: number;
  if (Number.isFinite(f)) {
    b = Math.floor(Math.log2(f)) + 1;
  } else {
    // Linear-time in V8 for a power-of-two radix; only reached for n >= 2^1024.
    const hex = n.toString(16);
    b = 4 * (hex.length - 1) + (32 - Math.clz32(parseInt(hex[0], 16)));
  }
  while (b > 1 && n >> BigInt(b - 1) === 0n) b--;
  while (n >> BigInt(b) !== 0n) b++;
  return b;
}

const POW10: bigint[] = [1n];
/** 10^k as a BigInt, cached for the exponents decimal results actually use. */
function pow10(k: number): bigint {
  if (k < POW10.length) return POW10[k];
  if (k > 4096) return 10n ** BigInt(k);
  for (let i = POW10.length; i <= k; i++) POW10.push(POW10[i - 1] * 10n);
  return POW10[k];
}

/** 2^p and 2^(p-1) as BigInts, per precision (four formats, so a tiny cache). */
const TWO_P: bigint[] = [];
function twoP(p: number): bigint {
  return (TWO_P[p] ??= 1n << BigInt(p));
}

// ---------------------------------------------------------------------------------------
// The rounding core

/**
 * Round num/den (> 0) to fmt. `eStart` is an estimate of floor(log2(num/den)) that is off by
 * at most a couple of units; the loop below corrects it exactly: with e the candidate
 * exponent, I = floor(r * 2^(p-1-e)) must lie in [2^(p-1), 2^p) (or below 2^(p-1) when
 * e = emin, the subnormal range, where the quantum is fixed at 2^(emin-p+1)).
 */
function roundCore(negative: boolean, num: bigint, den: bigint, fmt: FloatFormat, eStart: number): number {
  const p = fmt.precision;
  const top = twoP(p); // 2^p
  const half = twoP(p - 1); // 2^(p-1)
  let e = Math.max(eStart, fmt.emin);
  let I: bigint;
  let N: bigint;
  let D: bigint;
  for (;;) {
    const sh = p - 1 - e;
    N = sh >= 0 ? num << BigInt(sh) : num;
    D = sh >= 0 ? den : den << BigInt(-sh);
    I = N / D;
    if (I >= top) {
      e++; // r >= 2^(e+1): the estimate was low
      continue;
    }
    if (I < half && e > fmt.emin) {
      e--; // r < 2^e: the estimate was high
      continue;
    }
    break;
  }
  // Compare the remainder with half a quantum: 2R vs D.
  const twoR = (N - I * D) << 1n;
  if (twoR > D || (twoR === D && (I & 1n) === 1n)) I += 1n;
  // Overflow: the result reaches 2^(emax+1). That includes the midpoint between max finite
  // and 2^(emax+1), which IEEE rounds to infinity (its "even" neighbour is 2^(emax+1)).
  if (e > fmt.emax || (e === fmt.emax && I === top)) return negative ? -Infinity : Infinity;
  const v = ldexp(Number(I), e - p + 1); // I <= 2^p <= 2^53: Number(I) is exact
  return negative ? -v : v;
}

/**
 * The correctly rounded value of (negative ? -1 : 1) * num / den in fmt (round half to
 * even, gradual underflow, overflow to ±Infinity). num >= 0, den > 0. Zero keeps its sign.
 * Results in float32/float16/bfloat16 are returned as the (exactly equal) double.
 */
export function roundRational(negative: boolean, num: bigint, den: bigint, fmt: FloatFormat): number {
  if (num < 0n || den <= 0n) {
    throw new RangeError(`roundRational needs num >= 0 and den > 0, got ${num}/${den}`);
  }
  if (num === 0n) return negative ? -0 : 0;
  // r in (2^(k-1), 2^(k+1)) with k the difference of bit lengths, so floor(log2 r) is k-1 or k.
  const k = bitLength(num) - bitLength(den);
  if (k - 1 > fmt.emax) return negative ? -Infinity : Infinity;
  // r < 2^(k+1) <= 2^(emin-p): below half the smallest subnormal, rounds to zero.
  if (k + 1 <= fmt.emin - fmt.precision) return negative ? -0 : 0;
  return roundCore(negative, num, den, fmt, k - 1);
}

const LOG2_10 = Math.log2(10);

/**
 * The correctly rounded value of a decimal.js value in fmt (round half to even). Any number
 * of digits; NaN and ±Infinity map to NaN and ±Infinity; zero keeps its sign.
 *
 * Reads decimal.js's coefficient words directly (`d`: base-1e7 digit groups, `e`: decimal
 * exponent of the leading digit), so no string conversion of the whole value is rounded.
 * Magnitudes far outside the format's range are decided from the exponent alone (decimal.js
 * exponents reach 9e15, far too large for BigInt powers of ten).
 */
export function roundDecimal(v: Decimal, fmt: FloatFormat): number {
  const d = v.d;
  const s = v.s;
  if (!d) return Number.isNaN(s) ? NaN : s < 0 ? -Infinity : Infinity;
  const negative = s < 0;
  if (d.length === 0 || d[0] === 0) return negative ? -0 : 0;

  // Coefficient digits: first word unpadded, the others exactly 7 digits.
  let str = String(d[0]);
  for (let i = 1; i < d.length; i++) {
    const w = String(d[i]);
    str += w.length === 7 ? w : '0000000'.slice(w.length) + w;
  }
  let end = str.length;
  while (end > 1 && str.charCodeAt(end - 1) === 48) end--; // strip trailing zeros
  if (end !== str.length) str = str.slice(0, end);
  const q = v.e - end + 1; // |v| = str * 10^q

  // log2|v| estimate from the leading digits; accurate to far better than 1 unit.
  const lead = Number(str.length > 17 ? str.slice(0, 17) : str) / 10 ** (Math.min(end, 17) - 1);
  const log2v = (v.e + Math.log10(lead)) * LOG2_10;
  if (log2v > fmt.emax + 2) return negative ? -Infinity : Infinity;
  if (log2v < fmt.emin - fmt.precision - 2) return negative ? -0 : 0;

  const S = BigInt(str);
  const num = q >= 0 ? S * pow10(q) : S;
  const den = q >= 0 ? 1n : pow10(-q);
  return roundCore(negative, num, den, fmt, Math.floor(log2v));
}
