/**
 * kl_div as rigorous interval enclosures (see src/reference/interval.ts): the forward loss,
 * its vector-Jacobian product with respect to input, and the one with respect to target.
 * The Ziv loop of src/reference/index.ts decides every output from these enclosures.
 *
 * Pointwise terms (x = input, t = target; README.md "Special values" lists every edge):
 *   log_target = false:  ℓ = t·(log t − x)      d/dx = −t      d/dt = log t + 1 − x
 *   log_target = true:   ℓ = e^t·(t − x)        d/dx = −e^t    d/dt = e^t·(t + 1 − x)
 * Reductions: none [N][C]; sum Σℓ; mean Σℓ/(N·C); batchmean Σℓ/N. Backward outputs are
 * grad_output·(derivative)/D with D the reduction's denominator (1 for none and sum).
 *
 * Two habits keep the enclosures tight and exact zeros exact, as in src/reference/ops.ts:
 *  - log_target = false is evaluated as Σ t·log t − Σ t·x: the second sum is EXACT (a
 *    Decimal wide enough for any sum of products of doubles), so only the t·log t terms
 *    carry enclosure width, and a loss whose terms are huge (|x| ~ 1e300) but cancel is
 *    decided as soon as the working precision covers the cancellation;
 *  - differences of inputs (t − x, t + 1 − x, 1 − x) are exact; t = 1 gives log t = [0, 0],
 *    so t = 1, x = 0 is an exact 0 and t = x (log_target) too.
 * The zero-coefficient rule (docs/semantics.md) is applied where the coefficient is exactly
 * 0: t = 0 (or e^t = 0 at t = −∞) contributes exactly 0 to the loss and to both gradients,
 * whatever x is (−∞ or NaN included), and grad_output = 0 gives exactly 0.
 */
import { Decimal } from 'decimal.js';
import { toDecimal } from '../../core/exact.js';
import { PrecisionError } from '../../core/errors.js';
import { ctxFor, expPoint, ln2, lnPoint } from '../../reference/elementary.js';
import { decompose } from '../../core/floats.js';
import { decide, type Decided } from '../../reference/index.js';
import { type Ctx, Exact, type Iv } from '../../reference/interval.js';
import { gradAt, reductionDenominator, validate, type KlDivArgs, type KlOpName } from './args.js';

const dec = (x: number): Decimal => toDecimal(x, Exact);

/**
 * Exact sums of products of two doubles: a product's exact decimal has at most ~1,540
 * significant digits and a sum of them spans at most 10^617 .. 10^-2148, so 3,000 digits
 * hold every such sum without rounding (Exact's 1,500 cover sums of doubles only).
 */
const Wide = Decimal.clone({ precision: 3000, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -7, toExpPos: 21, minE: -9e15, maxE: 9e15 });
const wide = (x: number): Decimal => toDecimal(x, Wide);

/**
 * One pointwise term, split as `iv − exact` (exact = t·x for log_target = false, else 0).
 * Special values come back as a point `iv` and exact 0.
 */
interface Term {
  iv: Iv;
  exact: Decimal;
}

const ZERO = new Wide(0);

function special(ctx: Ctx, v: number): Term {
  return { iv: ctx.point(v), exact: ZERO };
}

/** t·(log t − x) as t·log t − t·x (t ≥ 0 after validation; NaN / t < 0 defensively NaN) */
function termProb(ctx: Ctx, x: number, t: number): Term {
  if (Number.isNaN(t) || t < 0) return special(ctx, NaN);
  if (t === 0) return special(ctx, 0); // zero-coefficient rule: 0·log 0 = 0, 0·(−∞) = 0, 0·NaN = 0
  if (Number.isNaN(x)) return special(ctx, NaN);
  if (t === Infinity) return special(ctx, x === Infinity ? NaN : Infinity); // ∞·(∞ − x)
  if (x === -Infinity) return special(ctx, Infinity);
  if (x === Infinity) return special(ctx, -Infinity);
  return { iv: ctx.scale(lnPoint(ctx, dec(t)), t), exact: Wide.mul(wide(t), wide(x)) };
}

/** e^t·(t − x) */
function termLog(ctx: Ctx, x: number, t: number): Term {
  if (Number.isNaN(t)) return special(ctx, NaN);
  if (t === -Infinity) return special(ctx, 0); // e^−∞ = 0 exactly: zero-coefficient rule
  if (Number.isNaN(x)) return special(ctx, NaN);
  if (t === Infinity) return special(ctx, x === Infinity ? NaN : Infinity);
  if (x === -Infinity) return special(ctx, Infinity);
  if (x === Infinity) return special(ctx, -Infinity);
  const d = Exact.sub(dec(t), dec(x)); // exact: a difference of two doubles
  if (d.isZero()) return special(ctx, 0);
  return { iv: ctx.mul(expPoint(ctx, dec(t)), ctx.point(d)), exact: ZERO };
}

function terms(ctx: Ctx, a: KlDivArgs): Term[][] {
  const f = a.log_target ? termLog : termProb;
  return a.input.map((row, n) => row.map((x, c) => f(ctx, x, a.target[n][c])));
}

