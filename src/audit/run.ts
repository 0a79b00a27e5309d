/**
 * The audit run: every op the implementation offers, swept across its regimes (sweeps.ts),
 * each point judged like verify judges a case (judge.ts); thresholds where the behaviour
 * changes, refined by bisection on the sweep parameter; backward ops against finite
 * differences of the implementation's forward ops and against the reference; the BCE plot.
 * The result is the versioned report "xent-oracle/audit-report@1" (docs/audit.md).
 */
import { createRequire } from 'node:module';
import { getSpec, pairOf, type OpName } from '../ops/registry.js';
import { stringifyJson } from '../core/json.js';
import type { RawArgs } from '../core/regimes.js';
import type { ConventionProfile as Profile } from '../verify/profiles.js';
import type { Adapter, AdapterInfo, DeviceInfo } from '../verify/adapter.js';
import { describeDevice } from '../verify/device.js';
import type { Float64Evaluator } from '../verify/condition.js';
import { shellQuote } from '../verify/report.js';
import type { Dtype, FailureClass } from '../verify/verdict.js';
import { errorInWords, errorShort } from '../verify/wording.js';
import { bcePlot, type BcePlot } from './bceplot.js';
import { fdCheck, FdSkip, type FdResult } from './gradients.js';
import { judgePoint, type BreakKind, type JudgeContext, type PointEval } from './judge.js';
import { fastEvaluator, gradientPoints, sweepsFor } from '../ops/evaluate.js';
import { formatParam, type Sweep, type SweepId } from '../ops/lib/sweeps.js';

export const AUDIT_SCHEMA = 'xent-oracle/audit-report@1';

const require = createRequire(import.meta.url);
const VERSION = (require('../../package.json') as { version: string }).version;

/** One judged point of a sweep (docs/audit.md, "JSON format"). */
export interface AuditPoint extends Omit<PointEval, 'got' | 'expected'> {
  param: number;
}

export interface Threshold {
  op: OpName;
  sweep: SweepId;
  /**
   * 'break': the verdict turns to failing (NaN, ±Infinity, out of bound, error reply);
   * 'edge': ±Infinity where the exact value is finite but at the top of the range (verify's
   * edge overflow, failing only under --strict); 'recover': within the bound again
   */
  kind: 'break' | 'edge' | 'recover';
  /** the first parameter value on the new side (refined by bisection when `refined`) */
  at: number;
  /** the last value on the old side and the first on the new side; null when the very first point is already bad */
  bracket: [number, number] | null;
  refined: boolean;
  /** points evaluated by the bisection */
  evaluations: number;
  what: BreakKind | null;
  /** the verdict at `at` */
  detail: string;
  message: string;
}

export interface AuditSweep {
  id: SweepId;
  title: string;
  paramName: string;
  definition: string;
  direction: 'up' | 'down';
  continuous: boolean;
  points: AuditPoint[];
  thresholds: Threshold[];
}

export interface OpAudit {
  op: OpName;
  kind: 'forward' | 'backward';
  /** 'stable': no broken point anywhere; 'breaks': at least one; 'not run': the implementation ended first */
  verdict: 'stable' | 'breaks' | 'not run';
  summary: string;
  /** the finite point with the largest error / allowed ratio */
  worst: {
    sweep: SweepId;
    param: number;
    errUlp: number;
    allowedUlp: number;
    ratio: number;
    relErr: number | null;
    status: string;
    /** absolute error, allowed absolute error and exact value of that element (plain words near zero) */
    errAbs: number | null;
    allowedAbs: number | null;
    exact: number | null;
  } | null;
  counts: { points: number; pass: number; tiny: number; fail: number; skip: number; broken: number; edge: number };
  sweeps: AuditSweep[];
  notes: string[];
}

export interface GradientCheck {
  op: OpName;
  forward: OpName;
  sweep: SweepId;
  param: number;
  point: string;
  /** the backward op against finite differences of the implementation's forward op */
  fd: FdResult | null;
  fdSkipped: string | null;
  /** the backward op against the correctly rounded reference (verify's verdict) */
  reference: {
    status: string;
    cls: FailureClass | null;
    errUlp: number | null;
    allowedUlp: number | null;
    ratio: number | null;
    message: string;
  };
}

