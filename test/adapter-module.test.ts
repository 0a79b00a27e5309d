/**
 * The JS module adapter: export-shape validation, result conversion (typed arrays),
 * errors, timeouts and crashes of the module (which runs in a child process of its own).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AdapterError, checkExportSummary, explainImportError, openModuleAdapter, type Adapter } from '../src/verify/adapter.js';

const dir = mkdtempSync(join(tmpdir(), 'xent-adapter-mod-'));
let counter = 0;
const opened: Adapter[] = [];
afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
});

function moduleFile(source: string, ext = '.mjs'): string {
  const file = join(dir, `m${++counter}${ext}`);
  writeFileSync(file, source);
  return file;
}

// Call timeouts are generous (CALL_MS) wherever the test is not about timeouts: a loaded
// machine can stall a healthy worker for seconds, and that must not fail a test.
const CALL_MS = 30_000;

/** Poll until `check()` holds. The deadline only stops a real hang: it is far above any load delay. */
async function eventually(check: () => boolean, ms = 60_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

async function open(source: string, opts: Parameters<typeof openModuleAdapter>[1] = {}): Promise<Adapter> {
  const a = await openModuleAdapter(moduleFile(source), { timeoutMs: CALL_MS, ...opts });
  opened.push(a);
  return a;
}

async function openError(path: string, opts: Parameters<typeof openModuleAdapter>[1] = {}): Promise<AdapterError> {
  try {
    const a = await openModuleAdapter(path, { timeoutMs: CALL_MS, ...opts });
    opened.push(a);
  } catch (e) {
    expect(e).toBeInstanceOf(AdapterError);
    return e as AdapterError;
  }
  throw new Error('openModuleAdapter succeeded but should have failed');
}

describe('module adapter: results', () => {
  it('converts typed arrays, nested typed arrays and async results', async () => {
    const a = await open(`
      export default {
        name: 'typed',
        dtype: 'float32',
        ops: {
          sigmoid: ({ x }) => Float32Array.from(x, (v) => 1 / (1 + Math.exp(-v))),
          softmax: ({ logits }) => logits.map((r) => new Float64Array(r)),
          log_softmax: ({ logits }) => [new Float32Array([0.5, 0.25]), [1, 2]],
          logsumexp: async ({ logits }) => { await new Promise((r) => setTimeout(r, 5)); return new Float64Array(logits.map((r) => r[0])); },
          cross_entropy: () => 1.25,
          gelu: () => 0,
        },
      };
    `);
    expect(a.info).toEqual({
      name: 'typed',
      dtype: 'float32',
      ops: ['sigmoid', 'softmax', 'log_softmax', 'logsumexp', 'cross_entropy'],
      unknownOps: ['gelu'],
    });
    const s = await a.call('sigmoid', { x: [0, 2] });
    expect(s.kind).toBe('result');
    if (s.kind === 'result') {
      expect(Array.isArray(s.value)).toBe(true);
      expect(s.value).toEqual([0.5, Math.fround(1 / (1 + Math.exp(-2)))]);
      expect(s.ms).toBeGreaterThanOrEqual(0);
    }
    expect(await a.call('softmax', { logits: [[1, 2], [3, 4]] })).toMatchObject({ kind: 'result', value: [[1, 2], [3, 4]] });
    expect(await a.call('log_softmax', { logits: [[1, 2]] })).toMatchObject({ kind: 'result', value: [[0.5, 0.25], [1, 2]] });
    const l = await a.call('logsumexp', { logits: [[7, 1], [8, 1]] });
    expect(l).toMatchObject({ kind: 'result', value: [7, 8] });
    if (l.kind === 'result') expect(Array.isArray(l.value)).toBe(true);
    expect(await a.call('cross_entropy', { logits: [[1]], target: [0] })).toMatchObject({ kind: 'result', value: 1.25 });
  });

  it('passes non-finite args as numbers, on a private copy', async () => {
    const a = await open(`
      export default { dtype: 'float64', ops: {
        softmax(args) {
          const out = args.logits.map((r) => r.map((v) => (Number.isNaN(v) ? 1 : v === Infinity ? 2 : v === -Infinity ? 3 : 0)));
          args.logits[0][0] = 12345; // mutation must not leak
          return out;
        },
      } };
    `);
    const args = { logits: [[NaN, Infinity, -Infinity, 5]] };
    expect(await a.call('softmax', args)).toMatchObject({ kind: 'result', value: [[1, 2, 3, 0]] });
    expect(args.logits[0][0]).toBeNaN();
    // the strings of the JSON form are revived too
    expect(await a.call('softmax', { logits: [['NaN', 'Infinity', '-Infinity', 5]] })).toMatchObject({
      kind: 'result',
      value: [[1, 2, 3, 0]],
    });
  });

  it('reports malformed results as protocol failures of that call only', async () => {
    const a = await open(`
      class Tensor { constructor() { this.shape = [2]; } }
      export default { dtype: 'float64', ops: {
        softmax: () => new Tensor(),
        log_softmax: () => 'oops',
        logsumexp: () => [[1], 2],
        sigmoid: () => [() => 1],
        softplus: () => [0.5],
      } };
    `);
    expect(await a.call('softmax', { logits: [[1]] })).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/got an object \(Tensor\): convert tensors with arraySync\(\) or dataSync\(\)/),
    });
    expect(await a.call('log_softmax', { logits: [[1]] })).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/got a string "oops"/),
    });
    expect(await a.call('logsumexp', { logits: [[1]] })).toMatchObject({ kind: 'protocol' });
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/result\[0\] is a function/),
    });
    expect(await a.call('softplus', { x: [1] })).toMatchObject({ kind: 'result', value: [0.5] });
    expect(a.ended).toBeNull();
  });

  it('a throw or a rejection is an error for that call; console output is captured', async () => {
    const a = await open(`
      export default { dtype: 'float64', ops: {
        softmax() { console.log('about to fail'); throw new Error('boom'); },
        log_softmax() { throw new TypeError('logits.map is not a function'); },
        logsumexp: async () => { throw 'plain string'; },
        sigmoid: () => Promise.reject({ code: 7 }),
        softplus: ({ x }) => x,
      } };
    `);
    expect(await a.call('softmax', { logits: [[1]] })).toEqual({ kind: 'error', message: 'boom' });
    expect(await a.call('log_softmax', { logits: [[1]] })).toEqual({ kind: 'error', message: 'TypeError: logits.map is not a function' });
    expect(await a.call('logsumexp', { logits: [[1]] })).toEqual({ kind: 'error', message: 'plain string' });
    expect(await a.call('sigmoid', { x: [1] })).toEqual({ kind: 'error', message: '{"code":7}' });
    expect(await a.call('softplus', { x: [3] })).toMatchObject({ kind: 'result', value: [3] });
    // the worker's stderr is a stream of its own, not ordered with the replies: wait for it
    expect(await eventually(() => a.stderr().includes('about to fail'))).toBe(true);
    expect(await eventually(() => /\[softmax threw\] Error: boom/.test(a.stderr()))).toBe(true);
  });

  it('does not call ops the module does not export', async () => {
    const a = await open(`export default { dtype: 'float64', ops: { sigmoid: ({ x }) => x } };`);
    expect(await a.call('softmax', { logits: [[1]] })).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/not in the module's ops/),
    });
  });

  it('queues concurrent calls', async () => {
    const a = await open(`
      let busy = false;
      export default { dtype: 'float64', ops: { sigmoid: async ({ x }) => {
        if (busy) throw new Error('overlap');
        busy = true; await new Promise((r) => setTimeout(r, 10)); busy = false; return x;
      } } };
    `);
    const outs = await Promise.all([1, 2, 3, 4].map((k) => a.call('sigmoid', { x: [k] })));
    expect(outs).toMatchObject([1, 2, 3, 4].map((k) => ({ kind: 'result', value: [k] })));
  });

  it('accepts a CommonJS module (module.exports is the default export)', async () => {
    const file = moduleFile(`module.exports = { name: 'cjs', dtype: 'float64', ops: { sigmoid: ({ x }) => x } };`, '.cjs');
    const a = await openModuleAdapter(file);
    opened.push(a);
    expect(a.info.name).toBe('cjs');
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'result', value: [1] });
  });
});

