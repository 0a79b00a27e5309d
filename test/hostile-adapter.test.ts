/**
 * The hostile-adapter suite (issue 14): a parameterised misbehaving command adapter
 * (helpers/hostile-adapter.mjs) and module adapter (helpers/hostile-module.mjs), each a
 * correct softmax except for one behaviour at one request, played through
 * `xent-oracle verify --quick --ops softmax --no-oracles --json … --junit …` (the CLI's main()
 * in this process, so that ~200 runs cost no CLI start-ups; a few runs also spawn the real
 * CLI). For every behaviour it asserts:
 * - the exit code of the documented rule (docs/protocol.md, "Outcomes and exit codes"):
 *   0 pass, 1 wrong answers over a complete session, 2 a broken adapter (at describe or
 *   mid-session) or an invalid / vacuous run;
 * - a message naming the problem;
 * - no stack trace of the verifier (the adapter's own stderr is quoted behind "  | ");
 * - no process left: nothing in the adapter's process group, nothing carrying the
 *   HOSTILE_MARK environment variable (which setsid'd / double-forked descendants keep);
 * - no partial report file: --json and --junit are absent or complete, no temporary files.
 *
 * Timeouts are not judged by duration here: a hang is asserted by its message only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { processesWithEnv } from '../src/verify/proctree.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ADAPTER = join(HERE, 'helpers', 'hostile-adapter.mjs');
const MODULE = join(HERE, 'helpers', 'hostile-module.mjs');
const ROOT = mkdtempSync(join(tmpdir(), 'xent-hostile-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

/**
 * The timeouts of these runs. Behaviours that hang get a short one (they end in it whatever
 * the load: a hang at describe or later is a timeout either way, and both messages are
 * accepted); every other behaviour gets a long one, so that a loaded machine cannot turn a
 * slow correct answer into a timeout. Durations are never asserted.
 */
const HANG_TIMEOUT_MS = '1500';
const TIMEOUT_MS = '30000';
const HANGS = new Set(['hang', 'hang-busy', 'close-stdout', 'infinite-loop', 'never-settles', 'hang in import']);

interface Outcome {
  code: number;
  out: string;
  err: string;
  dir: string;
  mark: string;
}

/** Run main() with stdout / stderr captured (runs are sequential: the capture is global). */
async function runMain(args: string[], mark: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  // saved as they are, to be put back after the in-process run (not called unbound)
  // oxlint-disable-next-line typescript/unbound-method
  const ow = process.stdout.write;
  // oxlint-disable-next-line typescript/unbound-method
  const ew = process.stderr.write;
  const prevMark = process.env.HOSTILE_MARK;
  const prevCode = process.exitCode;
  process.exitCode = undefined;
  process.env.HOSTILE_MARK = mark;
  process.stdout.write = (c: string | Uint8Array) => ((out += String(c)), true);
  process.stderr.write = (c: string | Uint8Array) => ((err += String(c)), true);
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = prevCode;
    if (prevMark === undefined) delete process.env.HOSTILE_MARK;
    else process.env.HOSTILE_MARK = prevMark;
  }
}

async function verifyWith(adapterArgs: string[], dir: string, behaviour: string): Promise<Outcome> {
  const mark = randomUUID();
  const timeout = HANGS.has(behaviour) ? HANG_TIMEOUT_MS : TIMEOUT_MS;
  const r = await runMain(
    [
      'verify',
      ...adapterArgs,
      '--quick',
      '--ops',
      'softmax',
      '--no-oracles',
      '--timeout',
      timeout,
      '--json',
      join(dir, 'r.json'),
      '--junit',
      join(dir, 'r.xml'),
    ],
    mark,
  );
  return { ...r, dir, mark };
}

let n = 0;
const freshDir = () => {
  const d = join(ROOT, `b${++n}`);
  mkdirSync(d);
  return d;
};

function liveGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z' && f[0] !== 'X') out.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** The assertions every behaviour shares. */
function checkCommon(o: Outcome, expectCode: number, message: RegExp | null): void {
  const all = `${o.out}\n${o.err}`;
  expect(o.code, all.slice(-3000)).toBe(expectCode);
  if (message) expect(all).toMatch(message);
  // no stack trace of the verifier: lines quoted from the adapter's stderr start with "  | "
  const ours = all.split('\n').filter((l) => !l.startsWith('  | '));
  expect(ours.filter((l) => /^\s+at .*(:\d+:\d+\)?|\(native\))$/.test(l)), all.slice(-2000)).toEqual([]);
  expect(all).not.toMatch(/internal error/);
  // the report cannot be forged: no raw control characters from the adapter in our output
  expect(ours.join('\n')).not.toContain('\u001b');
  expect(ours.filter((l) => l.startsWith('PASS: 999'))).toEqual([]);
  // no process left, by process group and by marker
  const pgidFile = join(o.dir, 'pgid');
  if (existsSync(pgidFile)) expect(liveGroupMembers(Number(readFileSync(pgidFile, 'utf8')))).toEqual([]);
  expect(processesWithEnv('HOSTILE_MARK', o.mark)).toEqual([]);
  // no partial report files
  const files = readdirSync(o.dir);
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  if (files.includes('r.json')) expect(() => JSON.parse(readFileSync(join(o.dir, 'r.json'), 'utf8'))).not.toThrow();
  if (files.includes('r.xml')) expect(readFileSync(join(o.dir, 'r.xml'), 'utf8')).toMatch(/<\/testsuites>\n$/);
  if (expectCode === 0 || expectCode === 1) expect(files).toContain('r.json');
}

// ---------------------------------------------------------------------------------------
// command adapters

type Expect = [code: number, message: RegExp | null];

/** behaviours that break the session wherever they happen (describe or mid-session) */
const DEATHS: Record<string, RegExp> = {
  exit0: /exited with code 0/,
  exit1: /exited with code 1/,
  sigkill: /SIGKILL/,
  sigsegv: /SIGSEGV/,
  abort: /SIGABRT/,
  hang: /no response within 1500 ms|did not answer describe within 1500 ms/,
  'hang-busy': /no response within 1500 ms|did not answer describe within 1500 ms/,
  'stray-line': /while no request was pending|has no "id"/,
  'stray-text': /while no request was pending|not JSON/,
  duplicate: /while no request was pending|does not match the request id/,
  'no-newline-exit': /exited with code 0/,
  garbage: /not JSON.*"not json at all"/,
  'truncated-json': /not JSON/,
  'wrong-id': /does not match the request id/,
  'string-id': /response id "\d+" does not match/,
  'no-id': /has no "id"/,
  both: /both "result" and "error"/,
  neither: /neither "result" nor "error"/,
  'array-line': /where a response object/,
  'number-line': /adapter wrote 42 where a response object/,
  'null-line': /adapter wrote null where a response object/,
  bom: /byte order mark.*\\ufeff|\\ufeff.*byte order mark/,
  'deep-json': /nested more than 64 levels deep/,
  'huge-garbage': /not JSON.*\(2000000 chars\)/,
  'invalid-utf8': /not JSON|\\ufffd/,
  'close-stdout': /no response within 1500 ms|did not answer describe|exited|closed/,
  'late-exit': /exited with code 0/,
  'fork-then-exit': /exited with code 5/,
};