export interface WorstCase {
  op: OpName;
  sweep: SweepId;
  param: number;
  point: string;
  why: string;
  status: string;
  cls: FailureClass | null;
  what: BreakKind | null;
  errUlp: number | null;
  ratio: number | null;
  message: string;
  /** the raw args (null when too large to inline: rebuild them from the sweep and the seed) */
  args: RawArgs | null;
  replay: string | null;
}

export interface AuditReport {
  schema: typeof AUDIT_SCHEMA;
  tool: { name: 'xent-oracle'; version: string };
  adapter: AdapterInfo;
  /** where the implementation ran, when not on this CPU (browser adapters: the WebGPU adapter) */
  device?: DeviceInfo;
  /** how the implementation was named on the command line (for replay commands) */
  adapterArgs: string[];
  seed: number;
  quick: boolean;
  strict: boolean;
  profile: Profile;
  ops: OpAudit[];
  /** every threshold of every op, in op order */
  thresholds: Threshold[];
  gradients: GradientCheck[];
  bce: BcePlot | null;
  worstCases: WorstCase[];
  unsupported: string[];
  /** set when the implementation died and the audit stopped */
  ended: string | null;
  timing: { totalMs: number; evaluations: number; referenceMs: number; adapterMs: number; wideRows: number };
  notes: string[];
}

export interface AuditOptions {
  ops?: OpName[];
  seed: number;
  quick: boolean;
  strict?: boolean;
  profile?: Profile;
  /** how the implementation is named on the command line, e.g. ['examples/adapters/naive.mjs'] or ['--cmd', 'python3 x.py'] */
  adapterArgs?: string[];
  /** float64 evaluator for condition numbers (default: the fast path) */
  evaluator?: Float64Evaluator;
  /** include one row of 10^5 classes (full mode only; the first of softmax, log_softmax, logsumexp offered) */
  hugeRow?: boolean;
  /** skip the gradient checks / the BCE plot (tests) */
  gradients?: boolean;
  bce?: boolean;
  onProgress?: (done: number, total: number, label: string) => void;
}

/** relative width of a bisection bracket at which the threshold counts as found (~6 significant digits) */
const BISECT_REL = 1e-6;
const BISECT_MAX = 40;
/** transitions refined per sweep (later ones are reported unrefined) */
const REFINE_MAX = 4;
const REPLAY_MAX_CHARS = 4000;

function phrase(what: BreakKind | null, p: PointEval, dtype: Dtype): string {
  switch (what) {
    case 'nan':
      return 'returns NaN';
    case '+inf':
      return 'returns Infinity';
    case '-inf':
      return 'returns -Infinity';
    case 'wrong special':
      return 'returns the wrong special value';
    case 'wrong shape':
      return 'returns the wrong shape';
    case 'error':
      return 'replies with an error';
    case 'wrong value':
      return `leaves its error bound (${errorInWords({ ...p, allowedAbs: p.allowedAbs }, dtype)})`;
    default:
      return 'breaks';
  }
}

export function fmtUlp(x: number | null): string {
  if (x === null) return '–';
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1e5) return x.toExponential(1).replace('e+', 'e');
  if (x >= 10) return x.toFixed(0);
  return x.toPrecision(2);
}

const sig4 = (x: number | null) => (x === null || !Number.isFinite(x) ? x : Number(x.toPrecision(4)));

/** The JSON form of a point: metrics to 4 significant digits, the verdict's message only where it does not pass. */
function toPoint(param: number, e: PointEval): AuditPoint {
  const { got: _g, expected: _e, ...rest } = e;
  return {
    param,
    ...rest,
    errUlp: sig4(e.errUlp),
    allowedUlp: sig4(e.allowedUlp),
    errAbs: sig4(e.errAbs),
    allowedAbs: sig4(e.allowedAbs),
    exact: sig4(e.exact),
    ratio: sig4(e.ratio),
    relErr: sig4(e.relErr),
    ms: e.ms === null ? null : Number(e.ms.toFixed(3)),
    message: e.status === 'pass' ? '' : e.message,
  };
}

/** sqrt(a·b) for positive a, b; the arithmetic mean otherwise (discrete sweeps never bisect) */
function midpoint(a: number, b: number): number {
  if (a > 0 && b > 0) return Math.sqrt(a) * Math.sqrt(b);
  return (a + b) / 2;
}

