/**
 * The kill matrix: play every entry of bugs.ts through verify (in process, quick regimes,
 * fixed seed, restricted to the entry's ops, plus the semantic probes and the committed
 * oracles), once by default and once with --strict, and judge whether the verdict is the
 * expected one: every planted bug fails (or, where the tolerance policy classes the error as
 * tiny-absolute, is reported tiny by default and fails with --strict) and every correct
 * variant has no failure by default.
 *
 * For comparison, the same generated cases are judged by torch.testing.assert_close's and
 * tfjs's expectArraysClose's default rules (baselines.ts) against the correctly rounded
 * reference.
 */
import fc from 'fast-check';
import type { OpName } from '../ops/registry.js';
import type { RawArgs } from '../core/regimes.js';
import type { Nest } from '../reference/index.js';
import { fastEvaluator, reference, regimesFor } from '../ops/evaluate.js';
import { inProcessAdapter } from '../verify/adapter-inprocess.js';
import { runVerify, type CaseFailure, type FixedCase, type VerifyReport } from '../verify/run.js';
import { torchAssertClose, torchDefaults, tfjsExpectArraysClose } from './baselines.js';
import { MATRIX_ENTRIES, type MatrixEntry } from './bugs.js';
import { probesForOps } from './probes.js';
import type { Dtype } from '../core/dtype.js';

export const SELFTEST_SCHEMA = 'xent-oracle/selftest@1';

export interface MatrixOptions {
  seed?: number;
  /** generated cases per regime (verify --quick uses 5) */
  runs?: number;
  /** play the semantic probes of probes.ts (default true) */
  probes?: boolean;
  /** extra fixed cases, e.g. the committed oracles (loadOracleCases()) */
  oracles?: FixedCase[];
  /** also judge the generated cases with the torch / tfjs rules (default true) */
  baselines?: boolean;
  /** called after each entry */
  onRow?: (row: MatrixRow, done: number, total: number) => void;
}

export interface VerdictSummary {
  status: 'pass' | 'tiny' | 'fail';
  /** distinct failure classes (status fail), or tiny classes (status tiny) */
  classes: string[];
  cases: number;
  /** failing case groups (one per regime / fixed case) */
  failures: number;
  tiny: number;
  /** where the failures (or tiny results) came from: "op / regime" or "op / probe: …" */
  sources: string[];
  /** the minimal counterexample (a generated, shrunk one if any) */
  counterexample: CaseFailure | null;
}

export interface BaselineSummary {
  /** the rule's name and parameters */
  rule: string;
  flagged: boolean;
  cases: number;
  flaggedCases: number;
  first: { op: OpName; source: string; args: RawArgs; message: string } | null;
}

export interface Baselines {
  /** torch.testing.assert_close with its defaults (equal_nan=False) */
  torch: BaselineSummary;
  /** the same with equal_nan=True (what most test suites pass) */
  torchEqualNan: BaselineSummary;
  /** tfjs expectArraysClose with its float32 epsilon 1e-3 */
  tfjs: BaselineSummary;
}

export interface MatrixRow {
  id: string;
  description: string;
  bugClass: 'bug' | 'correct';
  expect: 'fail' | 'tiny' | 'pass';
  ops: OpName[];
  dtype: Dtype;
  /** issue-tracker threads where the bug class was reported */
  seenIn?: string[];
  default: VerdictSummary;
  strict: VerdictSummary;
  baselines: Baselines | null;
  asExpected: boolean;
  /** why the row is not as expected */
  problem: string | null;
  ms: number;
}

export interface MatrixResult {
  schema: typeof SELFTEST_SCHEMA;
  seed: number;
  runs: number;
  probes: boolean;
  oracles: number;
  rows: MatrixRow[];
  ok: boolean;
}

// ---------------------------------------------------------------------------------------

