/**
 * JUnit XML of a verify report, layout version 2 (docs/reports.md), in the dialect Jenkins
 * (junit plugin) and GitLab read:
 *
 *   <testsuites> one <testsuite> per implementation, one <testcase> per op × group:
 *     classname "<implementation>.<op>", name "<regime>" or "oracle:<golden case id>";
 *     names never hold counts or outcomes, so a test keeps its history from run to run.
 *   failure   the first line is "<class>: <message>" with the input's sizes and the
 *             mismatched elements k / n; the body is the terminal's failure block (replay command included)
 *   error     the implementation crashed, timed out, broke the protocol or replied with an error
 *   skipped   not played (declared unsupported, not float32-representable, the implementation
 *             ended), every case skipped (reference precision cap), or an expected failure (--expect)
 *   time      seconds the group took (implementation, reference and shrinking)
 *   system-out  tiny results (pass unless --strict) and partly skipped groups
 */
import type { CaseFailure, VerifyReport } from './run.js';
import type { GroupReport } from './groups.js';
import { describeSizes, formatFailureBlock, listSome, type ReplaySpec } from './report.js';

export const JUNIT_LAYOUT = 'xent-oracle/junit@2';

// XML 1.0 cannot carry most control characters even escaped: drop them (implementations' messages may hold any byte)
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const xml = (s: string) =>
  s.replace(CONTROL, '').replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
const attr = (s: string) => xml(s).replace(/\n/g, '&#10;');
const secs = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

const ERROR_CLASSES = new Set(['crash', 'timeout', 'protocol', 'error_reply']);

/** The failure's one-line summary: class, message, sizes, mismatched elements. */
export function failureSummary(f: CaseFailure): string {
  const sizes = describeSizes(f.args);
  const mm = f.mismatch && f.mismatch.total ? `; mismatched elements ${f.mismatch.mismatched} / ${f.mismatch.total}` : '';
  return `${f.cls}: ${f.message}${sizes ? `; input ${sizes}` : ''}${mm}`;
}

interface Case {
  classname: string;
  name: string;
  timeMs: number;
  body: string;
  kind: 'pass' | 'failure' | 'error' | 'skipped';
}

function groupCase(
  classname: string,
  g: GroupReport,
  failures: CaseFailure[],
  spec: ReplaySpec,
  strict: boolean,
  tinyNote: string | null,
): Case {
  const base = { classname, name: g.name, timeMs: g.timeMs };
  const out: string[] = [];
  if (g.notRun) return { ...base, kind: 'skipped', body: `<skipped message="${attr(g.notRun)}"/>` };
  const real = failures.filter((f) => !f.xfail);
  if (real.length) {
    const f = real[0];
    const tag = ERROR_CLASSES.has(f.cls) ? 'error' : 'failure';
    const text = real.map((x) => formatFailureBlock(x, spec, strict)).join('\n\n');
    out.push(`<${tag} type="${attr(f.cls)}" message="${attr(failureSummary(f))}">${xml(text)}</${tag}>`);
    return { ...base, kind: tag, body: out.join('') };
  }
  if (failures.length) {
    const f = failures[0];
    const text = failures.map((x) => formatFailureBlock(x, spec, strict, 'XFAIL')).join('\n\n');
    return {
      ...base,
      kind: 'skipped',
      body: `<skipped type="expected_failure" message="${attr(`expected failure (${f.xfail}): ${failureSummary(f)}`)}">${
        xml(text)
      }</skipped>`,
    };
  }
  if (g.cases > 0 && g.skipped === g.cases) {
    return { ...base, kind: 'skipped', body: `<skipped message="${attr(`every case skipped: ${g.skipReasons.join('; ')}`)}"/>` };
  }
  const notes: string[] = [];
  if (g.skipped) notes.push(`${g.skipped} of ${g.cases} cases skipped: ${g.skipReasons.join('; ')}`);
  if (g.tiny && tinyNote) notes.push(`${g.tiny} tiny result(s), passing unless --strict: ${tinyNote}`);
  else if (g.tiny) notes.push(`${g.tiny} tiny result(s), passing unless --strict`);
  if (notes.length) out.push(`<system-out>${xml(notes.join('\n'))}</system-out>`);
  return { ...base, kind: 'pass', body: out.join('') };
}

