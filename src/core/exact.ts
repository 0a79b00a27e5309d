/**
 * Exact conversion of doubles to decimal.js values.
 *
 * `new Decimal(x)` parses the shortest round-trip string of x (0.1 -> 0.1), not the value
 * the double actually holds (0.1000000000000000055511151231257827...). A reference that
 * starts from the shortest string computes the function at a different point. Here the
 * value is built from the bits: |x| = M * 2^E, so for E < 0 it is M * 5^-E * 10^E, a
 * finite decimal. The Decimal constructor stores all digits of a string without rounding
 * to its precision, so the result is exact.
 *
 * Import note: decimal.js's typings are ESM-style in a package without "type": "module", so
 * under NodeNext TypeScript types the DEFAULT import as the module namespace (not
 * constructable) while Node loads decimal.mjs. The named export `Decimal` is the same class
 * at runtime and typechecks, so use `import { Decimal } from 'decimal.js'`.
 */
import { Decimal } from 'decimal.js';
import { decompose, pow5 } from './floats.js';

/**
 * The exact value of the double x as a Decimal of the given constructor (default: the
 * shared Decimal; pass a clone to get its configuration). -0 stays -0; NaN and ±Infinity
 * map to the Decimal NaN and ±Infinity.
 */
export function toDecimal(x: number, Ctor: typeof Decimal = Decimal): Decimal {
  if (!Number.isFinite(x)) return new Ctor(x);
  let { negative, mantissa, exponent } = decompose(x);
  if (mantissa === 0n) return new Ctor(negative ? -0 : 0);
  // Odd mantissa: the fewest digits (the raw mantissa has up to 52 trailing zero bits).
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exponent++;
  }
  const sign = negative ? '-' : '';
  if (exponent >= 0) return new Ctor(sign + (mantissa << BigInt(exponent)).toString());
  return new Ctor(`${sign}${mantissa * pow5(-exponent)}e${exponent}`);
}
