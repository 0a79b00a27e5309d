/**
 * Tests of src/core/rounding.ts (roundDecimal, roundRational, ldexp, bitLength) and
 * src/core/exact.ts (toDecimal).
 *
 * Expected values come from the format definitions (midpoints between neighbouring values
 * round to the even one; half the smallest subnormal rounds to 0; max finite + half an ulp
 * rounds to Infinity), from IEEE division in JS (correctly rounded by the standard, and
 * innocuous double rounding for narrower formats: Figueroa, "When is double rounding
 * innocuous?", SIGNUM 1995, needs 53 >= 2p + 2), and from CPython: float(str) (David Gay's
 * correctly rounded strtod), int / int true division (correctly rounded), and exact
 * Fraction arithmetic with round() (half to even) for the narrower formats. Python runs in
 * ONE subprocess per batch; without python3 the checks are skipped with a console.warn.
 */
import { spawnSync } from 'node:child_process';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toDecimal } from '../src/core/exact.js';
import {
  FORMATS,
  FORMAT_NAMES,
  exactDecimalString,
  fromOrdinal,
  nextDown,
  nextUp,
  ordinal,
  roundToFormat,
  type FloatFormat,
} from '../src/core/floats.js';
import { bitLength, ldexp, roundDecimal, roundRational } from '../src/core/rounding.js';

// ---------------------------------------------------------------------------------------
// python helpers (same as in floats.test.ts; test files are self-contained)

const PY_OK = spawnSync('python3', ['-c', 'import numpy, fractions, decimal'], { encoding: 'utf8' }).status === 0;
const PY_REASON = 'python3 with numpy is not available on this machine';

function itPy(name: string, fn: () => void | Promise<void>): void {
  if (!PY_OK) console.warn(`SKIPPED "${name}": ${PY_REASON}`);
  // oxlint-disable-next-line vitest/expect-expect -- a wrapper: the assertions are in the caller's fn
  it.skipIf(!PY_OK)(PY_OK ? name : `${name} [skipped: ${PY_REASON}]`, fn);
}

