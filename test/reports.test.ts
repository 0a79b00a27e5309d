/**
 * verify's reports (docs/reports.md): JUnit layout 2 validated against a JUnit XSD
 * (test/fixtures/junit.xsd, with xmllint-wasm: libxml2's validator compiled to WebAssembly,
 * offline and in-process), stable testcase names, skipped entries; the versioned JSON against
 * schema/verify-report-2.schema.json (ajv); the terminal layout; --expect (strict xfail); the
 * heartbeat.
 */
import AjvModule from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { heartbeat } from '../src/cli/progress.js';
import { fastEvaluator } from '../src/ops/evaluate.js';
import type { OpName } from '../src/ops/registry.js';
import { parseJson } from '../src/core/json.js';
import { regimesFor } from '../src/ops/evaluate.js';
import { loadOracleCases } from '../src/oracles/load.js';
import { baseImplementation } from '../src/selftest/bugs.js';
import { baseOps } from '../examples/adapters/correct.mjs';
import { inProcessAdapter } from '../src/verify/adapter-inprocess.js';
import { applyExpectations, parseExpectFile, unknownGroups } from '../src/verify/expect.js';
import type { DeclaredUnsupported } from '../src/verify/groups.js';
import { formatJUnit } from '../src/verify/junit.js';
import { formatJson, formatTerminal, LEGEND } from '../src/verify/report.js';
import { runVerify, type VerifyReport } from '../src/verify/run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const XSD = readFileSync(`${ROOT}/test/fixtures/junit.xsd`, 'utf8');
const SPEC = { adapterArgs: ['impl.mjs'] };

type Impl = Parameters<typeof inProcessAdapter>[0];
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- planted ops type their own args
const withOps = (name: string, ops: Record<string, (a: any) => unknown>, dtype: 'float64' | 'float32' = 'float64'): Impl => ({
  name,
  dtype,
  ops: { ...baseImplementation.ops, ...ops },
});

/** softmax without the max shift (NaN at large logits) and a sigmoid that is correct */
const NO_SHIFT = withOps('no-shift', {
  softmax: (a: { logits: number[][] }) =>
    a.logits.map((r) => {
      const e = r.map(Math.exp);
      const s = e.reduce((x, y) => x + y, 0);
      return e.map((x) => x / s);
    }),
});

async function play(
  impl: Impl,
  ops: OpName[],
  opts: { seed?: number; declared?: DeclaredUnsupported[]; golden?: boolean } = {},
): Promise<VerifyReport> {
  const adapter = inProcessAdapter(impl);
  try {
    return await runVerify(adapter, {
      ops,
      seed: opts.seed ?? 1,
      runs: 3,
      quick: true,
      strict: false,
      evaluator: fastEvaluator,
      fixedCases: opts.golden === false ? [] : loadOracleCases().filter((c) => ops.includes(c.op)),
      declaredUnsupported: opts.declared,
    });
  } finally {
    await adapter.close();
  }
}

async function xsdErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [XSD] });
  return r.errors.map((e) => e.message);
}

/** [classname, name, outcome] of every testcase */
function testcases(xml: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const m of xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)" time="([\d.]+)"(\/>|>(<(failure|error|skipped)\b)?)/g)) {
    out.push([m[1], m[2], m[6] ?? 'pass']);
  }
  return out;
}