export function replayFor(adapterArgs: string[], op: OpName, args: RawArgs, profile: Profile, strict: boolean): string | null {
  const caseJson = stringifyJson({ op, args });
  if (caseJson.length > REPLAY_MAX_CHARS) return null;
  return [
    'npx xent-oracle verify',
    ...adapterArgs.map(shellQuote),
    '--case',
    shellQuote(caseJson),
    ...(profile !== 'exact' ? ['--profile', profile] : []),
    ...(strict ? ['--strict'] : []),
  ].join(' ');
}

interface Ctx extends JudgeContext {
  opts: AuditOptions;
  tick: (label: string) => void;
  growTotal: (n: number) => void;
}

async function auditSweep(ctx: Ctx, op: OpName, sweep: Sweep, extraGrid: number[]): Promise<{ sweep: AuditSweep; worst: WorstCase[] }> {
  const grid = [...sweep.grid, ...extraGrid];
  const evals: { param: number; e: PointEval }[] = [];
  for (const param of grid) {
    if (ctx.adapter.ended) break;
    const e = await judgePoint(ctx, op, sweep.build(param));
    evals.push({ param, e });
    ctx.tick(`${op} / ${sweep.title}`);
  }
  const out: AuditSweep = {
    id: sweep.id,
    title: sweep.title,
    paramName: sweep.paramName,
    definition: sweep.definition,
    direction: sweep.direction,
    continuous: sweep.continuous,
    points: evals.map(({ param, e }) => toPoint(param, e)),
    thresholds: [],
  };
  const worst: WorstCase[] = [];
  const seq = evals.filter(({ e }) => e.status !== 'skip');
  if (seq.length === 0) return { sweep: out, worst };
  const caseOf = (param: number, e: PointEval, why: string): WorstCase => {
    const args = sweep.build(param);
    const replay = replayFor(ctx.opts.adapterArgs ?? [], op, args, ctx.profile, ctx.strict);
    return {
      op,
      sweep: sweep.id,
      param,
      point: sweep.describe(param),
      why,
      status: e.status,
      cls: e.cls,
      what: e.what,
      errUlp: e.errUlp,
      ratio: e.ratio,
      message: e.message,
      args: replay ? args : null,
      replay,
    };
  };
  const suffix = `(${sweep.title})`;
  const state = (e: PointEval): 'good' | 'edge' | 'bad' => (e.broken ? 'bad' : e.edge ? 'edge' : 'good');
  const first = seq[0];
  if (state(first.e) !== 'good') {
    const st = state(first.e);
    const all = seq.every(({ e }) => state(e) === st);
    out.thresholds.push({
      op,
      sweep: sweep.id,
      kind: st === 'bad' ? 'break' : 'edge',
      at: first.param,
      bracket: null,
      refined: false,
      evaluations: 0,
      what: first.e.what,
      detail: first.e.message,
      message: `${op} ${phrase(first.e.what, first.e, ctx.dtype)}${st === 'edge' ? ' (edge overflow)' : ''} ${
        all ? `at every point, from ${sweep.describe(first.param)} on` : `already at ${sweep.describe(first.param)}, the first point`
      } ${suffix}`,
    });
    if (st === 'bad') worst.push(caseOf(first.param, first.e, all ? 'broken at every point' : 'broken at the first point'));
  }
  let refinedCount = 0;
  for (let i = 1; i < seq.length; i++) {
    const prev = seq[i - 1];
    const cur = seq[i];
    const to = state(cur.e);
    if (state(prev.e) === to) continue;
    const kind = to === 'bad' ? 'break' : to === 'edge' ? 'edge' : 'recover';
    let good = prev.param;
    let bad = cur.param;
    let badEval = cur.e;
    let evaluations = 0;
    const refine = sweep.continuous && refinedCount < REFINE_MAX;
    if (refine) {
      refinedCount++;
      ctx.growTotal(25);
      while (evaluations < BISECT_MAX && Math.abs(Math.log(bad / good)) > BISECT_REL && !ctx.adapter.ended) {
        const m = midpoint(good, bad);
        if (m === good || m === bad) break;
        const e = await judgePoint(ctx, op, sweep.build(m));
        evaluations++;
        ctx.tick(`${op} / ${sweep.title}: bisecting`);
        if (e.status === 'skip') break;
        if (state(e) === to) {
          bad = m;
          badEval = e;
        } else good = m;
      }
    }
    const at = bad;
    const message = kind === 'break'
      ? `${op} ${phrase(badEval.what, badEval, ctx.dtype)} from ${sweep.describe(at, 6)} on ${suffix}`
      : kind === 'edge'
      ? `${op} ${phrase(badEval.what, badEval, ctx.dtype)} from ${
        sweep.describe(at, 6)
      } on, where the exact value is near the top of the range (edge overflow) ${suffix}`
      : `${op} is within its bound again from ${sweep.describe(at, 6)} on ${suffix}`;
    out.thresholds.push({
      op,
      sweep: sweep.id,
      kind,
      at,
      bracket: [good, bad],
      refined: refine,
      evaluations,
      what: kind === 'recover' ? prev.e.what : badEval.what,
      detail: badEval.message,
      message,
    });
    if (kind === 'break') worst.push(caseOf(at, badEval, `first broken point${refine ? ' (bisection)' : ''}`));
  }
  return { sweep: out, worst };
}