/** behaviours that are wrong answers over a complete session: exit 1 mid-session */
const WRONG: Record<string, RegExp> = {
  'wrong-shape': /wrong_shape/,
  nan: /nan_expected_finite/,
  constant: /wrong_value|wrong_shape/,
  negated: /wrong_value/,
  'error-once': /error_reply[\s\S]*transient failure: out of scratch memory/,
  'error-huge': /E{100}… \(10000000 chars\)/,
  'error-ansi': /bad\\n\\u001b\[32mPASS: 999 cases/,
  'error-object': /structured/,
};

/** malformed results: a protocol error of that request (exit 2, the session goes on) */
const MALFORMED: Record<string, RegExp> = {
  'result-string': /got a string "oops"/,
  'result-object': /got an object/,
  'result-3-deep': /result\[0\]\[0\] is an array/,
  'result-mixed': /result\[1\] is a number but result\[0\] is a row/,
  'result-bool': /got a boolean/,
};

/** harmless oddities: a correct implementation passes */
const BENIGN = ['stderr-flood', 'stderr-ansi', 'slow', 'chunked', 'crlf', 'blank-lines', 'bare-nan'];

/** describe-only behaviours (k = 0) */
const DESCRIBE: Record<string, Expect> = {
  'describe-error': [2, /answered describe with an error: cannot load the model/],
  'describe-no-ops': [2, /nothing to verify: the implementation hostile declares no catalog op/],
  'describe-disjoint': [2, /nothing to verify: --ops softmax names none of the ops the implementation offers \(sigmoid\)/],
  'describe-only-unknown': [2, /nothing to verify.*only unknown names: gelu, swish/],
  'describe-many-unknown': [1, /op_0, op_1, .* … and 299980 more/],
  'describe-bad-dtype': [2, /dtype must be float64 or float32, got "float16"/],
  'describe-top-level': [2, /wrap them in "result"/],
  'describe-protocol-2': [2, /protocol 2 is not supported/],
  'describe-ops-not-array': [2, /ops must be an array of op names/],
  'describe-name-forgery': [0, /xent-oracle verify: x\\nPASS: 999 cases\\u001b\[2K \(float64\)/],
  'describe-name-empty': [2, /name must be a non-empty string/],
  'result-string': [2, /invalid describe reply/],
  'error-once': [2, /answered describe with an error: transient failure/],
};

const STARTUP: Record<string, Expect> = {
  'exit-at-start': [2, /failed before answering describe: the adapter exited with code 3/],
  'ignore-sigterm': [0, /PASS: 30 cases/],
  'ignore-eof': [0, /PASS: 30 cases/],
  'child-in-group': [0, /PASS: 30 cases/],
  'daemon-child': [0, /PASS: 30 cases/],
  'double-fork': [0, /PASS: 30 cases/],
};

const cmdCases: Array<[name: string, behaviour: string, k: number, code: number, message: RegExp | null]> = [];
for (const [b, re] of Object.entries(DEATHS)) {
  // at describe (k = 0) the session never starts; mid-session at the first, a middle and a late request
  for (const k of [0, 1, 4, 17]) {
    // the last two end the session only after a complete describe reply: mid-session only
    if (k === 0 && (b === 'late-exit' || b === 'no-newline-exit')) continue;
    cmdCases.push([`${b} @${k}`, b, k, 2, k === 0 && /stray|duplicate|late-exit/.test(b) ? null : re]);
  }
}
for (const [b, re] of Object.entries(WRONG)) for (const k of [1, 4, 17]) cmdCases.push([`${b} @${k}`, b, k, 1, re]);
for (const [b, re] of Object.entries(MALFORMED)) for (const k of [1, 17]) cmdCases.push([`${b} @${k}`, b, k, 2, re]);
for (const b of BENIGN) for (const k of [1, 17]) cmdCases.push([`${b} @${k}`, b, k, 0, /PASS: 30 cases/]);
for (const [b, [code, re]] of Object.entries(DESCRIBE)) cmdCases.push([`${b} @0`, b, 0, code, re]);
for (const [b, [code, re]] of Object.entries(STARTUP)) cmdCases.push([b, b, -1, code, re]);
// an adapter that dies after its 30th and last answer judged everything: it passes; one
// that dies before answering the 30th, or after the 29th, did not
cmdCases.push(['late-exit @30 (after the last answer)', 'late-exit', 30, 0, /PASS: 30 cases/]);
cmdCases.push(['exit0 @30 (instead of the last answer)', 'exit0', 30, 2, /exited with code 0/]);
cmdCases.push(['late-exit @29', 'late-exit', 29, 2, /judged fewer cases than planned: 29 of 30|exited with code 0/]);

// sequential: each case runs verify in this process and captures its stdout / stderr
describe('hostile command adapters', () => {
  it('the suite is large', () => expect(cmdCases.length).toBeGreaterThan(140));
  for (const [name, behaviour, k, code, re] of cmdCases) {
    it(name, { timeout: 120_000 }, async () => {
      const dir = freshDir();
      const o = await verifyWith(['--cmd', `node ${ADAPTER} ${behaviour} ${k} ${dir}`], dir, behaviour);
      checkCommon(o, code, re);
      if (code === 2 && k > 0 && k < 30) {
        // a session that ended early says how much it judged
        if (behaviour in DEATHS) expect(o.out).toMatch(/judged fewer cases than planned: \d+ of 30|the implementation ended/);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------
// module adapters

const MODULE_CASES: Record<string, Expect> = {
  'kill-self': [2, /killed by signal SIGTERM/],
  'kill-self-9': [2, /killed by signal SIGKILL/],
  exit: [2, /the adapter module exited with code 7/],
  'infinite-loop': [2, /no response within 1500 ms/],
  'never-settles': [2, /no response within 1500 ms/],
  'throw-later': [2, /threw outside a call: RangeError: late failure/],
  'reject-later': [2, /threw outside a call: unhandled|exited with code/],
  children: [0, /PASS: 30 cases/],
  daemon: [0, /PASS: 30 cases/],
  cyclic: [2, /result\[0\]\[0\] is an array \(results are at most two levels deep\)/],
  'cyclic-rows': [2, /result\[0\]\[1\] is an array/],
  'huge-typed': [2, /the result has 20000000 numbers, more than the 4194304 accepted/],
  'huge-rows': [2, /the result has more than 4194304 numbers/],
  deep: [2, /result\[0\]\[0\] is an array/],
  tensor: [2, /got an object \(Tensor\): convert tensors/],
  string: [2, /got a string "softmax"/],
  symbol: [2, /result\[0\] is a symbol/],
  bigint: [2, /result\[0\] is a bigint/],
  'proxy-throws': [2, /the result could not be read \(proxy trap\)/],
  'throw-huge': [1, /E{100}… \(10000000 chars\)|E{100}… \(100000 chars\)/],
  'throw-ansi': [1, /bad\\n\\u001b\[32mPASS: 999 cases/],
  'throw-non-error': [1, /\{"code":7\}/],
  'console-flood': [0, /PASS: 30 cases/],
  'fake-protocol-stdout': [0, /PASS: 30 cases/],
  'wrong-value': [1, /wrong_value/],
};

const IMPORT_CASES: Record<string, [source: string, message: RegExp]> = {
  'exit in import': ['process.exit(9);', /exited with code 9/],
  'throw in import': ["throw new Error('needs a GPU');", /cannot load adapter module .*: needs a GPU/],
  'kill in import': ['process.kill(process.pid);', /SIGTERM/],
  'hang in import': ['for (;;) {}', /did not finish loading within 1500 ms/],
  'no ops': ["export default { dtype: 'float64', ops: {} };", /nothing to verify/],
  'name forgery': [
    "export default { name: 'm\\nPASS: 999 cases', dtype: 'float64', ops: { sigmoid: (a) => a.x } };",
    /nothing to verify: --ops softmax names none/,
  ],
};

describe('hostile module adapters', () => {
  for (const [b, [code, re]] of Object.entries(MODULE_CASES)) {
    for (const k of b === 'wrong-value' || b === 'children' ? [1, 17] : [1]) {
      it(`${b} @${k}`, { timeout: 120_000 }, async () => {
        const dir = freshDir();
        const file = join(dir, 'adapter.mjs');
        writeFileSync(file, `import make from ${JSON.stringify(MODULE)};\nexport default make(${JSON.stringify(b)}, ${k});\n`);
        const o = await verifyWith([file], dir, b);
        checkCommon(o, code, re);
      });
    }
  }
  for (const [name, [source, re]] of Object.entries(IMPORT_CASES)) {
    it(name, { timeout: 120_000 }, async () => {
      const dir = freshDir();
      const file = join(dir, 'adapter.mjs');
      writeFileSync(file, source);
      const o = await verifyWith([file], dir, name);
      checkCommon(o, 2, re);
    });
  }
});

// ---------------------------------------------------------------------------------------
// the real CLI process: exit codes, no stack trace, --case validation, --timeout at describe

const CLI = join(HERE, '..', 'dist', 'cli', 'bin.js');
const hasCli = existsSync(CLI);

describe.skipIf(!hasCli)('the CLI process', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

  it('an adapter that answers 17 requests then exits at the 18th: FAIL, exit 2, never PASS', () => {
    const dir = freshDir();
    const mark = randomUUID();
    const r = cli(['verify', '--cmd', `node ${ADAPTER} exit0 18 ${dir}`, '--ops', 'softmax', '--quick', '--no-oracles'], {
      HOSTILE_MARK: mark,
    });
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).not.toMatch(/^PASS/m);
    expect(r.stdout).toMatch(/judged fewer cases than planned: 18 of 30/);
    expect(processesWithEnv('HOSTILE_MARK', mark)).toEqual([]);
  });

  it('a module calling process.kill(process.pid) does not take the verifier down', () => {
    const dir = freshDir();
    const file = join(dir, 'adapter.mjs');
    writeFileSync(file, `import make from ${JSON.stringify(MODULE)};\nexport default make('kill-self', 3);\n`);
    const r = cli(['verify', file, '--ops', 'softmax', '--quick', '--no-oracles']);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/killed by signal SIGTERM/);
  });

  for (const [signal, code, k] of [['SIGTERM', 143, 3], ['SIGINT', 130, 3], ['SIGTERM', 143, 0]] as const) {
    it(`${signal} to the verifier ${k ? 'mid-run' : 'during describe'} stops the adapter and its setsid'd child, writes no report`, async () => {
      const dir = freshDir();
      const mark = randomUUID();
      const child = spawn(process.execPath, [
        CLI,
        'verify',
        '--cmd',
        `node ${ADAPTER} daemon-then-hang ${k} ${dir}`,
        '--ops',
        'softmax',
        '--quick',
        '--no-oracles',
        '--json',
        join(dir, 'r.json'),
      ], {
        env: { ...process.env, HOSTILE_MARK: mark },
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      // wait (no time limit but the test's) until the adapter hangs in request k
      while (!existsSync(join(dir, 'hanging'))) await new Promise((r) => setTimeout(r, 50));
      expect(processesWithEnv('HOSTILE_MARK', mark).length).toBeGreaterThanOrEqual(2); // the adapter and its daemon
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(processesWithEnv('HOSTILE_MARK', mark)).toEqual([]);
      expect(readdirSync(dir).filter((f) => f.startsWith('r.json') || f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('--timeout applies to describe', () => {
    const dir = freshDir();
    const r = cli(['verify', '--cmd', `node ${ADAPTER} hang 0 ${dir}`, '--timeout', '300']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/did not answer describe within 300 ms/);
  });

  const badCases: Array<[string, string, RegExp]> = [
    ['label out of range', '{"op":"cross_entropy","args":{"logits":[[1,2]],"target":[5]}}', /target/],
    ['shape mismatch', '{"op":"cross_entropy","args":{"logits":[[1,2]],"target":[0,1]}}', /target/],
    ['missing argument', '{"op":"softmax","args":{}}', /logits/],
    ['NaN label', '{"op":"cross_entropy","args":{"logits":[[1,2]],"target":["NaN"]}}', /target/],
  ];
  for (const [name, json, re] of badCases) {
    it(`--case with a ${name}: exit 2 with the message of \`reference\``, () => {
      const { op, args } = JSON.parse(json) as { op: string; args: unknown };
      const ref = cli(['reference', op, '--args', JSON.stringify(args)]);
      expect(ref.status).toBe(2);
      const refMessage = ref.stderr.replace(/^xent-oracle: /, '').trim();
      expect(refMessage).toMatch(re);
      const r = cli(['verify', '--cmd', `node ${ADAPTER} none -1`, '--case', json]);
      expect(r.status, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`--case: ${refMessage}`);
      expect(r.stdout).not.toMatch(/PASS/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }
});
