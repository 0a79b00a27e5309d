import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson } from '../src/core/json.js';
import { openCommandAdapter, type Adapter } from '../src/verify/adapter.js';
import {
  MAX_QUOTED_CHARS,
  TailBuffer,
  checkResult,
  encodeRequest,
  parseDescribe,
  parseJsonLine,
  parseResponseLine,
  quoteLine,
  splitOps,
  truncateLine,
} from '../src/verify/protocol.js';

describe('encodeRequest', () => {
  it('writes one line with non-finite numbers as strings', () => {
    const line = encodeRequest({ id: 3, op: 'softmax', args: { logits: [[NaN, Infinity, -Infinity, 1.5, -0]] } });
    expect(line).toBe('{"id":3,"op":"softmax","args":{"logits":[["NaN","Infinity","-Infinity",1.5,0]]}}\n');
    expect(line.indexOf('\n')).toBe(line.length - 1);
  });

  it('writes typed arrays as arrays and escapes newlines inside strings', () => {
    const line = encodeRequest({ id: 1, op: 'sigmoid', args: { x: new Float64Array([1, 2]), note: 'a\nb' } });
    expect(line).toBe('{"id":1,"op":"sigmoid","args":{"x":[1,2],"note":"a\\nb"}}\n');
  });
});

describe('parseResponseLine', () => {
  it('accepts a result, with non-finite strings and bare tokens', () => {
    expect(parseResponseLine('{"id": 2, "result": [1, "NaN", "-Infinity"]}', 2)).toEqual({ ok: true, kind: 'result', value: [1, NaN, -Infinity] });
    expect(parseResponseLine('{"id": 2, "result": [NaN, Infinity, -Infinity]}', 2)).toEqual({ ok: true, kind: 'result', value: [NaN, Infinity, -Infinity] });
  });

  it('accepts an error reply (string or other JSON) and ignores extra members', () => {
    expect(parseResponseLine('{"id": 5, "error": "nope", "trace": 1}', 5)).toEqual({ ok: true, kind: 'error', message: 'nope' });
    expect(parseResponseLine('{"id": 5, "error": {"message": "bad"}}', 5)).toEqual({ ok: true, kind: 'error', message: 'bad' });
    expect(parseResponseLine('{"id": 5, "error": [1, 2]}', 5)).toEqual({ ok: true, kind: 'error', message: '[1,2]' });
    expect(parseResponseLine('{"id": 5, "error": "NaN"}', 5)).toEqual({ ok: true, kind: 'error', message: 'NaN' });
  });

  it('treats null members as absent', () => {
    expect(parseResponseLine('{"id": 1, "result": 0.5, "error": null}', 1)).toEqual({ ok: true, kind: 'result', value: 0.5 });
    expect(parseResponseLine('{"id": 1, "result": null, "error": "x"}', 1)).toEqual({ ok: true, kind: 'error', message: 'x' });
  });

  it('rejects non-JSON, quoting the line', () => {
    const r = parseResponseLine('loading model...', 1);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain('not JSON');
      expect(r.message).toContain('"loading model..."');
      expect(r.line).toBe('loading model...');
    }
  });

  it('rejects a wrong or missing id', () => {
    const r = parseResponseLine('{"id": 4, "result": 1}', 3);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/response id 4 does not match the request id 3/);
    const s = parseResponseLine('{"result": 1}', 3);
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.message).toMatch(/no "id"/);
    const t = parseResponseLine('{"id": "3", "result": 1}', 3);
    expect(t.ok).toBe(false);
  });

  it('rejects neither / both of result and error, and non-objects', () => {
    for (const line of ['{"id": 1}', '{"id": 1, "value": 3}', '{"id": 1, "result": 1, "error": "x"}', '[1, 2]', '42', 'null']) {
      const r = parseResponseLine(line, 1);
      expect(r.ok, line).toBe(false);
    }
  });

  it('explains a describe reply with top-level fields', () => {
    const r = parseResponseLine('{"id": 0, "name": "x", "dtype": "float64", "ops": ["softmax"]}', 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/top level; wrap them in "result"/);
  });

  it('truncates long offending lines', () => {
    const long = 'x'.repeat(5000);
    const r = parseResponseLine(long, 1);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.line.length).toBeLessThan(MAX_QUOTED_CHARS + 40);
      expect(r.message.length).toBeLessThan(MAX_QUOTED_CHARS + 200);
      expect(r.message).toContain('(5000 chars)');
    }
    expect(truncateLine('abc')).toBe('abc');
    expect(quoteLine('a"b')).toBe('"a\\"b"');
  });
});

describe('parseJsonLine', () => {
  it('matches core parseJson on standard JSON and on bare tokens', () => {
    for (const text of ['{"a": [1, "NaN", "-Infinity", "x"]}', '[NaN, -Infinity, Infinity, "NaN"]', '{"s": "Infinity and NaN", "v": -Infinity}']) {
      expect(parseJsonLine(text)).toEqual(parseJson(text));
    }
    expect(() => parseJsonLine('{oops')).toThrow(SyntaxError);
  });
});

describe('checkResult', () => {
  it('accepts numbers, vectors, matrices and converts typed arrays and non-finite strings', () => {
    expect(checkResult(1.5)).toEqual({ ok: true, value: 1.5 });
    expect(checkResult('NaN')).toEqual({ ok: true, value: NaN });
    expect(checkResult([1, '-Infinity'])).toEqual({ ok: true, value: [1, -Infinity] });
    expect(checkResult(new Float32Array([0.5, 0.25]))).toEqual({ ok: true, value: [0.5, 0.25] });
    expect(checkResult([new Float64Array([1, 2]), [3, 4]])).toEqual({ ok: true, value: [[1, 2], [3, 4]] });
    expect(checkResult([])).toEqual({ ok: true, value: [] });
    const r = checkResult([-0]);
    expect(r.ok && Object.is((r.value as number[])[0], -0)).toBe(true);
  });

  it('rejects anything else with a message', () => {
    const bad: unknown[] = ['abc', true, null, { a: 1 }, [1, 'x'], [[1], 2], [1, [2]], [[[1]]], [[1, { a: 1 }]], undefined];
    for (const v of bad) {
      const r = checkResult(v);
      expect(r.ok, JSON.stringify(v)).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/^result must be a number, an array of numbers or an array of rows of numbers/);
    }
  });
});

