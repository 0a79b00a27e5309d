/**
 * Judge one sweep point: the verdict of `verify` (checkCase's steps: validate → correctly
 * rounded reference → the implementation's result → condition numbers → judgeResult),
 * summarised as the error in ULP and relative terms, where the result is NaN / ±Infinity
 * although the exact value is not, and whether the point counts as broken for the threshold
 * search.
 */
import { getSpec, type OpName } from '../ops/registry.js';
import { PrecisionError } from '../core/errors.js';
import type { RawArgs } from '../core/regimes.js';
import type { ReferenceResult } from '../reference/index.js';
import { type ConventionProfile, judgeWithProfile } from '../verify/profiles.js';
import { reference } from '../ops/evaluate.js';
import type { Adapter, CallOutcome } from '../verify/adapter.js';
import { conditionNumbers, type Float64Evaluator } from '../verify/condition.js';
import type { Dtype, FailureClass, Judgement } from '../verify/verdict.js';
import { analyticKappa, analyticKappaApplies } from '../verify/condition.js';
import { judgeFailedCall } from '../verify/run.js';

/** Rows wider than this are judged with closed-form condition numbers. */
export const WIDE_C = 64;

/**
 * What a broken point returns: NaN / +Infinity / −Infinity where the exact value is not that,
 * a finite value out of its bound, a wrong special value (a finite or different non-finite
 * value where the exact one is NaN or ±Infinity), the wrong shape, or an error reply.
 * (Not "NaN" / "Infinity": the project's JSON spells non-finite numbers that way.)
 */
export type BreakKind = 'nan' | '+inf' | '-inf' | 'wrong value' | 'wrong special' | 'wrong shape' | 'error';

export interface PointEval {
  status: 'pass' | 'tiny' | 'fail' | 'skip';
  cls: FailureClass | null;
  /** the worst element's error in ULP of the dtype at the exact value (Infinity for a non-finite mismatch) */
  errUlp: number | null;
  /** the allowed error of that element in ULP */
  allowedUlp: number | null;
  /** the same element's absolute error and allowed absolute error, and its exact value (for plain words near zero) */
  errAbs: number | null;
  allowedAbs: number | null;
  exact: number | null;
  /** error / allowed (≤ 1 passes) */
  ratio: number | null;
  /** |got − exact| / |exact| of that element (null when the exact value is 0 or not finite) */
  relErr: number | null;
  /** outputs that are NaN / +Infinity / −Infinity although the exact value is not */
  nan: number;
  posInf: number;
  negInf: number;
  /** outputs whose exact value is NaN or ±Infinity (and the implementation agreed or not) */
  expectedNonFinite: number;
  /** a failing verdict (NaN / ±Infinity where the exact value is finite, out of bound, error…) */
  broken: boolean;
  /** not broken, but ±Infinity where the exact value is finite and within (n + 1)·max(1, |weights|) of the largest float (verify's edge overflow; broken under --strict) */
  edge: boolean;
  what: BreakKind | null;
  message: string;
  /** the implementation's time for the call, ms */
  ms: number | null;
  /** element path of the worst element */
  path: number[] | null;
  /** the implementation's result (kept only on request) */
  got?: unknown;
  /** the correctly rounded value in the dtype (kept only on request) */
  expected?: unknown;
}

export interface JudgeContext {
  adapter: Adapter;
  dtype: Dtype;
  strict: boolean;
  profile: ConventionProfile;
  evaluator: Float64Evaluator;
  /** counters for the run's statistics */
  stats: { evaluations: number; referenceMs: number; adapterMs: number; wide: number };
}

const DEATH = new Set<FailureClass>(['crash', 'timeout', 'protocol', 'error_reply']);

function flat(v: unknown): unknown[] {
  return Array.isArray(v) ? v.flatMap((x) => flat(x)) : [v];
}

/** Working-precision cap of the reference (checkCase's is 3000 digits: seconds to minutes per case). */
export const REFERENCE_MAX_DIGITS = 400;

/**
 * The exact value, correctly rounded: 40 digits, then 34 if the exact value sits on a 40-digit
 * decimal rounding tie (a double whose exact decimal expansion has 41 digits ending in 5 plus
 * an exponentially small term: deciding it needs thousands of digits), all within
 * REFERENCE_MAX_DIGITS. Throws PrecisionError when the float rounding itself cannot be decided.
 */
function boundedReference(op: OpName, raw: RawArgs): ReferenceResult {
  // always the exact value: a profile adds accepted alternatives (verify/profiles.ts)
  try {
    return reference(op, raw, { digits: 40, maxDigits: REFERENCE_MAX_DIGITS });
  } catch (e) {
    if (!(e instanceof PrecisionError)) throw e;
    return reference(op, raw, { digits: 34, maxDigits: REFERENCE_MAX_DIGITS });
  }
}

/**
 * verify's checkCase, step for step (validate → reference → the implementation's result →
 * condition numbers → judgeResult), with two changes that keep sweeps fast: the reference's
 * working precision is capped (boundedReference), and rows wider than WIDE_C get closed-form
 * condition numbers (kappa.ts). test/audit.test.ts checks that it agrees with checkCase.
 */
