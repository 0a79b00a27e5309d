/**
 * Gradient checks for the catalog's backward ops.
 *
 * Every backward op B of the registry (src/ops/registry.ts) returns the vector-Jacobian product of its
 * forward op F = the record's gradient.forward with respect to one argument, gradient.wrt
 * (docs/semantics.md): B(args with grad_output = v) = J_F(args[wrt])ᵀ·v. This module turns
 * a catalog op and its normalised args into the pieces the checkers need:
 *
 *  - the forward as a function of args[wrt] flattened (row-major) to a Float64Array, its
 *    result flattened too (a matrix row-major, a reduced loss a 1-vector):
 *      catalogForward(B, args)            the fast path FAST[F] in float64;
 *      catalogForwardEnclosure(B, args)   the reference's enclosures referenceEnclosure(F, …)
 *                                         at ~50 working digits (midpoints and radii);
 *  - the analytic side from B itself, v the cotangent shaped like F's result (a matrix for
 *    softmax / log_softmax, [N] for sigmoid and for losses with reduction 'none', v[0] for
 *    'mean' / 'sum'):
 *      catalogVjp(B, args, 'reference')   the correctly rounded float64 of reference(B, …);
 *      catalogVjp(B, args, 'fast')        FAST[B](…, 'float64');
 *      catalogVjp(B, args, fn)            any implementation of B (planted bugs, your own);
 *  - gradcheckOp(B, args, options): the whole check, numeric side either Ridders on the
 *    float64 fast forward (`numeric: 'float64'`, the default; every gradcheck option applies)
 *    or high-precision central differences of the reference forward (`numeric: 'decimal'`).
 *
 * Two cotangents: 'basis' (default) checks the full Jacobian, vjp called with every unit
 * vector e_o; 'given' checks the scalar x ↦ ⟨g, F(x)⟩ against B(args) with the args' own
 * grad_output g — the only way to see a backward that mishandles a non-unit grad_output of a
 * reduced loss (the basis check only ever passes grad_output = 1 there).
 *
 * The decimal mode. The reference evaluates ops at doubles (it starts from the exact value
 * of each binary input), so x ± h must be doubles: every step is a power of two h with
 * x ± h, x ± h/2, x ± h/4 exact (checked with TwoSum), the largest with h ≤ 2^-20·s, s the
 * input's length scale (lengthScale: max(1, log1p|x|) ≤ max(1, |x|) for logits, min(p, 1 − p)
 * for probabilities so the steps stay inside (0, 1)). When x's bits force a smaller step, the
 * working precision grows by the decades the step loses (at most 2^-20 smaller: ≤ 6 digits),
 * so the rounding of the forward divided by h stays ~10^-44 relative; it also grows with
 * |F(x)|. When x's bits allow no such step (x = 1e-300 next to h = 2^-20, or 1 − 3·2^-53,
 * where x + h crosses 1) the rows use the doubles nearest x ± h_r; their centres are off x by
 * ~one ulp, and that offset's first-order effect f''·e is removed with the second difference
 * through f(x) (planSteps, decimalNumeric). The central differences at h, h/2, h/4 are
 * extrapolated twice (Richardson in h², exact step ratios); the error estimate is the
 * distance to the fourth-order entries (~h⁴), the noise the enclosures' radii times the
 * tableau's amplification. The tolerance is gradcheckDecimal's (docs/gradcheck.md):
 * k·(estimate + noise) + 8·u·max(1, max|x|)·|numeric| + 8·u·max|row|, plus 8 subnormal quanta
 * (8·2^-1074: a float64 analytic value in the gradual-underflow range cannot be closer than
 * its spacing). gradcheckDecimal itself cannot be fed from the reference: it steps by decimal
 * powers of ten, which are not doubles.
 */
import { Decimal } from 'decimal.js';
import { isProbabilityTarget } from '../core/args.js';
import { type ArgsByOp, getSpec, gradientOf, OP_SPECS, type OpName } from '../ops/registry.js';
import { toDecimal } from '../core/exact.js';
import { fastEvaluate, reference, referenceEnclosure } from '../ops/evaluate.js';
import { Exact, type Iv } from '../reference/interval.js';
import { analyticOps } from './analytic.js';
import { GradcheckError } from './errors.js';
import { FLOAT64 } from './format.js';
import { centralStepFactor, gradcheck, riddersStepFactor } from './gradcheck.js';
import { argumentPoint, withArgument } from './hooks.js';
import { entry, summarize, verdictMessage } from './report.js';
import type { Analytic, EntryCheck, GradcheckOptions, GradcheckReport } from './types.js';
import type { Dtype } from '../core/dtype.js';

/** The backward ops of the catalog (kind 'backward'; their names end in _backward). */
export type BackwardOp = Extract<OpName, `${string}_backward`>;