describe('parseDescribe', () => {
  it('splits known and unknown ops, deduplicates, defaults the name', () => {
    expect(parseDescribe({ dtype: 'float32', ops: ['softmax', 'gelu', 'softmax', 'describe'] }, 'cmd')).toEqual({
      name: 'cmd',
      dtype: 'float32',
      ops: ['softmax'],
      unknownOps: ['gelu', 'describe'],
    });
    expect(parseDescribe({ name: 'n', dtype: 'float64', ops: [], protocol: 1 }, 'cmd').name).toBe('n');
  });

  it('says what is wrong', () => {
    expect(() => parseDescribe([], 'c')).toThrow(/must be an object/);
    expect(() => parseDescribe({ ops: [] }, 'c')).toThrow(/no dtype/);
    expect(() => parseDescribe({ dtype: 'float16', ops: [] }, 'c')).toThrow('dtype must be float64 or float32, got "float16"');
    expect(() => parseDescribe({ dtype: 'float64' }, 'c')).toThrow(/ops must be an array of op names, got undefined/);
    expect(() => parseDescribe({ dtype: 'float64', ops: ['softmax', 3] }, 'c')).toThrow('ops[1] = 3 is not an op name (a string)');
    expect(() => parseDescribe({ dtype: 'float64', ops: [], name: 5 }, 'c')).toThrow(/name must be a non-empty string/);
    expect(() => parseDescribe({ dtype: 'float64', ops: [], protocol: 2 }, 'c')).toThrow(/protocol 2 is not supported/);
  });

  it('splitOps keeps declaration order', () => {
    expect(splitOps(['sigmoid', 'softmax'])).toEqual({ ops: ['sigmoid', 'softmax'], unknownOps: [] });
  });
});

describe('TailBuffer', () => {
  it('keeps the tail and marks dropped output', () => {
    const b = new TailBuffer(10);
    b.push('hello ');
    expect(b.toString()).toBe('hello ');
    b.push('world, again');
    expect(b.toString()).toBe('[… earlier output dropped …]\nrld, again');
    expect(b.tail(5)).toBe('…again');
  });
});

// ---------------------------------------------------------------------------------------
// docs/protocol.md: the minimal implementations work and the example session is exact

const DOC = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');

function codeAfter(marker: string): string {
  const at = DOC.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`marker ${marker} not found in docs/protocol.md`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(DOC.slice(at));
  if (!m) throw new Error(`no code block after ${marker}`);
  return m[1];
}

const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xent-protocol-doc-'));
const opened: Adapter[] = [];
afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
});

describe('docs/protocol.md', () => {
  it('minimal Node adapter works through the command adapter', async () => {
    const file = join(dir, 'adapter.mjs');
    writeFileSync(file, codeAfter('minimal-node'));
    const a = await openCommandAdapter(`"${process.execPath}" "${file}"`, { timeoutMs: 5000 });
    opened.push(a);
    expect(a.info).toEqual({ name: 'minimal-node', dtype: 'float64', ops: ['softmax', 'logsumexp'], unknownOps: [] });
    const r = await a.call('softmax', { logits: [[1, 2, 3], [0, 0, -Infinity], [Infinity, 0, NaN]] });
    expect(r.kind).toBe('result');
    if (r.kind === 'result') {
      const v = r.value as number[][];
      expect(v[0][2]).toBeCloseTo(0.6652409557748218, 15);
      expect(v[1]).toEqual([0.5, 0.5, 0]);
      expect(v[2].every(Number.isNaN)).toBe(true);
    }
    expect(await a.call('logsumexp', { logits: [[-Infinity, -Infinity], [Infinity, 1], [0, 0]] })).toMatchObject({
      kind: 'result',
      value: [-Infinity, Infinity, Math.LN2],
    });
    await a.close();
  });

  it.skipIf(!HAS_PYTHON)('minimal Python adapter reproduces the example session exactly', async () => {
    const file = join(dir, 'adapter.py');
    writeFileSync(file, codeAfter('minimal-python'));
    const session = /```text\n([\s\S]*?)```/.exec(DOC.slice(DOC.indexOf('## Example session')))![1];
    const requests = session.split('\n').filter((l) => l.startsWith('> ')).map((l) => l.slice(2));
    const replies = session.split('\n').filter((l) => l.startsWith('< ')).map((l) => l.slice(2));
    const run = spawnSync('python3', [file], { input: requests.join('\n') + '\n', encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual(replies);

    const a = await openCommandAdapter(`python3 "${file}"`, { timeoutMs: 5000 });
    opened.push(a);
    expect(a.info.ops).toEqual(['softmax', 'sigmoid']);
    expect(await a.call('sigmoid', { x: [0, Infinity, NaN, -800] })).toMatchObject({ kind: 'result', value: [0.5, 1, NaN, 0] });
    expect(await a.call('sigmoid', { x: [] })).toEqual({ kind: 'error', message: 'ValueError: x is empty' });
    await a.close();
  });
  if (!HAS_PYTHON) console.warn('[protocol.test] python3 not found: the minimal Python adapter of docs/protocol.md is not tested');
});