export function summarize(rep: VerifyReport): VerdictSummary {
  const failures = rep.ops.flatMap((o) => o.failures);
  const tinies = rep.ops.flatMap((o) => o.tinyExamples);
  const tiny = rep.ops.reduce((a, o) => a + o.tiny, 0);
  const status = rep.status === 'fail' ? 'fail' : tiny > 0 ? 'tiny' : 'pass';
  const shown = status === 'fail' ? failures : status === 'tiny' ? tinies : [];
  const distinct = (xs: string[]) => [...new Set(xs)];
  const generated = shown.find((f) => f.shrinks !== undefined);
  return {
    status,
    classes: distinct(shown.map((f) => f.cls)),
    cases: rep.ops.reduce((a, o) => a + o.cases, 0),
    failures: failures.length,
    tiny,
    sources: distinct(shown.map((f) => `${f.op} / ${f.source}`)),
    counterexample: generated ?? shown[0] ?? null,
  };
}

function fixedCasesFor(entry: MatrixEntry, opts: MatrixOptions): FixedCase[] {
  const probes = opts.probes === false ? [] : probesForOps(entry.ops, entry.impl.dtype);
  const oracles = (opts.oracles ?? []).filter((c) => entry.ops.includes(c.op));
  return [...oracles, ...probes];
}

/** Run verify on one entry (default or strict). */
export async function verifyEntry(entry: MatrixEntry, strict: boolean, opts: MatrixOptions = {}): Promise<VerifyReport> {
  const adapter = inProcessAdapter(entry.impl);
  try {
    return await runVerify(adapter, {
      ops: entry.ops,
      seed: opts.seed ?? 1,
      runs: opts.runs ?? 5,
      quick: true,
      strict,
      evaluator: fastEvaluator,
      fixedCases: fixedCasesFor(entry, opts),
    });
  } finally {
    await adapter.close();
  }
}

/** The same per-regime seed as src/verify/run.ts, so the baselines see verify's cases. */
export function regimeSeed(seed: number, label: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 2654435761) >>> 0;
  return h % 2147483647;
}

export interface PlayedCase {
  op: OpName;
  source: string;
  args: RawArgs;
  /** the correctly rounded expected value in the implementation's dtype */
  expected: Nest<number>;
}

const caseCache = new Map<string, PlayedCase[]>();

/**
 * The cases verify generates for an op (quick regimes, `runs` per regime, the per-regime
 * seeds of run.ts) plus the fixed cases, with their correctly rounded values. Cases the
 * reference rejects (verify skips them too) are left out.
 */
export function generatedCases(op: OpName, dtype: Dtype, seed: number, runs: number, fixed: FixedCase[] = []): PlayedCase[] {
  const key = `${op}|${dtype}|${seed}|${runs}|${fixed.map((c) => c.id).join(',')}`;
  const hit = caseCache.get(key);
  if (hit) return hit;
  const raw: { source: string; args: RawArgs }[] = fixed.filter((c) => c.op === op).map((c) => ({ source: c.id, args: c.args }));
  for (const r of regimesFor(op, dtype).filter((x) => x.quick)) {
    for (const args of fc.sample(r.arb, { seed: regimeSeed(seed, `${op}/${r.name}`), numRuns: runs })) raw.push({ source: r.name, args });
  }
  const out: PlayedCase[] = [];
  for (const c of raw) {
    try {
      out.push({ op, source: c.source, args: c.args, expected: reference(op, c.args, { digits: 40 })[dtype] });
    } catch {
      // rejected or undecidable: verify skips it as well
    }
  }
  caseCache.set(key, out);
  return out;
}

