/**
 * The `xent-oracle reference <op> --args <json|@file> [--digits N] [--pretty]` command, run as
 * a child process on the built CLI (dist/cli/bin.js; built once by the e2e project's global setup).
 *
 * Output contract: one JSON object {op, digits, decimal, float64, float32, float16, bfloat16}
 * on stdout, nested like the op's result, non-finite numbers as the strings "NaN", "Infinity",
 * "-Infinity"; exit 0. Every usage or input error: exit 2, nothing on stdout, a one-line
 * message on stderr that names the argument and the offending value.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP_NAMES } from '../src/ops/registry.js';
import { reference } from '../src/ops/evaluate.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist/cli/bin.js');
let tmp = '';

beforeAll(() => {
  // dist/ is built once by the e2e project's global setup (test/helpers/build-once.ts)
  tmp = mkdtempSync(join(tmpdir(), 'xent-cli-ref-'));
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run a command that must succeed and return its parsed JSON output. */
function ok(...args: string[]): Record<string, unknown> {
  const r = cli(...args);
  expect(r.stderr, `stderr of ${args.join(' ')}`).toBe('');
  expect(r.code, `exit code of ${args.join(' ')}`).toBe(0);
  expect(r.stdout.endsWith('\n')).toBe(true);
  expect(r.stdout.trim().split('\n')).toHaveLength(1); // one JSON object, one line
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Run a command that must fail with exit 2 and a message on stderr; returns the message. */
function fails(...args: string[]): string {
  const r = cli(...args);
  expect(r.code, `exit code of ${args.join(' ')}; stderr: ${r.stderr}`).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.length).toBeGreaterThan(0);
  return r.stderr;
}

/** The in-process reference, written the way the CLI writes JSON (non-finite as strings). */
function asJson(op: string, args: unknown, digits?: number): unknown {
  const r = reference(op, args, digits === undefined ? {} : { digits });
  const v = {
    op: r.op,
    digits: r.digits,
    decimal: r.decimal,
    float64: r.float64,
    float32: r.float32,
    float16: r.float16,
    bfloat16: r.bfloat16,
  };
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)));
}

