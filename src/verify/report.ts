/**
 * Renderings of a verify report: the terminal report (failure blocks first, capped by
 * --max-failures; then a legend and the summary table, so the table is what a CI log ends
 * with), the versioned JSON (the report object itself, non-finite numbers as strings,
 * schema/verify-report-2.schema.json) and, in junit.ts, JUnit XML. docs/reports.md describes
 * all three.
 */
import { stringifyJson } from '../core/json.js';
import { describeDevice } from './device.js';
import { formatRatio } from './groups.js';
import { formatMismatch } from './mismatch.js';
import type { CaseFailure, OpReport, VerifyReport } from './run.js';

export { formatJUnit } from './junit.js';

export interface ReplaySpec {
  /** how the adapter was named on the command line: a module path, or --cmd "…" */
  adapterArgs: string[];
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The argument of --case that replays a failure: "oracle:<id>" for a golden case, the case as JSON otherwise. */
export function caseArgument(f: Pick<CaseFailure, 'op' | 'args' | 'source'>): string {
  return f.source.startsWith('oracle:') ? f.source : stringifyJson({ op: f.op, args: f.args });
}

export function replayCommand(f: Pick<CaseFailure, 'op' | 'args' | 'source'>, spec: ReplaySpec, strict: boolean): string {
  return [
    'npx xent-oracle verify',
    ...spec.adapterArgs.map(shellQuote),
    '--case',
    shellQuote(caseArgument(f)),
    ...(strict ? ['--strict'] : []),
  ].join(' ');
}

/** At most `max` names and how many more: a describe reply may list 10^5 names. */
export function listSome(names: readonly string[], max = 20): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} … and ${names.length - max} more` : names.join(', ');
}

function short(v: unknown, max = 300): string {
  const s = typeof v === 'string' ? v : stringifyJson(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** "logits [2][3], target [2], weight [3]": the sizes of a case's array arguments. */
export function describeSizes(args: Record<string, unknown>): string {
  const dims = (v: unknown): string => (Array.isArray(v) ? `[${v.length}]${v.length && Array.isArray(v[0]) ? dims(v[0]) : ''}` : '');
  return Object.entries(args)
    .filter(([, v]) => Array.isArray(v))
    .map(([k, v]) => `${k} ${dims(v)}`)
    .join(', ');
}

/** "then without weight, reduction; 1 row and 3 columns fewer; simpler values" */
export function summariseSteps(steps: readonly string[]): string {
  const fromOriginal = steps.includes('(from the first failing input)');
  const args = steps.filter((s) => /^[a-z_]+$/.test(s));
  // "row 3 of 4" removes one; "rows 2..3 of 4" a range
  const count = (what: string) =>
    steps.reduce((acc, s) => {
      const m = new RegExp(`^${what}s (\\d+)\\.\\.(\\d+) of`).exec(s);
      return acc + (m ? Number(m[2]) - Number(m[1]) + 1 : s.startsWith(`${what} `) ? 1 : 0);
    }, 0);
  const rows = count('row');
  const cols = count('column');
  const parts: string[] = [];
  if (args.length) parts.push(`without ${args.join(', ')} (defaults)`);
  const fewer = [rows ? `${rows} row${rows > 1 ? 's' : ''}` : '', cols ? `${cols} column${cols > 1 ? 's' : ''}` : ''].filter(Boolean);
  if (fewer.length) parts.push(`${fewer.join(' and ')} fewer`);
  if (steps.includes('simpler values')) parts.push('simpler values');
  return `${fromOriginal ? 'reduced from the first failing input' : 'then'}: ${parts.join('; ')}; each step keeps the failure class`;
}

/** How the counterexample was made small: "values shrunk in 12 steps; dropped weight, row 1". */
function shrinkNote(f: CaseFailure): string | null {
  const parts: string[] = [];
  // reduced from the first failing input: fast-check's shrinking is not what made it small
  if (f.shrinks !== undefined && !f.minimised?.includes('(from the first failing input)')) {
    parts.push(`values shrunk in ${f.shrinks} step${f.shrinks === 1 ? '' : 's'}`);
  }
  if (f.minimised?.length) parts.push(summariseSteps(f.minimised));
  return parts.length ? parts.join('; ') : null;
}

/**
 * The failure block, the same in the terminal and in xent-oracle/vitest:
 *   FAIL op / group [class]
 *     message, assert_close-style mismatch lines, input, expected, got, how it was shrunk, replay
 */
export function formatFailureBlock(f: CaseFailure, spec: ReplaySpec, strict: boolean, head = 'FAIL'): string {
  const lines = [`${head} ${f.op} / ${f.source} [${f.cls}]${f.xfail ? ` (expected failure: ${f.xfail})` : ''}`, `  ${f.message}`];
  if (f.mismatch && f.mismatch.total > 1) { for (const l of formatMismatch(f.mismatch)) lines.push(`  ${l}`); }
  lines.push(`  input:    ${short(f.args)}${describeSizes(f.args) ? `  (${describeSizes(f.args)})` : ''}`);
  if (f.expected) lines.push(`  expected: ${short(f.expected.rounded)}`);
  if (f.got !== undefined) lines.push(`  got:      ${short(f.got)}`);
  const note = shrinkNote(f);
  if (note) lines.push(`  (${note})`);
  lines.push(`  replay:   ${replayCommand(f, spec, strict)}`);
  return lines.join('\n');
}

export const LEGEND = [
  'How to read this: each op is played as case groups, one per regime of generated inputs (e.g. "scale 700") and',
  'one per golden case ("oracle:<id>"); a failing group shows its smallest failing input. "error / allowed" is the',
  'worst error of the judged cases divided by the error a sound float algorithm may make there (≤ 1 passes; "inf":',
  'NaN or ±Infinity where a finite value is expected). "tiny": beyond that bound but tiny in absolute terms',
  '(underflow, flush-to-zero, an intermediate overflowing at the top of the range), counted apart; it passes unless',
  '--strict. "skipped": cases the reference could not judge (the exact value is too close to a rounding boundary',
  'for its precision cap), golden cases a float32 implementation is not sent, groups declared unsupported.',
  '"xfail": failures listed in the --expect file.',
].join('\n');

export interface TerminalOptions {
  color?: boolean;
  /** failure blocks printed in full (the rest are counted; default 5) */
  maxFailures?: number;
  /** where the full report is, for "N more failures, see …" */
  jsonPath?: string;
}

/**
 * The order failure blocks are printed in: unexpected failures before expected ones; the first
 * failure of every op before the second of any (so the first few blocks show as many broken
 * ops as possible); within an op, generated groups (shrunk and minimised) before golden cases.
 */
export function orderFailures(rep: VerifyReport): CaseFailure[] {
  const rank = (f: CaseFailure) => (f.source.startsWith('oracle:') ? 1 : 0);
  const perOp = rep.ops.map((o) => [...o.failures].sort((a, b) => rank(a) - rank(b)));
  const round = (xfail: boolean) => {
    const lists = perOp.map((l) => l.filter((f) => !!f.xfail === xfail));
    const out: CaseFailure[] = [];
    for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]);
    return out;
  };
  return [...round(false), ...round(true)];
}

function opStatus(o: OpReport): 'FAIL' | 'xfail' | 'tiny' | 'ok' | 'skipped' | 'not run' {
  if (o.failures.some((f) => !f.xfail)) return 'FAIL';
  if (o.failures.length) return 'xfail';
  if (o.tiny) return 'tiny';
  if (o.passed) return 'ok';
  if (o.groups.length && o.groups.every((g) => g.notRun?.startsWith('not run'))) return 'not run';
  return o.cases || o.groups.length ? 'skipped' : 'ok';
}

export function formatTerminal(rep: VerifyReport, spec: ReplaySpec, opts: TerminalOptions | boolean = {}): string {
  const o2: TerminalOptions = typeof opts === 'boolean' ? { color: opts } : opts;
  const maxFailures = o2.maxFailures ?? 5;
  const c = (code: number, s: string) => (o2.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const green = (s: string) => c(32, s);
  const red = (s: string) => c(31, s);
  const yellow = (s: string) => c(33, s);
  const lines: string[] = [];
  const what = rep.runs === 0 ? 'given cases only' : `seed ${rep.seed}, ${rep.runs} cases per regime${rep.quick ? ', quick' : ''}`;
  lines.push(
    `xent-oracle verify: ${rep.adapter.name} (${rep.adapter.dtype}), ${what}${rep.strict ? ', strict' : ''}${
      rep.profile !== 'exact' ? `, profile ${rep.profile}` : ''
    }`,
  );
  if (rep.device) lines.push(`device: ${describeDevice(rep.device)}`);

  // failure blocks: unexpected failures first, then expected ones; at most maxFailures in full
  const ordered = orderFailures(rep);
  for (const f of ordered.slice(0, maxFailures)) {
    // the same block as xent-oracle/vitest prints (only the colour differs)
    const [first, ...rest] = formatFailureBlock(f, spec, rep.strict, f.xfail ? 'XFAIL' : 'FAIL').split('\n');
    lines.push('', f.xfail ? yellow(first) : red(first), ...rest);
  }
  if (ordered.length > maxFailures) {
    const more = ordered.length - maxFailures;
    lines.push(
      '',
      red(
        `${more} more failure${more === 1 ? '' : 's'} (${
          ordered.slice(maxFailures).map((f) => `${f.op} / ${f.source}`).slice(0, 6).join('; ')
        }${more > 6 ? '; …' : ''}), see ${o2.jsonPath ? `the --json report ${o2.jsonPath}` : '--json'} or raise --max-failures`,
      ),
    );
  }
  // one tiny example per op, within what is left of the budget
  const tinies = rep.ops.filter((o) => o.tinyExamples.length).map((o) => o.tinyExamples[0]);
  const room = Math.max(0, maxFailures - Math.min(ordered.length, maxFailures));
  for (const f of tinies.slice(0, room)) {
    lines.push('', yellow(`tiny ${f.op} / ${f.source} [${f.cls}: passes unless --strict]`));
    lines.push(`  ${f.message}`);
    lines.push(`  input:    ${short(f.args)}`);
    lines.push(`  replay:   ${replayCommand(f, spec, true)}`);
  }
  if (tinies.length > room) lines.push('', yellow(`tiny results in ${tinies.length - room} more op(s) (pass unless --strict), see --json`));

  for (const e of rep.expectations ?? []) {
    if (e.status === 'unexpected_pass') {
      lines.push(
        '',
        red(
          `UNEXPECTED PASS ${e.op}${e.group ? ` / ${e.group}` : ''}${
            e.class ? ` [${e.class}]` : ''
          }: listed in --expect ("${e.reason}") but no longer fails: remove the entry`,
        ),
      );
    }
  }
  if (rep.unsupported.length) {
    lines.push('', red(`declared ops that are not in the catalog (unsupported op claimed): ${listSome(rep.unsupported)}`));
  }
  for (const o of rep.ops) {
    const skippedNotes = o.notes.filter((n) => !n.startsWith('not run'));
    if (o.skipped && skippedNotes.length) {
      lines.push('', `${o.op}: ${o.skipped} case${o.skipped === 1 ? '' : 's'} skipped: ${skippedNotes.join('; ')}`);
    }
    const declared = o.groups.filter((g) => g.notRun?.startsWith('not supported'));
    if (declared.length) lines.push('', `${o.op}: ${declared.length} group(s) skipped: ${declared[0].notRun}`);
    // each case a profile row accepted (docs/profiles.md): which row, where
    for (const c of o.accepted ?? []) {
      lines.push(`${o.op}: accepted by ${c.rows.join(', ')} (profile ${rep.profile}): ${c.source}: ${short(c.args, 160)}`);
    }
    const acceptedTotal = Object.values(o.conventions ?? {}).reduce((a, b) => a + b, 0);
    if (acceptedTotal > (o.accepted ?? []).length) {
      lines.push(
        `${o.op}: accepted by profile ${rep.profile}: ${
          Object.entries(o.conventions).map(([id, k]) => `${id} ${k}`).join(', ')
        } (cases; the JSON report lists the first ${o.accepted.length})`,
      );
    }
  }
  if (rep.ended) lines.push('', red(`the implementation ended: ${rep.ended}`));
  if (rep.incomplete) lines.push('', red(`incomplete run: ${rep.incomplete}`));

  lines.push('', LEGEND, '');
  const w = Math.max(...rep.ops.map((o) => o.op.length), 2);
  lines.push(`${'op'.padEnd(w)}  cases  passed  tiny  failed  skipped  error / allowed  status`);
  for (const o of rep.ops) {
    const st = opStatus(o);
    const colored = st === 'FAIL' ? red(st) : st === 'tiny' || st === 'xfail' ? yellow(st) : st === 'ok' ? green(st) : st;
    const judged = o.passed + o.tiny + o.failed;
    lines.push(
      `${o.op.padEnd(w)}  ${String(o.cases).padStart(5)}  ${String(o.passed).padStart(6)}  ${String(o.tiny).padStart(4)}  ${
        String(o.failed).padStart(6)
      }  ${String(o.skipped + o.groups.filter((g) => g.notRun).length).padStart(7)}  ${
        formatRatio(judged ? o.worstRatio : null).padStart(15)
      }  ${colored}`,
    );
  }
  const totals = rep.ops.reduce(
    (a, o) => ({
      cases: a.cases + o.cases,
      failed: a.failed + o.failures.filter((f) => !f.xfail).length,
      xfail: a.xfail + o.failures.filter((f) => f.xfail).length,
      tiny: a.tiny + o.tiny,
      skipped: a.skipped + o.skipped,
    }),
    { cases: 0, failed: 0, xfail: 0, tiny: 0, skipped: 0 },
  );
  const xpass = (rep.expectations ?? []).filter((e) => e.status === 'unexpected_pass').length;
  const tail = [
    `${totals.cases} cases`,
    `${totals.tiny} tiny (pass unless --strict)`,
    `${totals.skipped} skipped`,
    ...(totals.xfail ? [`${totals.xfail} expected failure(s)`] : []),
    ...(xpass ? [`${xpass} unexpected pass(es)`] : []),
  ].join(', ');
  lines.push('');
  lines.push(
    rep.status === 'pass'
      ? green(`PASS: ${tail}`)
      : red(
        `FAIL: ${totals.failed} failing case group(s) over ${
          rep.ops.filter((o) => o.failures.some((f) => !f.xfail)).length
        } op(s); ${tail}`,
      ),
  );
  return lines.join('\n') + '\n';
}

export function formatJson(rep: VerifyReport, spec: ReplaySpec): string {
  const withReplay = {
    ...rep,
    ops: rep.ops.map((o) => ({ ...o, failures: o.failures.map((f) => ({ ...f, replay: replayCommand(f, spec, rep.strict) })) })),
  };
  return stringifyJson(withReplay, 2) + '\n';
}