describe('module adapter: timeouts and crashes', () => {
  it('a never-settling promise times out, then the adapter fails fast', async () => {
    const a = await open(`export default { dtype: 'float64', ops: { sigmoid: () => new Promise(() => {}), softmax: () => [[1]] } };`, {
      timeoutMs: 300,
    });
    // no clock readings: how late a timer fires depends on the load; the outcome names the limit
    expect(await a.call('sigmoid', { x: [1] })).toEqual({ kind: 'timeout', ms: 300 });
    expect(a.ended).toMatch(/request 1 \(sigmoid\) got no response within 300 ms/);
    // "no longer running" comes only from the fail-fast path: nothing is posted, nothing waited for
    expect(await a.call('softmax', { logits: [[1]] })).toMatchObject({
      kind: 'crash',
      message: expect.stringMatching(/no longer running/),
    });
    await a.close();
    await a.close();
  });

  it('a synchronous infinite loop times out (the process is killed)', async () => {
    const a = await open(`export default { dtype: 'float64', ops: { sigmoid: () => { for (;;) {} } } };`, { timeoutMs: 300 });
    // the busy worker cannot answer: only terminating it ends the call, and close() returns
    expect(await a.call('sigmoid', { x: [1] })).toEqual({ kind: 'timeout', ms: 300 });
    await a.close();
    expect(a.ended).toMatch(/request 1 \(sigmoid\) got no response within 300 ms/);
  });

  it('process.exit() in the module is a crash, not the end of the verifier', async () => {
    const a = await open(
      `export default { dtype: 'float64', ops: { sigmoid: () => { console.error('fatal: out of memory (simulated)'); process.exit(4); } } };`,
    );
    const r = await a.call('sigmoid', { x: [1] });
    expect(r).toMatchObject({ kind: 'crash', message: expect.stringMatching(/exited with code 4.*while handling request 1 \(sigmoid\)/) });
    expect(await a.call('sigmoid', { x: [1] })).toMatchObject({ kind: 'crash', message: expect.stringMatching(/no longer running/) });
  });

  it('an exception thrown outside a call is a crash', async () => {
    const a = await open(
      `export default { dtype: 'float64', ops: { sigmoid: () => { setTimeout(() => { throw new RangeError('late failure'); }, 1); return new Promise(() => {}); } } };`,
    );
    const r = await a.call('sigmoid', { x: [1] });
    expect(r).toMatchObject({ kind: 'crash', message: expect.stringMatching(/threw outside a call: RangeError: late failure/) });
  });

  it('close() while a call is pending settles it', async () => {
    const a = await open(`export default { dtype: 'float64', ops: { sigmoid: () => new Promise(() => {}) } };`, { timeoutMs: 5000 });
    const p = a.call('sigmoid', { x: [1] });
    await new Promise((r) => setTimeout(r, 30));
    await a.close();
    expect(await p).toMatchObject({ kind: 'crash', message: expect.stringMatching(/closed/) });
  });
});