describe('JUnit (layout 2)', () => {
  it('validates against the JUnit XSD; one testcase per op × group with a time; failures name the class, sizes and mismatches', async () => {
    const rep = await play(NO_SHIFT, ['softmax', 'sigmoid']);
    const xml = formatJUnit(rep, SPEC);
    expect(await xsdErrors(xml)).toEqual([]);
    const cases = testcases(xml);
    const groupsOf = (op: OpName) => [
      ...loadOracleCases().filter((c) => c.op === op).map((c) => `oracle:${c.id}`),
      ...regimesFor(op, 'float64').filter((r) => r.quick).map((r) => r.name),
    ];
    expect(cases.map(([c, n]) => `${c} ${n}`).sort()).toEqual(
      [...groupsOf('softmax').map((g) => `no-shift.softmax ${g}`), ...groupsOf('sigmoid').map((g) => `no-shift.sigmoid ${g}`)].sort(),
    );
    expect(xml.match(/<testcase /g)!.length).toBe(cases.length); // every testcase has a time attribute
    expect(cases.filter(([c]) => c === 'no-shift.sigmoid').every(([, , o]) => o === 'pass')).toBe(true);
    const huge = xml.match(
      /<testcase classname="no-shift.softmax" name="oracle:softmax\/huge-1e308" time="[\d.]+"><failure type="nan_expected_finite" message="([^"]*)"/,
    );
    expect(huge).not.toBeNull();
    expect(huge![1]).toContain('nan_expected_finite: output[0][0]: expected 1, got NaN');
    expect(huge![1]).toContain('input logits [1][3]');
    expect(huge![1]).toMatch(/mismatched elements \d+ \/ 3/);
    expect(xml).toContain('--case oracle:softmax/huge-1e308');
    const head = xml.match(/<testsuite name="no-shift \(float64\)" tests="(\d+)" failures="(\d+)" errors="0" skipped="0" time="[\d.]+">/);
    expect(Number(head![1])).toBe(cases.length);
    expect(Number(head![2])).toBe(cases.filter(([, , o]) => o === 'failure').length);
  });

  it('testcase names are stable: the same for another seed and hold no counts', async () => {
    const a = testcases(formatJUnit(await play(NO_SHIFT, ['softmax'], { golden: false }), SPEC));
    const b = testcases(formatJUnit(await play(NO_SHIFT, ['softmax'], { golden: false, seed: 7 }), SPEC));
    expect(a.map(([c, n]) => `${c}/${n}`)).toEqual(b.map(([c, n]) => `${c}/${n}`));
    for (const [, n] of a) expect(n).not.toMatch(/passed|failed|tiny|wrong_value|nan_/);
  });

  it('skipped: declared-unsupported groups, golden cases a float32 implementation is not sent, expected failures', async () => {
    const declared: DeclaredUnsupported[] = [{ op: 'softmax', group: 'scale 1', reason: 'no float64 path' }];
    const rep = await play(NO_SHIFT, ['softmax'], { declared });
    const xml = formatJUnit(
      applyExpectations(rep, [{ op: 'softmax', group: 'oracle:softmax/huge-1e308', reason: 'no max shift yet' }]),
      SPEC,
    );
    expect(await xsdErrors(xml)).toEqual([]);
    expect(xml).toMatch(/name="scale 1" time="[\d.]+"><skipped message="not supported \(declared\): no float64 path"\/>/);
    expect(xml).toMatch(
      /name="oracle:softmax\/huge-1e308" time="[\d.]+"><skipped type="expected_failure" message="expected failure \(no max shift yet\): nan_expected_finite/,
    );

    const f32 = await play(withOps('f32', {}, 'float32'), ['softmax'], { golden: true });
    const x32 = formatJUnit(f32, SPEC);
    expect(await xsdErrors(x32)).toEqual([]);
    expect(x32).toMatch(/name="oracle:softmax\/huge-1e308" time="0.000"><skipped message="not float32-representable/);
  });

  it('a group whose every case the reference could not decide is skipped; partly skipped ones say so in system-out', async () => {
    const rep = await play(baseImplementation, ['sigmoid'], { golden: false });
    const g = rep.ops[0].groups;
    g[0] = { ...g[0], cases: 2, passed: 0, skipped: 2, skipReasons: ['reference could not decide the rounding'] };
    g[1] = { ...g[1], cases: 3, passed: 2, skipped: 1, skipReasons: ['reference could not decide the rounding'] };
    const xml = formatJUnit(rep, SPEC);
    expect(await xsdErrors(xml)).toEqual([]);
    expect(xml).toContain(
      `name="${g[0].name}" time="${
        (g[0].timeMs / 1000).toFixed(3)
      }"><skipped message="every case skipped: reference could not decide the rounding"/>`,
    );
    expect(xml).toContain('<system-out>1 of 3 cases skipped: reference could not decide the rounding</system-out>');
  });

  it('an implementation that crashes is an <error>, and the XML stays valid with hostile messages', async () => {
    const impl = withOps('thrower', {
      sigmoid: () => {
        throw new Error('bad <input> & "quotes" \u0001 here');
      },
    });
    const xml = formatJUnit(await play(impl, ['sigmoid'], { golden: false }), SPEC);
    expect(await xsdErrors(xml)).toEqual([]);
    expect(xml).toContain(
      '<error type="error_reply" message="error_reply: the implementation replied with an error: bad &lt;input&gt; &amp; &quot;quotes&quot;  here',
    );
  });
});