/** Judge an entry's results on verify's cases with the torch and tfjs default rules. */
export async function baselinesFor(entry: MatrixEntry, opts: MatrixOptions = {}): Promise<Baselines> {
  const adapter = inProcessAdapter(entry.impl);
  const dtype = entry.impl.dtype;
  const tol = torchDefaults(dtype);
  const tolNan = { ...tol, equalNan: true };
  const mk = (rule: string): BaselineSummary => ({ rule, flagged: false, cases: 0, flaggedCases: 0, first: null });
  const out: Baselines = {
    torch: mk(`torch.testing.assert_close (${dtype}: rtol ${tol.rtol}, atol ${tol.atol})`),
    torchEqualNan: mk(`torch.testing.assert_close (${dtype}: rtol ${tol.rtol}, atol ${tol.atol}, equal_nan=True)`),
    tfjs: mk('tfjs expectArraysClose (|Δ| ≤ 1e-3, non-finite = non-finite)'),
  };
  const all = [out.torch, out.torchEqualNan, out.tfjs];
  const note = (b: BaselineSummary, c: PlayedCase, message: string) => {
    b.flagged = true;
    b.flaggedCases += 1;
    b.first ??= { op: c.op, source: c.source, args: c.args, message };
  };
  try {
    for (const op of entry.ops) {
      for (const c of generatedCases(op, dtype, opts.seed ?? 1, opts.runs ?? 5, fixedCasesFor(entry, opts))) {
        for (const b of all) b.cases += 1;
        const res = await adapter.call(op, c.args);
        if (res.kind !== 'result') {
          const msg = `the implementation ${res.kind === 'error' ? `threw: ${res.message}` : `failed (${res.kind})`}`;
          for (const b of all) note(b, c, msg);
          continue;
        }
        const verdicts = [
          torchAssertClose(res.value, c.expected, tol),
          torchAssertClose(res.value, c.expected, tolNan),
          tfjsExpectArraysClose(res.value, c.expected),
        ];
        verdicts.forEach((v, i) => {
          if (!v.pass) note(all[i], c, v.message);
        });
      }
    }
  } finally {
    await adapter.close();
  }
  return out;
}

function expectationOf(entry: MatrixEntry): 'fail' | 'tiny' | 'pass' {
  return entry.bugClass === 'correct' ? 'pass' : (entry.expect ?? 'fail');
}

export function judgeRow(entry: MatrixEntry, def: VerdictSummary, strict: VerdictSummary): string | null {
  const expect = expectationOf(entry);
  const cls = (s: VerdictSummary) => (s.classes.length ? ` (${s.classes.join(', ')})` : '');
  if (expect === 'pass') {
    return def.status === 'fail' ? `correct variant fails verify${cls(def)}` : null;
  }
  if (strict.status !== 'fail') return `planted bug passes verify --strict${strict.status === 'tiny' ? ' (tiny only)' : ''}`;
  if (expect === 'fail' && def.status !== 'fail') {
    return `planted bug ${def.status === 'tiny' ? 'is only tiny' : 'passes'} without --strict`;
  }
  if (expect === 'tiny' && def.status !== 'tiny') return `expected tiny-absolute by default, got ${def.status}${cls(def)}`;
  return null;
}

export async function runEntry(entry: MatrixEntry, opts: MatrixOptions = {}): Promise<MatrixRow> {
  const t0 = performance.now();
  const def = summarize(await verifyEntry(entry, false, opts));
  const strict = summarize(await verifyEntry(entry, true, opts));
  const base = opts.baselines === false ? null : await baselinesFor(entry, opts);
  const problem = judgeRow(entry, def, strict);
  return {
    id: entry.id,
    description: entry.description,
    bugClass: entry.bugClass,
    expect: expectationOf(entry),
    ops: entry.ops,
    dtype: entry.impl.dtype,
    seenIn: entry.seenIn,
    default: def,
    strict,
    baselines: base,
    asExpected: problem === null,
    problem,
    ms: Math.round(performance.now() - t0),
  };
}

export async function runMatrix(entries: readonly MatrixEntry[] = MATRIX_ENTRIES, opts: MatrixOptions = {}): Promise<MatrixResult> {
  const rows: MatrixRow[] = [];
  for (const e of entries) {
    const row = await runEntry(e, opts);
    rows.push(row);
    opts.onRow?.(row, rows.length, entries.length);
  }
  return {
    schema: SELFTEST_SCHEMA,
    seed: opts.seed ?? 1,
    runs: opts.runs ?? 5,
    probes: opts.probes !== false,
    oracles: opts.oracles?.length ?? 0,
    rows,
    ok: rows.every((r) => r.asExpected),
  };
}