export const BACKWARD_OPS: readonly BackwardOp[] = OP_SPECS.filter((s) => s.kind === 'backward').map((s) => s.name as BackwardOp);

/** Normalised args of a backward op (the output of getSpec(B).validate(raw)). */
export type BackwardArgs<B extends BackwardOp = BackwardOp> = ArgsByOp[B];

/** An implementation of a backward op: normalised args (grad_output included) ↦ its result. */
export type BackwardFn = (args: Record<string, unknown>) => unknown;

export type BackwardImpl = 'reference' | 'fast' | BackwardFn;

export type Cotangent = 'basis' | 'given';

/** The forward op, the differentiated argument and the shapes of one backward op at its args. */
export interface OpProblem {
  op: BackwardOp;
  forward: OpName;
  wrt: string;
  args: Record<string, unknown>;
  /** args[wrt] flattened row-major */
  x: Float64Array;
  /** length of F's flattened result */
  outputs: number;
  /** the args' grad_output flattened like F's result (the 'given' cotangent) */
  cotangent: number[];
  /** the flat cotangent v shaped as B's grad_output */
  shapeGrad(v: ArrayLike<number>): number | number[] | number[][];
  /** args with args[wrt] replaced by the flat x */
  at(x: ArrayLike<number>): Record<string, unknown>;
}

function isBackward(op: string): op is BackwardOp {
  return (BACKWARD_OPS as readonly string[]).includes(op);
}

/** Validate raw, JSON-shaped args of a backward op into the normalised form. */
export function normalizeOpArgs<B extends BackwardOp>(op: B, raw: unknown): BackwardArgs<B> {
  return getSpec(op).validate(raw) as BackwardArgs<B>;
}

/** Describe one backward op at its normalised args: forward op, wrt, shapes, the given cotangent. */
export function opProblem(op: BackwardOp, args: BackwardArgs | Record<string, unknown>): OpProblem {
  if (!isBackward(op)) throw new GradcheckError(`${String(op)} is not a backward op of the catalog (${BACKWARD_OPS.join(', ')})`);
  const grad = gradientOf(op)!;
  const { forward, wrt } = grad;
  const a = args as Record<string, unknown>;
  const x = Float64Array.from(argumentPoint(a, wrt));
  const g = a.grad_output;
  let shapeGrad: OpProblem['shapeGrad'];
  let cotangent: number[];
  let outputs: number;
  const w = a[wrt] as number[] | number[][];
  const sameShape = grad.layout === 'same-as-wrt' || (grad.layout === 'elementwise-loss' && a.reduction === 'none');
  if (sameShape && Array.isArray(w[0])) {
    const rows = w.length;
    const cols = w[0].length;
    outputs = rows * cols;
    shapeGrad = (v) => Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => v[r * cols + c]));
    cotangent = (g as number[][]).flat();
  } else if (sameShape) {
    outputs = x.length;
    shapeGrad = (v) => Array.from(v);
    cotangent = (g as number[]).slice();
  } else if (grad.layout === 'elementwise-loss') {
    outputs = 1;
    shapeGrad = (v) => v[0];
    cotangent = [g as number];
  } else {
    const reduction = a.reduction as string;
    const n = (a[wrt] as unknown[]).length;
    if (reduction === 'none') {
      outputs = n;
      shapeGrad = (v) => Array.from(v);
      cotangent = (g as number[]).slice();
    } else {
      outputs = 1;
      shapeGrad = (v) => v[0];
      cotangent = [g as number];
    }
  }
  if (cotangent.length !== outputs) {
    throw new GradcheckError(`${op}: grad_output has ${cotangent.length} entries, the forward ${forward} has ${outputs} outputs`);
  }
  return { op, forward, wrt, args: a, x, outputs, cotangent, shapeGrad, at: (v) => withArgument(a, wrt, v) };
}

function flatNumbers(r: unknown, what: string): number[] {
  if (typeof r === 'number') return [r];
  if (Array.isArray(r)) return (r as unknown[]).flat() as number[];
  throw new GradcheckError(`${what} returned ${typeof r}, expected a number or an array`);
}

/** The fast path's forward F as a function of args[wrt] (flat), result flattened. */
export function catalogForward(
  op: BackwardOp,
  args: BackwardArgs | Record<string, unknown>,
  dtype: Dtype = 'float64',
): (x: ArrayLike<number>) => Float64Array {
  const p = opProblem(op, args);
  return (x) => Float64Array.from(flatNumbers(fastEvaluate(p.forward, p.at(x), dtype), `the fast ${p.forward}`));
}

/** Midpoints and radii of the reference's enclosures of F at one point. */
export interface EnclosureValues {
  mid: Decimal[];
  rad: Decimal[];
}

