/**
 * The verify run: for every op the implementation offers, play each regime's generated
 * cases (and any fixed cases, e.g. the committed oracles) through the adapter, judge every
 * result against the correctly rounded reference (verdict.ts), and shrink each failure to a
 * minimal counterexample by re-querying the implementation (fast-check's shrinking).
 */
import fc from 'fast-check';
import { getSpec, type OpName } from '../core/catalog.js';
import { PrecisionError } from '../core/errors.js';
import { regimesFor, type RawArgs } from '../core/regimes.js';
import { reference, type Nest, type Profile, type ReferenceResult } from '../reference/index.js';
import type { Adapter, AdapterInfo, CallOutcome } from './adapter.js';
import { conditionNumbers, type Float64Evaluator } from './condition.js';
import { judgeResult, type Dtype, type FailureClass, type Judgement } from './verdict.js';

export const REPORT_SCHEMA = 'xent-oracle/verify-report@1';

export interface FixedCase {
  id: string;
  op: OpName;
  args: RawArgs;
  tags?: string[];
}

export interface VerifyOptions {
  ops?: OpName[];
  seed: number;
  /** generated cases per regime */
  runs: number;
  /** only the quick regimes */
  quick: boolean;
  strict: boolean;
  /** conventions of the expected values: exact mathematics or PyTorch's (BCE log clamp) */
  profile?: Profile;
  /** float64 evaluator used to estimate condition numbers (the fast path) */
  evaluator: Float64Evaluator;
  fixedCases?: FixedCase[];
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface CaseFailure {
  op: OpName;
  /** the regime, or "oracle <id>" for a fixed case */
  source: string;
  cls: FailureClass;
  message: string;
  /** the minimal failing args (after shrinking) */
  args: RawArgs;
  expected?: { decimal: Nest<string>; rounded: Nest<number> };
  got?: unknown;
  /** how many shrink steps fast-check took, and how to reproduce the generation */
  shrinks?: number;
  seed?: number;
  path?: string;
}

export interface OpReport {
  op: OpName;
  cases: number;
  passed: number;
  tiny: number;
  failed: number;
  skipped: number;
  /** the largest error/allowed ratio among passing results (≤ 1) */
  worstRatio: number;
  worstMessage: string;
  failures: CaseFailure[];
  /** examples of tiny-absolute losses (not failures unless --strict) */
  tinyExamples: CaseFailure[];
  notes: string[];
}

export interface VerifyReport {
  schema: typeof REPORT_SCHEMA;
  adapter: AdapterInfo;
  seed: number;
  runs: number;
  quick: boolean;
  strict: boolean;
  profile: Profile;
  ops: OpReport[];
  /** ops the implementation declared that are not in the catalog */
  unsupported: string[];
  /** set when the implementation died (crash / timeout / protocol) and the run stopped */
  ended: string | null;
  /** cases the run planned to judge (generated cases per regime times regimes, plus fixed cases) */
  planned: number;
  /** cases judged (including skipped ones the reference could not decide) */
  judged: number;
  /**
   * set when fewer cases were judged than planned for any reason other than stopping a
   * regime at its first failure: such a run never passes (docs/protocol.md, "Outcomes")
   */
  incomplete: string | null;
  status: 'pass' | 'fail';
}

interface CaseResult {
  judgement: Judgement;
  ref?: ReferenceResult;
  outcome?: CallOutcome;
  skipped?: string;
}

/** The verdict on a call that produced no result: its failure class and a readable reason. */
export function judgeFailedCall(outcome: Exclude<CallOutcome, { kind: 'result' }>): Judgement {
  const cls: FailureClass = outcome.kind === 'error' ? 'error_reply' : outcome.kind;
  const detail =
    outcome.kind === 'error'
      ? `the implementation replied with an error: ${outcome.message}`
      : outcome.kind === 'timeout'
        ? `no reply within ${outcome.ms} ms`
        : outcome.kind === 'crash'
          ? `the implementation crashed: ${outcome.message}`
          : `protocol error: ${outcome.message}${outcome.line ? ` — line: ${outcome.line}` : ''}`;
  return { status: 'fail', cls, worst: null, elements: 0, message: detail };
}

/** Judge one case end to end. Never throws for the implementation's sake. */
export async function checkCase(
  adapter: Adapter,
  op: OpName,
  raw: RawArgs,
  opts: { strict: boolean; evaluator: Float64Evaluator; dtype: Dtype; profile?: Profile },
): Promise<CaseResult> {
  const spec = getSpec(op);
  let args: Record<string, unknown>;
  let ref: ReferenceResult;
  try {
    args = spec.validate(raw) as unknown as Record<string, unknown>;
    ref = reference(op, raw, { digits: 40, profile: opts.profile });
  } catch (e) {
    const why = e instanceof PrecisionError ? 'reference could not decide the rounding' : `generated args rejected: ${(e as Error).message}`;
    return { judgement: { status: 'pass', cls: null, worst: null, elements: 0, message: why }, skipped: why };
  }
  const outcome = await adapter.call(op, raw);
  if (outcome.kind !== 'result') return { judgement: judgeFailedCall(outcome), ref, outcome };
  const kappa = conditionNumbers(op, args, opts.evaluator);
  const judgement = judgeResult(op, args, ref, outcome.value, opts.dtype, kappa, { strict: opts.strict });
  return { judgement, ref, outcome };
}

function hashSeed(seed: number, label: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 2654435761) >>> 0;
  return h % 2147483647;
}

