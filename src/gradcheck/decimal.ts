/**
 * gradcheckDecimal: the high-precision mode. The numeric derivative comes from a function
 * evaluated in decimal.js at `digits` significant digits (for example the catalog's
 * reference ops): central differences at h, h/2, h/4 with h = 10^(-⌊digits/5⌋)·10^⌈log10 s_i⌉
 * (s_i the length scale of x_i, max(1, log1p|x_i|), see format.ts) and two Richardson steps.
 * A plain central difference balances h² against 10^-digits/h at h = 10^(-digits/3); after
 * extrapolation the chosen entry's truncation is ~h⁶ and the error estimate (its distance to
 * the fourth-order entries) ~h⁴, so a larger step is better: at 40 digits, h ~ 1e-8 gives an
 * estimate ~1e-32 and a rounding term ~10^-40·(intermediates ≤ 10^6)/h ≤ 1e-26 — far below
 * float64's resolution, including for intermediates much larger than f (LSE ≈ max x inside a
 * tiny CE).
 * The float64 (or float32) analytic derivative is then checked essentially exactly: the
 * tolerance is the numeric error estimate plus a few ULPs of the analytic value.
 */
import { Decimal } from 'decimal.js';
import { analyticOps } from './analytic.js';
import { GradcheckError } from './errors.js';
import { describe, type GradInput, makePoint, resolveMask, scaleOf } from './format.js';
import { entry, summarize, verdictMessage } from './report.js';
import type { Analytic, EntryCheck, GradcheckReport } from './types.js';
import type { Dtype } from '../core/dtype.js';

export type DecimalOutput = Decimal | readonly Decimal[] | readonly (readonly Decimal[])[];
export type DecimalFn = (x: Decimal[]) => DecimalOutput;

export interface GradcheckDecimalOptions {
  /** working precision in significant digits (default 40, or the precision of options.Decimal) */
  digits?: number;
  /**
   * the Decimal class the inputs are made with; fDec must compute at that class's precision
   * (decimal.js rounds each result to its operands' constructor's precision). Default: a
   * clone of decimal.js with precision = digits, ROUND_HALF_EVEN.
   */
  Decimal?: typeof Decimal;
  /** safety factor on the numeric error estimate + noise (default 4) */
  k?: number;
  /** default 8·u·max(1, max|x_i|): a few ULPs of the analytic value's own rounding, times the condition of exp-type intermediates */
  rtol?: number;
  /** default 8·u·max_i |numeric[o][i]| per output row */
  atol?: number;
  mask?: readonly boolean[] | readonly number[];
  /** format of the analytic values (a Float32Array x implies float32) */
  dtype?: Dtype;
  maxFailures?: number;
  /** keep every compared entry in report.entries */
  keepEntries?: boolean;
}

export const DECIMAL_DEFAULTS = { digits: 40, k: 4, rtolUlps: 8, atolUlps: 8, maxFailures: 20 } as const;

const cache = new Map<number, typeof Decimal>();
/** A decimal.js clone at `digits` significant digits, round-half-even, wide exponent range. */
export function decimalClass(digits: number): typeof Decimal {
  let D = cache.get(digits);
  if (!D) {
    D = Decimal.clone({ precision: digits, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -7, toExpPos: 21, minE: -9e15, maxE: 9e15 });
    cache.set(digits, D);
  }
  return D;
}

/** The exact value of a double as a Decimal of class D (not the shortest decimal string). */
export function exactDecimal(v: number, D: typeof Decimal = Decimal): Decimal {
  if (!Number.isFinite(v)) return new D(v);
  if (v === 0) return new D(Object.is(v, -0) ? '-0' : '0');
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  const bits = dv.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  const be = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = be === 0 ? frac : frac | (1n << 52n);
  const e = be === 0 ? -1074 : be - 1075;
  const s = e >= 0 ? (mant << BigInt(e)).toString() : `${(mant * 5n ** BigInt(-e)).toString()}e-${-e}`;
  return new D((neg ? '-' : '') + s);
}