function py<T>(script: string, input: unknown): T {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function fromPy(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  return Number(s); // python repr: shortest round-trip digits, read exactly by V8
}

/** Exact correct rounding in python: Fraction + round() (half to even). */
const PY_ROUND = `
import math
from fractions import Fraction
FM = {'float64': (53, -1022, 1023), 'float32': (24, -126, 127), 'float16': (11, -14, 15), 'bfloat16': (8, -126, 127)}
def rnd(f, neg_zero, name):
    p, emin, emax = FM[name]
    if f == 0:
        return '-0.0' if neg_zero else '0.0'
    neg = f < 0
    a = -f if neg else f
    E = a.numerator.bit_length() - a.denominator.bit_length()
    while Fraction(2) ** E > a: E -= 1
    while Fraction(2) ** (E + 1) <= a: E += 1
    q = max(E, emin) - p + 1
    m = round(a / Fraction(2) ** q)
    r = math.inf if m * Fraction(2) ** q >= Fraction(2) ** (emax + 1) else math.ldexp(m, q)
    return repr(-r if neg else r)
`;

/** High-precision decimal.js constructor: every sum/halving below is exact at 3000 digits. */
const D = Decimal.clone({ precision: 3000, rounding: Decimal.ROUND_HALF_EVEN });

// ---------------------------------------------------------------------------------------

describe('ldexp and bitLength', () => {
  it('ldexp scales exactly, through the subnormal and overflow ranges', () => {
    expect(ldexp(1, -1074)).toBe(5e-324);
    expect(ldexp(2 ** 52, -1126)).toBe(5e-324);
    expect(ldexp(3, -1075)).toBe(1e-323); // 1.5 min subnormal: the product rounds (tie to even)
    expect(ldexp(2 ** 53 - 1, 971)).toBe(Number.MAX_VALUE);
    expect(ldexp(5e-324, 2097)).toBe(2 ** 1023);
    expect(ldexp(1, 1024)).toBe(Infinity);
    expect(ldexp(1, -1080)).toBe(0);
    expect(ldexp(-0, 5)).toBe(-0);
    expect(ldexp(0.75, 2)).toBe(3);
  });
  it('bitLength is exact (also where Number(n) rounds up to a power of two and beyond 2^1024)', () => {
    expect(bitLength(0n)).toBe(0);
    expect(bitLength(1n)).toBe(1);
    expect(bitLength(255n)).toBe(8);
    expect(bitLength(256n)).toBe(9);
    expect(bitLength(2n ** 53n - 1n)).toBe(53);
    expect(bitLength(2n ** 60n - 1n)).toBe(60); // Number() rounds this to 2^60
    expect(bitLength(2n ** 1024n - 1n)).toBe(1024);
    expect(bitLength(2n ** 5000n)).toBe(5001);
    for (const n of fc.sample(fc.bigInt({ min: 1n, max: 2n ** 3000n }), { seed: 1, numRuns: 2000 })) {
      expect(bitLength(n)).toBe(n.toString(2).length);
    }
  });
});

// ---------------------------------------------------------------------------------------

describe('roundRational', () => {
  it('handles zeros, signs and bad arguments', () => {
    expect(roundRational(false, 0n, 7n, FORMATS.float64)).toBe(0);
    expect(roundRational(true, 0n, 7n, FORMATS.float16)).toBe(-0);
    expect(roundRational(true, 3n, 2n, FORMATS.bfloat16)).toBe(-1.5);
    expect(() => roundRational(false, 1n, 0n, FORMATS.float64)).toThrow(RangeError);
    expect(() => roundRational(false, -1n, 3n, FORMATS.float64)).toThrow(RangeError);
    expect(roundRational(false, 1n, 3n, FORMATS.float64)).toBe(1 / 3);
    expect(roundRational(false, 2n ** 2000n, 1n, FORMATS.float64)).toBe(Infinity);
    expect(roundRational(true, 1n, 2n ** 2000n, FORMATS.float64)).toBe(-0);
    expect(roundRational(false, 1n, 2n ** 1075n, FORMATS.float64)).toBe(0); // exactly half min sub
    expect(roundRational(false, 2n ** 1000n + 1n, 2n ** 2075n, FORMATS.float64)).toBe(5e-324);
  });

  it('float64 equals IEEE division of safe integers (20k random pairs)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.maxSafeNat(), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (neg, a, b) => {
        const want = neg ? -(a / b) : a / b;
        return Object.is(roundRational(neg, BigInt(a), BigInt(b), FORMATS.float64), want);
      }),
      { seed: 101, numRuns: 20000 },
    );
  });

  it('float32 / float16 / bfloat16 equal double division rounded once more (innocuous double rounding)', () => {
    for (const f of [FORMATS.float32, FORMATS.float16, FORMATS.bfloat16]) {
      const lim = 2 ** f.precision - 1; // operands are values of the format
      fc.assert(
        fc.property(fc.integer({ min: 0, max: lim }), fc.integer({ min: 1, max: lim }), fc.integer({ min: -40, max: 40 }), (a, b, s) => {
          // a * 2^s / b stays in the normal range of every format for |s| <= 40 except float16
          const x = ldexp(a, s) / b;
          const want = f.name === 'float32' ? Math.fround(x) : roundToFormat(x, f);
          const [num, den] = s >= 0 ? [BigInt(a) << BigInt(s), BigInt(b)] : [BigInt(a), BigInt(b) << BigInt(-s)];
          // for float16 the quotient may be subnormal/overflow: double rounding stays innocuous
          // there only when the double quotient is exact enough, so compare where it is normal
          if (f.name === 'float16' && (Math.abs(x) < 2 ** -14 || Math.abs(x) >= 65504)) return true;
          return Object.is(roundRational(false, num, den, f), want);
        }),
        { seed: 102, numRuns: 10000 },
      );
    }
  });

  itPy('agrees with python for big random rationals in all four formats', () => {
    const arb = fc.record({
      neg: fc.boolean(),
      nb: fc.integer({ min: 1, max: 1300 }),
      db: fc.integer({ min: 1, max: 1300 }),
      ns: fc.bigInt({ min: 0n, max: 2n ** 1300n }),
      ds: fc.bigInt({ min: 1n, max: 2n ** 1300n }),
      fmt: fc.constantFrom(...FORMAT_NAMES),
    });
    const cases = fc.sample(arb, { seed: 103, numRuns: 4000 }).map((r) => {
      const num = (r.ns % (1n << BigInt(r.nb))) + (r.nb > 1 ? 1n << BigInt(r.nb - 1) : 0n);
      const den = (r.ds % (1n << BigInt(r.db))) + 1n;
      // small formats: shrink the range so most cases land inside it
      return { neg: r.neg, num, den: r.fmt === 'float64' ? den : den % (1n << 200n) + 1n, fmt: r.fmt };
    });
    const out = py<{ frac: string[]; div: string[] }>(
      `import sys, json
${PY_ROUND}
cs = json.load(sys.stdin)
frac, div = [], []
for neg, n, d, name in cs:
    n, d = int(n), int(d)
    frac.append(rnd(Fraction(-n if neg else n, d), neg, name))
    try: q = n / d                         # CPython's correctly rounded int division
    except OverflowError: q = math.inf
    div.append(repr(-q if neg else q))
print(json.dumps({'frac': frac, 'div': div}))`,
      cases.map((c) => [c.neg, c.num.toString(), c.den.toString(), c.fmt]),
    );
    cases.forEach((c, i) => {
      const got = roundRational(c.neg, c.num, c.den, FORMATS[c.fmt]);
      expect(got, `${c.num}/${c.den} ${c.fmt}`).toBe(fromPy(out.frac[i]));
      if (c.fmt === 'float64') expect(got).toBe(fromPy(out.div[i]));
    });
  });
});

