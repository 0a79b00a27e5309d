/**
 * Binary floating-point formats and exact operations on their grids: decomposition,
 * ordinals and ULP distances, neighbours, exact decimal and C99 hexadecimal notation,
 * and correct rounding of a double to a narrower format.
 *
 * Every value of float32, float16 and bfloat16 is exactly a double, so values of all four
 * formats are carried as JS numbers; a FloatFormat says which grid they are meant to lie on.
 * Nothing here goes through strings or Math.pow for exactness-critical steps: bits are read
 * with a DataView and powers of two come from ldexp (./rounding.js).
 */
import { ArgumentError, show } from './errors.js';
import { ldexp, roundRational } from './rounding.js';

export type FormatName = 'float64' | 'float32' | 'float16' | 'bfloat16';

export interface FloatFormat {
  name: FormatName;
  /** Significand bits including the hidden bit: 53, 24, 11, 8. */
  precision: number;
  /** Exponent of the smallest normal (2^emin): -1022, -126, -14, -126. */
  emin: number;
  /** Exponent of the largest finite binade: 1023, 127, 15, 127. */
  emax: number;
}

/** IEEE 754 binary64/binary32/binary16 and Google's bfloat16 (float32's exponent range, 8-bit significand). */
export const FORMATS: Record<FormatName, FloatFormat> = {
  float64: { name: 'float64', precision: 53, emin: -1022, emax: 1023 },
  float32: { name: 'float32', precision: 24, emin: -126, emax: 127 },
  float16: { name: 'float16', precision: 11, emin: -14, emax: 15 },
  bfloat16: { name: 'bfloat16', precision: 8, emin: -126, emax: 127 },
};

export const FORMAT_NAMES: readonly FormatName[] = ['float64', 'float32', 'float16', 'bfloat16'];

const F64 = FORMATS.float64;

// ---------------------------------------------------------------------------------------
// Bits of a double

const view = new DataView(new ArrayBuffer(8));

/** True when fmt contains every double (float64 itself, or anything at least as wide). */
function coversDouble(fmt: FloatFormat): boolean {
  return fmt.precision >= 53 && fmt.emin <= -1022 && fmt.emax >= 1023;
}

/** floor(log2 |x|) for finite nonzero x, exact (from the exponent field; subnormals too). */
function floorLog2(x: number): number {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  if (biased !== 0) return biased - 1023;
  const fracHi = hi & 0xfffff;
  if (fracHi !== 0) return 31 - Math.clz32(fracHi) + 32 - 1074;
  return 31 - Math.clz32(view.getUint32(4)) - 1074;
}

/**
 * Exact decomposition of a finite double: |x| = mantissa * 2^exponent.
 *
 * The mantissa is kept RAW, as stored: for a normal number the 52 fraction bits with the
 * hidden bit set (so 2^52 <= mantissa < 2^53) and exponent = biasedExponent - 1075; for a
 * subnormal or zero the fraction bits alone and exponent = -1074. It is not normalised to
 * odd (callers that want fewer digits strip trailing zero bits themselves).
 * -0 has negative = true. Throws a RangeError on NaN and ±Infinity.
 */
export function decompose(x: number): { negative: boolean; mantissa: bigint; exponent: number } {
  if (!Number.isFinite(x)) throw new RangeError(`decompose needs a finite number, got ${show(x)}`);
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (hi & 0xfffff) * 2 ** 32 + lo; // < 2^52: exact as a Number
  if (biased === 0) return { negative, mantissa: BigInt(frac), exponent: -1074 };
  return { negative, mantissa: BigInt(frac + 2 ** 52), exponent: biased - 1075 };
}

/** Powers of five, cached: exact decimal expansions of 2^-k are 5^k * 10^-k. */
const POW5: bigint[] = [1n];
export function pow5(k: number): bigint {
  for (let i = POW5.length; i <= k; i++) POW5.push(POW5[i - 1] * 5n);
  return POW5[k];
}