describe('xent-oracle reference: output', () => {
  it('prints {op, digits, decimal, float64, float32, float16, bfloat16} nested like the result', () => {
    const out = ok('reference', 'softmax', '--args', '{"logits":[[0,0,0,0],[5,5,5,5]]}');
    expect(Object.keys(out)).toEqual(['op', 'digits', 'decimal', 'float64', 'float32', 'float16', 'bfloat16']);
    expect(out.op).toBe('softmax');
    expect(out.digits).toBe(40);
    const q = [0.25, 0.25, 0.25, 0.25];
    expect(out.decimal).toEqual([['0.25', '0.25', '0.25', '0.25'], ['0.25', '0.25', '0.25', '0.25']]);
    for (const f of ['float64', 'float32', 'float16', 'bfloat16']) expect(out[f]).toEqual([q, q]);
  });

  it('scalar and vector results (losses with reductions) keep their shape', () => {
    const mean = ok('reference', 'cross_entropy', '--args', '{"logits":[[2,2],[7,7]],"target":[0,1]}');
    expect(mean.decimal).toBe('0.6931471805599453094172321214581765680755'); // ln 2, OEIS A002162
    expect(mean.float64).toBe(Math.LN2);
    const none = ok('reference', 'cross_entropy', '--args', '{"logits":[[2,2],[7,7]],"target":[0,1],"reduction":"none"}');
    expect(none.float64).toEqual([Math.LN2, Math.LN2]);
    const lse = ok('reference', 'logsumexp', '--args', '{"logits":[[1],[2.5]]}');
    expect(lse.decimal).toEqual(['1', '2.5']);
  });

  it('--digits N sets the significant digits of the decimal (floats unchanged)', () => {
    const args = '{"logits":[[1,2,3]]}';
    const five = ok('reference', 'softmax', '--args', args, '--digits', '5');
    expect(five.digits).toBe(5);
    // softmax([1, 2, 3]) = [0.0900305731…, 0.2447284710…, 0.6652409557…]
    expect(five.decimal).toEqual([['0.090031', '0.24473', '0.66524']]);
    const forty = ok('reference', 'softmax', '--args', args);
    expect(five.float64).toEqual(forty.float64);
    expect(five.float32).toEqual(forty.float32);
    expect(ok('reference', 'softmax', '--args', args, '--digits', '1').decimal).toEqual([['0.09', '0.2', '0.7']]);
    const hundred = ok('reference', 'softmax', '--args', args, '--digits', '100');
    const sig = (hundred.decimal as string[][])[0][0].replace(/^0\.0*/, '');
    expect(sig.length).toBeGreaterThan(90);
    expect(sig.length).toBeLessThanOrEqual(100);
    expect(hundred).toEqual(asJson('softmax', { logits: [[1, 2, 3]] }, 100));
    expect(ok('reference', 'softmax', '--args', args, '--digits=3').digits).toBe(3);
  });

  it('--args @file reads the arguments from a file', () => {
    const file = join(tmp, 'args.json');
    writeFileSync(file, JSON.stringify({ logits: [[0, -Infinity, 0]].map((r) => r.map((v) => (Number.isFinite(v) ? v : '-Infinity'))) }));
    const out = ok('reference', 'softmax', '--args', `@${file}`);
    expect(out.decimal).toEqual([['0.5', '0', '0.5']]);
    // and the same file with bare tokens, as python's json module writes them
    writeFileSync(file, '{"x": [NaN, Infinity, -Infinity, 0]}\n');
    expect(ok('reference', 'sigmoid', '--args', `@${file}`).decimal).toEqual(['NaN', '1', '0', '0.5']);
  });

  it('non-finite inputs: the strings "NaN"/"Infinity"/"-Infinity" and bare NaN/Infinity tokens', () => {
    const strs = ok('reference', 'sigmoid', '--args', '{"x":["NaN","Infinity","-Infinity",0]}');
    const bare = ok('reference', 'sigmoid', '--args', '{"x":[NaN, Infinity, -Infinity, 0]}');
    expect(strs).toEqual(bare);
    expect(strs.decimal).toEqual(['NaN', '1', '0', '0.5']);
    for (const f of ['float64', 'float32', 'float16', 'bfloat16']) expect(strs[f]).toEqual(['NaN', 1, 0, 0.5]);
    // a string that merely contains the token is not revived
    expect(fails('reference', 'sigmoid', '--args', '{"x":["NaNs"]}')).toContain('x[0] = "NaNs" is not a number');
  });

  it('non-finite outputs are written as strings', () => {
    const out = ok('reference', 'softplus', '--args', '{"x":[Infinity, -Infinity, 1e308]}');
    expect(out.decimal).toEqual(['Infinity', '0', '1.000000000000000010979063629440455417405e+308']);
    expect(out.float64).toEqual(['Infinity', 0, 1e308]);
    expect(out.float32).toEqual(['Infinity', 0, 'Infinity']); // 1e308 overflows float32
    expect(ok('reference', 'log_softmax', '--args', '{"logits":[[0,"-Infinity"]]}').float64).toEqual([[0, '-Infinity']]);
    expect(ok('reference', 'softmax', '--args', '{"logits":[["-Infinity","-Infinity"]]}').decimal).toEqual([['NaN', 'NaN']]);
  });

  it('--pretty indents the same JSON', () => {
    const r = cli('reference', 'sigmoid', '--args', '{"x":[0]}', '--pretty');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\n  "op": "sigmoid",\n');
    expect(JSON.parse(r.stdout)).toEqual(ok('reference', 'sigmoid', '--args', '{"x":[0]}'));
  });
});

