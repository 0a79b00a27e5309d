/**
 * The protocol's limits and sanitising (issue 14, items 6 and 7): deep JSON is reported as
 * deep (not as "not JSON"), a BOM is made visible, adapter-supplied names and messages cannot
 * forge report lines, huge error strings are cut, a 3·10^5-name describe is split in linear
 * time, cyclic and gigantic results are refused without recursion or copying, SIGABRT is named.
 */
import { describe, expect, it } from 'vitest';
import { JsonDepthError, parseJson } from '../src/core/json.js';
import {
  MAX_JSON_DEPTH,
  MAX_RESULT_ELEMENTS,
  checkResult,
  errorText,
  jsonDepth,
  parseDescribe,
  parseResponseLine,
  quoteLine,
  sanitizeText,
  splitOps,
  stderrTail,
} from '../src/verify/protocol.js';

describe('protocol limits', () => {
  it('parseJson (--args, --case) says "nested too deeply", not "not JSON", for deep valid JSON', () => {
    const deep = `{"logits": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    expect(() => parseJson(deep)).toThrow(JsonDepthError);
    expect(() => parseJson('{"a": [1, 2')).toThrow(SyntaxError);
  });
  it('a response nested 3000 levels deep is reported as too deep, not as "not JSON"', () => {
    const line = `{"id": 1, "result": ${'['.repeat(3000)}${']'.repeat(3000)}}`;
    const r = parseResponseLine(line, 1);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(new RegExp(`nested more than ${MAX_JSON_DEPTH} levels deep`));
    expect(jsonDepth('{"a": "[[[[", "b": [[1]]}')).toBe(3); // brackets inside strings do not count
    expect(jsonDepth('[[["\\"]]"]]]')).toBe(3);
  });
  it('a line starting with a BOM is quoted visibly and says so', () => {
    const q = quoteLine('\ufeff{"id": 1}');
    expect(q).toContain('\\ufeff');
    expect(q).toMatch(/byte order mark/);
    expect(quoteLine('a\u200bb\u202ec')).toBe('"a\\u200bb\\u202ec"');
  });
  it('names and messages cannot forge report lines', () => {
    const info = parseDescribe({ name: 'x\nPASS: 999 cases\u001b[2K', dtype: 'float64', ops: ['softmax', 'bad\nname'] }, 'cmd');
    expect(info.name).toBe('x\\nPASS: 999 cases\\u001b[2K');
    expect(info.unknownOps).toEqual(['bad\\nname']);
    expect(sanitizeText('é ü 漢字 tab\there')).toBe('é ü 漢字 tab\\there');
    expect(stderrTail('line 1\n\u001b[31mred\u001b[0m\n')).toBe('  | line 1\n  | \\u001b[31mred\\u001b[0m');
  });
  it('a 10 MB error string is cut to 2000 characters with its length', () => {
    const m = errorText('E'.repeat(10_000_000));
    expect(m.length).toBeLessThan(2100);
    expect(m).toMatch(/^E{2000}… \(10000000 chars\)$/);
  });
  it('splitOps is linear: 3·10^5 names (and duplicates) split at once, in order', () => {
    const names = ['softmax', ...Array.from({ length: 300_000 }, (_, i) => `op_${i % 200_000}`), 'sigmoid', 'softmax'];
    const { ops, unknownOps } = splitOps(names);
    expect(ops).toEqual(['softmax', 'sigmoid']);
    expect(unknownOps.length).toBe(200_000);
    expect(unknownOps[199_999]).toBe('op_199999');
  });
  it('cyclic, deep and gigantic results are refused without recursion or copying', () => {
    const cyc: unknown[] = [];
    cyc.push(cyc);
    expect(checkResult(cyc)).toMatchObject({ ok: false, message: expect.stringMatching(/result\[0\]\[0\] is an array/) });
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(checkResult(deep).ok).toBe(false);
    expect(checkResult(new Float64Array(MAX_RESULT_ELEMENTS + 1))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/more than the 4194304 accepted/),
    });
    expect(checkResult(Array.from({ length: 3000 }, () => new Float64Array(3000)))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/9000000 numbers/),
    });
    expect(checkResult([['NaN', 1], [2, '-Infinity']])).toEqual({ ok: true, value: [[NaN, 1], [2, -Infinity]] });
  });
});