const settle = (ctx: Ctx, t: Term): Iv => (t.exact.isZero() ? t.iv : ctx.sub(t.iv, ctx.point(t.exact)));

/** log2 t when t > 0 is a power of two, else null */
function log2IfPowerOfTwo(t: number): number | null {
  const { mantissa, exponent } = decompose(t);
  if ((mantissa & (mantissa - 1n)) !== 0n) return null;
  return exponent + mantissa.toString(2).length - 1;
}

/**
 * Σ ℓ over the regular (finite, non-special) terms, decidable when it is exactly 0.
 * When is a reduced loss exactly 0? Write each t = m·2^e (m odd). log_target = false:
 * Σ t·log t − Σ t·x = Σ_p a_p·log p − R with rational a_p (p over the primes) and R; as the
 * log p are linearly independent over the rationals and e^R is transcendental for rational
 * R ≠ 0 (Lindemann), it is 0 iff every a_p = 0 and R = 0. An odd m > 1 adds a positive
 * amount to some a_p (t > 0), so a zero needs every t to be a power of two: then
 * Σ t·log t = E·ln 2 with E = Σ t·e exact, which is what is computed in that case.
 * log_target: Σ e^t·(t − x) = Σ over distinct t of e^t·d_t with d_t = Σ (t − x) over the
 * entries sharing that t; by Lindemann–Weierstrass it is 0 iff every d_t = 0, so the terms
 * are grouped by t and a group with d_t = 0 drops out exactly.
 */
function regularSum(ctx: Ctx, a: KlDivArgs): Iv {
  const cells: [x: number, t: number][] = [];
  a.input.forEach((row, n) =>
    row.forEach((x, c) => {
      const t = a.target[n][c];
      const special = a.log_target
        ? !Number.isFinite(t) || !Number.isFinite(x)
        : !(t > 0) || !Number.isFinite(t) || !Number.isFinite(x);
      if (!special) cells.push([x, t]);
    })
  );
  if (a.log_target) {
    const groups = new Map<number, Decimal>();
    for (const [x, t] of cells) groups.set(t, (groups.get(t) ?? new Wide(0)).plus(Wide.sub(wide(t), wide(x))));
    const ivs: Iv[] = [];
    for (const [t, d] of groups) if (!d.isZero()) ivs.push(ctx.mul(expPoint(ctx, dec(t)), ctx.point(d)));
    return ctx.sum(ivs);
  }
  let tx = new Wide(0);
  for (const [x, t] of cells) tx = tx.plus(Wide.mul(wide(t), wide(x)));
  const e2 = cells.map(([, t]) => log2IfPowerOfTwo(t));
  let tlogt: Iv;
  if (e2.every((e) => e !== null)) {
    const E = cells.reduce((acc, [, t], i) => acc.plus(Wide.mul(wide(t), e2[i])), new Wide(0));
    tlogt = E.isZero() ? ctx.point(0) : ctx.scale(ln2(ctx), E);
  } else {
    tlogt = ctx.sum(cells.map(([, t]) => ctx.scale(lnPoint(ctx, dec(t)), t)));
  }
  return tx.isZero() ? tlogt : ctx.sub(tlogt, ctx.point(tx));
}

/** kl_div forward: a number for sum / mean / batchmean, [N][C] for none. */
export function klDiv(ctx: Ctx, a: KlDivArgs): Iv | Iv[][] {
  const T = terms(ctx, a);
  if (a.reduction === 'none') return T.map((row) => row.map((t) => settle(ctx, t)));
  // special terms are exact points (0, ±∞, NaN); the regular ones are summed by regularSum
  const specials: Iv[] = [];
  T.forEach((row) => row.forEach((t) => t.exact.isZero() && t.iv.isPoint() && specials.push(t.iv)));
  const total = ctx.add(ctx.sum(specials.filter((v) => !v.lo.isFinite() || v.lo.isNaN())), regularSum(ctx, a));
  const D = reductionDenominator(a);
  return D === 1 ? total : ctx.div(total, ctx.point(D));
}

/** g·v/D for an enclosure v of the derivative, with the zero-coefficient rule for g = 0. */
function scaled(ctx: Ctx, v: Iv, g: number, D: number): Iv {
  if (g === 0 || v.isExactZero()) return ctx.point(0);
  if (Number.isNaN(g) || v.isNaN()) return ctx.point(NaN);
  if (!Number.isFinite(g)) {
    // ±∞·v: the sign of v decides (an enclosure touching 0 is refined by the Ziv loop)
    if (v.lo.gt(0)) return ctx.point(g);
    if (v.hi.lt(0)) return ctx.point(-g);
  }
  const r = ctx.scale(v, g);
  return D === 1 ? r : ctx.div(r, ctx.point(D));
}