// ---------------------------------------------------------------------------------------

/** Neighbouring pairs of each format whose midpoints are interesting, and the tie's winner. */
function midpointCases(f: FloatFormat): { label: string; lo: number; hi: number; tie: number; mid: Decimal }[] {
  const p = f.precision;
  const u = 2 ** (1 - p); // ulp of 1
  const minSub = 2 ** (f.emin - p + 1);
  const minNorm = 2 ** f.emin;
  const max = (2 - u) * 2 ** f.emax;
  const cases: [string, number, number, number][] = [
    ['1 (even) / 1+u', 1, 1 + u, 1],
    ['1+u / 1+2u (even)', 1 + u, 1 + 2 * u, 1 + 2 * u],
    ['1-u/2 / 1 (even)', 1 - u / 2, 1, 1],
    ['1000ish', fromOrdinal(ordinal(1024, f) + 5n, f), fromOrdinal(ordinal(1024, f) + 6n, f), fromOrdinal(ordinal(1024, f) + 6n, f)],
    ['2 / 3 min subnormal', 2 * minSub, 3 * minSub, 2 * minSub],
    ['3 / 4 min subnormal', 3 * minSub, 4 * minSub, 4 * minSub],
    ['0 / min subnormal', 0, minSub, 0],
    ['largest subnormal / min normal', minNorm - minSub, minNorm, minNorm],
    ['max / overflow', max, Infinity, Infinity],
  ];
  return cases.map(([label, lo, hi, tie]) => {
    // exact midpoint; above max it is max + half an ulp of the top binade
    const mid = hi === Infinity ? toDecimal(max, D).plus(toDecimal(2 ** (f.emax - p), D)) : toDecimal(lo, D).plus(toDecimal(hi, D)).div(2);
    return { label, lo, hi, tie, mid };
  });
}

