/**
 * The verify run: for every op the implementation offers, play each regime's generated
 * cases (and any fixed cases, e.g. the committed oracles) through the adapter, judge every
 * result against the correctly rounded reference (verdict.ts), and shrink each failure to a
 * minimal counterexample by re-querying the implementation (fast-check's shrinking).
 */
import fc from 'fast-check';
import { getSpec, type OpName } from '../ops/registry.js';
import { PrecisionError } from '../core/errors.js';
import type { RawArgs } from '../core/regimes.js';
import type { Nest, ReferenceResult } from '../reference/index.js';
import { reference, regimesFor } from '../ops/evaluate.js';
import type { Adapter, AdapterInfo, CallOutcome, DeviceInfo } from './adapter.js';
import { conditionNumbers, type Float64Evaluator } from './condition.js';
import type { Dtype, FailureClass, Judgement } from './verdict.js';
import type { Mismatch } from './mismatch.js';
import type { ExpectOutcome } from './expect.js';
import { minimiseArgs } from './minimise.js';
import { groupRecord, judgedRatio, notPlayed, type DeclaredUnsupported, type GroupReport } from './groups.js';
import { type ConventionProfile, judgeWithProfile, type ProfileJudgement } from './profiles.js';

export const REPORT_SCHEMA = 'xent-oracle/verify-report@2';

export interface FixedCase {
  id: string;
  op: OpName;
  args: RawArgs;
  tags?: string[];
  /** the group name (default "oracle:<id>", a golden case replayable by id) */
  group?: string;
}

export interface VerifyOptions {
  ops?: OpName[];
  seed: number;
  /** generated cases per regime */
  runs: number;
  /** only the quick regimes */
  quick: boolean;
  strict: boolean;
  /** conventions accepted besides the exact values: a table of src/verify/profiles.ts (docs/profiles.md) */
  profile?: ConventionProfile;
  /** float64 evaluator used to estimate condition numbers (the fast path) */
  evaluator: Float64Evaluator;
  fixedCases?: FixedCase[];
  onProgress?: (done: number, total: number, label: string) => void;
  /** drop optional arguments and rows / columns of a shrunk counterexample that do not change its failure (default true) */
  minimise?: boolean;
  /** ops or groups the implementation declares it does not support: reported as skipped, not played */
  declaredUnsupported?: DeclaredUnsupported[];
}

export interface CaseFailure {
  op: OpName;
  /** the group: the regime, or "oracle:<id>" for a fixed case (replayable with --case oracle:<id>) */
  source: string;
  cls: FailureClass;
  message: string;
  /** the minimal failing args (after shrinking) */
  args: RawArgs;
  expected?: { decimal: Nest<string>; rounded: Nest<number> };
  got?: unknown;
  /** k / n elements out of bound, greatest absolute and relative error */
  mismatch?: Mismatch;
  /** how many shrink steps fast-check took on the values */
  shrinks?: number;
  /** what minimisation removed after that (optional arguments back to defaults, rows, columns) */
  minimised?: string[];
  /** set by --expect: the failure is a known one, for this reason (an "expected failure") */
  xfail?: string;
}

export interface OpReport {
  op: OpName;
  cases: number;
  passed: number;
  tiny: number;
  failed: number;
  skipped: number;
  /** the largest error / allowed over every judged case, failing ones included, tiny ones not (they have their own count); 0 when none was judged; Infinity for a NaN / ±Infinity mismatch */
  worstRatio: number;
  worstMessage: string;
  /** one entry per regime and per golden case, stable names (docs/reports.md) */
  groups: GroupReport[];
  failures: CaseFailure[];
  /** examples of tiny-absolute losses (not failures unless --strict) */
  tinyExamples: CaseFailure[];
  /** passing cases that needed a row of the profile, by row id (docs/profiles.md) */
  conventions: Record<string, number>;
  /** those cases (the first 20): where, which rows, the args */
  accepted: { source: string; rows: string[]; args: RawArgs }[];
  notes: string[];
}

export interface VerifyReport {
  schema: typeof REPORT_SCHEMA;
  adapter: AdapterInfo;
  /** where the implementation ran, when not on this CPU (browser adapters: the WebGPU adapter); results depend on it */
  device?: DeviceInfo;
  seed: number;
  runs: number;
  quick: boolean;
  strict: boolean;
  profile: ConventionProfile;
  ops: OpReport[];
  /** ops the implementation declared that are not in the catalog */
  unsupported: string[];
  /** set when the implementation died (crash / timeout / protocol) and the run stopped */
  ended: string | null;
  /** the --expect entries and what became of each (absent without --expect) */
  expectations?: ExpectOutcome[];
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
  judgement: ProfileJudgement;
  ref?: ReferenceResult;
  outcome?: CallOutcome;
  skipped?: string;
}

