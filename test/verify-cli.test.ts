/**
 * `xent-oracle verify` end to end, through the built CLI: verdicts on the shipped example
 * adapters (the articles' naive implementations fail, an independent careful one passes),
 * reports (JSON, JUnit), replay commands, exit codes and usage errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'dist/cli/bin.js');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xent-verify-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('verify on the example adapters', () => {
  it('the naive textbook implementation fails, with minimal counterexamples and replay commands', () => {
    const json = join(dir, 'naive.json');
    const junit = join(dir, 'naive.xml');
    const r = run(['verify', 'examples/adapters/naive.mjs', '--quick', '--json', json, '--junit', junit]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL softmax /');
    const rep = JSON.parse(readFileSync(json, 'utf8'));
    expect(rep.schema).toBe('xent-oracle/verify-report@2');
    expect(rep.status).toBe('fail');
    const byOp = Object.fromEntries(rep.ops.map((o: { op: string }) => [o.op, o]));
    // overflow without the max shift: NaN at huge logits
    expect(byOp.softmax.failures.map((f: { cls: string }) => f.cls)).toContain('nan_expected_finite');
    // the lost log1p in softplus is a wrong value, not a tiny one
    expect(byOp.softplus.failures.some((f: { cls: string }) => f.cls === 'wrong_value')).toBe(true);
    // -log(p + 1e-8): the epsilon hack is a wrong value
    expect(byOp.cross_entropy.failures.length).toBeGreaterThan(0);
    for (const o of rep.ops) {
      for (const f of o.failures) {
        // golden cases replay by id, generated ones by their (minimised) JSON
        if (f.source.startsWith('oracle:')) expect(f.replay).toBe(`npx xent-oracle verify examples/adapters/naive.mjs --case ${f.source}`);
        else expect(f.replay).toMatch(/^npx xent-oracle verify examples\/adapters\/naive\.mjs --case '\{"op":/);
        expect(f.replay.length).toBeLessThan(2000);
      }
    }
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml/);
    expect(xml).toMatch(
      /<testcase classname="naive-textbook.softmax" name="oracle:softmax\/huge-1e308" time="[\d.]+"><failure type="nan_expected_finite" message="nan_expected_finite: /,
    );
    // the terminal report: at most 5 failure blocks, the rest counted; the summary table last
    expect(r.out.match(/^FAIL \S+ \//gm)!.length).toBe(5);
    expect(r.out).toMatch(/^\d+ more failures \(.*\), see the --json report .*naive\.json or raise --max-failures$/m);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^FAIL: \d+ failing case group\(s\) over \d+ op\(s\); \d+ cases/);
    // worst error / allowed over every judged case: a failing op never shows 0.000
    for (const l of lines.filter((x) => /\sFAIL$/.test(x))) expect(l).not.toMatch(/\s0\.000\s+FAIL$/);
  });

  it('a replay command reproduces the failure on exactly one case', () => {
    const rep = JSON.parse(readFileSync(join(dir, 'naive.json'), 'utf8'));
    const f = rep.ops.find((o: { op: string }) => o.op === 'softmax').failures.find((x: { source: string }) =>
      !x.source.startsWith('oracle:')
    );
    const caseJson = JSON.stringify({ op: f.op, args: f.args });
    const r = run(['verify', 'examples/adapters/naive.mjs', '--case', caseJson]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^softmax\s+1\s+0\s+0\s+1\s+0\s+\S+\s+FAIL$/m); // one case, failed
    expect(r.out).toContain(`FAIL softmax / case [${f.cls}]`);
  });

  it('a golden case replays by id (--case oracle:<id>); an unknown id is a usage error', () => {
    const r = run(['verify', 'examples/adapters/naive.mjs', '--case', 'oracle:softmax/huge-1e308']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL softmax / oracle:softmax/huge-1e308 [nan_expected_finite]');
    expect(r.out).toMatch(/^softmax\s+1\s+0\s+0\s+1\s+0\s+inf\s+FAIL$/m);
    const bad = run(['verify', 'examples/adapters/naive.mjs', '--case', 'oracle:softmax/huge-1e309']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--case oracle:softmax/huge-1e309: no golden case has this id (cases of softmax: ');
  });

  it('--expect: known failures pass the run, a stale entry fails it', () => {
    const file = join(dir, 'expect.json');
    writeFileSync(
      file,
      JSON.stringify({ schema: 'xent-oracle/expect@1', expected_failures: [{ op: 'softmax', reason: 'no max shift (textbook formula)' }] }),
    );
    const r = run(['verify', 'examples/adapters/naive.mjs', '--quick', '--ops', 'softmax', '--expect', file]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^XFAIL softmax \//m);
    expect(r.out).toMatch(/^PASS: .* expected failure\(s\)$/m);
    writeFileSync(file, JSON.stringify({ schema: 'xent-oracle/expect@1', expected_failures: [{ op: 'sigmoid', reason: 'was broken' }] }));
    const stale = run(['verify', 'examples/adapters/correct.mjs', '--quick', '--ops', 'sigmoid', '--no-oracles', '--expect', file]);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain('UNEXPECTED PASS sigmoid: listed in --expect ("was broken") but no longer fails: remove the entry');
    writeFileSync(
      file,
      JSON.stringify({ schema: 'xent-oracle/expect@1', expected_failures: [{ op: 'sigmoid', group: 'scale two', reason: 'r' }] }),
    );
    const typo = run(['verify', 'examples/adapters/correct.mjs', '--quick', '--ops', 'sigmoid', '--expect', file]);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/--expect .*expect\.json: group "scale two" of sigmoid is not a regime/);
  });

  it('closed pipes end quietly: `ops | head -2`, `selftest --list | head -1`, verify | head -1', () => {
    for (
      const [cmd, code] of [
        [`node ${bin} ops | head -2`, 0],
        [`node ${bin} selftest --list | head -1`, 0],
        [`node ${bin} verify examples/adapters/naive.mjs --quick --ops softmax --no-oracles | head -1`, 1],
      ] as const
    ) {
      const r = spawnSync('bash', ['-c', `set -o pipefail; ${cmd}`], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      // nothing but (on a slow machine) heartbeat lines: no EPIPE, no stack trace
      expect(r.stderr.split('\n').filter((l) => l && !/^verify: \d+\/\d+ \(\d+%\), .*, \d+ s$/.test(l)), cmd).toEqual([]);
      expect(r.status, cmd).toBe(code);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
  });

  it('an independent careful implementation passes (quick)', () => {
    const json = join(dir, 'correct.json');
    const r = run(['verify', 'examples/adapters/correct.mjs', '--quick', '--json', json]);
    expect(r.code).toBe(0);
    const rep = JSON.parse(readFileSync(json, 'utf8'));
    expect(rep.status).toBe('pass');
    for (const o of rep.ops) {
      expect(o.failures).toEqual([]);
      expect(o.worstRatio).toBeLessThanOrEqual(1);
    }
  });
});

describe('verify: usage and protocol errors exit 2 with a message', () => {
  it('no implementation named', () => {
    const r = run(['verify']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('name an implementation');
  });
  it('a missing module', () => {
    const r = run(['verify', 'examples/adapters/nope.mjs']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('nope.mjs');
  });
  it('an unknown op in --ops and a bad --seed', () => {
    let r = run(['verify', 'examples/adapters/correct.mjs', '--ops', 'softmax,sofmax']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--ops: unknown op "sofmax"');
    r = run(['verify', 'examples/adapters/correct.mjs', '--seed', 'x1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--seed = "x1" must be an integer');
  });
  it('a malformed --case', () => {
    const r = run(['verify', 'examples/adapters/correct.mjs', '--case', '{"op":"softmax"}']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--case must be {"op"');
  });
  it('a program that prints garbage on stdout is a protocol error (exit 2, the line quoted)', () => {
    const script = join(dir, 'garbage.py');
    writeFileSync(
      script,
      [
        'import sys, json',
        'for line in sys.stdin:',
        '    req = json.loads(line)',
        '    if req["op"] == "describe":',
        '        print(json.dumps({"id": 0, "result": {"name": "garbage", "dtype": "float64", "ops": ["softmax"]}}), flush=True)',
        '    else:',
        '        print("debug: computing softmax", flush=True)',
      ].join('\n'),
    );
    const python = spawnSync('python3', ['--version']);
    if (python.status !== 0) {
      console.warn('skipped: python3 is not available to run the garbage-printing adapter');
      return;
    }
    const r = run(['verify', '--cmd', `python3 ${script}`, '--quick', '--ops', 'softmax', '--no-oracles']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('[protocol]');
    expect(r.out).toContain('debug: computing softmax');
  });
  it('an unwritable --json path: exit 2, and no half-written file', () => {
    const target = join(dir, 'no-such-dir', 'report.json');
    const r = run(['verify', 'examples/adapters/correct.mjs', '--quick', '--ops', 'sigmoid', '--no-oracles', '--json', target]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot write');
    expect(existsSync(target)).toBe(false);
  });
});