// ---------------------------------------------------------------------------------------
// Grid membership, ordinals, distances

/**
 * Is x exactly a value of fmt? Non-finite values are (every format has ±Infinity and NaN).
 * A finite x is when its binade is within emax and it is an integer multiple of the
 * format's quantum 2^(max(floor(log2|x|), emin) - p + 1).
 */
export function isRepresentable(x: number, fmt: FloatFormat): boolean {
  if (!Number.isFinite(x) || x === 0 || coversDouble(fmt)) return true;
  const a = Math.abs(x);
  const E = floorLog2(a);
  if (E > fmt.emax) return false;
  const q = Math.max(E, fmt.emin) - fmt.precision + 1;
  return Number.isInteger(ldexp(a, -q)); // scaling by a power of two is exact here
}

/** Ordinal of +Infinity: (emax - emin + 2) * 2^(p-1); max finite is one below. */
function infOrdinal(fmt: FloatFormat): bigint {
  return BigInt(fmt.emax - fmt.emin + 2) << BigInt(fmt.precision - 1);
}

/**
 * Monotone integer index of a value of fmt: +0 and -0 are 0, ordinal(-x) = -ordinal(x),
 * consecutive values (subnormals included) differ by 1, max finite and +Infinity are 1
 * apart. For |x| this is exactly the IEEE encoding without the sign bit (biased exponent
 * field * 2^(p-1) + fraction field), which is what makes it contiguous across the
 * subnormal/normal boundary. Throws a RangeError on NaN and on values not in fmt.
 */
export function ordinal(x: number, fmt: FloatFormat): bigint {
  if (Number.isNaN(x)) throw new RangeError('ordinal of NaN is undefined');
  if (fmt.precision === 53 && fmt.emin === -1022 && fmt.emax === 1023) {
    // float64: the bits themselves (googletest's biased representation).
    view.setFloat64(0, x);
    const bits = view.getBigUint64(0);
    const mag = bits & 0x7fff_ffff_ffff_ffffn;
    return bits >> 63n ? -mag : mag;
  }
  if (!isRepresentable(x, fmt)) {
    throw new RangeError(`${show(x)} is not representable in ${fmt.name}`);
  }
  if (x === 0) return 0n;
  const a = Math.abs(x);
  let o: bigint;
  if (a === Infinity) {
    o = infOrdinal(fmt);
  } else {
    const e = Math.max(floorLog2(a), fmt.emin);
    const m = ldexp(a, fmt.precision - 1 - e); // integer significand in units of the quantum
    // e = emin covers both subnormals (m < 2^(p-1)) and the first normal binade.
    o = (BigInt(e - fmt.emin) << BigInt(fmt.precision - 1)) + BigInt(m);
  }
  return x < 0 ? -o : o;
}

/**
 * The value of fmt with the given ordinal (inverse of `ordinal`; -0 is never produced,
 * ordinal 0 gives +0). Ordinals beyond +-Infinity's give +-Infinity.
 */
export function fromOrdinal(k: bigint, fmt: FloatFormat): number {
  const negative = k < 0n;
  const a = negative ? -k : k;
  let v: number;
  if (a >= infOrdinal(fmt)) {
    v = Infinity;
  } else {
    const p = fmt.precision;
    const binade = Number(a >> BigInt(p - 1)); // biased exponent field; 0 = subnormal
    const frac = Number(a & ((1n << BigInt(p - 1)) - 1n));
    v = binade === 0
      ? ldexp(frac, fmt.emin - p + 1)
      : ldexp(frac + 2 ** (p - 1), fmt.emin + binade - 1 - p + 1);
  }
  return negative ? -v : v;
}

/**
 * |ordinal(a) - ordinal(b)| in fmt (default float64) as a Number: the number of steps of
 * fmt's grid between a and b. +0 and -0 are 0 apart; across zero the distance is the sum of
 * the magnitudes' ordinals; max finite and Infinity are 1 apart. NaN in either argument
 * gives NaN (callers report NaN separately, never as a distance). Values not in fmt throw a
 * RangeError naming the value.
 */
