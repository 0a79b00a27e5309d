/**
 * Judge one result of an implementation against the correctly rounded reference under the
 * tolerance policy of policy.ts. Pure: no I/O, no adapters.
 */
import { Decimal } from 'decimal.js';
import { getSpec, shapeMismatch, type OpName } from '../ops/registry.js';
import { FORMATS, ulpOf } from '../core/floats.js';
import type { ReferenceResult } from '../reference/index.js';
import { flatten } from './condition.js';
import { summarizeMismatch, type Mismatch } from './mismatch.js';
import { errorInWords } from './wording.js';
import { K_COND, K_FLOOR, K_SUM, multiplierScale, policyFor } from './policy.js';
import type { Dtype } from '../core/dtype.js';
import { scaleUnderflow } from './underflow.js';

export type { Dtype } from '../core/dtype.js';

/** Why a case failed (docs/verdicts.md). 'tiny_absolute' and 'edge_overflow' fail only under --strict. */
export type FailureClass =
  | 'wrong_value'
  | 'tiny_absolute'
  | 'edge_overflow'
  | 'nan_expected_finite'
  | 'inf_expected_finite'
  | 'finite_expected_nonfinite'
  | 'wrong_nonfinite'
  | 'wrong_shape'
  | 'error_reply'
  | 'unsupported'
  | 'crash'
  | 'timeout'
  | 'protocol';

export interface ElementJudgement {
  /** flat index into the result, and the same as a path (e.g. [row, col]) */
  index: number;
  path: number[];
  /** exact value, correctly rounded to 40 digits (or NaN / ±Infinity) */
  expected: string;
  /** the correctly rounded value in the implementation's dtype */
  expectedRounded: number;
  got: number;
  /** |got − exact| (NaN for special-value mismatches) */
  errAbs: number;
  /** errAbs in ULPs of the dtype at the exact value */
  errUlp: number;
  /** the allowed error in ULPs (componentwise bound) */
  allowedUlp: number;
  /** the allowed absolute error (the same bound; 0 where an exact special value is required) */
  allowed: number;
  /** errAbs / allowed: ≤ 1 passes */
  ratio: number;
  status: 'pass' | 'tiny' | 'fail';
  cls: FailureClass | null;
}

export interface Judgement {
  status: 'pass' | 'tiny' | 'fail';
  cls: FailureClass | null;
  /** the element with the largest ratio among the worst status */
  worst: ElementJudgement | null;
  elements: number;
  message: string;
  /** k / n elements out of bound, greatest absolute and relative error (absent when nothing was judged) */
  mismatch?: Mismatch;
  /** every element's judgement (judgeResult sets it; profiles.ts combines them per element) */
  all?: ElementJudgement[];
}

const MAX_FINITE: Record<Dtype, number> = { float64: Number.MAX_VALUE, float32: 3.4028234663852886e38 };
const U: Record<Dtype, number> = { float64: 2 ** -53, float32: 2 ** -24 };
/**
 * The smallest subnormal; η = MIN_SUBNORMAL/2 is the absolute error of one operation in the
 * gradual-underflow range. (2 ** -1075 itself is not a double: it rounds to 0, so the ½ is
 * applied in the product instead.)
 */
const MIN_SUBNORMAL: Record<Dtype, number> = { float64: 2 ** -1074, float32: 2 ** -149 };
/** Smallest normal numbers: below them results live in gradual underflow (or are flushed by FTZ hardware). */
const MIN_NORMAL: Record<Dtype, number> = { float64: 2 ** -1022, float32: 2 ** -126 };

function pathOf(index: number, shape: number[]): number[] {
  if (shape.length === 0) return [];
  if (shape.length === 1) return [index];
  return [Math.floor(index / shape[1]), index % shape[1]];
}

function shapeDims(v: unknown): number[] {
  if (!Array.isArray(v)) return [];
  if (v.length > 0 && Array.isArray(v[0])) return [v.length, (v[0] as unknown[]).length];
  return [v.length];
}

function fmtNum(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return Object.is(x, -0) ? '-0' : String(x);
}

export interface JudgeOptions {
  strict?: boolean;
}

/**
 * Judge `got` (an implementation's result) for `op` on normalised `args`, given the reference
 * result and κ per output (conditionNumbers).
 */