describe('xent-oracle reference: errors exit 2 with a message naming the argument and value', () => {
  it('bad JSON in --args', () => {
    expect(fails('reference', 'softmax', '--args', '{"logits": [[1,2]')).toMatch(
      /^xent-oracle: --args: not valid JSON \(.+\): \{"logits": \[\[1,2\]\n$/,
    );
    expect(fails('reference', 'softmax', '--args', '')).toMatch(/^xent-oracle: --args: not valid JSON/);
    expect(fails('reference', 'softmax', '--args', '{"logits":[[1,2]]} trailing')).toContain('--args: not valid JSON');
    const file = join(tmp, 'bad.json');
    writeFileSync(file, '{"logits": [[1, 2],,]}');
    expect(fails('reference', 'softmax', '--args', `@${file}`)).toContain('--args: not valid JSON');
  });

  it('unknown op', () => {
    const msg = fails('reference', 'softmaxx', '--args', '{"logits":[[1]]}');
    expect(msg).toBe(`xent-oracle: unknown op "softmaxx" (known: ${OP_NAMES.join(', ')})\n`);
  });

  it('missing @file', () => {
    const missing = join(tmp, 'does-not-exist.json');
    expect(fails('reference', 'softmax', '--args', `@${missing}`)).toBe(
      `xent-oracle: --args @${missing}: cannot read ${missing}: ENOENT\n`,
    );
  });

  it('bad --digits', () => {
    for (const d of ['0', '1001', 'abc', '1.5']) {
      expect(fails('reference', 'softmax', '--args', '{"logits":[[1]]}', '--digits', d), `--digits ${JSON.stringify(d)}`).toBe(
        `xent-oracle: --digits = ${JSON.stringify(d)} must be an integer from 1 to 1000\n`,
      );
    }
  });

  it('invalid op arguments (the validation message, verbatim)', () => {
    expect(fails('reference', 'cross_entropy', '--args', '{"logits":[[1,2,3],[1,2,3]],"target":[0,7]}')).toBe(
      'xent-oracle: target[1] = 7 is out of range for 3 classes\n',
    );
    expect(fails('reference', 'binary_cross_entropy', '--args', '{"probs":[0.5,0.5,1.5],"target":[1,1,1]}')).toBe(
      'xent-oracle: probs[2] = 1.5 is outside [0, 1]\n',
    );
    expect(fails('reference', 'softmax', '--args', '[1,2]')).toBe('xent-oracle: args must be a JSON object, got [1,2]\n');
    expect(fails('reference', 'softmax', '--args', '{"logits":[[1,2]],"x":[1]}')).toBe(
      'xent-oracle: softmax: unknown argument "x" (expected logits)\n',
    );
    expect(fails('reference', 'softmax', '--args', '{"logits":[[1,2],[3]]}')).toBe(
      'xent-oracle: logits is ragged: logits[1] has 1 entries but logits[0] has 2\n',
    );
  });

  it('missing --args, missing op, unknown option (commander usage errors)', () => {
    expect(fails('reference', 'softmax')).toContain("required option '--args <json>' not specified");
    expect(fails('reference', '--args', '{}')).toContain("missing required argument 'op'");
    expect(fails('reference', 'softmax', '--args', '{"logits":[[1]]}', '--bogus')).toContain("unknown option '--bogus'");
  });
});

describe('docs/ops.md', () => {
  const md = readFileSync(join(ROOT, 'docs/ops.md'), 'utf8');
  const examples = [...md.matchAll(/```sh\n(xent-oracle reference [^\n]*)\n```\n\n```json\n([^\n]*)\n```/g)].map((m) => ({
    cmd: m[1],
    out: m[2],
  }));

  /** split "xent-oracle reference op --args '{...}' --digits 20" into argv (single quotes only) */
  const argv = (cmd: string): string[] => [...cmd.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]).slice(1);

  it('documents every op of the catalog with an example', () => {
    for (const op of OP_NAMES) {
      expect(md, op).toContain(`\n## ${op}\n`);
      expect(examples.some((e) => argv(e.cmd)[1] === op), `example for ${op}`).toBe(true);
    }
    expect(md).toMatch(/public contract/);
    expect(md).toMatch(/version bump/);
  });

  it('every example output is what the CLI prints for the command shown, and what reference() returns', () => {
    expect(examples.length).toBeGreaterThanOrEqual(OP_NAMES.length);
    for (const e of examples) {
      const a = argv(e.cmd);
      const r = cli(...a);
      expect(r.code, e.cmd).toBe(0);
      expect(r.stdout.trim(), e.cmd).toBe(e.out);
      // the CLI adds nothing to the in-process reference but the JSON encoding
      const digits = a.includes('--digits') ? Number(a[a.indexOf('--digits') + 1]) : undefined;
      expect(JSON.parse(e.out), e.cmd).toEqual(asJson(a[1], JSON.parse(a[a.indexOf('--args') + 1]), digits));
    }
  });
});
