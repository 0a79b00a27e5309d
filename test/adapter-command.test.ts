/**
 * Robustness of the command adapter (protocol v1) against misbehaving implementations,
 * each a small Node or Python script written to a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdapterError, openCommandAdapter, type Adapter } from '../src/verify/adapter.js';

const dir = mkdtempSync(join(tmpdir(), 'xent-adapter-cmd-'));
let counter = 0;
const opened: Adapter[] = [];
afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
});

const NODE = JSON.stringify(process.execPath);
/** POSIX shell single quoting */
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;

/**
 * A Node adapter: answers describe with DESCRIBE, then runs `body` (with `req`, `send`,
 * `line` in scope) for every other request.
 */
function nodeAdapter(
  body: string,
  describe: object = { name: 'fake', dtype: 'float64', ops: ['softmax', 'sigmoid', 'logsumexp'] },
): string {
  const file = join(dir, `adapter${++counter}.mjs`);
  writeFileSync(
    file,
    `import { createInterface } from 'node:readline';
const send = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const DESCRIBE = ${JSON.stringify(describe)};
createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line);
  if (req.op === 'describe') return send({ id: req.id, result: DESCRIBE });
  ${body}
});
`,
  );
  return `${NODE} ${JSON.stringify(file)}`;
}

// Request timeouts are generous (CALL_MS) wherever the test is not about timeouts: a loaded
// machine can stall a healthy adapter for seconds, and that must not fail a test.
const CALL_MS = 30_000;

async function open(cmd: string, opts: Parameters<typeof openCommandAdapter>[1] = {}): Promise<Adapter> {
  const a = await openCommandAdapter(cmd, { timeoutMs: CALL_MS, closeTimeoutMs: 500, killTimeoutMs: 300, ...opts });
  opened.push(a);
  return a;
}

async function openError(cmd: string, opts: Parameters<typeof openCommandAdapter>[1] = {}): Promise<AdapterError> {
  try {
    const a = await openCommandAdapter(cmd, { timeoutMs: CALL_MS, closeTimeoutMs: 300, killTimeoutMs: 300, ...opts });
    opened.push(a);
  } catch (e) {
    expect(e).toBeInstanceOf(AdapterError);
    return e as AdapterError;
  }
  throw new Error('openCommandAdapter succeeded but should have failed');
}