export function judgeResult(
  op: OpName,
  args: Record<string, unknown>,
  ref: ReferenceResult,
  got: unknown,
  dtype: Dtype,
  kappa: number[],
  opts: JudgeOptions = {},
): Judgement {
  const spec = getSpec(op);
  const shapeErr = shapeMismatch(spec.resultShape(args), got);
  if (shapeErr) return { status: 'fail', cls: 'wrong_shape', worst: null, elements: 0, message: `wrong shape: ${shapeErr}` };
  const pol = policyFor(op);
  const u = U[dtype];
  const fmt = FORMATS[dtype];
  const n = pol.sumLength(args);
  const floorRaw = pol.floor(args);
  // F: how much larger (edge overflow) or smaller (intermediate underflow) than the result a
  // sound algorithm's intermediates may be: the summed terms times the largest multiplier
  const edge = Math.max(1, pol.sumLength(args)) * multiplierScale(args);
  const decs = flattenStrings(ref.decimal);
  const expRounded = flatten(ref[dtype]);
  const gotFlat = flatten(got);
  const dims = shapeDims(ref.float64);
  const elements: ElementJudgement[] = [];
  for (let i = 0; i < gotFlat.length; i++) {
    const g = gotFlat[i];
    const eDec = decs[i];
    const eR = expRounded[i];
    const floorM = Array.isArray(floorRaw) ? floorRaw[i] ?? 0 : floorRaw;
    const base = { index: i, path: pathOf(i, dims), expected: eDec, expectedRounded: eR, got: g };
    const special = (cls: FailureClass): ElementJudgement => ({
      ...base,
      errAbs: NaN,
      errUlp: Infinity,
      allowedUlp: 0,
      allowed: 0,
      ratio: Infinity,
      status: 'fail',
      cls,
    });
    if (eDec === 'NaN') {
      elements.push(
        Number.isNaN(g)
          ? { ...base, errAbs: 0, errUlp: 0, allowedUlp: 0, allowed: 0, ratio: 0, status: 'pass', cls: null }
          : special('finite_expected_nonfinite'),
      );
      continue;
    }
    if (eDec === 'Infinity' || eDec === '-Infinity') {
      if (g === Number(eDec)) {
        elements.push({ ...base, errAbs: 0, errUlp: 0, allowedUlp: 0, allowed: 0, ratio: 0, status: 'pass', cls: null });
      } else elements.push(special(Number.isFinite(g) ? 'finite_expected_nonfinite' : 'wrong_nonfinite'));
      continue;
    }
    // a finite exact value
    if (Number.isNaN(g)) {
      elements.push(special('nan_expected_finite'));
      continue;
    }
    const exact = new Decimal(eDec);
    const yAbs = Math.abs(exact.toNumber());
    const ulp = ulpOf(Number.isFinite(eR) ? eR : eR > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE, fmt);
    // Higham's model with underflow: fl(x op y) = (x op y)(1 + δ) + η, |δ| ≤ u, |η| ≤ MIN_SUBNORMAL/2
    // Every term is scaled by u before it is summed: at the top of the range K_COND·κ or
    // K_SUM·(n + 8)·|y| alone exceeds the largest double (|y| ≈ 3.3e307 gave an Infinity
    // allowance that passed any answer). κ is capped at the largest double for the same
    // reason (an estimate that overflowed); the allowance is then finite for every finite y.
    const kap = Math.min(finiteOr(kappa[i], 0), Number.MAX_VALUE);
    const allowed = Math.min(
      u * K_COND * kap + u * K_SUM * (n + 8) * yAbs + 0.5 * K_SUM * (n + 8) * MIN_SUBNORMAL[dtype] + ulp
        + scaleUnderflow(args, i, dims, yAbs, dtype),
      Number.MAX_VALUE,
    );
    // Intermediate underflow: a sound algorithm's intermediates may be F = `edge` times
    // smaller than the result (a product with a large grad_output or weight), so for
    // |y| < MIN_NORMAL·F an intermediate may underflow and lose up to |y|; and a subnormal y
    // missed by less than the smallest normal (flush-to-zero hardware, as in GPU and SIMD
    // kernels). Both are tiny in absolute terms: failing only under --strict.
    // (underflow and flush-to-zero never flip a sign: a result of the wrong sign is not tiny)
    const sameSign = g === 0 || g < 0 === exact.isNeg();
    const underflow = sameSign && yAbs < MIN_NORMAL[dtype] * edge ? Math.max(MIN_NORMAL[dtype], yAbs) : 0;
    const allowedLoose = Math.max(allowed + u * K_FLOOR * (n + 8) * Math.min(finiteOr(floorM, 0), Number.MAX_VALUE), underflow);
    if (!Number.isFinite(g)) {
      // ±∞ where the exact value is finite: fine only if the exact value overflows the dtype
      if (g === eR) {
        elements.push({ ...base, errAbs: 0, errUlp: 0, allowedUlp: allowed / ulp, allowed, ratio: 0, status: 'pass', cls: null });
      } else if (Math.sign(g) === Math.sign(Number(eDec)) && yAbs * edge >= MAX_FINITE[dtype]) {
        // an intermediate of a sound algorithm may overflow this close to the top of the range
        elements.push({ ...special('edge_overflow'), status: opts.strict ? 'fail' : 'tiny' });
      } else elements.push(special('inf_expected_finite'));
      continue;
    }
    const errAbs = Math.abs(new Decimal(g).minus(exact).toNumber());
    const ratio = errAbs / allowed;
    let status: ElementJudgement['status'] = 'pass';
    let cls: FailureClass | null = null;
    if (errAbs > allowed) {
      if (errAbs <= allowedLoose) {
        status = opts.strict ? 'fail' : 'tiny';
        cls = 'tiny_absolute';
      } else {
        status = 'fail';
        cls = 'wrong_value';
      }
    }
    elements.push({ ...base, errAbs, errUlp: errAbs / ulp, allowedUlp: allowed / ulp, allowed, ratio, status, cls });
  }
  const rank = { fail: 2, tiny: 1, pass: 0 } as const;
  let worst: ElementJudgement | null = null;
  for (const e of elements) {
    if (!worst || rank[e.status] > rank[worst.status] || (rank[e.status] === rank[worst.status] && e.ratio > worst.ratio)) worst = e;
  }
  const status = worst?.status ?? 'pass';
  return {
    status,
    cls: worst?.cls ?? null,
    worst,
    elements: elements.length,
    message: describe(worst, dtype),
    mismatch: summarizeMismatch(elements),
    all: elements,
  };
}