describe('module adapter: open failures are AdapterErrors', () => {
  it('validates the default export', async () => {
    const cases: Array<[string, RegExp]> = [
      [`export const ops = {};`, /has no default export \(expected `export default \{ name, dtype, ops/],
      [`export default 42;`, /default export must be an object, got a number/],
      [`export default null;`, /default export must be an object, got null/],
      [`export default { dtype: 'float64' };`, /default export has no `ops` object/],
      [`export default { dtype: 'float64', ops: [] };`, /default export has no `ops` object \(ops is an array\)/],
      [`export default { ops: {} };`, /dtype must be float64 or float32, got undefined/],
      [`export default { dtype: 'fp32', ops: {} };`, /dtype must be float64 or float32, got "fp32"/],
      [`export default { dtype: 'float64', ops: { softmax: 42 } };`, /ops\.softmax must be a function, got a number/],
      [`export default { name: 3, dtype: 'float64', ops: {} };`, /name must be a non-empty string, got 3/],
    ];
    for (const [source, re] of cases) {
      const e = await openError(moduleFile(source));
      expect(e.message, source).toMatch(re);
    }
  });

  it('checkExportSummary defaults the name to the file name', () => {
    expect(
      checkExportSummary(
        { hasDefault: true, defaultKind: 'object', dtype: 'float64', opsKind: 'object', opKinds: { sigmoid: 'function' } },
        'x.mjs',
      ),
    ).toEqual({
      name: 'x.mjs',
      dtype: 'float64',
      ops: ['sigmoid'],
      unknownOps: [],
    });
  });

  it('a missing file, a directory, a syntax error, a throwing module', async () => {
    expect((await openError(join(dir, 'nope.mjs'))).message).toMatch(/adapter module not found: .*nope\.mjs/);
    expect((await openError(dir)).message).toMatch(/is a directory/);
    expect((await openError(moduleFile(`export default { ops: { ] };`))).message).toMatch(/cannot load adapter module .*SyntaxError/);
    expect((await openError(moduleFile(`throw new Error('needs a GPU');`))).message).toMatch(/cannot load adapter module .*: needs a GPU/);
  });

  it('a module that never finishes loading', async () => {
    // 3 s, not less: the worker must have started and printed 'warming up' before the limit,
    // and starting a worker thread can take a second on a loaded machine
    const e = await openError(
      moduleFile(`console.log('warming up'); await new Promise(() => setInterval(() => {}, 1000)); export default {};`),
      { describeTimeoutMs: 3000 },
    );
    expect(e.message).toMatch(/did not finish loading within 3000 ms/);
    expect(e.message).toContain('warming up');
  });

  it('a TypeScript module says that Node cannot import .ts', async () => {
    const file = moduleFile(`const dtype: string = 'float64';\nexport default { dtype, ops: {} as Record<string, unknown> };\n`, '.ts');
    let message: string;
    try {
      const a = await openModuleAdapter(file);
      opened.push(a);
      // a Node that strips types natively (>= 23.6) can load it: nothing to explain then
      message = 'loaded';
    } catch (e) {
      expect(e).toBeInstanceOf(AdapterError);
      message = (e as Error).message;
    }
    if (process.versions.node.startsWith('20.')) {
      expect(message).toMatch(/Node v20\.[\d.]+ cannot import TypeScript \(\.ts\) files natively/);
      expect(message).toMatch(/Compile it to JavaScript first/);
    }
    expect(explainImportError('/x/a.ts', 'Unknown file extension ".ts"', 'ERR_UNKNOWN_FILE_EXTENSION')).toMatch(
      /cannot import TypeScript \(\.ts\) files natively.*npx tsc/,
    );
    expect(explainImportError('/x/a.mts', 'Unexpected token', 'ERR_X')).toMatch(
      /importing a TypeScript \(\.mts\) file failed: Unexpected token/,
    );
    expect(explainImportError('/x/a.mjs', 'boom')).toBe('cannot load adapter module /x/a.mjs: boom');
  });

  it('accepts a file: URL', async () => {
    const file = moduleFile(`export default { dtype: 'float64', ops: { sigmoid: ({ x }) => x } };`);
    const a = await openModuleAdapter(pathToFileURL(file).href);
    opened.push(a);
    expect(a.info.ops).toEqual(['sigmoid']);
  });
});