describe('roundDecimal at midpoints (ties to even; one unit in the 60th digit either side)', () => {
  for (const name of FORMAT_NAMES) {
    const f = FORMATS[name];
    for (const c of midpointCases(f)) {
      it(`${name}: ${c.label}`, () => {
        // the midpoint is really a midpoint and really not representable
        expect(c.mid.times(2).eq(toDecimal(c.lo, D).plus(c.hi === Infinity ? toDecimal(2 ** f.emax, D).times(2) : toDecimal(c.hi, D))))
          .toBe(true);
        const unit = new D(`1e${c.mid.e - 59}`); // one unit in the 60th significant digit
        const above = c.mid.plus(unit);
        const below = c.mid.minus(unit);
        expect(above.sd()).toBeGreaterThanOrEqual(60);
        expect(roundDecimal(c.mid, f)).toBe(c.tie);
        expect(roundDecimal(above, f)).toBe(c.hi);
        expect(roundDecimal(below, f)).toBe(c.lo);
        expect(roundDecimal(c.mid.neg(), f)).toBe(-c.tie);
        expect(roundDecimal(above.neg(), f)).toBe(-c.hi);
        expect(roundDecimal(below.neg(), f)).toBe(-c.lo);
        // the endpoints themselves are exact
        expect(roundDecimal(toDecimal(c.lo, D), f)).toBe(c.lo);
        if (c.hi !== Infinity) expect(roundDecimal(toDecimal(c.hi, D), f)).toBe(c.hi);
        // and the default Decimal constructor keeps all digits of the same strings
        expect(roundDecimal(new Decimal(above.toExponential()), f)).toBe(c.hi);
        expect(roundDecimal(new Decimal(below.toExponential()), f)).toBe(c.lo);
      });
    }
  }

  it('half the smallest subnormal: exactly half -> +0 / -0, just above -> min subnormal (decimal strings)', () => {
    // 2^-1075 written out in full (751 significant digits) and nudged in its 800th digit
    const half = toDecimal(2 ** -1074, D).div(2);
    // oxlint-disable-next-line oxc/number-arg-out-of-range -- Decimal#toExponential, not Number's: any digit count is fine
    expect(half.toExponential(39)).toBe('2.470328229206232720882843964341106861825e-324'); // python Decimal(2)**-1075
    const exact = half.toExponential();
    expect(exact.length).toBeGreaterThan(750);
    expect(roundDecimal(new Decimal(exact), FORMATS.float64)).toBe(0);
    expect(roundDecimal(new Decimal('-' + exact), FORMATS.float64)).toBe(-0);
    const nudged = exact.replace('e-324', '0'.repeat(50) + '1e-324');
    expect(roundDecimal(new Decimal(nudged), FORMATS.float64)).toBe(5e-324);
    expect(roundDecimal(new Decimal('-' + nudged), FORMATS.float64)).toBe(-5e-324);
    const under = new D(exact).minus(new D('1e-1200')).toExponential();
    expect(roundDecimal(new Decimal(under), FORMATS.float64)).toBe(0);
  });

  it('far outside decimal.js-friendly ranges: exponents decide alone', () => {
    for (const name of FORMAT_NAMES) {
      const f = FORMATS[name];
      expect(roundDecimal(new Decimal('1e-9000000000000000'), f)).toBe(0);
      expect(roundDecimal(new Decimal('-1e-9000000000000000'), f)).toBe(-0);
      expect(roundDecimal(new Decimal('9.99e8999999999999999'), f)).toBe(Infinity);
      expect(roundDecimal(new Decimal('-1e5000'), f)).toBe(-Infinity);
      expect(roundDecimal(new Decimal('1e-5000'), f)).toBe(0);
      expect(roundDecimal(new Decimal(NaN), f)).toBeNaN();
      expect(roundDecimal(new Decimal(Infinity), f)).toBe(Infinity);
      expect(roundDecimal(new Decimal(-Infinity), f)).toBe(-Infinity);
      expect(roundDecimal(new Decimal(0), f)).toBe(0);
      expect(roundDecimal(new Decimal(-0), f)).toBe(-0);
      expect(roundDecimal(new Decimal('-0.000'), f)).toBe(-0);
    }
    expect(roundDecimal(new Decimal('1e308'), FORMATS.float64)).toBe(1e308);
    expect(roundDecimal(new Decimal('1e309'), FORMATS.float64)).toBe(Infinity);
    expect(roundDecimal(new Decimal('2e-324'), FORMATS.float64)).toBe(0);
    expect(roundDecimal(new Decimal('3e-324'), FORMATS.float64)).toBe(5e-324);
    expect(roundDecimal(new Decimal('65519.999999999999999999999999'), FORMATS.float16)).toBe(65504);
    expect(roundDecimal(new Decimal('65520'), FORMATS.float16)).toBe(Infinity);
  });

  it('where Number(longString) or Math.fround(Number(s)) would be wrong', () => {
    // 1 + 2^-53 (the float64 midpoint above 1) plus 1e-60: correct result is 1 + 2^-52.
    // ECMAScript allows Number(s) to round s at its 20th significant digit first, which
    // gives 1.0000000000000001110 < midpoint -> 1. (V8 happens to be exact; the spec does not require it.)
    const s = new D(exactDecimalString(1 + 2 ** -52)).plus(1).div(2).plus('1e-60').toFixed();
    const twenty = new D(s).toSignificantDigits(20, Decimal.ROUND_HALF_EVEN).toFixed();
    expect(twenty).toBe('1.000000000000000111');
    expect(Number(twenty)).toBe(1); // what a 20-digit pre-rounding leads to
    expect(roundDecimal(new Decimal(s), FORMATS.float64)).toBe(1 + 2 ** -52);
    // float32: 1 + 2^-24 (midpoint) + 1e-40. Number(s) = 1 + 2^-24 exactly (1e-40 is far below
    // half a double ulp), then fround ties to even = 1; the correct float32 is 1 + 2^-23.
    const t = new D(1).plus(toDecimal(2 ** -24, D)).plus('1e-40').toFixed();
    expect(Math.fround(Number(t))).toBe(1);
    expect(roundDecimal(new Decimal(t), FORMATS.float32)).toBe(1 + 2 ** -23);
    // bfloat16 via float32 first is also double rounding
    const b = new D(1).plus(toDecimal(2 ** -8, D)).plus('1e-30').toFixed();
    expect(roundToFormat(Math.fround(Number(b)), FORMATS.bfloat16)).toBe(1);
    expect(roundDecimal(new Decimal(b), FORMATS.bfloat16)).toBe(1 + 2 ** -7);
  });
});