export function formatJUnit(rep: VerifyReport, spec: ReplaySpec): string {
  const cases: Case[] = [];
  const impl = rep.adapter.name;
  for (const o of rep.ops) {
    const classname = `${impl}.${o.op}`;
    for (const g of o.groups) {
      const tiny = o.tinyExamples.find((t) => t.source === g.name);
      cases.push(groupCase(classname, g, o.failures.filter((f) => f.source === g.name), spec, rep.strict, tiny ? tiny.message : null));
    }
    // failures outside every group (none today; kept so nothing can go unreported)
    const orphans = o.failures.filter((f) => !o.groups.some((g) => g.name === f.source));
    if (orphans.length) {
      const g = {
        name: orphans[0].source,
        kind: 'regime',
        cases: 1,
        passed: 0,
        tiny: 0,
        failed: 1,
        skipped: 0,
        skipReasons: [],
        worstRatio: null,
        worstMessage: '',
        timeMs: 0,
      } as GroupReport;
      cases.push(groupCase(classname, g, orphans, spec, rep.strict, null));
    }
  }
  for (const e of rep.expectations ?? []) {
    if (e.status !== 'unexpected_pass') continue;
    const what = `${e.op}${e.group ? ` / ${e.group}` : ''}${e.class ? ` [${e.class}]` : ''}`;
    cases.push({
      classname: `${impl}.expect`,
      name: what,
      timeMs: 0,
      kind: 'failure',
      body: `<failure type="unexpected_pass" message="${attr(`listed in --expect (${e.reason}) but no longer fails: remove the entry`)}"/>`,
    });
  }
  if (rep.unsupported.length) {
    // one testcase for all of them (a describe reply may list 10^5 names), under a stable name
    const msg = `declared ops that are not in the catalog: ${listSome(rep.unsupported)}`;
    cases.push({
      classname: `${impl}.describe`,
      name: 'declared ops are in the catalog',
      timeMs: 0,
      kind: 'failure',
      body: `<failure type="unsupported" message="${attr(msg)}"/>`,
    });
  }
  if (rep.ended || rep.incomplete) {
    // a broken session is an error (docs/protocol.md, "Outcomes and exit codes"), not a wrong answer
    const msg = [rep.ended ? `the implementation ended: ${rep.ended}` : '', rep.incomplete ?? ''].filter(Boolean).join('; ');
    cases.push({
      classname: `${impl}.session`,
      name: 'implementation stays up',
      timeMs: 0,
      kind: 'error',
      body: `<error type="${rep.ended ? 'ended' : 'incomplete'}" message="${attr(msg)}"/>`,
    });
  }
  const count = (k: Case['kind']) => cases.filter((x) => x.kind === k).length;
  const total = cases.reduce((a, x) => a + x.timeMs, 0);
  const counts = `tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" time="${
    secs(total)
  }"`;
  const props = [
    ['layout', JUNIT_LAYOUT],
    ['report', rep.schema],
    ['dtype', rep.adapter.dtype],
    ['seed', String(rep.seed)],
    ['runs', String(rep.runs)],
    ['quick', String(rep.quick)],
    ['strict', String(rep.strict)],
    ['profile', rep.profile],
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="xent-oracle verify" ${counts}>`,
    `  <testsuite name="${attr(`${impl} (${rep.adapter.dtype})`)}" ${counts}>`,
    '    <properties>',
    ...props.map(([n, v]) => `      <property name="${attr(n)}" value="${attr(v)}"/>`),
    '    </properties>',
    ...cases.map((x) =>
      `    <testcase classname="${attr(x.classname)}" name="${attr(x.name)}" time="${secs(x.timeMs)}"${
        x.body ? `>${x.body}</testcase>` : '/>'
      }`
    ),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