/** The verdict on a call that produced no result: its failure class and a readable reason. */
export function judgeFailedCall(outcome: Exclude<CallOutcome, { kind: 'result' }>): Judgement {
  const cls: FailureClass = outcome.kind === 'error' ? 'error_reply' : outcome.kind;
  const detail = outcome.kind === 'error'
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
  opts: { strict: boolean; evaluator: Float64Evaluator; dtype: Dtype; profile?: ConventionProfile },
): Promise<CaseResult> {
  const spec = getSpec(op);
  let args: Record<string, unknown>;
  let ref: ReferenceResult;
  try {
    args = spec.validate(raw);
    // always the exact value: a profile adds accepted alternatives (profiles.ts), never replaces it
    ref = reference(op, raw, { digits: 40 });
  } catch (e) {
    const why = e instanceof PrecisionError
      ? 'reference could not decide the rounding'
      : `generated args rejected: ${(e as Error).message}`;
    return { judgement: { status: 'pass', cls: null, worst: null, elements: 0, message: why }, skipped: why };
  }
  const outcome = await adapter.call(op, raw);
  if (outcome.kind !== 'result') return { judgement: judgeFailedCall(outcome), ref, outcome };
  const kappa = conditionNumbers(op, args, opts.evaluator);
  const judgement = judgeWithProfile(op, args, raw, ref, outcome.value, opts.dtype, kappa, { strict: opts.strict, profile: opts.profile });
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
    mismatch: r.judgement.mismatch,
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
    // runs = 0 (a single --case): no generated groups at all, rather than empty ones
    regimes: opts.runs > 0 ? regimesFor(op, dtype).filter((r) => !opts.quick || r.quick) : [],
    fixed: (opts.fixedCases ?? []).filter((c) => c.op === op && usable(c)),
    unusable: (opts.fixedCases ?? []).filter((c) => c.op === op && !usable(c)),
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

  for (const { op, regimes, fixed, unusable } of plan) {
    const rep: OpReport = {
      op,
      cases: 0,
      passed: 0,
      tiny: 0,
      failed: 0,
      skipped: 0,
      worstRatio: 0,
      worstMessage: '',
      groups: [],
      failures: [],
      tinyExamples: [],
      conventions: {},
      accepted: [],
      notes: [],
    };
    reports.push(rep);
    const declared = (group: string) =>
      (opts.declaredUnsupported ?? []).find((d) => d.op === op && (d.group === undefined || d.group === group));
    const nameOf = (c: FixedCase) => c.group ?? `oracle:${c.id}`;
    for (const c of unusable) {
      rep.groups.push(notPlayed(nameOf(c), 'golden', 'not float32-representable: a float32 implementation is sent float32 values only'));
    }
    if (ended) {
      rep.notes.push(`not run: ${ended}`);
      for (const c of fixed) rep.groups.push(notPlayed(nameOf(c), 'golden', `not run: ${ended}`));
      for (const r of regimes) rep.groups.push(notPlayed(r.name, 'regime', `not run: ${ended}`));
      continue;
    }
    // the session may have ended between requests (a stray line, an exit right after an
    // answer): the next call reports it, so a dead adapter is still asked, never skipped
    let group = groupRecord('', 'regime');
    const account = (r: CaseResult, source: string, raw: RawArgs) => {
      rep.cases += 1;
      group.cases += 1;
      if (r.skipped) {
        rep.skipped += 1;
        group.skipped += 1;
        if (!rep.notes.includes(r.skipped)) rep.notes.push(r.skipped);
        if (!group.skipReasons.includes(r.skipped)) group.skipReasons.push(r.skipped);
        return;
      }
      const j = r.judgement;
      if (j.status !== 'fail' && j.conventions?.length) {
        for (const id of j.conventions) rep.conventions[id] = (rep.conventions[id] ?? 0) + 1;
        if (rep.accepted.length < 20) rep.accepted.push({ source, rows: j.conventions, args: raw });
      }
      if (j.status === 'pass') {
        rep.passed += 1;
        group.passed += 1;
      } else if (j.status === 'tiny') {
        rep.tiny += 1;
        group.tiny += 1;
        if (rep.tinyExamples.length < 3) rep.tinyExamples.push(failureOf(op, source, raw, r, dtype));
      } else {
        rep.failed += 1;
        group.failed += 1;
      }
      // over every judged case, failing ones too (a failing op must not show 0.000); tiny results
      // are beyond the strict bound by definition and have their own column
      const ratio = j.status === 'tiny' ? null : judgedRatio(j);
      if (ratio !== null && ratio > rep.worstRatio) {
        rep.worstRatio = ratio;
        rep.worstMessage = j.message;
      }
      if (ratio !== null && (group.worstRatio === null || ratio > group.worstRatio)) {
        group.worstRatio = ratio;
        group.worstMessage = j.message;
      }
    };

    for (const c of fixed) {
      const name = nameOf(c);
      const d = declared(name);
      if (ended || d) {
        rep.groups.push(notPlayed(name, 'golden', d ? `not supported (declared): ${d.reason}` : `not run: ${ended}`));
        continue;
      }
      group = groupRecord(name, 'golden');
      rep.groups.push(group);
      const t0 = performance.now();
      const r = await checkCase(adapter, op, c.args, ctx);
      account(r, name, c.args);
      group.timeMs = performance.now() - t0;
      tick(op);
      if (r.judgement.status === 'fail') {
        rep.failures.push(failureOf(op, name, c.args, r, dtype));
        if (IS_DEATH.has(r.judgement.cls ?? '')) ended = `${adapter.ended ?? r.judgement.message} (at ${name})`;
      }
    }

    for (const regime of regimes) {
      const d = declared(regime.name);
      if (ended || d) {
        rep.groups.push(notPlayed(regime.name, 'regime', d ? `not supported (declared): ${d.reason}` : `not run: ${ended}`));
        if (d) done += opts.runs;
        continue;
      }
      group = groupRecord(regime.name, 'regime');
      rep.groups.push(group);
      const t0 = performance.now();
      const seed = hashSeed(opts.seed, `${op}/${regime.name}`);
      let death: CaseFailure | null = null;
      let shrinking = false;
      let original: RawArgs | undefined;
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
        if (!shrinking) original = raw;
        lastFailure = failureOf(op, regime.name, raw, r, dtype);
        shrinking = true; // from here on fast-check re-queries candidates while shrinking
        return false;
      });
      const res = await fc.check(prop, { seed, numRuns: opts.runs });
      if (res.failed && res.counterexample) {
        let raw = res.counterexample[0];
        // fast-check's own verdict on its counterexample, not a replay of it: a one-off error
        // reply stays that error (a replay could return anything)
        let f: CaseFailure = lastFailure
          ?? { op, source: regime.name, cls: 'wrong_value', message: 'failed (no verdict recorded)', args: raw };
        if (!adapter.ended && opts.minimise !== false) {
          const cls = f.cls;
          const m = await minimiseArgs(
            { shrunk: raw, original },
            async (cand) => {
              if (adapter.ended) return false;
              const c = await checkCase(adapter, op, cand, ctx);
              return c.judgement.status === 'fail' && c.judgement.cls === cls;
            },
            { representable: dtype === 'float32' ? (x) => Math.fround(x) === x : undefined },
          );
          if (m.steps.length && !adapter.ended) {
            // the smaller case is reported only if a replay still fails the same way
            const r = await checkCase(adapter, op, m.args, ctx);
            if (r.judgement.status === 'fail' && r.judgement.cls === cls) {
              raw = m.args;
              f = failureOf(op, regime.name, raw, r, dtype);
              f.minimised = m.route === 'original' ? ['(from the first failing input)', ...m.steps] : m.steps;
            }
          }
        }
        f.shrinks = res.numShrinks;
        rep.failures.push(f);
        // the cases after the first failure were not played: count them as not run
        const skipped = Math.max(0, opts.runs - res.numRuns);
        done += skipped;
        notPlayedAfterFailure += skipped;
      }
      if (death) {
        rep.failures.push(death);
        ended = `${adapter.ended ?? (death as CaseFailure).message} (at ${op} / ${regime.name})`;
      } else if (adapter.ended && !ended) {
        // the implementation died on a shrinking or minimisation candidate
        ended = `${adapter.ended} (while shrinking ${op} / ${regime.name})`;
      }
      group.timeMs = performance.now() - t0;
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
    ...(adapter.device ? { device: adapter.device } : {}),
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
