/**
 * Every example under examples/gradcheck runs and says what its header promises.
 */
import { describe, expect, it } from 'vitest';
import * as f32 from '../examples/gradcheck/float32.js';
import * as hessian from '../examples/gradcheck/hessian.js';
import * as logistic from '../examples/gradcheck/logistic-regression.js';
import * as mlp from '../examples/gradcheck/mlp.js';
import * as softmax from '../examples/gradcheck/softmax-backward.js';

const quiet = () => {
  const lines: string[] = [];
  return { log: (s: string) => lines.push(s), lines };
};

describe('examples/gradcheck', () => {
  it('softmax-backward.ts: full, fast and decimal checks pass; the dropped ⟨g, p⟩ term fails', () => {
    const q = quiet();
    const r = softmax.run(q.log);
    expect(r.full.ok).toBe(true);
    expect(r.fast).toMatchObject({ ok: true, mode: 'fast', seed: 42 });
    expect(r.decimal).toMatchObject({ ok: true, mode: 'decimal' });
    expect(r.buggy).toMatchObject({ ok: false, mode: 'fast+full' });
    expect(q.lines.join('\n')).toContain('gradcheck FAILED');
  });

  it('logistic-regression.ts: Bayes weights beat the guess, the gradient passes everywhere', () => {
    const q = quiet();
    const r = logistic.run(q.log);
    expect(r.bayesLoss).toBeLessThan(r.guessLoss);
    for (const rep of r.reports) expect(rep.ok, rep.message).toBe(true);
  });

  it('mlp.ts: backprop passes, both planted bugs fail with a bad entry named', () => {
    const q = quiet();
    const r = mlp.run(q.log);
    expect(r.correct.ok, r.correct.message).toBe(true);
    expect(r.missingTanhPrime.ok).toBe(false);
    expect(r.transposedW2.ok).toBe(false);
    expect(q.lines.join('\n')).toMatch(/worst entry is (W1|b1)\[/);
    expect(q.lines.join('\n')).toMatch(/worst entry is W2\[/);
  });

  it('float32.ts: float32 steps and tolerances; a 1% error is caught', () => {
    const q = quiet();
    const r = f32.run(q.log);
    expect(r.correct).toMatchObject({ ok: true, dtype: 'float32' });
    expect(r.fast.ok).toBe(true);
    expect(r.wrong.ok).toBe(false);
    expect(r.wrong.worst!.input).toBe(3);
  });

  it('hessian.ts: CE Hessian and third-order term pass; the slips fail', () => {
    const q = quiet();
    const r = hessian.run(q.log);
    expect(r.hessian).toMatchObject({ ok: true, order: 2 });
    expect(r.third).toMatchObject({ ok: true, order: 3 });
    expect(r.wrongHessian.ok).toBe(false);
    expect(r.wrongThird.ok).toBe(false);
  });
});