function flatIv(v: unknown): Iv[] {
  if (Array.isArray(v)) return (v as unknown[]).flatMap((e) => flatIv(e));
  return [v as Iv];
}

const midClasses = new Map<number, typeof Decimal>();
function midClass(digits: number): typeof Decimal {
  let D = midClasses.get(digits);
  if (!D) {
    D = Decimal.clone({ precision: digits, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -7, toExpPos: 21, minE: -9e15, maxE: 9e15 });
    midClasses.set(digits, D);
  }
  return D;
}

/**
 * The reference's forward F as a function of args[wrt] (flat): the enclosures of
 * referenceEnclosure(F, args, workingDigits), as midpoints and radii (decimal.js values at
 * workingDigits + 10 digits). Throws a GradcheckError when an enclosure is not finite.
 */
export function catalogForwardEnclosure(
  op: BackwardOp,
  args: BackwardArgs | Record<string, unknown>,
  workingDigits = 50,
): (x: ArrayLike<number>) => EnclosureValues {
  const p = opProblem(op, args);
  return (x) => {
    const ivs = flatIv(referenceEnclosure(p.forward, p.at(x), workingDigits));
    const D = midClass(workingDigits + 10);
    const mid: Decimal[] = [];
    const rad: Decimal[] = [];
    ivs.forEach((iv, o) => {
      if (!iv.lo.isFinite() || !iv.hi.isFinite()) {
        throw new GradcheckError(
          `${p.forward}: reference output ${o} is not finite ([${iv.lo.toString()}, ${iv.hi.toString()}]); derivatives are not defined there`,
        );
      }
      const lo = new D(iv.lo);
      const hi = new D(iv.hi);
      mid.push(lo.plus(hi).div(2));
      rad.push(hi.minus(lo).div(2).abs());
    });
    return { mid, rad };
  };
}

/** Normalised args as raw args reference() accepts (ignore_index only with class targets). */
function asRaw(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (v !== undefined) out[k] = v;
  if ('target' in out && Array.isArray(out.target) && isProbabilityTarget(out.target as number[] | number[][])) delete out.ignore_index;
  return out;
}

/**
 * The reference's backward as an implementation of B: the correctly rounded result of
 * reference(B, args) in `dtype` (17 digits are asked for: only the float is used, and the
 * Ziv loop raises the working precision when it must). `maxDigits` bounds that loop
 * (reference's default 3000); past it reference throws a PrecisionError.
 */
export function referenceBackward(op: BackwardOp, options: { maxDigits?: number; dtype?: Dtype } = {}): BackwardFn {
  const dtype = options.dtype ?? 'float64';
  return (a) => reference(op, asRaw(a), { digits: 17, ...(options.maxDigits ? { maxDigits: options.maxDigits } : {}) })[dtype];
}

/** An implementation of B as a function of normalised args: 'reference', 'fast', or your own. */
export function backwardFunction(op: BackwardOp, impl: BackwardImpl = 'reference', dtype: Dtype = 'float64'): BackwardFn {
  if (typeof impl === 'function') return impl;
  if (impl === 'fast') {
    return (a) => fastEvaluate(op, a, dtype);
  }
  if (impl === 'reference') return referenceBackward(op, { dtype });
  throw new GradcheckError(`backward must be 'reference', 'fast' or a function, got ${String(impl)}`);
}

/** v ↦ B(args with args[wrt] = x, grad_output = v), flattened: the VJP of F at x. */
export function catalogVjp(
  op: BackwardOp,
  args: BackwardArgs | Record<string, unknown>,
  impl: BackwardImpl = 'reference',
): (x: ArrayLike<number>, v: ArrayLike<number>) => number[] {
  const p = opProblem(op, args);
  const b = backwardFunction(op, impl);
  return (x, v) => flatNumbers(b({ ...p.at(x), grad_output: p.shapeGrad(v) }), op);
}

/** x ↦ B(args with args[wrt] = x) with the args' own grad_output: the gradient of ⟨g, F(x)⟩. */
export function catalogGradient(
  op: BackwardOp,
  args: BackwardArgs | Record<string, unknown>,
  impl: BackwardImpl = 'reference',
): (x: ArrayLike<number>) => number[] {
  const p = opProblem(op, args);
  const b = backwardFunction(op, impl);
  return (x) => flatNumbers(b(p.at(x)), op);
}

// ---------------------------------------------------------------------------------------
// steps that are doubles

/** a + b is exactly representable (TwoSum's error term is 0; no overflow). */
function exactSum(a: number, b: number): boolean {
  const s = a + b;
  if (!Number.isFinite(s)) return false;
  const bb = s - a;
  const aa = s - bb;
  return a - aa + (b - bb) === 0;
}