/** alive and not a zombie */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    if (existsSync('/proc/self')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll until `check()` holds. The deadline only stops a real hang: it is far above any load delay. */
async function eventually(check: () => boolean, ms = 60_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe('command adapter: the happy path', () => {
  it('describes, calls in order, queues concurrent calls, closes cleanly', async () => {
    const a = await open(
      nodeAdapter(`send({ id: req.id, result: req.args.x.map((v) => v * 2) });`, {
        name: 'doubler',
        dtype: 'float32',
        ops: ['sigmoid', 'gelu', 'sigmoid'],
      }),
    );
    expect(a.info).toEqual({ name: 'doubler', dtype: 'float32', ops: ['sigmoid'], unknownOps: ['gelu'] });
    expect(a.ended).toBeNull();
    const outs = await Promise.all([1, 2, 3, 4, 5].map((k) => a.call('sigmoid', { x: [k, k + 0.5] })));
    expect(outs.map((o) => (o.kind === 'result' ? o.value : o))).toEqual([1, 2, 3, 4, 5].map((k) => [2 * k, 2 * k + 1]));
    for (const o of outs) if (o.kind === 'result') expect(o.ms).toBeGreaterThanOrEqual(0);
    // an op outside the describe list is not sent
    expect(await a.call('softmax', { logits: [[1]] })).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/not in the adapter's describe list/),
    });
    await a.close();
    await a.close(); // idempotent
    expect(a.ended).toBe('the adapter was closed');
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({
      kind: 'crash',
      message: expect.stringMatching(/no longer running: the adapter was closed/),
    });
  });

  it('defaults the name to the command', async () => {
    const cmd = nodeAdapter('', { dtype: 'float64', ops: [] });
    const a = await open(cmd);
    expect(a.info.name).toBe(cmd);
  });

  it('sends non-finite numbers as strings and reads them back (strings and bare tokens)', async () => {
    const a = await open(
      nodeAdapter(`
      if (req.op === 'softmax') send({ id: req.id, result: req.args.logits });
      // the raw request line, echoed in the reply itself: deterministic, where reading it
      // back from stderr raced with the stdout reply
      else if (req.op === 'logsumexp') send({ id: req.id, error: 'request: ' + line });
      else process.stdout.write('{"id": ' + req.id + ', "result": [NaN, Infinity, -Infinity, 1.5, -0.0]}\\n');
    `),
    );
    const r = await a.call('softmax', { logits: [[NaN, Infinity, -Infinity, 2]] });
    expect(r).toMatchObject({ kind: 'result', value: [[NaN, Infinity, -Infinity, 2]] });
    const raw = await a.call('logsumexp', { logits: [[NaN, Infinity, -Infinity, 2]] });
    expect(raw).toMatchObject({ kind: 'error', message: expect.stringContaining('"logits":[["NaN","Infinity","-Infinity",2]]') });
    const s = await a.call('sigmoid', { x: [1] });
    expect(s.kind).toBe('result');
    if (s.kind === 'result') {
      expect(s.value).toEqual([NaN, Infinity, -Infinity, 1.5, -0]);
      expect(Object.is((s.value as number[])[4], -0)).toBe(true);
    }
  });

  it('moves large requests and responses (1e6 numbers each way)', async () => {
    const a = await open(nodeAdapter(`send({ id: req.id, result: req.args.logits });`), { timeoutMs: 100_000 });
    const logits = Array.from({ length: 1000 }, (_, i) => Array.from({ length: 1000 }, (_, j) => (i * 1000 + j) / 7));
    logits[999][999] = NaN;
    const r = await a.call('softmax', { logits });
    expect(r.kind).toBe('result');
    const v = (r as { value: number[][] }).value;
    expect(v.length).toBe(1000);
    expect(v[500][3]).toBe(500003 / 7);
    expect(v[999][999]).toBeNaN();
  });

  it('ignores blank lines and CRLF line ends', async () => {
    const a = await open(nodeAdapter(`process.stdout.write('\\n  \\r\\n' + JSON.stringify({ id: req.id, result: 7 }) + '\\r\\n');`));
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'result', value: 7 });
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'result', value: 7 });
  });

  it('an error reply fails one call and the session goes on', async () => {
    const a = await open(
      nodeAdapter(`
      if (req.op === 'softmax') send({ id: req.id, error: 'label smoothing unsupported' });
      else send({ id: req.id, result: [0.5] });
    `),
    );
    expect(await a.call('softmax', { logits: [[1]] })).toEqual({ kind: 'error', message: 'label smoothing unsupported' });
    expect(await a.call('sigmoid', { x: [0] })).toMatchObject({ kind: 'result', value: [0.5] });
    expect(a.ended).toBeNull();
  });

  it('a malformed result is a protocol failure of that call only', async () => {
    const a = await open(
      nodeAdapter(`
      if (req.op === 'softmax') send({ id: req.id, result: { probs: [1] } });
      else if (req.op === 'logsumexp') send({ id: req.id, result: [[1, 2], 3] });
      else send({ id: req.id, result: [0.5] });
    `),
    );
    const r = await a.call('softmax', { logits: [[1]] });
    expect(r).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/^result must be a number/),
      line: '{"id":1,"result":{"probs":[1]}}',
    });
    expect(await a.call('logsumexp', { logits: [[1]] })).toMatchObject({ kind: 'protocol' });
    expect(await a.call('sigmoid', { x: [0] })).toMatchObject({ kind: 'result', value: [0.5] });
  });
});

