/**
 * Verdicts at the edges of the floating-point range (issue 14, items 2 and 8):
 * - the allowance is finite for every finite expected value, so a constant, a sign flip or a
 *   factor-2 error at |x| ≈ 3.3e307 (float64) or 3e38 (float32) fails like it does at 1e300;
 * - a careful float64 implementation whose scalar multiplier (grad_output / N) is subnormal
 *   passes, while the same wrong by a factor 2 still fails.
 */
import { describe, expect, it } from 'vitest';
import { getSpec, type OpName } from '../src/ops/registry.js';
import { fastEvaluator } from '../src/cli/verify.js';
import { reference } from '../src/ops/evaluate.js';
import { conditionNumbers } from '../src/verify/condition.js';
import { judgeResult, type Dtype } from '../src/verify/verdict.js';

function judge(op: OpName, raw: Record<string, unknown>, got: unknown, dtype: Dtype = 'float64') {
  const args = getSpec(op).validate(raw);
  const ref = reference(op, raw, { digits: 40 });
  const kappa = conditionNumbers(op, args, fastEvaluator);
  return { j: judgeResult(op, args, ref, got, dtype, kappa), ref };
}

const map = (v: unknown, f: (x: number) => number): unknown => (Array.isArray(v) ? v.map((x) => map(x, f)) : f(v as number));

describe('no infinite allowance at the top of the range', () => {
  const X = 3.333333333333333e307;
  const cases: Array<[string, OpName, Record<string, unknown>]> = [
    ['softplus', 'softplus', { x: [X] }],
    ['cross_entropy none', 'cross_entropy', { logits: [[X, 0.150271]], target: [1], reduction: 'none' }],
    ['cross_entropy sum', 'cross_entropy', { logits: [[X, 0.150271]], target: [1], reduction: 'sum' }],
    ['logsumexp', 'logsumexp', { logits: [[X, -X, 1]] }],
    ['log_sigmoid', 'log_sigmoid', { x: [-X] }],
    ['bce with logits', 'binary_cross_entropy_with_logits', { logits: [-X], target: [1], reduction: 'none' }],
  ];
  for (const [name, op, args] of cases) {
    it(`${name}: the correct answer passes with a finite allowance; constant, sign flip and factor 2 fail`, () => {
      const { j, ref } = judge(op, args, ref64(op, args));
      expect(j.status).toBe('pass');
      expect(Number.isFinite(j.worst!.allowedUlp)).toBe(true);
      const exact = ref.float64;
      expect(judge(op, args, map(exact, () => 0.5)).j.cls).toBe('wrong_value');
      expect(judge(op, args, map(exact, (x) => -x)).j.cls).toBe('wrong_value');
      expect(judge(op, args, map(exact, (x) => x / 2)).j.cls).toBe('wrong_value');
    });
  }
  it('float32 at 3e38: constant and factor 2 fail, the correctly rounded value passes', () => {
    const x = Math.fround(3e38);
    const { j, ref } = judge('softplus', { x: [x] }, reference('softplus', { x: [x] }).float32, 'float32');
    expect(j.status).toBe('pass');
    expect(judge('softplus', { x: [x] }, [0.5], 'float32').j.cls).toBe('wrong_value');
    expect(judge('softplus', { x: [x] }, map(ref.float32, (v) => Math.fround(v / 2)), 'float32').j.cls).toBe('wrong_value');
  });
});

function ref64(op: OpName, args: Record<string, unknown>): unknown {
  return reference(op, args).float64;
}

describe('subnormal scalar multipliers (BCE backward at grad_output 4.4e-323)', () => {
  const args = { probs: [1e-300, 1e-300], target: [0.356, 0.348], reduction: 'mean', grad_output: 4.4e-323 };
  // the careful implementation of the issue: scale g by 1/N first, then (p − t)/(p(1 − p))
  const careful = (scale: number) => args.probs.map((p, n) => ((args.grad_output / 2) * scale) * ((p - args.target[n]) / (p * (1 - p))));
  it('the careful order passes (the subnormal g/N is rounded, 11 % relative)', () => {
    const got = careful(1);
    const { j, ref } = judge('binary_cross_entropy_backward', args, got);
    const exact = (ref.float64 as number[])[0];
    expect(Math.abs(got[0] - exact) / Math.abs(exact)).toBeGreaterThan(0.1); // the case is real
    expect(j.status, j.message).toBe('pass');
  });
  it('a factor 2 (a forgotten mean) and a sign flip still fail', () => {
    expect(judge('binary_cross_entropy_backward', args, careful(2)).j.cls).toBe('wrong_value');
    expect(judge('binary_cross_entropy_backward', args, careful(-1)).j.cls).toBe('wrong_value');
  });
  it('a normal grad_output gets no extra allowance (the 1 % error still fails)', () => {
    const a = { ...args, grad_output: 1 };
    const ref = reference('binary_cross_entropy_backward', a).float64 as number[];
    expect(judge('binary_cross_entropy_backward', a, ref).j.status).toBe('pass');
    expect(judge('binary_cross_entropy_backward', a, ref.map((v) => v * 1.01)).j.cls).toBe('wrong_value');
  });
});