/** x ± h, x ± h/2, x ± h/4 are all exact doubles inside the domain. */
function exactAt(x: number, h: number, inside: (v: number) => boolean): boolean {
  for (const hh of [h, h / 2, h / 4]) {
    if (hh === 0 || !exactSum(x, hh) || !exactSum(x, -hh)) return false;
    if (!inside(x + hh) || !inside(x - hh)) return false;
  }
  return true;
}

/**
 * The largest power of two h ≤ target such that x ± h, x ± h/2 and x ± h/4 are all doubles
 * (exactly x ± h) inside the domain (default: finite), searching down to target·2^-minLog2;
 * undefined if there is none (x's low bits are finer than any such step, or an all-ones
 * mantissa just below a power of two, whose only exact step is one ulp).
 */
export function exactStep(x: number, target: number, inside: (v: number) => boolean = Number.isFinite, minLog2 = 1100): number | undefined {
  if (!Number.isFinite(x) || !(target > 0)) return undefined;
  const k0 = Math.min(1023, Math.floor(Math.log2(target)));
  for (let k = k0; k >= Math.max(-1072, k0 - minLog2); k--) if (exactAt(x, 2 ** k, inside)) return 2 ** k;
  return undefined;
}

/** How input i is stepped in the decimal mode. */
export interface StepPlan {
  /** 'exact': the points are exactly x ± h_r; 'rounded': the doubles nearest x ± h_r (off-centre by ~one ulp of x, corrected in decimalNumeric) */
  kind: 'exact' | 'rounded';
  /** nominal first step (a power of two); rows use h, h/2, h/4 */
  h: number;
  /** the evaluation points [x + h_r, x − h_r] (doubles) for r = 0, 1, 2 */
  points: [number, number][];
}

/**
 * Plan the steps for input x with length scale s: exact power-of-two steps h ≤ 2^-20·s (at
 * most 2^-20 smaller: a smaller step costs working digits); otherwise (x's low bits are finer
 * than such a step allows: x = 1e-300 next to h = 2^-20, or x = 1 − 3·2^-53, where x + h
 * crosses 1 and loses x's last bit) the doubles nearest x ± h_r, h = the largest power of two
 * ≤ 2^-20·s, whose off-centre offsets are corrected in decimalNumeric; undefined when those
 * points leave the domain or coincide with x (no usable step).
 */
export function planSteps(x: number, s: number, inside: (v: number) => boolean = Number.isFinite): StepPlan | undefined {
  const target = 2 ** CATALOG_DECIMAL_DEFAULTS.stepLog2 * s;
  if (!Number.isFinite(x) || !(target > 0)) return undefined;
  const exact = exactStep(x, target, inside, 20);
  const pts = (h: number): [number, number][] => [0, 1, 2].map((r) => [x + h / 2 ** r, x - h / 2 ** r]);
  if (exact !== undefined) return { kind: 'exact', h: exact, points: pts(exact) };
  const h = 2 ** Math.min(1023, Math.floor(Math.log2(target)));
  const points = pts(h);
  for (const [tp, tm] of points) if (!inside(tp) || !inside(tm) || !(tp > x) || !(x > tm)) return undefined;
  return { kind: 'rounded', h, points };
}

/**
 * The length scale of input x of op's wrt argument: min(p, 1 − p) for probabilities;
 * max(1, log1p|x|) for logits (functions of logits curve on a length ~1 whatever |x| is:
 * softmax(x + c) = softmax(x)). Unlike gradcheck's default scale there is no √u·|x| term:
 * where a step of a few ulps of x exceeds 2^-20 of this length (|x| ≳ 2e10) no step is used
 * at all (the input is skipped) — at x = 3.3e307 the smallest double step is ~1e292, and a
 * tie of two such logits has a derivative of 1/4 that no such step can see.
 */
export function lengthScale(op: BackwardOp, x: number, args?: Record<string, unknown>): number {
  const domain = domainName(op, args);
  if (domain === 'open-unit') return Math.min(x, 1 - x);
  if (domain === 'positive') return x;
  return Math.max(1, Math.log1p(Math.abs(x)));
}

/** the record's domain of args[wrt]; kl_div's targets are log-probabilities (any real) with log_target */
function domainName(op: BackwardOp, args?: Record<string, unknown>): 'real' | 'open-unit' | 'positive' {
  const domain = gradientOf(op)?.domain ?? 'real';
  return domain === 'positive' && args?.log_target === true ? 'real' : domain;
}

function domainOf(op: BackwardOp, args?: Record<string, unknown>): (v: number) => boolean {
  const domain = domainName(op, args);
  if (domain === 'open-unit') return (v) => v > 0 && v < 1;
  if (domain === 'positive') return (v) => v > 0;
  return Number.isFinite;
}

// ---------------------------------------------------------------------------------------
// the decimal numeric side

