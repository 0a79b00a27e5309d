import { describe, expect, it } from 'vitest';
import { parseJson } from '../src/core/json.js';
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
    expect(parseResponseLine('{"id": 2, "result": [1, "NaN", "-Infinity"]}', 2)).toEqual({
      ok: true,
      kind: 'result',
      value: [1, NaN, -Infinity],
    });
    expect(parseResponseLine('{"id": 2, "result": [NaN, Infinity, -Infinity]}', 2)).toEqual({
      ok: true,
      kind: 'result',
      value: [NaN, Infinity, -Infinity],
    });
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
    for (
      const text of [
        '{"a": [1, "NaN", "-Infinity", "x"]}',
        '[NaN, -Infinity, Infinity, "NaN"]',
        '{"s": "Infinity and NaN", "v": -Infinity}',
      ]
    ) {
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