function flattenDecimal(y: unknown, where: string): Decimal[] {
  const isDec = (v: unknown): v is Decimal => Decimal.isDecimal(v);
  if (isDec(y)) return [y];
  if (Array.isArray(y)) {
    const out: Decimal[] = [];
    y.forEach((r, i) => {
      if (Array.isArray(r)) {
        r.forEach((c, j) => {
          if (!isDec(c)) throw new GradcheckError(`${where}[${i}][${j}] = ${describe(c)} is not a Decimal`);
          out.push(c);
        });
      } else if (isDec(r)) out.push(r);
      else throw new GradcheckError(`${where}[${i}] = ${describe(r)} is not a Decimal`);
    });
    return out;
  }
  throw new GradcheckError(`${where} must return a Decimal or an array of Decimals, got ${describe(y)}`);
}

/**
 * Check a float analytic derivative against the derivative of a decimal function computed
 * at many digits. x is the float point (its exact binary value is passed to fDec).
 */
export function gradcheckDecimal<X extends GradInput>(
  fDec: DecimalFn,
  x: X,
  analytic: Analytic<X>,
  options: GradcheckDecimalOptions = {},
): GradcheckReport {
  if (typeof fDec !== 'function') throw new GradcheckError('fDec must be a function of Decimal[]');
  const point = makePoint(x, options.dtype);
  const fmt = point.format;
  const n = point.values.length;
  const mask = resolveMask(options.mask, n);
  const digits = options.digits ?? options.Decimal?.precision ?? DECIMAL_DEFAULTS.digits;
  if (!Number.isInteger(digits) || digits < 20 || digits > 1000) {
    throw new GradcheckError(`digits = ${digits} must be an integer in [20, 1000] (float64 needs ~17 digits; the step eats a third)`);
  }
  const D = options.Decimal ?? decimalClass(digits);
  if (D.precision < digits) {
    throw new GradcheckError(`options.Decimal has precision ${D.precision} but digits = ${digits}; raise its precision`);
  }
  const k = options.k ?? DECIMAL_DEFAULTS.k;
  let xmaxAll = 0;
  for (const v of point.values) xmaxAll = Math.max(xmaxAll, Math.abs(v));
  // a few ulps of the analytic value, times max(1, max|x|): exp-type intermediates (exp(x_j − max x))
  // turn the rounding of input-sized numbers into relative errors ~u·|x| that no float
  // implementation can avoid
  const rtol = options.rtol ?? DECIMAL_DEFAULTS.rtolUlps * fmt.u * Math.max(1, xmaxAll);
  const maxFailures = options.maxFailures ?? DECIMAL_DEFAULTS.maxFailures;
  const xD = Array.from(point.values, (v) => exactDecimal(v, D));
  let m = -1;
  const evalAt = (xs: Decimal[], where: () => string): Decimal[] => {
    const y = flattenDecimal(fDec(xs.slice()), 'fDec');
    if (m >= 0 && y.length !== m) throw new GradcheckError(`fDec returned ${y.length} outputs at ${where()} but ${m} at x`);
    const bad = y.findIndex((v) => !v.isFinite());
    if (bad >= 0) {
      throw new GradcheckError(
        m < 0
          ? `fDec(x) is not finite: output ${bad} = ${y[bad].toString()}`
          : `fDec is not finite at ${where()}: output ${bad} = ${y[bad].toString()}`,
      );
    }
    return y;
  };
  const f0 = evalAt(xD, () => 'x');
  m = f0.length;
  if (m === 0) throw new GradcheckError('fDec(x) returned an empty array: there is nothing to differentiate');
  const ops = analyticOps(analytic, () => point.make(point.values) as X, m, n);
  const A = ops.block(mask);
  const eps = new D(10).pow(1 - digits); // relative rounding of one decimal result
  let xmax = 0;
  for (const v of point.values) xmax = Math.max(xmax, Math.abs(v));
  // f's absolute rounding: eps·|f|, but intermediates can be larger than f (CE = LSE − x_y
  // with LSE ≈ x_max ≫ CE), so the floor is eps·max(|f|, 1)·max(1, max|x|); at 10^-digits
  // even a generous floor stays far below float64 resolution.
  const num: number[][] = Array.from({ length: m }, () => []);
  const errs: number[][] = Array.from({ length: m }, () => []);
  const noises: number[][] = Array.from({ length: m }, () => []);
  const fnoise = f0.map((v) => eps.times(Decimal.max(v.abs(), 1)).times(Math.max(1, xmax)));
  const stepExp = Math.floor(digits / 5);
  mask.forEach((i) => {
    const scaleExp = Math.ceil(Math.log10(scaleOf(point.values[i], 'log')) - 1e-12);
    const h = new D(10).pow(scaleExp - stepExp);
    const rows: Decimal[][] = [];
    const hs: Decimal[] = [];
    for (let r = 0; r < 3; r++) {
      const hr = h.div(2 ** r);
      const xp = xD.slice();
      const xm = xD.slice();
      xp[i] = xD[i].plus(hr);
      xm[i] = xD[i].minus(hr);
      const width = xp[i].minus(xm[i]);
      const fp = evalAt(xp, () => `x[${i}] + ${hr.toExponential(3)}`);
      const fm = evalAt(xm, () => `x[${i}] - ${hr.toExponential(3)}`);
      rows.push(fp.map((v, o) => v.minus(fm[o]).div(width)));
      hs.push(width.div(2));
    }
    // Neville in h² (two Richardson steps): T[r][j] = (H[r-j]·T[r][j-1] − H[r]·T[r-1][j-1]) / (H[r-j] − H[r]);
    // N[r][j] propagates the rounding amplification the same way (N[r][0] = 1/h_r)
    const H = hs.map((v) => v.times(v));
    const T: Decimal[][][] = rows.map((row) => [row]);
    const N: Decimal[][] = hs.map((v) => [new D(1).div(v)]);
    for (let r = 1; r < 3; r++) {
      for (let j = 1; j <= r; j++) {
        const den = H[r - j].minus(H[r]);
        const c1 = H[r - j].div(den);
        const c2 = H[r].div(den);
        T[r].push(T[r][j - 1].map((a, o) => c1.times(a).minus(c2.times(T[r - 1][j - 1][o]))));
        N[r].push(c1.times(N[r][j - 1]).plus(c2.times(N[r - 1][j - 1])));
      }
    }
    for (let o = 0; o < m; o++) {
      const best = T[2][2][o];
      // the error of the fourth-order entries T[2][1], T[1][1] bounds that of T[2][2]
      const e = Decimal.max(best.minus(T[2][1][o]).abs(), best.minus(T[1][1][o]).abs());
      num[o].push(best.toNumber());
      errs[o].push(e.toNumber());
      noises[o].push(fnoise[o].times(N[2][2]).toNumber());
    }
  });
  const entries: EntryCheck[] = [];
  for (let o = 0; o < m; o++) {
    const scale = Math.max(0, ...num[o].map(Math.abs));
    const atol = options.atol ?? DECIMAL_DEFAULTS.atolUlps * fmt.u * scale;
    mask.forEach((i, q) => {
      const tol = k * (errs[o][q] + noises[o][q]) + rtol * Math.abs(num[o][q]) + atol;
      entries.push(entry(o, i, A[o][q], num[o][q], errs[o][q], noises[o][q], tol));
    });
  }
  const s = summarize(entries, maxFailures);
  const rep = {
    ok: s.failed === 0,
    worst: s.worst,
    checked: entries.length,
    failed: s.failed,
    failures: s.failures,
    seed: 0,
    mode: 'decimal' as const,
    method: 'decimal' as const,
    dtype: fmt.dtype,
    order: 1 as const,
    shape: { outputs: m, inputs: n, checkedInputs: mask.length },
    settings: { k, rtol, atol: options.atol ?? ('derived' as const), u: fmt.u, digits },
    fNoise: fnoise.map((v) => v.toNumber()),
    ...(options.keepEntries ? { entries } : {}),
  };
  return { ...rep, message: verdictMessage(rep, `; numeric at ${digits} digits${point.rounded ? '; x was rounded to float32' : ''}`) };
}