export const CATALOG_DECIMAL_DEFAULTS = {
  /** working digits of the reference's enclosures at a step of 2^-20·s */
  digits: 50,
  /** steps are ≤ 2^stepLog2·s */
  stepLog2: -20,
  k: 4,
  rtolUlps: 8,
  atolUlps: 8,
  /** subnormal quanta (2^-1074) added to every tolerance */
  quanta: 8,
  maxFailures: 20,
} as const;

export interface DecimalNumericOptions {
  /** working digits at the nominal step (default 50, at least 30); inputs whose exact step is smaller get more */
  digits?: number;
  /** inputs to differentiate (default: every input that has a usable step) */
  mask?: readonly number[];
}

/** The numeric Jacobian of the reference forward at x, kept exact enough to contract later. */
export interface DecimalNumeric {
  op: BackwardOp;
  outputs: number;
  inputs: number;
  /** inputs differentiated */
  mask: number[];
  /** inputs without a usable step (not differentiated), with the reason */
  skipped: { input: number; reason: string }[];
  /** per checked input: the step plan and the working digits used */
  plans: StepPlan[];
  digits: number[];
  /** per checked input q and output o: the tableau entries T22 (6th order), T21, T11 (4th order) */
  t22: Decimal[][];
  t21: Decimal[][];
  t11: Decimal[][];
  /** per checked input q and output o: the largest enclosure radius seen */
  sigma: Decimal[][];
  /** per checked input q: the amplification of the radii by the tableau (σ ↦ σ·amp) */
  amp: Decimal[];
  /** per checked input q and output o: the centre-offset term of the error ('rounded' plans; else 0) */
  centre: number[][];
  /** max |x| */
  xmax: number;
  /** the point */
  x: Float64Array;
}

/**
 * Central differences of the reference forward, extrapolated twice: for each input, rows at
 * h, h/2, h/4 (StepPlan), divided differences (f(t+) − f(t−))/(t+ − t−) of the enclosures'
 * midpoints, Neville in the squared realised half-widths. With 'rounded' points the rows are
 * off-centre by e_r ~ one ulp of x; the first-order effect f''·e_r is removed with the second
 * difference through f(x), and what that correction can miss (the spread of the rows' second
 * differences, plus 2^-20·|f''|, times max e_r·Σ|λ_r|) joins the error estimate. One numeric
 * Jacobian can be compared with any number of analytic sides (checkDecimal).
 */