describe('command adapter: protocol errors end the session', () => {
  it('quotes a garbage line, then fails fast', async () => {
    const a = await open(nodeAdapter(`process.stdout.write('computing softmax for ' + req.id + '...\\n');`));
    const r = await a.call('softmax', { logits: [[1, 2]] });
    expect(r.kind).toBe('protocol');
    if (r.kind === 'protocol') {
      expect(r.message).toContain('not JSON');
      expect(r.message).toContain('"computing softmax for 1..."');
      expect(r.line).toBe('computing softmax for 1...');
    }
    expect(a.ended).toMatch(/protocol error on request 1 \(softmax\)/);
    // "no longer running" comes only from the fail-fast path: nothing is sent, nothing waited for
    expect(await a.call('softmax', { logits: [[1, 2]] })).toMatchObject({
      kind: 'crash',
      message: expect.stringMatching(/no longer running: protocol error/),
    });
  });

  it('reports a wrong id', async () => {
    const a = await open(nodeAdapter(`send({ id: req.id + 1, result: [1] });`));
    const r = await a.call('sigmoid', { x: [1] });
    expect(r).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/response id 2 does not match the request id 1/),
      line: '{"id":2,"result":[1]}',
    });
  });

  it('reports a response with neither result nor error', async () => {
    const a = await open(nodeAdapter(`send({ id: req.id, value: [1] });`));
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/neither "result" nor "error"/),
    });
  });

  it('reports output written while no request is pending', async () => {
    const a = await open(nodeAdapter(`send({ id: req.id, result: [1] }); send({ id: 99, result: [2] });`));
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'result', value: [1] });
    const r = await a.call('sigmoid', { x: [1] });
    expect(r.kind).toBe('protocol');
    if (r.kind === 'protocol') expect(r.message).toMatch(/while no request was pending|does not match/);
    expect(a.ended).not.toBeNull();
  });
});

