/**
 * Second and third order: the cross-entropy Hessian w.r.t. the logits, diag(p) − ppᵀ, as
 * Hessian-vector products, and its derivative (derivation in examples/gradcheck/hessian.ts):
 *   d/dt [H(x + t·u)·v]_j at t = 0 = p_j[(u_j − ⟨p,u⟩)(v_j − ⟨p,v⟩) − Cov_p(u, v)].
 * Written here in forms without cancellation when p concentrates (p_k ≈ 1), so that they are
 * accurate in every regime, like the first-order ops of gradcheck-ops.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, GradcheckError, gradgradcheck, SeededRandom, thirdOrderCheck } from '../src/gradcheck/index.js';

type Vec = ArrayLike<number>;

function argmax(x: Vec): number {
  let k = 0;
  for (let j = 1; j < x.length; j++) if (x[j] > x[k]) k = j;
  return k;
}

/** softmax via Algorithm 4.1, plus q = 1 − p_k computed as Σ_{j≠k} p_j */
function softmaxQ(x: Vec): { p: number[]; k: number; q: number } {
  const k = argmax(x);
  const e = Array.from(x, (v) => Math.exp(v - x[k]));
  let s = 0;
  for (let j = 0; j < e.length; j++) if (j !== k) s += e[j];
  const p = e.map((v) => v / (1 + s));
  return { p, k, q: s / (1 + s) };
}

/**
 * deviations d_j = w_j − ⟨p, w⟩ = Σ_i p_i (w_j − w_i) (Σ p = 1): the pair form does not cancel
 * when p concentrates on entries with w_i = w_j (e.g. the max entry, or equal directions)
 */
function deviations(p: number[], _k: number, w: Vec): number[] {
  return p.map((_, j) => {
    let d = 0;
    for (let i = 0; i < p.length; i++) if (i !== j) d += p[i] * (w[j] - w[i]);
    return d;
  });
}

/** ∇_x CE = p − e_y (with 1 − p_y = Σ_{j≠y} p_j) */
const ceGrad = (y: number) => (x: Vec) => {
  const { p } = softmaxQ(x);
  let q = 0;
  for (let j = 0; j < p.length; j++) if (j !== y) q += p[j];
  return p.map((pj, j) => (j === y ? -q : pj));
};
/** H·v = p ⊙ (v − ⟨p, v⟩) */
const ceHvp = (x: Vec, v: Vec) => {
  const { p, k } = softmaxQ(x);
  const d = deviations(p, k, v);
  return p.map((pj, j) => pj * d[j]);
};
/** T(u, v)_j = p_j (d_j e_j − Cov), and at the max entry p_k((1 − p_k) d_k e_k − Σ_{i≠k} p_i d_i e_i) */
const ceThird = (x: Vec, u: Vec, v: Vec) => {
  const { p, k, q } = softmaxQ(x);
  const d = deviations(p, k, u);
  const e = deviations(p, k, v);
  let rest = 0;
  for (let i = 0; i < p.length; i++) if (i !== k) rest += p[i] * d[i] * e[i];
  const cov = p[k] * d[k] * e[k] + rest;
  return p.map((pj, j) => (j === k ? pj * (q * d[k] * e[k] - rest) : pj * (d[j] * e[j] - cov)));
};
/** the full Hessian matrix diag(p) − ppᵀ */
const ceHessian = (x: Vec) => {
  const { p, k, q } = softmaxQ(x);
  return p.map((pi, i) => p.map((pj, j) => (i === j ? (i === k ? pi * q : pi * (1 - pj)) : -pi * pj)));
};

const rng = new SeededRandom(77);
const REGIMES: [string, (C: number) => number[]][] = [
  ['scale 1e-3', (C) => Array.from({ length: C }, () => 1e-3 * rng.normal())],
  ['scale 1', (C) => Array.from({ length: C }, () => rng.normal())],
  ['scale 30', (C) => Array.from({ length: C }, () => 30 * rng.normal())],
  ['spread', (C) => Array.from({ length: C }, () => rng.normal() * 10 ** (rng.uniform() * 2.5 - 1))],
];