export function decimalNumeric(
  op: BackwardOp,
  args: BackwardArgs | Record<string, unknown>,
  options: DecimalNumericOptions = {},
): DecimalNumeric {
  const p = opProblem(op, args);
  const base = options.digits ?? CATALOG_DECIMAL_DEFAULTS.digits;
  if (!Number.isInteger(base) || base < 30 || base > 900) throw new GradcheckError(`digits = ${base} must be an integer in [30, 900]`);
  const n = p.x.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(p.x[i])) throw new GradcheckError(`x[${i}] = ${p.x[i]} is not finite: derivatives need a finite point`);
  }
  const inside = domainOf(op, p.args);
  const candidates = options.mask ? [...new Set(options.mask)].sort((a, b) => a - b) : Array.from({ length: n }, (_, i) => i);
  const mask: number[] = [];
  const plans: StepPlan[] = [];
  const digits: number[] = [];
  const skipped: DecimalNumeric['skipped'] = [];
  for (const i of candidates) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new GradcheckError(`mask entry ${i} is not an input index in [0, ${n})`);
    const s = lengthScale(op, p.x[i], p.args);
    const plan = planSteps(p.x[i], s, inside);
    if (!plan) {
      skipped.push({
        input: i,
        reason: s > 0
          ? `x[${i}] = ${p.x[i]}: no step h ≤ 2^-20·${s.toPrecision(3)} with x ± h, x ± h/2, x ± h/4 doubles in the domain`
          : `x[${i}] = ${p.x[i]} is on the boundary of the domain`,
      });
      continue;
    }
    const target = 2 ** CATALOG_DECIMAL_DEFAULTS.stepLog2 * s;
    mask.push(i);
    plans.push(plan);
    digits.push(base + Math.max(0, Math.floor(Math.log10(target / plan.h))));
  }
  if (mask.length === 0) throw new GradcheckError(`no input can be differentiated: ${skipped.map((v) => v.reason).join('; ')}`);
  const m = p.outputs;
  const f0Cache = new Map<number, EnclosureValues>();
  const f0At = (wd: number) => {
    let v = f0Cache.get(wd);
    if (!v) {
      v = catalogForwardEnclosure(op, args, wd)(p.x);
      f0Cache.set(wd, v);
    }
    return v;
  };
  // f(x) must be finite; its magnitude costs digits (a cross-entropy of 3e307 at 50 digits
  // is known to ±3e257, useless for a derivative of −1)
  const fmag = f0At(base).mid.reduce((acc, v) => Decimal.max(acc, v.abs()), new Decimal(1));
  const magDigits = Math.max(0, fmag.e);
  for (let q = 0; q < digits.length; q++) digits[q] += magDigits;
  const out: Pick<DecimalNumeric, 't22' | 't21' | 't11' | 'sigma' | 'amp' | 'centre'> = {
    t22: [],
    t21: [],
    t11: [],
    sigma: [],
    amp: [],
    centre: [],
  };
  mask.forEach((i, q) => {
    const wd = digits[q];
    const D = midClass(wd + 10);
    const evalF = catalogForwardEnclosure(op, args, wd);
    const plan = plans[q];
    const f0 = f0At(wd);
    const rows: Decimal[][] = [];
    const ws: Decimal[] = [];
    const es: Decimal[] = [];
    const amp0: Decimal[] = [];
    const xX = toDecimal(p.x[i], Exact);
    const curvLo: (Decimal | undefined)[] = new Array(m).fill(undefined);
    const curvHi: (Decimal | undefined)[] = new Array(m).fill(undefined);
    const sig = f0.rad.map((v) => new D(v));
    for (let r = 0; r < 3; r++) {
      const [tp, tm] = plan.points[r];
      const xp = Float64Array.from(p.x);
      const xm = Float64Array.from(p.x);
      xp[i] = tp;
      xm[i] = tm;
      const fp = evalF(xp);
      const fm = evalF(xm);
      if (fp.mid.length !== m || fm.mid.length !== m) {
        throw new GradcheckError(`${p.forward} returned ${fp.mid.length} outputs at a step, ${m} expected`);
      }
      // w = (t+ − t−)/2 the half-width, e = (t+ + t−)/2 − x the centre offset (formed exactly:
      // e can be 300 orders of magnitude below w), a = t+ − x = w + e, b = x − t− = w − e
      const tpX = toDecimal(tp, Exact);
      const tmX = toDecimal(tm, Exact);
      const w = new D(tpX.minus(tmX).div(2));
      const e = new D(tpX.plus(tmX).div(2).minus(xX));
      const a = new D(tpX.minus(xX));
      const b = new D(xX.minus(tmX));
      const row: Decimal[] = [];
      for (let o = 0; o < m; o++) {
        const up = new D(fp.mid[o]);
        const dn = new D(fm.mid[o]);
        let d = up.minus(dn).div(w.times(2));
        if (!e.isZero()) {
          // (f(x+a) − f(x−b))/(a+b) = f' + f''·e + f'''·(w² + 3e²)/6 + …: remove f''·e with the
          // second difference f'' ≈ 2·[(f(x+a) − f(x))/a − (f(x) − f(x−b))/b]/(a + b)
          const f0o = new D(f0.mid[o]);
          const c2 = up.minus(f0o).div(a).minus(f0o.minus(dn).div(b)).div(w);
          d = d.minus(c2.times(e));
          const lo = curvLo[o];
          const hi = curvHi[o];
          curvLo[o] = lo ? Decimal.min(lo, c2) : c2;
          curvHi[o] = hi ? Decimal.max(hi, c2) : c2;
        }
        row.push(d);
        sig[o] = Decimal.max(sig[o], fp.rad[o], fm.rad[o]);
      }
      rows.push(row);
      ws.push(w);
      es.push(e.abs());
      // amplification of the radii: σ/w from the difference, plus 4·|e|/w²·σ from the correction
      amp0.push(new D(1).div(w).plus(e.abs().times(4).div(w.times(w))));
    }
    // Neville in w² (exact ratios for exact steps): T[r][j] = (W[r−j]·T[r][j−1] − W[r]·T[r−1][j−1]) / (W[r−j] − W[r]);
    // N propagates the radii's amplification, L = Σ|λ_r| (the weight of a per-row error)
    const W = ws.map((v) => v.times(v));
    const T: Decimal[][][] = rows.map((row) => [row]);
    const N: Decimal[][] = amp0.map((v) => [v]);
    const L: Decimal[][] = ws.map(() => [new D(1)]);
    for (let r = 1; r < 3; r++) {
      for (let j = 1; j <= r; j++) {
        const den = W[r - j].minus(W[r]);
        const c1 = W[r - j].div(den);
        const c2 = W[r].div(den);
        T[r].push(T[r][j - 1].map((v, o) => c1.times(v).minus(c2.times(T[r - 1][j - 1][o]))));
        N[r].push(c1.abs().times(N[r][j - 1]).plus(c2.abs().times(N[r - 1][j - 1])));
        L[r].push(c1.abs().times(L[r][j - 1]).plus(c2.abs().times(L[r - 1][j - 1])));
      }
    }
    out.t22.push(T[2][2]);
    out.t21.push(T[2][1]);
    out.t11.push(T[1][1]);
    out.sigma.push(sig);
    out.amp.push(N[2][2]);
    // the f''·e correction is as good as the rows' second differences agree (their spread),
    // plus 2^-20 of f'' for what the spread cannot show
    const emax = Decimal.max(...es);
    out.centre.push(
      curvHi.map((hi, o) => {
        const lo = curvLo[o];
        if (!hi || !lo) return 0; // every row centred on x (exact steps)
        const spread = hi.minus(lo).abs().plus(Decimal.max(hi.abs(), lo.abs()).times(2 ** -20));
        return spread.times(emax).times(L[2][2]).toNumber();
      }),
    );
  });
  let xmax = 0;
  for (const v of p.x) xmax = Math.max(xmax, Math.abs(v));
  return { op, outputs: m, inputs: n, mask, skipped, plans, digits, ...out, xmax, x: Float64Array.from(p.x) };
}