describe('command adapter: crashes, hangs and shutdown', () => {
  it('a crash mid-session reports the exit code and stderr, later calls fail fast', async () => {
    const a = await open(
      nodeAdapter(`
      if (req.id === 1) return send({ id: 1, result: [1] });
      process.stderr.write('Segmentation fault (simulated) in softmax_kernel\\n');
      process.exit(3);
    `),
    );
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'result' });
    const r = await a.call('softmax', { logits: [[1]] });
    expect(r.kind).toBe('crash');
    if (r.kind === 'crash') {
      expect(r.message).toBe('the adapter exited with code 3 while handling request 2 (softmax)');
      expect(r.stderr).toContain('Segmentation fault (simulated)');
    }
    expect(a.stderr()).toContain('softmax_kernel');
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'crash', message: expect.stringMatching(/no longer running/) });
  });

  it('reports a kill by signal', async () => {
    const a = await open(nodeAdapter(`process.kill(process.pid, 'SIGKILL');`));
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({
      kind: 'crash',
      message: expect.stringMatching(
        /(killed by signal SIGKILL|exited with code 137 \(128 \+ 9: killed by SIGKILL\)) while handling request 1/,
      ),
    });
  });

  it('an exit between requests is reported by the next call', async () => {
    const a = await open(nodeAdapter(`send({ id: req.id, result: [1] }); setTimeout(() => process.exit(0), 10);`));
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'result' });
    expect(await eventually(() => a.ended !== null)).toBe(true);
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({
      kind: 'crash',
      message: expect.stringMatching(/exited with code 0 between requests/),
    });
  });

  it('a last response without its newline is still read', async () => {
    const a = await open(nodeAdapter(`process.stdout.write(JSON.stringify({ id: req.id, result: [4] }), () => process.exit(0));`));
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'result', value: [4] });
  });

  it('a hang times out within the configured time and the process is killed', async () => {
    const a = await open(
      nodeAdapter(`if (req.op === 'logsumexp') send({ id: req.id, result: [process.pid] }); /* sigmoid: never answers */`),
      { timeoutMs: 300 },
    );
    const first = await a.call('logsumexp', { logits: [[1]] });
    const pid = (first as { value: number[] }).value[0];
    expect(alive(pid)).toBe(true);
    // no clock readings: how late a timer fires depends on the load (and libuv's loop time is
    // cached, so even a lower bound measured here is not exact); the outcome names the limit
    const r = await a.call('sigmoid', { x: [1] });
    expect(r).toEqual({ kind: 'timeout', ms: 300 });
    expect(a.ended).toMatch(/request 2 \(sigmoid\) got no response within 300 ms/);
    expect(await eventually(() => !alive(pid))).toBe(true);
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({
      kind: 'crash',
      message: expect.stringMatching(/no longer running: request 2/),
    });
  });

  it('a child that ignores stdin close and SIGTERM is killed, with its own children', async () => {
    const cmd = nodeAdapter(
      `send({ id: req.id, result: [process.pid, globalThis.kid.pid] });`,
      { name: 'stubborn', dtype: 'float64', ops: ['sigmoid'] },
    );
    // prepend: ignore SIGTERM, keep running after stdin ends, start a grandchild
    const file = JSON.parse(cmd.slice(cmd.indexOf(' ') + 1)) as string;
    writeFileSync(
      file,
      `import { spawn } from 'node:child_process';
process.on('SIGTERM', () => process.stderr.write('ignoring SIGTERM\\n'));
setInterval(() => {}, 1000);
globalThis.kid = spawn('sleep', ['30'], { stdio: 'ignore' });
` + readFileSync(file, 'utf8'),
    );
    const a = await open(cmd, { closeTimeoutMs: 200, killTimeoutMs: 200 });
    const r = await a.call('sigmoid', { x: [1] });
    expect(r.kind).toBe('result');
    const [pid, kid] = (r as { value: number[] }).value;
    expect(alive(pid)).toBe(true);
    expect(alive(kid)).toBe(true);
    await a.close();
    expect(await eventually(() => !alive(pid))).toBe(true);
    expect(await eventually(() => !alive(kid))).toBe(true);
    expect(a.stderr()).toContain('ignoring SIGTERM');
  });

  it('a well-behaved child exits on stdin close without signals', async () => {
    const cmd = nodeAdapter(`send({ id: req.id, result: [process.pid] });`);
    // prepend: say on stderr when stdin ends and when a SIGTERM arrives (then exit)
    const file = JSON.parse(cmd.slice(cmd.indexOf(' ') + 1)) as string;
    writeFileSync(
      file,
      `process.stdin.on('end', () => process.stderr.write('stdin ended\\n'));
process.on('SIGTERM', () => { process.stderr.write('got SIGTERM\\n'); process.exit(1); });
` + readFileSync(file, 'utf8'),
    );
    // a close timeout far above any load delay: a SIGTERM here means the child did not exit on its own
    const a = await open(cmd, { closeTimeoutMs: 60_000 });
    const r = await a.call('sigmoid', { x: [1] });
    const pid = (r as { value: number[] }).value[0];
    await a.close();
    expect(alive(pid)).toBe(false);
    expect(a.stderr()).toContain('stdin ended');
    expect(a.stderr()).not.toContain('got SIGTERM');
  });

  it('close() while a call is pending settles it', async () => {
    const a = await open(nodeAdapter(`/* never answers */`), { timeoutMs: 5000 });
    const p = a.call('sigmoid', { x: [1] });
    await new Promise((r) => setTimeout(r, 50));
    await Promise.all([a.close(), a.close()]);
    expect(await p).toMatchObject({ kind: 'crash', message: expect.stringMatching(/closed while a request was pending/) });
  });
});