export async function judgeCase(
  ctx: Pick<JudgeContext, 'adapter' | 'dtype' | 'strict' | 'profile' | 'evaluator'>,
  op: OpName,
  raw: RawArgs,
): Promise<{ judgement: Judgement; ref?: ReferenceResult; outcome?: CallOutcome; skipped?: string; wide: boolean }> {
  let args: Record<string, unknown>;
  let ref: ReferenceResult;
  const wide = isWide(op, raw);
  try {
    args = getSpec(op).validate(raw);
    ref = boundedReference(op, raw);
  } catch (e) {
    const why = e instanceof PrecisionError
      ? 'reference could not decide the rounding'
      : `generated args rejected: ${(e as Error).message}`;
    return { judgement: { status: 'pass', cls: null, worst: null, elements: 0, message: why }, skipped: why, wide };
  }
  const outcome = await ctx.adapter.call(op, raw);
  if (outcome.kind !== 'result') return { judgement: judgeFailedCall(outcome), ref, outcome, wide };
  const kappa = wide ? analyticKappa(op, args) : conditionNumbers(op, args, ctx.evaluator);
  const judgement = judgeWithProfile(op, args, raw, ref, outcome.value, ctx.dtype, kappa, { strict: ctx.strict, profile: ctx.profile });
  return { judgement, ref, outcome, wide };
}

function isWide(op: OpName, raw: RawArgs): boolean {
  const logits = raw.logits;
  return Array.isArray(logits) && Array.isArray(logits[0]) && (logits[0] as unknown[]).length > WIDE_C
    && analyticKappaApplies(op, { ...raw, label_smoothing: raw.label_smoothing ?? 0 });
}

/** Judge one point; never throws for the implementation's sake. */
export async function judgePoint(ctx: JudgeContext, op: OpName, raw: RawArgs, keep = false): Promise<PointEval> {
  const t0 = performance.now();
  const r = await judgeCase(ctx, op, raw);
  const elapsed = performance.now() - t0;
  const ms = r.outcome?.kind === 'result' ? r.outcome.ms : null;
  ctx.stats.evaluations += 1;
  if (r.wide) ctx.stats.wide += 1;
  ctx.stats.adapterMs += ms ?? 0;
  ctx.stats.referenceMs += elapsed - (ms ?? 0);
  const base: PointEval = {
    status: 'pass',
    cls: null,
    errUlp: null,
    allowedUlp: null,
    errAbs: null,
    allowedAbs: null,
    exact: null,
    ratio: null,
    relErr: null,
    nan: 0,
    posInf: 0,
    negInf: 0,
    expectedNonFinite: 0,
    broken: false,
    edge: false,
    what: null,
    message: r.judgement.message,
    ms,
    path: null,
  };
  if (r.skipped) return { ...base, status: 'skip' };
  const j = r.judgement;
  const out: PointEval = { ...base, status: j.status, cls: j.cls };
  if (j.worst) {
    out.errUlp = j.worst.errUlp;
    out.allowedUlp = j.worst.allowedUlp;
    out.errAbs = Number.isFinite(j.worst.errAbs) ? j.worst.errAbs : null;
    out.allowedAbs = j.worst.allowed;
    out.ratio = j.worst.ratio;
    out.path = j.worst.path;
    const exact = Number(j.worst.expected);
    out.exact = Number.isFinite(exact) ? exact : null;
    out.relErr = Number.isFinite(exact) && exact !== 0 && Number.isFinite(j.worst.errAbs) ? j.worst.errAbs / Math.abs(exact) : null;
  }
  if (r.ref) {
    const dec = flat(r.ref.decimal).map(String);
    out.expectedNonFinite = dec.filter((d) => d === 'NaN' || d === 'Infinity' || d === '-Infinity').length;
    if (r.outcome?.kind === 'result') {
      const got = flat(r.outcome.value);
      if (got.length === dec.length) {
        got.forEach((g, i) => {
          if (typeof g !== 'number') return;
          if (Number.isNaN(g) && dec[i] !== 'NaN') out.nan += 1;
          else if (g === Infinity && dec[i] !== 'Infinity') out.posInf += 1;
          else if (g === -Infinity && dec[i] !== '-Infinity') out.negInf += 1;
        });
      }
      if (keep) {
        out.got = r.outcome.value;
        out.expected = r.ref[ctx.dtype];
      }
    }
  }
  const nonFinite = out.nan + out.posInf + out.negInf > 0;
  out.broken = j.status === 'fail';
  out.edge = !out.broken && nonFinite;
  if (out.broken || out.edge) {
    if (j.cls && DEATH.has(j.cls)) out.what = 'error';
    else if (j.cls === 'wrong_shape') out.what = 'wrong shape';
    else if (out.nan > 0) out.what = 'nan';
    else if (out.posInf > 0) out.what = '+inf';
    else if (out.negInf > 0) out.what = '-inf';
    else if (j.cls === 'finite_expected_nonfinite' || j.cls === 'wrong_nonfinite') out.what = 'wrong special';
    else out.what = 'wrong value';
  }
  return out;
}