export function describe(e: ElementJudgement | null, dtype: Dtype = 'float64'): string {
  if (!e) return 'no outputs';
  const at = e.path.length ? `[${e.path.join('][')}]` : '';
  const head = `output${at}: expected ${e.expected}, got ${fmtNum(e.got)}`;
  switch (e.cls) {
    case null:
      return `${head} (${
        errorInWords({
          errAbs: e.errAbs,
          allowedAbs: e.allowed,
          exact: Number(e.expected),
          errUlp: e.errUlp,
          allowedUlp: e.allowedUlp,
          ratio: e.ratio,
        }, dtype)
      })`;
    case 'wrong_value':
    case 'tiny_absolute': {
      // plain words (wording.ts): ULP for a normal value and a small error, the absolute error near zero, the relative error beyond that
      const words = errorInWords({
        errAbs: e.errAbs,
        allowedAbs: e.allowed,
        exact: Number(e.expected),
        errUlp: e.errUlp,
        allowedUlp: e.allowedUlp,
        ratio: e.ratio,
        tiny: e.cls === 'tiny_absolute',
      }, dtype);
      return `${head}: ${words}`;
    }
    case 'nan_expected_finite':
      return `${head}: NaN where a finite value is expected`;
    case 'inf_expected_finite':
      return `${head}: ±Infinity where a finite value is expected`;
    case 'edge_overflow':
      return `${head}: ±Infinity where a finite value near the top of the format is expected (an intermediate overflowed; fails with --strict)`;
    case 'finite_expected_nonfinite':
      return `${head}: expected ${e.expected}`;
    case 'wrong_nonfinite':
      return `${head}: wrong non-finite value`;
    default:
      return head;
  }
}

const finiteOr = (
  x: number | undefined,
  fallback: number,
): number => (x !== undefined && Number.isFinite(x) ? Math.abs(x) : x === Infinity ? Number.MAX_VALUE : fallback);

function flattenStrings(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => flattenStrings(x));
  return [String(v)];
}