export interface CheckDecimalOptions {
  /** compare the gradient of ⟨cotangent, F⟩ instead of the full Jacobian (cotangent flat, one per output) */
  cotangent?: readonly number[];
  k?: number;
  rtol?: number;
  atol?: number;
  maxFailures?: number;
  keepEntries?: boolean;
}

/** Compare an analytic derivative at num.x with a decimal numeric Jacobian (the tolerance of gradcheckDecimal). */
export function checkDecimal(num: DecimalNumeric, analytic: Analytic<Float64Array>, options: CheckDecimalOptions = {}): GradcheckReport {
  const c = options.cotangent;
  if (c && c.length !== num.outputs) throw new GradcheckError(`cotangent has ${c.length} entries, the forward has ${num.outputs} outputs`);
  const m = c ? 1 : num.outputs;
  const k = options.k ?? CATALOG_DECIMAL_DEFAULTS.k;
  const u = FLOAT64.u;
  const rtol = options.rtol ?? CATALOG_DECIMAL_DEFAULTS.rtolUlps * u * Math.max(1, num.xmax);
  const quanta = CATALOG_DECIMAL_DEFAULTS.quanta * Number.MIN_VALUE;
  const ops = analyticOps(analytic, () => Float64Array.from(num.x), m, num.inputs);
  const A = ops.block(num.mask);
  // numeric values per (o, q), contracted with the cotangent when given (Richardson is linear)
  const value: number[][] = Array.from({ length: m }, () => []);
  const err: number[][] = Array.from({ length: m }, () => []);
  const noise: number[][] = Array.from({ length: m }, () => []);
  const fNoise: number[] = new Array(m).fill(0);
  num.mask.forEach((_, q) => {
    // the tableau's own class (its working precision); the cotangent enters exactly
    const D = (num.t22[q][0]?.constructor as typeof Decimal | undefined) ?? Decimal;
    const cD = c ? c.map((v) => toDecimal(v, D)) : [];
    const pick = (t: Decimal[][]) => (c ? [t[q].reduce((s, v, o) => s.plus(v.times(cD[o])), new D(0))] : t[q]);
    const best = pick(num.t22);
    const a21 = pick(num.t21);
    const a11 = pick(num.t11);
    const centre = c ? [num.centre[q].reduce((acc, v, o) => acc + v * Math.abs(c[o]), 0)] : num.centre[q];
    const sig = c ? [num.sigma[q].reduce((s, v, o) => s.plus(v.times(cD[o].abs())), new D(0))] : num.sigma[q];
    for (let o = 0; o < m; o++) {
      value[o].push(best[o].toNumber());
      err[o].push(Decimal.max(best[o].minus(a21[o]).abs(), best[o].minus(a11[o]).abs()).toNumber() + centre[o]);
      noise[o].push(sig[o].times(num.amp[q]).toNumber());
      fNoise[o] = Math.max(fNoise[o], sig[o].toNumber());
    }
  });
  const entries: EntryCheck[] = [];
  for (let o = 0; o < m; o++) {
    const scale = Math.max(0, ...value[o].map(Math.abs));
    const atol = options.atol ?? CATALOG_DECIMAL_DEFAULTS.atolUlps * u * scale;
    num.mask.forEach((i, q) => {
      const tol = k * (err[o][q] + noise[o][q]) + rtol * Math.abs(value[o][q]) + atol + quanta;
      entries.push(entry(o, i, A[o][q], value[o][q], err[o][q], noise[o][q], tol));
    });
  }
  const s = summarize(entries, options.maxFailures ?? CATALOG_DECIMAL_DEFAULTS.maxFailures);
  const rep = {
    ok: s.failed === 0,
    worst: s.worst,
    checked: entries.length,
    failed: s.failed,
    failures: s.failures,
    seed: 0,
    mode: 'decimal' as const,
    method: 'decimal' as const,
    dtype: 'float64' as const,
    order: 1 as const,
    shape: { outputs: m, inputs: num.inputs, checkedInputs: num.mask.length },
    settings: { k, rtol, atol: options.atol ?? ('derived' as const), u, digits: Math.min(...num.digits) },
    fNoise,
    ...(options.keepEntries ? { entries } : {}),
  };
  const skipped = num.skipped.length
    ? `; ${num.skipped.length} input(s) without a usable step not checked (${num.skipped.map((v) => v.input).join(', ')})`
    : '';
  const extra = `; numeric: ${num.op.replace(/_backward$/, '')} reference at ${Math.min(...num.digits)}${
    Math.max(...num.digits) > Math.min(...num.digits) ? `–${Math.max(...num.digits)}` : ''
  } digits, exact steps${
    num.plans.some((v) => v.kind === 'rounded')
      ? ` (${num.plans.filter((v) => v.kind === 'rounded').length} input(s) at rounded points)`
      : ''
  }${c ? ', given cotangent' : ''}${skipped}`;
  return { ...rep, message: verdictMessage(rep, extra) };
}

