/**
 * Whole-model gradients: (a) logistic regression on two Gaussian clouds, (b) a 2-16-3 tanh /
 * softmax network with hand-written backprop, and planted backprop bugs that must fail with
 * a report naming a bad entry. The models live in examples/gradcheck (readable on their own).
 */
import { describe, expect, it } from 'vitest';
import * as LR from '../examples/gradcheck/logistic-regression.js';
import * as MLP from '../examples/gradcheck/mlp.js';
import { formatReport, gradcheck } from '../src/gradcheck/index.js';

describe('(a) logistic regression on two Gaussian clouds', () => {
  const data = LR.makeClouds(12345, 50);
  const f = (q: ArrayLike<number>) => LR.loss(q, data);
  const g = (q: ArrayLike<number>) => LR.gradient(q, data);

  it('the data: 50 points per cloud around (−2, −2) and (+2, +2), reproducible from the seed', () => {
    expect(data.x).toHaveLength(100);
    expect(data.t.filter((t) => t === 1)).toHaveLength(50);
    const mean = (lab: number, k: 0 | 1) => data.x.filter((_, n) => data.t[n] === lab).reduce((s, p) => s + p[k], 0) / 50;
    for (const k of [0, 1] as const) {
      expect(mean(0, k)).toBeCloseTo(-2, 0);
      expect(mean(1, k)).toBeCloseTo(2, 0);
    }
    expect(LR.makeClouds(12345, 50)).toEqual(data);
  });

  it('the Bayes weights (4, 4) with bias 0 give a lower cross-entropy than a poor guess (−1, 0.5)', () => {
    const bayes = LR.loss([4, 4, 0], data);
    const guess = LR.loss([-1, 0.5, 0], data);
    expect(bayes).toBeLessThan(guess);
    expect(bayes / 100).toBeLessThan(0.05); // the clouds barely overlap
  });

  it('the gradient of the summed BCE w.r.t. (w1, w2, b) passes gradcheck at the Bayes point, the guess and elsewhere', () => {
    for (const p of [[4, 4, 0], [-1, 0.5, 0], [0, 0, 0], [0.3, -0.2, 0.1], [12, 9, -3]]) {
      const r = gradcheck(f, p, { gradient: g });
      expect(r.ok, formatReport(r)).toBe(true);
      expect(r.checked).toBe(3);
      expect(gradcheck(f, p, { gradient: g }, { fastMode: true, seed: 17 }).ok).toBe(true);
    }
  });

  it('planted bugs fail and name the parameter: a forgotten bias gradient, a sign slip, a 1e-6 scale error', () => {
    const p = [0.3, -0.2, 0.1];
    const noBias = gradcheck(f, p, { gradient: (q) => [...g(q).slice(0, 2), 0] });
    expect(noBias.ok).toBe(false);
    expect(noBias.worst!.input).toBe(2);
    const sign = gradcheck(f, p, { gradient: (q) => g(q).map((v, i) => (i === 1 ? -v : v)) });
    expect(sign.ok).toBe(false);
    expect(sign.failures.map((e) => e.input)).toEqual([1]);
    const tiny = gradcheck(f, p, { gradient: (q) => g(q).map((v, i) => (i === 0 ? v * (1 + 1e-6) : v)) });
    expect(tiny.ok).toBe(false);
    expect(tiny.worst!.input).toBe(0);
  });

  it('in float32 (the same model computed with Math.fround) the check passes with float32 tolerances', () => {
    const r = Math.fround;
    const sp = (z: number) => r(Math.max(z, 0) + r(Math.log1p(r(Math.exp(-Math.abs(z))))));
    const f32 = (q: Float32Array) => {
      let s = 0;
      data.x.forEach(([a, b], n) => {
        const z = r(r(r(q[0] * r(a)) + r(q[1] * r(b))) + q[2]);
        s = r(s + (data.t[n] === 1 ? sp(-z) : sp(z)));
      });
      return s;
    };
    const rep = gradcheck(f32, Float32Array.from([0.3, -0.2, 0.1]), { gradient: (q) => g(q).map(r) });
    expect(rep.ok, formatReport(rep)).toBe(true);
    expect(rep.dtype).toBe('float32');
  });
});

describe('(b) a 2-16-3 tanh / softmax network with hand-written backprop', () => {
  const data = MLP.makeData(7, 20);
  const P = MLP.initParams(3);
  const f = (q: ArrayLike<number>) => MLP.loss(q, data);
  const block = (i: number) => MLP.paramName(i).replace(/\[.*$/, '');

  it('has 99 parameters (W1 16×2, b1 16, W2 3×16, b2 3) and a loss near log 3 at the start', () => {
    expect(MLP.NPARAMS).toBe(99);
    expect(MLP.paramName(0)).toBe('W1[0][0]');
    expect(MLP.paramName(32)).toBe('b1[0]');
    expect(MLP.paramName(48)).toBe('W2[0][0]');
    expect(MLP.paramName(98)).toBe('b2[2]');
    expect(Math.abs(f(P) - Math.log(3))).toBeLessThan(0.5);
  });

  it('the backprop gradient of every weight and bias passes gradcheck (full and fast mode)', () => {
    const r = gradcheck(f, P, { gradient: (q) => MLP.backprop(q, data) });
    expect(r.ok, formatReport(r)).toBe(true);
    expect(r.checked).toBe(99);
    expect(r.worst!.ratio).toBeLessThan(0.5);
    const fast = gradcheck(f, P, { gradient: (q) => MLP.backprop(q, data) }, { fastMode: true, projections: 3, seed: 11 });
    expect(fast.ok, fast.message).toBe(true);
  });

  it('a missing tanh′ factor fails; every failing entry is in W1 or b1 (W2, b2 are untouched by the bug)', () => {
    const r = gradcheck(f, P, { gradient: (q) => MLP.buggyBackprop(q, data, { missingTanhPrime: true }) }, { maxFailures: 99 });
    expect(r.ok).toBe(false);
    expect(['W1', 'b1']).toContain(block(r.worst!.input));
    const blocks = new Set(r.failures.map((e) => block(e.input)));
    expect([...blocks].sort()).toEqual(['W1', 'b1']);
    expect(formatReport(r)).toContain(`d out[0] / d x[${r.worst!.input}]`);
  });

  it('a W2 gradient written transposed fails; the failing entries are all in W2', () => {
    const r = gradcheck(f, P, { gradient: (q) => MLP.buggyBackprop(q, data, { transposedW2: true }) }, { maxFailures: 99 });
    expect(r.ok).toBe(false);
    expect(new Set(r.failures.map((e) => block(e.input)))).toEqual(new Set(['W2']));
    // fast mode sees it in one projection and locates it with the full Jacobian
    const fast = gradcheck(f, P, { gradient: (q) => MLP.buggyBackprop(q, data, { transposedW2: true }) }, { fastMode: true, seed: 11 });
    expect(fast).toMatchObject({ ok: false, mode: 'fast+full' });
    expect(block(fast.worst!.input)).toBe('W2');
  });

  it('a mask restricts the check to one block (b2 only: 3 entries)', () => {
    const b2 = Array.from({ length: 3 }, (_, k) => MLP.OFFSETS.b2 + k);
    const r = gradcheck(f, P, { gradient: (q) => MLP.buggyBackprop(q, data, { missingTanhPrime: true }) }, { mask: b2 });
    expect(r).toMatchObject({ ok: true, checked: 3 });
  });
});