function summarise(op: OpName, sweeps: AuditSweep[], dtype: Dtype): Pick<OpAudit, 'verdict' | 'summary' | 'worst' | 'counts'> {
  const counts = { points: 0, pass: 0, tiny: 0, fail: 0, skip: 0, broken: 0, edge: 0 };
  let worst: OpAudit['worst'] = null;
  for (const s of sweeps) {
    for (const p of s.points) {
      counts.points++;
      counts[p.status]++;
      if (p.broken) counts.broken++;
      if (p.edge) counts.edge++;
      if (p.ratio !== null && Number.isFinite(p.ratio) && p.errUlp !== null && p.allowedUlp !== null && (!worst || p.ratio > worst.ratio)) {
        worst = {
          sweep: s.id,
          param: p.param,
          errUlp: p.errUlp,
          allowedUlp: p.allowedUlp,
          ratio: p.ratio,
          relErr: p.relErr,
          status: p.status,
          errAbs: p.errAbs,
          allowedAbs: p.allowedAbs,
          exact: p.exact,
        };
      }
    }
  }
  const breaks = sweeps.flatMap((s) => s.thresholds.filter((t) => t.kind === 'break').slice(0, 1));
  const edges = sweeps.flatMap((s) => s.thresholds.filter((t) => t.kind === 'edge').slice(0, 1));
  const edgeNote = edges.length
    ? `; edge overflow: ${
      edges.map((t) => t.message.replace(`${op} `, '').replace(', where the exact value is near the top of the range (edge overflow)', ''))
        .join('; ')
    }`
    : '';
  if (breaks.length === 0) {
    const w = !worst
      ? ''
      : worst.ratio <= 1
      ? `; worst ${errorInWords(worst, dtype)}`
      : `; worst ${errorInWords({ ...worst, tiny: true }, dtype)}`;
    return {
      verdict: 'stable',
      summary: `stable on every sweep${
        counts.tiny ? ` (${counts.tiny} tiny-absolute or edge-overflow point${counts.tiny > 1 ? 's' : ''})` : ''
      }${w}${edgeNote}`,
      worst,
      counts,
    };
  }
  return { verdict: 'breaks', summary: breaks.map((t) => t.message.replace(`${op} `, '')).join('; ') + edgeNote, worst, counts };
}

