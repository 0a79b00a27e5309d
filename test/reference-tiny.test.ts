/**
 * The reference's own output at the extremes (issue 14, item 9): the CLI's JSON keeps −0,
 * and decimal strings below decimal.js's exponent range are exact (log space, BigInt-sized
 * exponent; src/reference/tiny.ts). Expected strings: mpmath at 80 / 400 digits,
 *   t = log10(value); mantissa 10^(t − floor t), exponent floor t.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJsonSigned } from '../src/core/json.js';
import { reference } from '../src/ops/evaluate.js';
import { expDecimal } from '../src/reference/tiny.js';
import { Decimal } from 'decimal.js';

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'dist', 'cli', 'bin.js');

describe('exact decimals below decimal.js range', () => {
  it('softmax [[1e20, -1e20]]: e^(-2e20)', () => {
    const r = reference('softmax', { logits: [[1e20, -1e20]] });
    expect(r.decimal).toEqual([['1', '5.945881049696057675409617583954757423474e-86858896380650365531']]);
    expect(r.float64).toEqual([[1, 0]]);
  });
  it('softmax [[1e308, -1e308]]: an exponent of 308 digits', () => {
    const d = (reference('softmax', { logits: [[1e308, -1e308]] }).decimal as string[][])[0][1];
    expect(d).toMatch(/^9\.003339798723552518540989378550116149049e-86858896380650366483855133929\d{279}$/);
  });
  it('sigmoid, softplus, log_sigmoid: e^x for x = -1e20, and the sign of log_sigmoid', () => {
    const s = '7.710953929116719651657677046047390848231e-43429448190325182766';
    expect(reference('sigmoid', { x: [-1e20] }).decimal).toEqual([s]);
    expect(reference('softplus', { x: [-1e20] }).decimal).toEqual([s]);
    expect(reference('log_sigmoid', { x: [1e20] }).decimal).toEqual([`-${s}`]);
    expect(reference('log_sigmoid', { x: [1e20] }).float64).toEqual([-0]);
  });
  it('losses and gradients: log space per op, against mpmath (e^(-1e20) times 1, 2, 3, 6)', () => {
    const e1 = '7.710953929116719651657677046047390848231e-43429448190325182766';
    const e2 = '1.542190785823343930331535409209478169646e-43429448190325182765';
    const e3 = '2.313286178735015895497303113814217254469e-43429448190325182765';
    const e6 = '4.626572357470031790994606227628434508939e-43429448190325182765';
    const d = (op: string, args: unknown) => reference(op, args).decimal;
    expect(d('sigmoid_backward', { x: [-1e20], grad_output: [2] })).toEqual([e2]);
    expect(d('log_softmax', { logits: [[0, -1e20]] })).toEqual([[`-${e1}`, '-100000000000000000000']]);
    expect(d('logsumexp', { logits: [[0, -1e20]] })).toEqual([e1]);
    expect(d('cross_entropy', { logits: [[0, -1e20]], target: [0], weight: [3, 1], reduction: 'none' })).toEqual([e3]);
    expect(d('cross_entropy', { logits: [[0, -1e20]], target: [0], weight: [3, 1] })).toEqual(e1);
    expect(d('binary_cross_entropy_with_logits', { logits: [1e20], target: [1], weight: [3], pos_weight: 2, reduction: 'none' })).toEqual([
      e6,
    ]);
    expect(d('binary_cross_entropy_with_logits', { logits: [-1e20], target: [0] })).toEqual(e1);
    expect(
      d('binary_cross_entropy_with_logits_backward', { logits: [-1e20, 1e20], target: [0, 1], reduction: 'none', grad_output: [2, 2] }),
    ).toEqual([e2, `-${e2}`]);
    expect(d('cross_entropy_backward', { logits: [[0, -1e20]], target: [0] })).toEqual([[`-${e1}`, e1]]);
    // p_1·(g_1 − ⟨g, p⟩) with ⟨g, p⟩ ≈ g_0 = 1: 2·e^(−1e20) and −4·e^(−1e20) (= e2, −2·e2); the
    // first entry, −2·p_0·p_1, cancels below the range: "0"
    expect(d('softmax_backward', { logits: [[0, -1e20]], grad_output: [[1, 3]] })).toEqual([['0', e2]]);
    expect(d('softmax_backward', { logits: [[0, -1e20]], grad_output: [[1, -3]] })).toEqual([[
      '0',
      '-3.084381571646687860663070818418956339292e-43429448190325182765',
    ]]);
    expect(d('log_softmax_backward', { logits: [[0, -1e20]], grad_output: [[1, 0]] })).toEqual([['0', `-${e1}`]]);
  });
  it('values inside the range are unchanged; exact zeros stay "0"', () => {
    expect(reference('sigmoid', { x: [-800, -Infinity] }).decimal).toEqual(['3.66787458417768721345549565426079821547e-348', '0']);
  });
  it('expDecimal refuses an enclosure too wide to decide the digits', () => {
    expect(expDecimal(new Decimal('-200000000000000000001'), new Decimal('-200000000000000000000'), 40)).toBeNull();
    expect(expDecimal(new Decimal(-1), new Decimal(-1), 5)).toBe('3.6788e-1');
  });
});

describe('−0 in JSON', () => {
  it('stringifyJsonSigned writes -0.0 (as the fixtures do) and parses back to -0', () => {
    const text = stringifyJsonSigned({ a: [-0, 0, NaN, -Infinity], s: '-0' });
    expect(text).toBe('{"a":[-0.0,0,"NaN","-Infinity"],"s":"-0"}');
    expect(Object.is((parseJson(text) as { a: number[] }).a[0], -0)).toBe(true);
  });
  it.skipIf(!existsSync(CLI))('`reference log_sigmoid --args {"x":[800]}` prints -0.0 in every format', () => {
    const r = spawnSync(process.execPath, [CLI, 'reference', 'log_sigmoid', '--args', '{"x":[800]}'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"float64":[-0.0]');
    const out = JSON.parse(r.stdout) as Record<string, number[]>;
    for (const f of ['float64', 'float32', 'float16', 'bfloat16']) expect(Object.is(out[f][0], -0), f).toBe(true);
  });
});
