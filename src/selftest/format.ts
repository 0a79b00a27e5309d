/**
 * Text rendering of the kill matrix (xent-oracle selftest, docs/selftest.md).
 */
import { stringifyJson } from '../core/json.js';
import type { BaselineSummary, MatrixResult, MatrixRow, VerdictSummary } from './matrix.js';

function short(v: unknown, max: number): string {
  const s = typeof v === 'string' ? v : stringifyJson(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

export function verdictCell(v: VerdictSummary): string {
  const head = v.status === 'fail' ? 'FAIL' : v.status === 'tiny' ? 'tiny' : 'pass';
  return v.classes.length ? `${head} ${v.classes.join(', ')}` : head;
}

function baselineCell(b: BaselineSummary | undefined): string {
  if (!b) return '-';
  return b.flagged ? `FLAG ${b.flaggedCases}/${b.cases}` : `pass ${b.cases}`;
}

const pad = (s: string, w: number) => (s.length >= w ? s : s + ' '.repeat(w - s.length));

/** One line per entry: id, kind, verdict by default and with --strict, as expected or not. */
export function formatMatrixTable(res: MatrixResult): string {
  const wId = Math.max(5, ...res.rows.map((r) => r.id.length));
  const wDef = Math.max(7, ...res.rows.map((r) => verdictCell(r.default).length));
  const lines = [`${pad('entry', wId)}  kind     ${pad('default', wDef)}  strict`];
  for (const r of res.rows) {
    const mark = r.asExpected ? '' : `   <-- ${r.problem}`;
    lines.push(`${pad(r.id, wId)}  ${pad(r.bugClass, 7)}  ${pad(verdictCell(r.default), wDef)}  ${verdictCell(r.strict)}${mark}`);
  }
  return lines.join('\n');
}

/** The minimal counterexample of each entry that verify flagged (default, else strict). */
export function formatCounterexamples(res: MatrixResult, width = 160): string {
  const lines: string[] = [];
  for (const r of res.rows) {
    const v = r.default.counterexample ? r.default : r.strict;
    const f = v.counterexample;
    if (!f) continue;
    lines.push(`${r.id}: ${f.op} / ${f.source} [${f.cls}]${v === r.strict ? ' (--strict)' : ''}`);
    lines.push(`    ${short(f.message, width)}`);
    lines.push(`    input: ${short(f.args, width)}`);
  }
  return lines.join('\n');
}

/** Verify next to the torch and tfjs default rules on the same cases. */
export function formatBaselines(res: MatrixResult): string {
  const rows = res.rows.filter((r) => r.baselines);
  if (!rows.length) return '';
  const wId = Math.max(5, ...rows.map((r) => r.id.length));
  const lines = [
    `${pad('entry', wId)}  kind     ${pad('verify', 6)}  ${pad('assert_close', 14)}  ${pad('+equal_nan', 14)}  expectArraysClose`,
  ];
  for (const r of rows) {
    const b = r.baselines!;
    lines.push(
      `${pad(r.id, wId)}  ${pad(r.bugClass, 7)}  ${pad(r.default.status === 'fail' ? 'FAIL' : r.default.status, 6)}  ${
        pad(baselineCell(b.torch), 14)
      }  ${pad(baselineCell(b.torchEqualNan), 14)}  ${baselineCell(b.tfjs)}`,
    );
  }
  const bugs = rows.filter((r) => r.bugClass === 'bug');
  const good = rows.filter((r) => r.bugClass === 'correct');
  const tally = (name: string, caught: (r: MatrixRow) => boolean) =>
    `${pad(name, 34)} bugs caught ${String(bugs.filter(caught).length).padStart(2)}/${bugs.length}, correct variants flagged ${
      String(good.filter(caught).length).padStart(2)
    }/${good.length}`;
  lines.push('');
  lines.push(tally('verify (default)', (r) => r.default.status === 'fail'));
  lines.push(tally('verify --strict', (r) => r.strict.status === 'fail'));
  lines.push(tally('assert_close defaults', (r) => !!r.baselines?.torch.flagged));
  lines.push(tally('assert_close, equal_nan=True', (r) => !!r.baselines?.torchEqualNan.flagged));
  lines.push(tally('tfjs expectArraysClose', (r) => !!r.baselines?.tfjs.flagged));
  return lines.join('\n');
}

/** Why each baseline flagged a correct variant or let a bug through (first offending case). */
export function formatBaselineNotes(res: MatrixResult, width = 160): string {
  const lines: string[] = [];
  for (const r of res.rows) {
    if (!r.baselines) continue;
    for (
      const [name, b] of [
        ['assert_close', r.baselines.torch],
        ['assert_close equal_nan', r.baselines.torchEqualNan],
        ['expectArraysClose', r.baselines.tfjs],
      ] as const
    ) {
      const wrong = r.bugClass === 'correct' ? b.flagged : !b.flagged;
      if (!wrong) continue;
      if (r.bugClass === 'correct' && b.first) {
        lines.push(`${r.id}: ${name} flags a correct variant at ${b.first.op} / ${b.first.source}: ${short(b.first.message, width)}`);
        lines.push(`    input: ${short(b.first.args, width)}`);
      } else if (r.bugClass === 'bug') {
        lines.push(`${r.id}: ${name} passes the bug on all ${b.cases} cases`);
      }
    }
  }
  return lines.join('\n');
}

/** Why a row is not as expected, with its verdicts and minimal counterexample (test messages). */
export function explainRow(row: MatrixRow): string {
  const f = row.default.counterexample ?? row.strict.counterexample;
  return [
    `${row.id}: ${row.problem ?? 'as expected'}`,
    `default: ${verdictCell(row.default)} (${row.default.sources.join('; ') || 'no failing source'})`,
    `strict:  ${verdictCell(row.strict)}`,
    f ? `counterexample: ${f.op} / ${f.source} [${f.cls}] ${f.message}\ninput: ${stringifyJson(f.args)}` : 'no counterexample',
  ].join('\n');
}

export function formatMatrix(res: MatrixResult, opts: { baselines?: boolean } = {}): string {
  const out: string[] = [];
  const bugs = res.rows.filter((r) => r.bugClass === 'bug').length;
  out.push(
    `xent-oracle selftest: ${res.rows.length} implementations (${bugs} planted bugs, ${
      res.rows.length - bugs
    } correct variants), seed ${res.seed}, ${res.runs} cases per quick regime${res.probes ? ', semantic probes' : ''}${
      res.oracles ? `, ${res.oracles} committed oracle cases` : ''
    }`,
  );
  out.push('');
  out.push(formatMatrixTable(res));
  out.push('');
  out.push('minimal counterexamples:');
  out.push(formatCounterexamples(res));
  if (opts.baselines !== false && res.rows.some((r) => r.baselines)) {
    out.push('');
    out.push('the same cases under fixed-tolerance rules:');
    out.push(formatBaselines(res));
    const notes = formatBaselineNotes(res);
    if (notes) {
      out.push('');
      out.push(notes);
    }
  }
  out.push('');
  const bad = res.rows.filter((r) => !r.asExpected);
  out.push(
    bad.length === 0
      ? `OK: every planted bug is caught and every correct variant passes (${res.rows.length} implementations)`
      : `NOT AS EXPECTED (${bad.length}): ${bad.map((r) => `${r.id} (${r.problem})`).join('; ')}`,
  );
  return out.join('\n') + '\n';
}