export async function runAudit(adapter: Adapter, opts: AuditOptions): Promise<AuditReport> {
  const t0 = performance.now();
  const dtype = adapter.info.dtype;
  const ops = adapter.info.ops.filter((op) => !opts.ops || opts.ops.includes(op));
  const sweepOpts = { seed: opts.seed, quick: opts.quick, dtype };
  const plan = ops.map((op) => ({ op, sweeps: sweepsFor(op, sweepOpts) }));
  const hugeOp = !opts.quick && opts.hugeRow !== false
    ? ops.find((o) => getSpec(o).family === 'rows' && getSpec(o).kind === 'forward')
    : undefined;
  const gradPlan = opts.gradients === false
    ? []
    : ops.filter((op) => getSpec(op).kind === 'backward' && ops.includes(pairOf(op)!)).flatMap((op) =>
      gradientPoints(op, opts.quick).map((p) => ({ op, ...p }))
    );
  let total = plan.reduce((a, p) => a + p.sweeps.reduce((b, s) => b + s.grid.length, 0), 0) + (hugeOp ? 1 : 0) + gradPlan.length
    + (opts.bce === false ? 0 : 3);
  let done = 0;
  const ctx: Ctx = {
    adapter,
    dtype,
    strict: !!opts.strict,
    profile: opts.profile ?? 'exact',
    evaluator: opts.evaluator ?? fastEvaluator,
    stats: { evaluations: 0, referenceMs: 0, adapterMs: 0, wide: 0 },
    opts,
    tick: (label) => opts.onProgress?.(++done, total, label),
    growTotal: (n) => {
      total += n;
    },
  };
  const notes: string[] = [];
  const opAudits: OpAudit[] = [];
  const worstCases: WorstCase[] = [];
  for (const { op, sweeps } of plan) {
    const spec = getSpec(op);
    const audit: OpAudit = {
      op,
      kind: spec.kind,
      verdict: 'not run',
      summary: '',
      worst: null,
      counts: { points: 0, pass: 0, tiny: 0, fail: 0, skip: 0, broken: 0, edge: 0 },
      sweeps: [],
      notes: [],
    };
    opAudits.push(audit);
    if (adapter.ended) {
      audit.summary = `not run: the implementation ended (${adapter.ended})`;
      continue;
    }
    for (const sweep of sweeps) {
      const extra = sweep.id === 'width' && op === hugeOp ? [100_000] : [];
      const r = await auditSweep(ctx, op, sweep, extra);
      audit.sweeps.push(r.sweep);
      worstCases.push(...r.worst);
      if (adapter.ended) break;
    }
    Object.assign(audit, summarise(op, audit.sweeps, dtype));
    if (adapter.ended) {
      audit.notes.push(`the implementation ended during this op: ${adapter.ended}`);
      audit.summary += ' (incomplete: the implementation ended)';
    }
    // the worst finite error, when it fails but is not already a threshold case
    const w = audit.worst;
    if (w && w.ratio > 1 && w.status === 'fail' && !worstCases.some((c) => c.op === op && c.sweep === w.sweep && c.param === w.param)) {
      const sweep = sweeps.find((s) => s.id === w.sweep)!;
      const p = audit.sweeps.find((s) => s.id === w.sweep)!.points.find((q) => q.param === w.param)!;
      const args = sweep.build(w.param);
      const replay = replayFor(opts.adapterArgs ?? [], op, args, ctx.profile, ctx.strict);
      worstCases.push({
        op,
        sweep: w.sweep,
        param: w.param,
        point: sweep.describe(w.param),
        why: 'largest error / allowed ratio',
        status: p.status,
        cls: p.cls,
        what: p.what,
        errUlp: p.errUlp,
        ratio: p.ratio,
        message: p.message,
        args: replay ? args : null,
        replay,
      });
    }
  }
  if (hugeOp) notes.push(`The width sweep of ${hugeOp} includes one row of 10^5 classes (the reference takes seconds for it).`);

  // backward ops against finite differences of the forward ops, and against the reference
  const gradients: GradientCheck[] = [];
  for (const g of gradPlan) {
    if (adapter.ended) break;
    const sweep = sweepsFor(g.op, sweepOpts).find((s) => s.id === g.sweep);
    if (!sweep) continue;
    const raw = sweep.build(g.param);
    const ref = await judgePoint(ctx, g.op, raw);
    let fd: FdResult | null = null;
    let fdSkipped: string | null = null;
    try {
      fd = await fdCheck(adapter, g.op, raw, dtype, opts.seed);
    } catch (e) {
      if (!(e instanceof FdSkip)) throw e;
      fdSkipped = e.message;
    }
    gradients.push({
      op: g.op,
      forward: pairOf(g.op)!,
      sweep: g.sweep,
      param: g.param,
      point: sweep.describe(g.param),
      fd,
      fdSkipped,
      reference: {
        status: ref.status,
        cls: ref.cls,
        errUlp: ref.errUlp,
        allowedUlp: ref.allowedUlp,
        ratio: ref.ratio,
        message: ref.message,
      },
    });
    ctx.tick(`${g.op}: gradient check`);
  }
  if (opts.gradients !== false && gradPlan.length === 0) {
    notes.push('No backward op with its forward op offered: the finite-difference gradient checks need both.');
  }

  let bce: BcePlot | null = null;
  if (opts.bce !== false && !adapter.ended) {
    bce = await bcePlot(ctx, adapter.info.ops);
    for (let i = 0; i < 3; i++) ctx.tick('binary cross-entropy plot');
  }

  const thresholds = opAudits.flatMap((a) => a.sweeps.flatMap((s) => s.thresholds));
  return {
    schema: AUDIT_SCHEMA,
    tool: { name: 'xent-oracle', version: VERSION },
    adapter: adapter.info,
    ...(adapter.device ? { device: adapter.device } : {}),
    adapterArgs: opts.adapterArgs ?? [],
    seed: opts.seed,
    quick: opts.quick,
    strict: !!opts.strict,
    profile: ctx.profile,
    ops: opAudits,
    thresholds,
    gradients,
    bce,
    worstCases,
    unsupported: adapter.info.unknownOps,
    ended: adapter.ended && adapter.ended !== 'closed' ? adapter.ended : null,
    timing: {
      totalMs: Math.round(performance.now() - t0),
      evaluations: ctx.stats.evaluations,
      referenceMs: Math.round(ctx.stats.referenceMs),
      adapterMs: Math.round(ctx.stats.adapterMs),
      wideRows: ctx.stats.wide,
    },
    notes,
  };
}

