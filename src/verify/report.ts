/**
 * Renderings of a verify report: the terminal summary, JUnit XML (one testcase per op and
 * failure class) and the versioned JSON (the report object itself, non-finite numbers as
 * strings).
 */
import { stringifyJson } from '../core/json.js';
import type { CaseFailure, VerifyReport } from './run.js';

export interface ReplaySpec {
  /** how the adapter was named on the command line: a module path, or --cmd "…" */
  adapterArgs: string[];
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function replayCommand(f: CaseFailure, spec: ReplaySpec, strict: boolean): string {
  const caseJson = stringifyJson({ op: f.op, args: f.args });
  return ['npx xent-oracle verify', ...spec.adapterArgs.map(shellQuote), '--case', shellQuote(caseJson), ...(strict ? ['--strict'] : [])].join(' ');
}

/** At most `max` names and how many more: a describe reply may list 10^5 names. */
export function listSome(names: readonly string[], max = 20): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} … and ${names.length - max} more` : names.join(', ');
}

function short(v: unknown, max = 300): string {
  const s = typeof v === 'string' ? v : stringifyJson(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

export function formatTerminal(rep: VerifyReport, spec: ReplaySpec, color = false): string {
  const c = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const green = (s: string) => c(32, s);
  const red = (s: string) => c(31, s);
  const yellow = (s: string) => c(33, s);
  const lines: string[] = [];
  lines.push(`xent-oracle verify: ${rep.adapter.name} (${rep.adapter.dtype}), seed ${rep.seed}, ${rep.runs} cases per regime${rep.quick ? ', quick' : ''}${rep.strict ? ', strict' : ''}${rep.profile !== 'exact' ? `, profile ${rep.profile}` : ''}`);
  lines.push('');
  const w = Math.max(...rep.ops.map((o) => o.op.length), 2);
  lines.push(`${'op'.padEnd(w)}  cases  passed  tiny  failed  worst error / allowed`);
  for (const o of rep.ops) {
    const status = o.failures.length || o.failed ? red('FAIL') : o.tiny ? yellow('tiny') : o.cases ? green('ok  ') : '    ';
    lines.push(
      `${o.op.padEnd(w)}  ${String(o.cases).padStart(5)}  ${String(o.passed).padStart(6)}  ${String(o.tiny).padStart(4)}  ${String(o.failed).padStart(6)}  ${o.worstRatio.toFixed(3).padStart(7)}  ${status}`,
    );
  }
  if (rep.unsupported.length) lines.push('', red(`declared ops that are not in the catalog (unsupported op claimed): ${listSome(rep.unsupported)}`));
  for (const o of rep.ops) {
    for (const n of o.notes) lines.push('', `${o.op}: note: ${n}`);
    for (const f of o.failures) {
      lines.push('', red(`FAIL ${o.op} / ${f.source} [${f.cls}]`));
      lines.push(`  ${f.message}`);
      lines.push(`  input:    ${short(f.args)}`);
      if (f.expected) lines.push(`  expected: ${short(f.expected.rounded)}`);
      if (f.got !== undefined) lines.push(`  got:      ${short(f.got)}`);
      if (f.shrinks !== undefined) lines.push(`  (shrunk in ${f.shrinks} steps; fast-check seed ${f.seed}, path ${f.path})`);
      lines.push(`  replay:   ${replayCommand(f, spec, rep.strict)}`);
    }
    for (const f of o.tinyExamples.slice(0, 1)) {
      lines.push('', yellow(`tiny ${o.op} / ${f.source} [${f.cls}: passes unless --strict]`));
      lines.push(`  ${f.message}`);
      lines.push(`  input:    ${short(f.args)}`);
      lines.push(`  replay:   ${replayCommand(f, spec, true)}`);
    }
  }
  if (rep.ended) lines.push('', red(`the implementation ended: ${rep.ended}`));
  if (rep.incomplete) lines.push('', red(`incomplete run: ${rep.incomplete}`));
  const totals = rep.ops.reduce((a, o) => ({ cases: a.cases + o.cases, failed: a.failed + o.failures.length, tiny: a.tiny + o.tiny }), { cases: 0, failed: 0, tiny: 0 });
  lines.push('');
  lines.push(
    rep.status === 'pass'
      ? green(`PASS: ${totals.cases} cases, ${totals.tiny} tiny-absolute or edge-overflow results (pass unless --strict)`)
      : red(`FAIL: ${totals.failed} failing case group(s) over ${rep.ops.filter((o) => o.failures.length).length} op(s), ${totals.cases} cases`),
  );
  return lines.join('\n') + '\n';
}

const xml = (s: string) => s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);

export function formatJUnit(rep: VerifyReport, spec: ReplaySpec): string {
  const cases: string[] = [];
  let failures = 0;
  for (const o of rep.ops) {
    const byClass = new Map<string, CaseFailure[]>();
    for (const f of o.failures) byClass.set(f.cls, [...(byClass.get(f.cls) ?? []), f]);
    if (byClass.size === 0) {
      const skipped = o.cases === 0 ? '<skipped/>' : '';
      cases.push(`    <testcase classname="${xml(rep.adapter.name)}.${o.op}" name="${o.op}: ${o.passed} passed, ${o.tiny} tiny">${skipped}</testcase>`);
    }
    for (const [cls, fs] of byClass) {
      failures += 1;
      const body = fs.map((f) => `${f.source}: ${f.message}\ninput: ${stringifyJson(f.args)}\nreplay: ${replayCommand(f, spec, rep.strict)}`).join('\n\n');
      cases.push(
        `    <testcase classname="${xml(rep.adapter.name)}.${o.op}" name="${o.op}: ${cls}"><failure type="${cls}" message="${xml(fs[0].message)}">${xml(body)}</failure></testcase>`,
      );
    }
  }
  if (rep.unsupported.length) {
    // one testcase for all of them: a describe reply may list 10^5 names
    failures += 1;
    const msg = `declared ops that are not in the catalog: ${listSome(rep.unsupported)}`;
    cases.push(`    <testcase classname="${xml(rep.adapter.name)}.describe" name="unsupported ops (${rep.unsupported.length})"><failure type="unsupported" message="${xml(msg)}"/></testcase>`);
  }
  if (rep.ended || rep.incomplete) {
    failures += 1;
    const msg = [rep.ended ? `the implementation ended: ${rep.ended}` : '', rep.incomplete ?? ''].filter(Boolean).join('; ');
    cases.push(`    <testcase classname="${xml(rep.adapter.name)}.session" name="session"><failure type="incomplete" message="${xml(msg)}"/></testcase>`);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="xent-oracle verify" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${xml(rep.adapter.name)} (${rep.adapter.dtype})" tests="${cases.length}" failures="${failures}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function formatJson(rep: VerifyReport, spec: ReplaySpec): string {
  const withReplay = {
    ...rep,
    ops: rep.ops.map((o) => ({ ...o, failures: o.failures.map((f) => ({ ...f, replay: replayCommand(f, spec, rep.strict) })) })),
  };
  return stringifyJson(withReplay, 2) + '\n';
}