// ---------------------------------------------------------------------------------------
// the one-call check

export interface OpCheckOptions extends GradcheckOptions {
  /** the backward under test: 'reference' (default), 'fast', or any implementation of B */
  backward?: BackwardImpl;
  /** the numeric side: Ridders / central on the float64 fast forward (default), or the decimal reference */
  numeric?: 'float64' | 'decimal';
  /** 'basis' (default): the full Jacobian; 'given': the gradient of ⟨grad_output, F⟩ */
  cotangent?: Cotangent;
  /** decimal mode: working digits at the nominal step (default 50) */
  digits?: number;
}

/** The analytic side of a check (see gradcheckOp). */
export function opAnalytic(
  op: BackwardOp,
  args: BackwardArgs | Record<string, unknown>,
  backward: BackwardImpl = 'reference',
  cotangent: Cotangent = 'basis',
): Analytic<Float64Array> {
  return cotangent === 'given' ? { gradient: catalogGradient(op, args, backward) } : { vjp: catalogVjp(op, args, backward) };
}

/**
 * Check a catalog backward op at normalised args (getSpec(op).validate(raw), or
 * normalizeOpArgs). See the module comment for the two numeric sides and cotangents.
 * Probabilities (binary_cross_entropy_backward) get Ridders steps proportional to
 * min(p, 1 − p) unless options.step is given, so the tableau stays inside (0, 1).
 */
export function gradcheckOp(op: BackwardOp, args: BackwardArgs | Record<string, unknown>, options: OpCheckOptions = {}): GradcheckReport {
  const { backward = 'reference', numeric = 'float64', cotangent = 'basis', digits, ...gc } = options;
  const p = opProblem(op, args);
  const analytic = opAnalytic(op, args, backward, cotangent);
  if (numeric === 'decimal') {
    const mask = gc.mask === undefined ? undefined : resolveIndexMask(gc.mask, p.x.length);
    const num = decimalNumeric(op, args, { digits, mask });
    return checkDecimal(num, analytic, {
      cotangent: cotangent === 'given' ? p.cotangent : undefined,
      k: gc.k,
      rtol: gc.rtol,
      atol: gc.atol,
      maxFailures: gc.maxFailures,
      keepEntries: gc.keepEntries,
    });
  }
  if (numeric !== 'float64') throw new GradcheckError(`numeric = ${JSON.stringify(numeric)} must be "float64" or "decimal"`);
  const fwd = catalogForward(op, args);
  const f = cotangent === 'given'
    ? (x: Float64Array) => {
      const y = fwd(x);
      let s = 0;
      for (let o = 0; o < y.length; o++) s += p.cotangent[o] * y[o];
      return s;
    }
    : fwd;
  const opts: GradcheckOptions = { ...gc };
  if (opts.step === undefined && p.wrt === 'probs' && !opts.fastMode) {
    const factor = (opts.method ?? 'ridders') === 'ridders' ? riddersStepFactor(FLOAT64.u) : centralStepFactor(FLOAT64.u);
    opts.step = Array.from(p.x, (v) => factor * Math.min(v, 1 - v));
  }
  return gradcheck(f, Float64Array.from(p.x), analytic, opts);
}

function resolveIndexMask(mask: readonly boolean[] | readonly number[], n: number): number[] {
  if (mask.length > 0 && typeof mask[0] === 'boolean') {
    if (mask.length !== n) throw new GradcheckError(`mask has ${mask.length} booleans but x has ${n} inputs`);
    return (mask as readonly boolean[]).flatMap((b, i) => (b ? [i] : []));
  }
  return [...(mask as readonly number[])];
}