/** Terminal summary of a report. */
export function formatAuditTerminal(rep: AuditReport, color = false): string {
  const c = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  lines.push(
    `xent-oracle audit: ${rep.adapter.name} (${rep.adapter.dtype}), seed ${rep.seed}${rep.quick ? ', quick' : ''}${
      rep.profile !== 'exact' ? `, profile ${rep.profile}` : ''
    }`,
  );
  if (rep.device) lines.push(`device: ${describeDevice(rep.device)}`);
  lines.push('');
  const w = Math.max(2, ...rep.ops.map((o) => o.op.length));
  lines.push(`${'op'.padEnd(w)}  verdict  points  broken  worst error / allowed (finite results)`);
  for (const o of rep.ops) {
    const v = o.verdict === 'stable' ? c(32, 'stable ') : o.verdict === 'breaks' ? c(31, 'breaks ') : c(33, 'not run');
    const worst = o.worst ? errorShort({ ...o.worst, tiny: o.worst.status === 'tiny' }, rep.adapter.dtype) : '–';
    lines.push(`${o.op.padEnd(w)}  ${v}  ${String(o.counts.points).padStart(6)}  ${String(o.counts.broken).padStart(6)}  ${worst}`);
  }
  const breaks = rep.thresholds.filter((t) => t.kind === 'break');
  if (breaks.length) {
    lines.push('', 'thresholds:');
    for (const t of breaks) lines.push(`  ${t.message}`);
  }
  const edges = rep.thresholds.filter((t) => t.kind === 'edge');
  if (edges.length) {
    lines.push(
      '',
      'edge overflows (±Infinity where the exact value is finite but near the largest float; verify passes them unless --strict):',
    );
    for (const t of edges) lines.push(`  ${t.message.replace(', where the exact value is near the top of the range (edge overflow)', '')}`);
  }
  if (rep.gradients.length) {
    const bad = rep.gradients.filter((g) => g.fd && !g.fd.ok);
    const skipped = rep.gradients.filter((g) => !g.fd).length;
    lines.push(
      '',
      `gradient checks: ${rep.gradients.length} points, ${bad.length} disagree with finite differences of the forward op${
        skipped ? `, ${skipped} not checkable` : ''
      }`,
    );
    for (const g of bad) lines.push(`  ${g.op} at ${g.point}: ${g.fd!.message}`);
  }
  if (rep.bce) lines.push('', `binary cross-entropy plot: ${rep.bce.note}`);
  if (rep.ended) lines.push('', c(31, `the implementation ended: ${rep.ended}`));
  for (const n of rep.notes) lines.push('', `note: ${n}`);
  lines.push('', `${rep.timing.evaluations} points judged in ${(rep.timing.totalMs / 1000).toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

export { formatParam };