export function ulpDistance(a: number, b: number, fmt: FloatFormat = F64): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  const d = ordinal(a, fmt) - ordinal(b, fmt);
  return Number(d < 0n ? -d : d);
}

/**
 * The smallest value of fmt greater than x (IEEE nextUp on fmt's grid). nextUp(±0) is the
 * smallest subnormal, nextUp(-minSubnormal) is -0, nextUp(max) = Infinity,
 * nextUp(Infinity) = Infinity, nextUp(-Infinity) = -max, NaN gives NaN. An x that is not
 * in fmt gives the smallest value of fmt above it.
 */
export function nextUp(x: number, fmt: FloatFormat = F64): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (!isRepresentable(x, fmt)) {
    const r = roundToFormat(x, fmt);
    return r > x ? r : nextUp(r, fmt);
  }
  const o = ordinal(x, fmt);
  if (o === -1n) return -0; // IEEE: the successor of the negative smallest subnormal is -0
  return fromOrdinal(o + 1n, fmt);
}

/** The largest value of fmt less than x: nextDown(x) = -nextUp(-x). */
export function nextDown(x: number, fmt: FloatFormat = F64): number {
  return -nextUp(-x, fmt);
}

/**
 * Spacing of fmt's grid at |x|: the gap from |x| to the next larger magnitude when |x| is
 * on the grid, i.e. 2^(max(floor(log2|x|), emin) - p + 1). ulpOf(0) is the smallest
 * subnormal; at max finite it is the spacing of the top binade (not Infinity);
 * ulpOf(±Infinity) = Infinity; NaN gives NaN.
 */
export function ulpOf(x: number, fmt: FloatFormat = F64): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return Infinity;
  const e = x === 0 ? fmt.emin : Math.max(floorLog2(x), fmt.emin);
  return ldexp(1, e - fmt.precision + 1);
}

// ---------------------------------------------------------------------------------------
// Exact notations

/**
 * The exact decimal value of a double in plain notation (no exponent):
 * 0.1 -> "0.1000000000000000055511151231257827021181583404541015625", 1e300 -> its
 * 301-digit integer, -0 -> "-0", non-finite -> "NaN" / "Infinity" / "-Infinity".
 * Every double is a dyadic rational M * 2^E, so for E < 0 its expansion is
 * M * 5^-E * 10^E: finite, and ends in 5 when M is odd (no trailing zeros to strip).
 */
export function exactDecimalString(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  let { negative, mantissa, exponent } = decompose(x);
  const sign = negative ? '-' : '';
  if (mantissa === 0n) return sign + '0';
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exponent++;
  }
  if (exponent >= 0) return sign + (mantissa << BigInt(exponent)).toString();
  const n = -exponent;
  const digits = (mantissa * pow5(n)).toString();
  if (digits.length <= n) return `${sign}0.${'0'.repeat(n - digits.length)}${digits}`;
  return `${sign}${digits.slice(0, digits.length - n)}.${digits.slice(digits.length - n)}`;
}

/**
 * C99 `%a` as glibc's printf prints a double: "0x1.8p+1", "0x1p+0", "0x0p+0", "-0x0p+0",
 * subnormals as "0x0.<13 hex digits>p-1022" (5e-324 -> "0x0.0000000000001p-1022"),
 * trailing zero hex digits removed (and the point with them), "inf" / "-inf" / "nan".
 */
export function toHexFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? '-' : '';
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (hi & 0xfffff) * 2 ** 32 + lo;
  if (biased === 0 && frac === 0) return `${sign}0x0p+0`;
  const lead = biased === 0 ? '0' : '1';
  const exp = biased === 0 ? -1022 : biased - 1023;
  const hex = frac.toString(16).padStart(13, '0').replace(/0+$/, '');
  return `${sign}0x${lead}${hex ? '.' + hex : ''}p${exp >= 0 ? '+' : ''}${exp}`;
}