// ---------------------------------------------------------------------------------------

describe('roundDecimal against python (exact Fraction rounding; float(str) for float64)', () => {
  itPy('random 30-60 digit decimals across each format range, and perturbed midpoints', () => {
    const cases: { s: string; fmt: (typeof FORMAT_NAMES)[number] }[] = [];
    for (const name of FORMAT_NAMES) {
      const f = FORMATS[name];
      const lo = Math.floor((f.emin - f.precision + 1) * Math.log10(2)) - 3;
      const hi = Math.ceil((f.emax + 1) * Math.log10(2)) + 2;
      const digit = fc.integer({ min: 0, max: 9 });
      const arb = fc.record({
        neg: fc.boolean(),
        lead: fc.integer({ min: 1, max: 9 }),
        rest: fc.array(digit, { minLength: 29, maxLength: 59 }),
        e: fc.integer({ min: lo, max: hi }),
      });
      for (const r of fc.sample(arb, { seed: 200 + f.precision, numRuns: 2000 })) {
        cases.push({ s: `${r.neg ? '-' : ''}${r.lead}.${r.rest.join('')}e${r.e}`, fmt: name });
      }
      // midpoints of random neighbours, exact and nudged, and cut to 30-60 digits
      const inf = ordinal(Infinity, f);
      const mids = fc.record({ k: fc.bigInt({ min: 0n, max: inf - 1n }), sd: fc.integer({ min: 30, max: 60 }), neg: fc.boolean() });
      for (const r of fc.sample(mids, { seed: 300 + f.precision, numRuns: 500 })) {
        const lo = fromOrdinal(r.k, f);
        const hiV = fromOrdinal(r.k + 1n, f);
        const mid = hiV === Infinity
          ? toDecimal(lo, D).plus(toDecimal(2 ** (f.emax - f.precision), D))
          : toDecimal(lo, D).plus(toDecimal(hiV, D)).div(2);
        const m = r.neg ? mid.neg() : mid;
        const unit = new D(`1e${m.e - 59}`);
        for (
          const v of [
            m,
            m.plus(unit),
            m.minus(unit),
            m.toSignificantDigits(r.sd, Decimal.ROUND_DOWN),
            m.toSignificantDigits(r.sd, Decimal.ROUND_UP),
          ]
        ) {
          cases.push({ s: v.toExponential(), fmt: name });
        }
      }
    }
    const out = py<{ frac: string[]; strtod: (string | null)[] }>(
      `import sys, json
${PY_ROUND}
cs = json.load(sys.stdin)
frac, strtod = [], []
for s, name in cs:
    frac.append(rnd(Fraction(s), s.startswith('-'), name))
    strtod.append(repr(float(s)) if name == 'float64' else None)
print(json.dumps({'frac': frac, 'strtod': strtod}))`,
      cases.map((c) => [c.s, c.fmt]),
    );
    expect(cases.length).toBeGreaterThan(15000);
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const got = roundDecimal(new Decimal(c.s), FORMATS[c.fmt]);
      const want = fromPy(out.frac[i]);
      if (!Object.is(got, want)) bad.push(`${c.fmt} ${c.s}: got ${got}, want ${want}`);
      const sd = out.strtod[i];
      if (sd !== null && !Object.is(got, fromPy(sd))) bad.push(`${c.s}: got ${got}, python float() ${sd}`);
    });
    expect(bad).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------

describe('toDecimal', () => {
  it('is the exact value of the double, not the shortest string', () => {
    expect(toDecimal(0.1).toFixed()).toBe('0.1000000000000000055511151231257827021181583404541015625');
    expect(new Decimal(0.1).toFixed()).toBe('0.1'); // the pitfall toDecimal avoids
    expect(toDecimal(1e23).toFixed()).toBe('99999999999999991611392');
    expect(toDecimal(5e-324).toFixed()).toBe(exactDecimalString(5e-324));
    expect(toDecimal(5e-324).sd()).toBe(751);
    expect(toDecimal(Number.MAX_VALUE).toFixed()).toBe(exactDecimalString(Number.MAX_VALUE));
    expect(toDecimal(-2.5).toFixed()).toBe('-2.5');
  });
  it('keeps -0, NaN and infinities, and uses the given constructor without rounding', () => {
    const z = toDecimal(-0);
    expect(z.isZero() && z.isNegative()).toBe(true);
    expect(toDecimal(0).isNegative()).toBe(false);
    expect(toDecimal(NaN).isNaN()).toBe(true);
    expect(toDecimal(Infinity).eq(Infinity)).toBe(true);
    expect(toDecimal(-Infinity).eq(-Infinity)).toBe(true);
    const Low = Decimal.clone({ precision: 5 });
    const v = toDecimal(0.1, Low);
    expect(v).toBeInstanceOf(Low);
    expect(v.toFixed()).toBe('0.1000000000000000055511151231257827021181583404541015625');
  });
  it('round-trips through roundDecimal for random doubles (fast-check, 10k runs)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => Object.is(roundDecimal(toDecimal(x), FORMATS.float64), x)),
      { seed: 401, numRuns: 10000 },
    );
  });
  it('roundDecimal(toDecimal(x), fmt) equals roundToFormat(x, fmt) (two independent paths)', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true }),
        fc.constantFrom(...FORMAT_NAMES),
        (x, name) => Object.is(roundDecimal(toDecimal(x), FORMATS[name]), roundToFormat(x, FORMATS[name])),
      ),
      { seed: 402, numRuns: 10000 },
    );
    // and near each format's midpoints, where the two could disagree
    for (const name of ['float32', 'float16', 'bfloat16'] as const) {
      const f = FORMATS[name];
      const inf = ordinal(Infinity, f);
      for (const k of fc.sample(fc.bigInt({ min: 0n, max: inf - 2n }), { seed: 403, numRuns: 2000 })) {
        const m = (fromOrdinal(k, f) + fromOrdinal(k + 1n, f)) / 2;
        for (const x of [m, nextUp(m), nextDown(m)]) {
          expect(roundDecimal(toDecimal(x), f)).toBe(roundToFormat(x, f));
        }
      }
    }
  });
});