/** d kl_div / d input: −t·g/D (log_target: −e^t·g/D); independent of x. */
export function klDivBackward(ctx: Ctx, a: KlDivArgs): Iv[][] {
  const D = reductionDenominator(a);
  return a.input.map((row, n) =>
    row.map((_x, c) => {
      const t = a.target[n][c];
      const g = gradAt(a, n, c);
      let v: Iv;
      if (Number.isNaN(t) || (!a.log_target && t < 0)) v = ctx.point(NaN);
      else if (a.log_target) v = t === -Infinity ? ctx.point(0) : ctx.neg(expPoint(ctx, dec(t)));
      else v = ctx.point(-t); // t = 0 gives −0 → an exact zero, reported +0
      return scaled(ctx, v, g, D);
    })
  );
}

/**
 * d kl_div / d target: g·(log t + 1 − x)/D for t > 0 and exactly 0 at t = 0 (PyTorch's
 * kl_div_target_backward: masked_fill(target == 0, 0); README.md explains the choice);
 * log_target: g·e^t·(t + 1 − x)/D, exactly 0 at t = −∞.
 */
export function klDivTargetBackward(ctx: Ctx, a: KlDivArgs): Iv[][] {
  const D = reductionDenominator(a);
  return a.input.map((row, n) =>
    row.map((x, c) => {
      const t = a.target[n][c];
      const g = gradAt(a, n, c);
      return scaled(ctx, a.log_target ? dTargetLog(ctx, x, t) : dTargetProb(ctx, x, t), g, D);
    })
  );
}

function dTargetProb(ctx: Ctx, x: number, t: number): Iv {
  if (Number.isNaN(t) || t < 0) return ctx.point(NaN);
  if (t === 0) return ctx.point(0);
  if (Number.isNaN(x)) return ctx.point(NaN);
  if (t === Infinity) return ctx.point(x === Infinity ? NaN : Infinity); // log ∞ + 1 − x
  if (!Number.isFinite(x)) return ctx.point(x > 0 ? -Infinity : Infinity);
  return ctx.add(lnPoint(ctx, dec(t)), ctx.point(Exact.sub(1, dec(x)))); // 1 − x exact
}

function dTargetLog(ctx: Ctx, x: number, t: number): Iv {
  if (Number.isNaN(t)) return ctx.point(NaN);
  if (t === -Infinity) return ctx.point(0); // e^−∞ = 0 exactly
  if (Number.isNaN(x)) return ctx.point(NaN);
  if (t === Infinity) return ctx.point(x === Infinity ? NaN : Infinity);
  if (!Number.isFinite(x)) return ctx.point(x > 0 ? -Infinity : Infinity);
  const s = Exact.add(dec(t), 1).minus(dec(x)); // t + 1 − x, exact (spans ≤ 1,383 digits)
  if (s.isZero()) return ctx.point(0);
  return ctx.mul(expPoint(ctx, dec(t)), ctx.point(s));
}

/** The reference of each op of the folder, in the shape of REFERENCE_OPS entries. */
export const REFERENCE: { [N in KlOpName]: (ctx: Ctx, a: KlDivArgs) => Iv | Iv[][] } = {
  kl_div: klDiv,
  kl_div_backward: klDivBackward,
  kl_div_target_backward: klDivTargetBackward,
};

// ---------------------------------------------------------------------------------------
// a Ziv driver for this folder's ops, until the registry routes them through reference()

export interface KlReferenceResult {
  op: KlOpName;
  digits: number;
  decimal: string | string[][];
  float64: number | number[][];
  float32: number | number[][];
  float16: number | number[][];
  bfloat16: number | number[][];
  workingDigits: number;
}

/**
 * The correctly rounded value of a kl op on raw JSON-shaped args, with the same Ziv loop as
 * src/reference/index.ts's reference() (working precision digits + 8, doubled until every
 * output is decided, PrecisionError past maxDigits).
 */
export function referenceKl(op: KlOpName, rawArgs: unknown, opts: { digits?: number; maxDigits?: number } = {}): KlReferenceResult {
  const digits = opts.digits ?? 40;
  const maxDigits = opts.maxDigits ?? 3000;
  const args = validate[op](rawArgs);
  let working = digits + 8;
  for (;;) {
    const enc = REFERENCE[op](ctxFor(working), args);
    const flat = Array.isArray(enc) ? enc.flat() : [enc];
    const decided = flat.map((iv) => decide(iv, digits));
    const undecided = decided.filter((d) => d === null).length;
    if (undecided === 0) {
      const ds = decided as Decided[];
      const C = args.input[0].length;
      const pick = <K extends keyof Decided>(k: K): Decided[K] | Decided[K][][] =>
        Array.isArray(enc) ? args.input.map((_, n) => ds.slice(n * C, n * C + C).map((d) => d[k])) : ds[0][k];
      return {
        op,
        digits,
        decimal: pick('decimal'),
        float64: pick('float64'),
        float32: pick('float32'),
        float16: pick('float16'),
        bfloat16: pick('bfloat16'),
        workingDigits: working,
      };
    }
    if (working >= maxDigits) {
      throw new PrecisionError(
        `${op}: ${undecided} output(s) could not be rounded correctly within ${maxDigits} working digits; raise maxDigits`,
      );
    }
    working = Math.min(maxDigits, working * 2);
  }
}