const HEX_RE = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?p([+-]?[0-9]+)$/i;
const SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

/**
 * Parse a C99 hexadecimal float, `[+-]0x<hex>[.<hex>]p[+-]<dec>` (the binary exponent is
 * required; "0x1p3", "0x.8p1", "0x1.p0" are fine; case-insensitive), or "inf", "infinity",
 * "nan" with an optional sign. The value is correctly rounded to fmt (default float64:
 * round half to even, gradual underflow, overflow to Infinity) however many hex digits it
 * has. Throws an ArgumentError quoting the string on bad syntax.
 */
export function parseHexFloat(s: string, fmt: FloatFormat = F64): number {
  const special = SPECIAL_RE.exec(s);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  const m = HEX_RE.exec(s);
  const intDigits = m?.[2] ?? '';
  const fracDigits = m?.[3] ?? '';
  if (!m || intDigits.length + fracDigits.length === 0) {
    throw new ArgumentError(`not a hexadecimal float: ${show(s)}`);
  }
  const negative = m[1] === '-';
  let digits = (intDigits + fracDigits).replace(/^0+/, '');
  // Binary exponent of the last hex digit; kept as a BigInt, "p+99999999999999999999" is legal.
  let exp = BigInt(m[4]) - 4n * BigInt(fracDigits.length);
  const trimmed = digits.replace(/0+$/, '');
  exp += 4n * BigInt(digits.length - trimmed.length);
  digits = trimmed;
  if (digits.length === 0) return negative ? -0 : 0;
  // value = H * 2^exp with H in [2^(bits-1), 2^bits): decide far-out values from the exponent.
  const bits = 4 * (digits.length - 1) + (32 - Math.clz32(parseInt(digits[0], 16)));
  const top = exp + BigInt(bits); // value < 2^top, value >= 2^(top-1)
  if (top - 1n > BigInt(fmt.emax)) return negative ? -Infinity : Infinity;
  if (top <= BigInt(fmt.emin - fmt.precision)) return negative ? -0 : 0; // < half the smallest subnormal
  const H = BigInt('0x' + digits);
  const e = Number(exp); // bounded now: |e| < emax + 4 * digits + p
  return e >= 0 ? roundRational(negative, H << BigInt(e), 1n, fmt) : roundRational(negative, H, 1n << BigInt(-e), fmt);
}

// ---------------------------------------------------------------------------------------
// Rounding a double to a narrower format

/**
 * Correctly round a double to fmt (round half to even, gradual underflow, overflow to
 * ±Infinity). float64 is the identity and float32 is Math.fround (correctly rounded by
 * ECMAScript). float16 and bfloat16 are rounded directly from the double's exact value:
 * going through float32 first would round twice, which is wrong next to their midpoints
 * (1 + 2^-8 + 2^-30 is above a bfloat16 midpoint, but fround makes it the midpoint).
 *
 * All arithmetic below is exact in doubles: scaling by powers of two, floor, and the
 * fractional part t - floor(t) of a double.
 */
export function roundToFormat(x: number, fmt: FloatFormat): number {
  if (x === 0 || !Number.isFinite(x) || coversDouble(fmt)) return x;
  if (fmt.precision === 24 && fmt.emin === -126 && fmt.emax === 127) return Math.fround(x);
  const a = Math.abs(x);
  const E = floorLog2(a);
  if (E > fmt.emax) return x < 0 ? -Infinity : Infinity;
  const q = Math.max(E, fmt.emin) - fmt.precision + 1; // quantum exponent
  const t = ldexp(a, -q); // |x| in quanta: < 2^p
  const fl = Math.floor(t);
  const rest = t - fl;
  const r = rest > 0.5 || (rest === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  const v = ldexp(r, q);
  const out = v >= ldexp(1, fmt.emax + 1) ? Infinity : v;
  return x < 0 ? -out : out;
}