function failureOf(op: OpName, source: string, raw: RawArgs, r: CaseResult, dtype: Dtype): CaseFailure {
  return {
    op,
    source,
    cls: r.judgement.cls ?? 'wrong_value',
    message: r.judgement.message,
    args: raw,
    expected: r.ref ? { decimal: r.ref.decimal, rounded: r.ref[dtype] } : undefined,
    got: r.outcome?.kind === 'result' ? r.outcome.value : undefined,
  };
}

const IS_DEATH = new Set(['crash', 'timeout', 'protocol']);

/** Every number in the args is a float32 value (or non-finite): what float32 implementations may be sent. */
export function float32Representable(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v) || Math.fround(v) === v;
  if (Array.isArray(v)) return v.every(float32Representable);
  if (v && typeof v === 'object') return Object.values(v).every(float32Representable);
  return true;
}

export async function runVerify(adapter: Adapter, opts: VerifyOptions): Promise<VerifyReport> {
  const dtype = adapter.info.dtype;
  const ops = adapter.info.ops.filter((op) => !opts.ops || opts.ops.includes(op));
  // the protocol promises float32 implementations float32-representable inputs only
  const usable = (c: FixedCase) => dtype === 'float64' || float32Representable(c.args);
  const plan = ops.map((op) => ({
    op,
    regimes: regimesFor(op, dtype).filter((r) => !opts.quick || r.quick),
    fixed: (opts.fixedCases ?? []).filter((c) => c.op === op && usable(c)),
  }));
  const total = plan.reduce((acc, p) => acc + p.regimes.length * opts.runs + p.fixed.length, 0);
  let done = 0;
  // cases a regime legitimately did not play because its property failed earlier (fast-check
  // stops at the first failure and shrinks it): the run fails anyway
  let notPlayedAfterFailure = 0;
  const tick = (label: string) => opts.onProgress?.(++done, total, label);
  const reports: OpReport[] = [];
  let ended: string | null = null;
  const ctx = { strict: opts.strict, evaluator: opts.evaluator, dtype, profile: opts.profile };

  for (const { op, regimes, fixed } of plan) {
    const rep: OpReport = { op, cases: 0, passed: 0, tiny: 0, failed: 0, skipped: 0, worstRatio: 0, worstMessage: '', failures: [], tinyExamples: [], notes: [] };
    reports.push(rep);
    if (ended) {
      rep.notes.push(`not run: ${ended}`);
      continue;
    }
    // the session may have ended between requests (a stray line, an exit right after an
    // answer): the next call reports it, so a dead adapter is still asked, never skipped
    const account = (r: CaseResult, source: string, raw: RawArgs) => {
      rep.cases += 1;
      if (r.skipped) {
        rep.skipped += 1;
        if (!rep.notes.includes(r.skipped)) rep.notes.push(r.skipped);
        return;
      }
      const j = r.judgement;
      if (j.status === 'pass') rep.passed += 1;
      else if (j.status === 'tiny') {
        rep.tiny += 1;
        if (rep.tinyExamples.length < 3) rep.tinyExamples.push(failureOf(op, source, raw, r, dtype));
      } else rep.failed += 1;
      if (j.status === 'pass' && j.worst && Number.isFinite(j.worst.ratio) && j.worst.ratio > rep.worstRatio) {
        rep.worstRatio = j.worst.ratio;
        rep.worstMessage = j.message;
      }
    };

    for (const c of fixed) {
      if (ended) break;
      const r = await checkCase(adapter, op, c.args, ctx);
      account(r, `oracle ${c.id}`, c.args);
      tick(op);
      if (r.judgement.status === 'fail') {
        rep.failures.push(failureOf(op, `oracle ${c.id}`, c.args, r, dtype));
        if (IS_DEATH.has(r.judgement.cls ?? '')) ended = `${adapter.ended ?? r.judgement.message} (at oracle ${c.id})`;
      }
    }

    for (const regime of regimes) {
      if (ended) break;
      const seed = hashSeed(opts.seed, `${op}/${regime.name}`);
      let death: CaseFailure | null = null;
      let shrinking = false;
      // the failure fast-check reports is the last one it saw: keep its verdict instead of
      // replaying the counterexample (a one-off error reply must be reported as that error,
      // not as whatever a replay happens to return)
      let lastFailure: CaseFailure | null = null;
      const prop = fc.asyncProperty(regime.arb, async (raw) => {
        // while shrinking, a dead implementation cannot be re-queried: stop judging. Before,
        // every case is still sent: a dead session then fails each call at once, so a
        // session that ended between requests is reported instead of silently skipped.
        if (death || (shrinking && adapter.ended)) return true;
        const r = await checkCase(adapter, op, raw, ctx);
        if (!shrinking) {
          account(r, regime.name, raw);
          tick(`${op} / ${regime.name}`);
        }
        if (r.judgement.status !== 'fail') return true;
        if (IS_DEATH.has(r.judgement.cls ?? '')) {
          death ??= failureOf(op, regime.name, raw, r, dtype);
          return true;
        }
        lastFailure = failureOf(op, regime.name, raw, r, dtype);
        shrinking = true; // from here on fast-check re-queries candidates while shrinking
        return false;
      });
      const res = await fc.check(prop, { seed, numRuns: opts.runs });
      if (res.failed && res.counterexample) {
        const raw = res.counterexample[0] as RawArgs;
        const f: CaseFailure = lastFailure ?? { op, source: regime.name, cls: 'wrong_value', message: 'failed (no verdict recorded)', args: raw };
        f.shrinks = res.numShrinks;
        f.seed = seed;
        f.path = res.counterexamplePath ?? undefined;
        rep.failures.push(f);
        // the cases after the first failure were not played: count them as not run
        const skipped = Math.max(0, opts.runs - res.numRuns);
        done += skipped;
        notPlayedAfterFailure += skipped;
      }
      if (death) {
        rep.failures.push(death);
        ended = `${adapter.ended ?? (death as CaseFailure).message} (at ${op} / ${regime.name})`;
      }
    }
  }
  const failed = reports.some((r) => r.failed > 0 || r.failures.length > 0) || adapter.info.unknownOps.length > 0;
  const judged = reports.reduce((a, r) => a + r.cases, 0);
  // A run that judged fewer cases than it planned never passes: whatever stopped it (a
  // session that ended between requests, an adapter that vanished), a partial run is not
  // a verdict. The only legitimate gap is a regime stopped at its first failure.
  let incomplete: string | null = null;
  if (judged + notPlayedAfterFailure < total) {
    incomplete = `judged fewer cases than planned: ${judged} of ${total}${ended ? '' : adapter.ended ? ` (${adapter.ended})` : ''}`;
  }
  return {
    schema: REPORT_SCHEMA,
    adapter: adapter.info,
    seed: opts.seed,
    runs: opts.runs,
    quick: opts.quick,
    strict: opts.strict,
    profile: opts.profile ?? 'exact',
    ops: reports,
    unsupported: adapter.info.unknownOps,
    ended,
    planned: total,
    judged,
    incomplete,
    status: failed || ended || incomplete ? 'fail' : 'pass',
  };
}