describe('gradgradcheck: the CE Hessian diag(p) − ppᵀ against numeric derivatives of the gradient', () => {
  for (const [name, gen] of REGIMES) {
    for (const C of [1, 2, 6, 20]) {
      it(`${name}, C = ${C}`, () => {
        const x = gen(C);
        const y = rng.int(C);
        const r = gradgradcheck(ceGrad(y), x, { hvp: ceHvp });
        expect(r.ok, formatReport(r)).toBe(true);
        expect(r).toMatchObject({ order: 2, checked: C * C });
        expect(gradgradcheck(ceGrad(y), x, { hessian: ceHessian }).ok).toBe(true);
        expect(gradgradcheck(ceGrad(y), x, { hvp: ceHvp }, { fastMode: true, projections: 2 }).ok).toBe(true);
      });
    }
  }

  it('a Hessian without the −ppᵀ term fails, with H[i][j] entries named', () => {
    const x = [0.4, -1.1, 2.0, 0.3];
    const r = gradgradcheck(ceGrad(1), x, { hvp: (z, v) => softmaxQ(z).p.map((pj, j) => pj * v[j]) });
    expect(r.ok).toBe(false);
    expect(r.failed).toBe(16);
    expect(r.message).toMatch(/gradgradcheck FAILED: 16 of 16 entries outside tolerance; worst H\[\d\]\[\d\] = d grad\[\d\] \/ d x\[\d\]/);
  });

  it('an analytic Hessian with one wrong off-diagonal entry (a broken symmetry) fails at that entry only', () => {
    const x = [0.4, -1.1, 2.0, 0.3];
    const r = gradgradcheck(ceGrad(0), x, {
      hessian: (z) => ceHessian(z).map((row, i) => row.map((h, j) => (i === 1 && j === 3 ? h * (1 + 1e-7) : h))),
    });
    expect(r.ok).toBe(false);
    expect(r.failures.map((e) => [e.output, e.input])).toEqual([[1, 3]]);
  });

  it('gradgradcheck validates its analytic argument', () => {
    expect(() => gradgradcheck(ceGrad(0), [1, 2], {} as { hvp: typeof ceHvp })).toThrow(GradcheckError);
    expect(() => gradgradcheck(ceGrad(0), [1, 2], { hvp: () => [1] })).toThrow(
      /shape mismatch: analytic hvp returned 1 entries, expected 2/,
    );
  });

  it('float32: the Hessian of a float32 gradient, with float32 tolerances', () => {
    const r = Math.fround;
    const grad32 = (x: Float32Array) => ceGrad(2)(x).map(r);
    const rep = gradgradcheck(grad32, Float32Array.from([0.5, -0.25, 1.5, 0.125]), { hvp: (z, v) => ceHvp(z, v).map(r) });
    expect(rep.ok, formatReport(rep)).toBe(true);
    expect(rep.dtype).toBe('float32');
  });
});

describe('thirdOrderCheck: d/dt H(x + t·u)·v against the analytic third-order term', () => {
  for (const [name, gen] of REGIMES) {
    for (const C of [2, 6, 20]) {
      it(`${name}, C = ${C}`, () => {
        const x = gen(C);
        const r = thirdOrderCheck(ceHvp, x, { third: ceThird }, { seed: C });
        expect(r.ok, formatReport(r)).toBe(true);
        expect(r).toMatchObject({ order: 3, checked: C * C, seed: C });
        const v = Array.from({ length: C }, (_, j) => (j % 2 ? 1 : -0.5));
        const rv = thirdOrderCheck(ceHvp, x, { third: ceThird }, { v });
        expect(rv.ok, formatReport(rv)).toBe(true);
        const rf = thirdOrderCheck(ceHvp, x, { third: ceThird }, { fastMode: true, projections: 2 });
        expect(rf.ok, formatReport(rf) + JSON.stringify(x)).toBe(true);
      });
    }
  }

  it('the term is symmetric in u and v (a property of third derivatives)', () => {
    const x = [0.3, 1.2, -0.7, 0.05, 2.2];
    const u = [1, -2, 0.5, 0.25, 3];
    const v = [-1, 0.5, 2, -0.75, 0.1];
    const a = ceThird(x, u, v);
    const b = ceThird(x, v, u);
    a.forEach((t, j) => expect(t).toBeCloseTo(b[j], 14));
  });

  it('dropping the covariance term, or its sign, fails; so does a 1e-6 relative error in one entry', () => {
    const x = [0.4, -1.1, 2.0, 0.3];
    const noCov = (z: Vec, u: Vec, v: Vec) => {
      const { p, k } = softmaxQ(z);
      const d = deviations(p, k, u);
      const e = deviations(p, k, v);
      return p.map((pj, j) => pj * d[j] * e[j]);
    };
    expect(thirdOrderCheck(ceHvp, x, { third: noCov }).ok).toBe(false);
    const flipped = (z: Vec, u: Vec, v: Vec) => {
      const t = ceThird(z, u, v);
      const n = noCov(z, u, v);
      return t.map((tj, j) => 2 * n[j] - tj); // p_j(d_j e_j + Cov)
    };
    expect(thirdOrderCheck(ceHvp, x, { third: flipped }).ok).toBe(false);
    const r = thirdOrderCheck(ceHvp, x, { third: (z, u, v) => ceThird(z, u, v).map((t, j) => (j === 2 ? t * (1 + 1e-6) : t)) });
    expect(r.ok).toBe(false);
    expect(r.failures.every((e) => e.output === 2)).toBe(true);
    expect(r.message).toMatch(/thirdOrderCheck FAILED: .* worst d \(Hv\)\[2\] \/ d x\[\d\]/);
  });

  it('validates v', () => {
    expect(() => thirdOrderCheck(ceHvp, [1, 2, 3], { third: ceThird }, { v: [1, 2] })).toThrow(/v has 2 entries but x has 3 inputs/);
  });
});
