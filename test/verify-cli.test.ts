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
    expect(rep.schema).toBe('xent-oracle/verify-report@1');
    expect(rep.status).toBe('fail');
    const byOp = Object.fromEntries(rep.ops.map((o: { op: string }) => [o.op, o]));
    // overflow without the max shift: NaN at huge logits
    expect(byOp.softmax.failures.map((f: { cls: string }) => f.cls)).toContain('nan_expected_finite');
    // the lost log1p in softplus is a wrong value, not a tiny one
    expect(byOp.softplus.failures.some((f: { cls: string }) => f.cls === 'wrong_value')).toBe(true);
    // -log(p + 1e-8): the epsilon hack is a wrong value
    expect(byOp.cross_entropy.failures.length).toBeGreaterThan(0);
    for (const o of rep.ops) for (const f of o.failures) expect(f.replay).toMatch(/^npx xent-oracle verify examples\/adapters\/naive\.mjs --case '/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml/);
    expect(xml).toContain('<testcase classname="naive-textbook.softmax" name="softmax: nan_expected_finite">');
  });

  it('a replay command reproduces the failure on exactly one case', () => {
    const rep = JSON.parse(readFileSync(join(dir, 'naive.json'), 'utf8'));
    const f = rep.ops.find((o: { op: string }) => o.op === 'softmax').failures[0];
    const caseJson = JSON.stringify({ op: f.op, args: f.args });
    const r = run(['verify', 'examples/adapters/naive.mjs', '--case', caseJson]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/softmax\s+1\s+0\s+0\s+1/); // one case, failed
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