describe('command adapter: describe failures are AdapterErrors', () => {
  it('top-level describe fields', async () => {
    const file = join(dir, 'toplevel.mjs');
    writeFileSync(
      file,
      `process.stdin.once('data', () => process.stdout.write(JSON.stringify({ id: 0, name: 'x', dtype: 'float64', ops: ['softmax'] }) + '\\n'));`,
    );
    const e = await openError(`${NODE} ${JSON.stringify(file)}`);
    expect(e.message).toMatch(
      /broke the protocol while answering describe: the describe reply has its fields at the top level; wrap them in "result"/,
    );
  });

  it('a bad dtype', async () => {
    const e = await openError(nodeAdapter('', { name: 'x', dtype: 'float16', ops: ['softmax'] }));
    expect(e.message).toMatch(/sent an invalid describe reply: dtype must be float64 or float32, got "float16"/);
  });

  it('an error reply', async () => {
    const file = join(dir, 'describe-error.mjs');
    writeFileSync(file, `process.stdin.once('data', () => process.stdout.write('{"id": 0, "error": "no GPU found"}\\n'));`);
    const e = await openError(`${NODE} ${JSON.stringify(file)}`);
    expect(e.message).toMatch(/answered describe with an error: no GPU found/);
  });

  it('no reply within the describe timeout: the process is killed', async () => {
    const pidFile = join(dir, 'silent.pid');
    // a shell (starts in milliseconds, not a Node process that may take seconds to boot on a
    // loaded machine): its pid and stderr line exist long before the 1500 ms describe timeout
    const script = `echo $$ > ${shq(pidFile)}; echo 'loading weights' >&2; exec sleep 30`;
    const e = await openError(`sh -c ${shq(script)}`, { describeTimeoutMs: 1500 });
    expect(e.message).toMatch(/did not answer describe within 1500 ms \(does it read stdin line by line and flush stdout/);
    expect(e.message).toContain('loading weights');
    expect(e.stderr).toContain('loading weights');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await eventually(() => !alive(pid))).toBe(true);
  });

  it('a command that does not exist', async () => {
    const e = await openError('xent-no-such-command-4711 --flag');
    expect(e.message).toMatch(/failed before answering describe: the adapter exited with code 127/);
    expect(e.message).toMatch(/not found/);
  });

  it('a banner printed before the describe reply', async () => {
    const file = join(dir, 'banner.mjs');
    writeFileSync(file, `console.log('Welcome to MyNet 2.0'); setInterval(() => {}, 1000);`);
    const e = await openError(`${NODE} ${JSON.stringify(file)}`);
    expect(e.message).toMatch(/"Welcome to MyNet 2.0"/);
  });

  it('a missing working directory', async () => {
    const e = await openError(nodeAdapter(''), { cwd: join(dir, 'does-not-exist') });
    expect(e.message).toMatch(/working directory of the adapter command does not exist: .*does-not-exist/);
  });

  it('an empty command', async () => {
    await expect(openCommandAdapter('  ')).rejects.toThrow(AdapterError);
  });
});

describe.skipIf(!HAS_PYTHON)('command adapter: Python one-liners', () => {
  it('accepts bare NaN / Infinity tokens from json.dumps', async () => {
    const script = [
      'import json, sys',
      'for line in sys.stdin:',
      '    req = json.loads(line)',
      '    if req["op"] == "describe":',
      '        out = {"id": 0, "result": {"name": "py", "dtype": "float64", "ops": ["sigmoid"]}}',
      '    else:',
      '        out = {"id": req["id"], "result": [float("nan"), float("inf"), -float("inf"), 0.25]}',
      '    print(json.dumps(out), flush=True)',
    ].join('\n');
    const a = await open(`python3 -c ${shq(script)}`);
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'result', value: [NaN, Infinity, -Infinity, 0.25] });
  });

  it('an unflushed reply ends in a describe timeout with a hint', async () => {
    const script =
      'import json, sys, time\nsys.stdin.readline()\nsys.stdout.write(json.dumps({"id": 0, "result": {"dtype": "float64", "ops": []}}) + "\\n")\ntime.sleep(30)';
    const env = { ...process.env };
    delete env.PYTHONUNBUFFERED; // make stdout block-buffered, as it is by default on a pipe
    const e = await openError(`python3 -c ${shq(script)}`, { describeTimeoutMs: 600, env });
    expect(e.message).toMatch(/flush stdout after each response line/);
  });
});
if (!HAS_PYTHON) console.warn('[adapter-command.test] python3 not found: the Python one-liner tests are skipped');