describe('JSON report (xent-oracle/verify-report@2)', () => {
  const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as new(o: object) => {
    compile(s: object): ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
  };
  const validate = new Ajv({ allErrors: true, strict: true }).compile(
    JSON.parse(readFileSync(`${ROOT}/schema/verify-report-2.schema.json`, 'utf8')),
  );
  const problems = (
    text: string,
  ) => (validate(JSON.parse(text)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

  it('a failing report, with expectations, validates against schema/verify-report-2.schema.json', async () => {
    const rep = applyExpectations(await play(NO_SHIFT, ['softmax', 'sigmoid']), [
      { op: 'softmax', class: 'nan_expected_finite', reason: 'no max shift yet' },
      { op: 'sigmoid', reason: 'was broken once' },
    ]);
    const text = formatJson(rep, SPEC);
    expect(problems(text)).toEqual([]);
    const doc = parseJson(text) as { schema: string; ops: { op: string; worstRatio: unknown; groups: unknown[] }[] };
    expect(doc.schema).toBe('xent-oracle/verify-report@2');
    // the worst error over all judged cases: a NaN where 1 is expected is an infinite ratio, not 0
    expect(doc.ops[0].worstRatio).toBe(Infinity);
    // the schema rejects what it should
    expect(problems(text.replace('"xent-oracle/verify-report@2"', '"xent-oracle/verify-report@1"'))).not.toEqual([]);
  });

  it('a passing report validates too', async () => {
    expect(problems(formatJson(await play(baseImplementation, ['log_sigmoid']), SPEC))).toEqual([]);
  });
});

describe('terminal report', () => {
  it('failure blocks up to --max-failures, then a count; legend once; the summary table last', async () => {
    const rep = await play(NO_SHIFT, ['softmax', 'sigmoid']);
    const failures = rep.ops[0].failures.length;
    expect(failures).toBeGreaterThan(3);
    const text = formatTerminal(rep, SPEC, { maxFailures: 2, jsonPath: 'r.json' });
    expect(text.match(/^FAIL softmax \//gm)!.length).toBe(2);
    expect(text).toContain(`${failures - 2} more failures (`);
    expect(text).toContain('see the --json report r.json or raise --max-failures');
    expect(text.split(LEGEND).length).toBe(2);
    const lines = text.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^FAIL: 1\d* failing case group\(s\) over 1 op\(s\); \d+ cases/);
    expect(lines[lines.length - 5]).toMatch(/^op\s+cases\s+passed\s+tiny\s+failed\s+skipped\s+error \/ allowed\s+status$/);
    expect(lines[lines.length - 4]).toMatch(/^softmax\s+\d+\s+\d+\s+\d+\s+\d+\s+0\s+inf\s+FAIL$/);
    expect(lines[lines.length - 3]).toMatch(/^sigmoid\s+\d+\s+\d+\s+0\s+0\s+0\s+0\.\d{3}\s+ok$/);
    // assert_close-style lines in a block with several elements
    expect(text).toMatch(/Mismatched elements: \d+ \/ \d+ \(\d+\.\d%\)/);
  });

  it('an expected failure is not a failure; an entry that passes is an unexpected pass that fails the run', async () => {
    const rep = await play(NO_SHIFT, ['softmax', 'sigmoid']);
    const ok = applyExpectations(rep, [{ op: 'softmax', reason: 'no max shift yet (#12)' }]);
    expect(ok.status).toBe('pass');
    const okText = formatTerminal(ok, SPEC);
    expect(okText).toMatch(/^XFAIL softmax \/ .* \(expected failure: no max shift yet \(#12\)\)$/m);
    expect(okText).toMatch(/^softmax\s.*\sxfail$/m);
    expect(okText.trimEnd().split('\n').pop()).toMatch(/^PASS: .*\d+ expected failure\(s\)$/);

    const stale = applyExpectations(rep, [{ op: 'softmax', reason: 'no max shift' }, { op: 'sigmoid', reason: 'fixed long ago' }]);
    expect(stale.status).toBe('fail');
    expect(stale.expectations!.map((e) => e.status)).toEqual(['expected_failure', 'unexpected_pass']);
    expect(formatTerminal(stale, SPEC)).toContain(
      'UNEXPECTED PASS sigmoid: listed in --expect ("fixed long ago") but no longer fails: remove the entry',
    );
    // a class that does not match leaves the failure unexpected
    expect(applyExpectations(rep, [{ op: 'softmax', class: 'wrong_shape', reason: 'x' }]).status).toBe('fail');
  });

  it('--expect files: clear errors for bad entries; unknown groups are named', () => {
    const ok = parseExpectFile(
      JSON.stringify({ schema: 'xent-oracle/expect@1', expected_failures: [{ op: 'softmax', group: 'scale 1', reason: 'r' }] }),
      'f.json',
    );
    expect(ok).toEqual([{ op: 'softmax', group: 'scale 1', reason: 'r' }]);
    const bad = (doc: unknown) => () => parseExpectFile(JSON.stringify(doc), 'f.json');
    expect(bad({ expected_failures: [] })).toThrow('f.json: schema = undefined, expected "xent-oracle/expect@1"');
    expect(bad({ schema: 'xent-oracle/expect@1', expected_failures: [{ op: 'softmx', reason: 'r' }] })).toThrow(
      'f.json: expected_failures[0].op = "softmx" is not a catalog op',
    );
    expect(bad({ schema: 'xent-oracle/expect@1', expected_failures: [{ op: 'softmax' }] })).toThrow(
      'expected_failures[0].reason must be a non-empty string',
    );
    expect(bad({ schema: 'xent-oracle/expect@1', expected_failures: [{ op: 'softmax', reason: 'r', klass: 'x' }] })).toThrow(
      'unknown key "klass"',
    );
    const groups = (op: OpName) => [...regimesFor(op, 'float64').map((r) => r.name), 'oracle:softmax/huge-1e308'];
    expect(
      unknownGroups(
        [{ op: 'softmax', group: 'scale 1', reason: 'r' }, { op: 'softmax', group: 'oracle:softmax/huge-1e308', reason: 'r' }],
        groups,
      ),
    ).toEqual([]);
    expect(unknownGroups([{ op: 'softmax', group: 'scale one', reason: 'r' }], groups)[0]).toMatch(
      /^group "scale one" of softmax is not a regime \(scale 1e-3, scale 1, .* nor a golden case id "oracle:<id>" of this op$/,
    );
  });
});

describe('docs/reports.md', () => {
  it('its --expect example is a valid file (parser and schema/expect-1.schema.json) naming real groups', () => {
    const doc = readFileSync(`${ROOT}/docs/reports.md`, 'utf8');
    const i = doc.indexOf('```json\n{\n  "schema": "xent-oracle/expect@1"');
    const text = doc.slice(doc.indexOf('\n', i) + 1, doc.indexOf('```', i + 7));
    const entries = parseExpectFile(text, 'docs/reports.md');
    expect(entries.length).toBe(3);
    const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as new(
      o: object,
    ) => { compile(s: object): (d: unknown) => boolean };
    const validate = new Ajv({ allErrors: true, strict: true }).compile(
      JSON.parse(readFileSync(`${ROOT}/schema/expect-1.schema.json`, 'utf8')),
    );
    expect(validate(JSON.parse(text))).toBe(true);
    expect(validate({ schema: 'xent-oracle/expect@1', expected_failures: [{ op: 'softmax' }] })).toBe(false);
    const groups = (
      op: OpName,
    ) => [...regimesFor(op, 'float64').map((r) => r.name), ...loadOracleCases().filter((c) => c.op === op).map((c) => `oracle:${c.id}`)];
    expect(unknownGroups(entries, groups)).toEqual([]);
  });
});

describe('heartbeat off a TTY', () => {
  it('one line at most every 10 s of the (injected) clock, none for a short run', () => {
    let t = 0;
    const out: string[] = [];
    const hb = heartbeat('verify', { write: (s: string) => out.push(s) }, { now: () => t, timer: false });
    for (let i = 1; i <= 100; i++) {
      t = i * 300; // 30 s in all, an update every 0.3 s
      hb.update(i, 100, `softmax / scale ${i}`);
    }
    hb.stop();
    // lines at the first updates 10 s after the previous line: t = 10.2 s and 20.4 s
    expect(out).toEqual(['verify: 34/100 (34%), softmax / scale 34, 10 s\n', 'verify: 68/100 (68%), softmax / scale 68, 20 s\n']);
    const quiet: string[] = [];
    let u = 0;
    const short = heartbeat('verify', { write: (s: string) => quiet.push(s) }, { now: () => u, timer: false });
    for (let i = 1; i <= 10; i++) {
      u = i * 900;
      short.update(i, 10, 'x');
    }
    expect(quiet).toEqual([]);
  });
});

// the op-name union is checked by tsc in test/types/vitest-types.ts; here the runtime guard for plain JS
it('baseOps is the correct implementation these tests build on', () => {
  expect(baseOps.sigmoid({ x: [0] })).toEqual([0.5]);
});
