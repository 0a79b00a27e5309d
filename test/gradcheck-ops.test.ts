/**
 * gradcheck on the softmax / cross-entropy family: our own float64 reference implementations
 * (stable forms, docs/semantics.md, REFERENCES "Stable forms") and their closed-form backward,
 * checked across regimes (logit scale 1e-3, 1, 30, spread; C = 1..50) in every mode:
 * Ridders (float64, float32), central differences, fast mode, and the decimal mode.
 *
 * LEAD: the reference implementations below (`ops(r)`) are meant to be switched to the
 * catalog's fast path once it lands; `decimalOps` to referenceDecimal.
 */
import type { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalClass, gradcheck, gradcheckDecimal, type GradcheckReport, SeededRandom } from '../src/gradcheck/index.js';

// ---------------------------------------------------------------------------------------
// reference implementations, parameterised by a rounding r (identity: float64; Math.fround:
// a float32 library that rounds after every operation)

type R = (v: number) => number;
type Vec = ArrayLike<number>;

interface CeOptions {
  weight?: number[];
  label_smoothing?: number;
  reduction?: 'mean' | 'sum';
  ignore_index?: number;
}
interface BceOptions {
  weight?: number[];
  pos_weight?: number;
  reduction?: 'mean' | 'sum';
}

function argmax(x: Vec): number {
  let k = 0;
  for (let j = 1; j < x.length; j++) if (x[j] > x[k]) k = j;
  return k;
}

function ops(r: R) {
  const add = (a: number, b: number) => r(a + b);
  const mul = (a: number, b: number) => r(a * b);
  /** Blanchard–Higham–Higham Algorithm 4.1: m = max, e_j = exp(x_j - m), s = Σ_{j≠k} e_j */
  const shifted = (x: Vec) => {
    const k = argmax(x);
    const m = x[k];
    const e = Array.from(x, (v) => r(Math.exp(r(v - m))));
    let s = 0;
    for (let j = 0; j < e.length; j++) if (j !== k) s = add(s, e[j]);
    return { k, m, e, s };
  };
  const softmax = (x: Vec) => {
    const { e, s } = shifted(x);
    const d = r(1 + s);
    return e.map((v) => r(v / d));
  };
  const logSoftmax = (x: Vec) => {
    const { m, s } = shifted(x);
    const l = r(Math.log1p(s));
    return Array.from(x, (v) => r(r(v - m) - l));
  };
  const logsumexp = (x: Vec) => {
    const { m, s } = shifted(x);
    return r(m + r(Math.log1p(s)));
  };
  const sigmoid = (v: number) => (v >= 0 ? r(1 / r(1 + r(Math.exp(-v)))) : r(r(Math.exp(v)) / r(1 + r(Math.exp(v)))));
  const softplus = (v: number) => r(Math.max(v, 0) + r(Math.log1p(r(Math.exp(-Math.abs(v))))));
  const logSigmoid = (v: number) => -softplus(-v);
  /** cross_entropy with index targets: ℓ_n = Σ_c a_nc·(−log p_nc), a_nc = w_c((1−ε)[c = y_n] + ε/C) */
  const crossEntropy = (logits: number[][], target: number[], o: CeOptions = {}) => {
    const eps = o.label_smoothing ?? 0;
    const ignore = o.ignore_index ?? -100;
    let total = 0;
    let D = 0;
    logits.forEach((x, n) => {
      const y = target[n];
      if (y === ignore) return;
      const C = x.length;
      const w = o.weight ?? new Array(C).fill(1);
      const { m, s } = shifted(x);
      const l = r(Math.log1p(s));
      let ln = 0;
      for (let c = 0; c < C; c++) {
        const a = r(w[c] * r((c === y ? 1 - eps : 0) + eps / C));
        if (a !== 0) ln = add(ln, mul(a, r(r(m - x[c]) + l)));
      }
      total = add(total, ln);
      D = add(D, w[y]);
    });
    return o.reduction === 'sum' ? total : r(total / D);
  };
  /** binary_cross_entropy_with_logits: ℓ_n = −w_n(pw·t·log σ(x) + (1 − t)·log σ(−x)) */
  const bceWithLogits = (x: Vec, t: number[], o: BceOptions = {}) => {
    const pw = o.pos_weight ?? 1;
    let total = 0;
    for (let n = 0; n < x.length; n++) {
      const w = o.weight?.[n] ?? 1;
      const pos = pw * t[n] === 0 ? 0 : mul(r(pw * t[n]), logSigmoid(x[n]));
      const neg = 1 - t[n] === 0 ? 0 : mul(r(1 - t[n]), logSigmoid(-x[n]));
      total = add(total, r(-w * r(pos + neg)));
    }
    return o.reduction === 'sum' ? total : r(total / x.length);
  };
  return { softmax, logSoftmax, logsumexp, sigmoid, softplus, crossEntropy, bceWithLogits };
}

const F64 = ops((v) => v);
const F32 = ops(Math.fround);

// closed-form backward (float64), docs/semantics.md "Backward ops"
const dot = (a: Vec, b: Vec) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
/**
 * softmax VJP p ⊙ (g − ⟨g, p⟩). When p concentrates (p_k ≈ 1, margins > 37 make p_k == 1),
 * g_j − ⟨g, p⟩ cancels catastrophically for j = k (and for any j with g_j = g_k); the exact
 * rewriting g_j − ⟨g, p⟩ = Σ_{i≠j} p_i (g_j − g_i) does not.
 */
const softmaxVjp = (x: Vec, g: Vec) => {
  const p = F64.softmax(x);
  return p.map((pj, j) => {
    let d = 0;
    for (let i = 0; i < p.length; i++) if (i !== j) d += p[i] * (g[j] - g[i]);
    return pj * d;
  });
};
/** log-softmax VJP g − p·Σg; at the max entry g_k(1 − p_k) − p_k·Σ_{j≠k} g_j with 1 − p_k = Σ_{j≠k} p_j. */
const logSoftmaxVjp = (x: Vec, g: Vec) => {
  const p = F64.softmax(x);
  const k = argmax(x);
  let sg = 0;
  for (let j = 0; j < g.length; j++) sg += g[j];
  let q = 0;
  let others = 0;
  for (let j = 0; j < g.length; j++) {
    if (j === k) continue;
    q += p[j];
    others += g[j];
  }
  return Array.from(g, (gj, j) => (j === k ? gj * q - p[k] * others : gj - p[j] * sg));
};
const sigmoidVjp = (x: Vec, g: Vec) => Array.from(x, (v, i) => g[i] * F64.sigmoid(v) * F64.sigmoid(-v));
const softplusVjp = (x: Vec, g: Vec) => Array.from(x, (v, i) => g[i] * F64.sigmoid(v));
/** ∂CE/∂x_nc = (p_nc·A_n − a_nc)/D with 1 − p_ny computed as Σ_{j≠y} p_j (no cancellation) */
const crossEntropyGrad = (logits: number[][], target: number[], o: CeOptions = {}) => {
  const eps = o.label_smoothing ?? 0;
  const ignore = o.ignore_index ?? -100;
  let D = 0;
  logits.forEach((x, n) => {
    if (target[n] !== ignore) D += (o.weight ?? [])[target[n]] ?? 1;
  });
  if (o.reduction === 'sum') D = 1;
  return logits.map((x, n) => {
    const y = target[n];
    const C = x.length;
    if (y === ignore) return new Array(C).fill(0);
    const w = o.weight ?? new Array(C).fill(1);
    const a = w.map((wc, c) => wc * ((c === y ? 1 - eps : 0) + eps / C));
    const A = a.reduce((s, v) => s + v, 0);
    const p = F64.softmax(x);
    let q = 0; // 1 - p_y
    for (let j = 0; j < C; j++) if (j !== y) q += p[j];
    let others = 0; // Σ_{c≠y} a_c
    for (let c = 0; c < C; c++) if (c !== y) others += a[c];
    return p.map((pc, c) => (c === y ? others - q * A : pc * A - a[c]) / D);
  });
};
/** ∂/∂x_n = w_n((1 − t)σ(x) − pw·t·σ(−x))/D  (= w(σ(x)(pw·t + 1 − t) − pw·t), without cancellation) */
const bceWithLogitsGrad = (x: Vec, t: number[], o: BceOptions = {}) => {
  const pw = o.pos_weight ?? 1;
  const D = o.reduction === 'sum' ? 1 : x.length;
  return Array.from(x, (v, n) => ((o.weight?.[n] ?? 1) * ((1 - t[n]) * F64.sigmoid(v) - pw * t[n] * F64.sigmoid(-v))) / D);
};

// ---------------------------------------------------------------------------------------
// decimal versions (for gradcheckDecimal); each computes at its inputs' precision

const dexp = (v: Decimal) => v.exp();
function decSoftmax(x: Decimal[]): Decimal[] {
  const e = x.map(dexp);
  const s = e.reduce((a, b) => a.plus(b));
  return e.map((v) => v.div(s));
}
const decLse = (x: Decimal[]) => x.map(dexp).reduce((a, b) => a.plus(b)).ln();
const decSigmoid = (v: Decimal) => v.neg().exp().plus(1).pow(-1);
const decSoftplus = (v: Decimal) => v.exp().plus(1).ln();
function decCrossEntropy(x: Decimal[], N: number, C: number, target: number[], o: CeOptions = {}): Decimal {
  const eps = o.label_smoothing ?? 0;
  const Dd = x[0].constructor as typeof Decimal;
  let total = new Dd(0);
  let D = new Dd(0);
  for (let n = 0; n < N; n++) {
    const y = target[n];
    if (y === (o.ignore_index ?? -100)) continue;
    const row = x.slice(n * C, (n + 1) * C);
    const lse = decLse(row);
    const w = o.weight ?? new Array(C).fill(1);
    for (let c = 0; c < C; c++) {
      const a = new Dd(w[c]).times(new Dd(c === y ? 1 - eps : 0).plus(new Dd(eps).div(C)));
      if (!a.isZero()) total = total.plus(a.times(lse.minus(row[c])));
    }
    D = D.plus(w[y]);
  }
  return o.reduction === 'sum' ? total : total.div(D);
}

// ---------------------------------------------------------------------------------------
// regimes

const rng = new SeededRandom(2024);
const SCALES: [string, number][] = [
  ['scale 1e-3', 1e-3],
  ['scale 1', 1],
  ['scale 30', 30],
  ['spread', NaN],
];
const CLASSES = [1, 2, 5, 17, 50];

function logitsFor(scale: number, N: number, C: number): number[] {
  return Array.from({ length: N * C }, () => (Number.isNaN(scale) ? rng.normal() * 10 ** (rng.uniform() * 2.5 - 1) : scale * rng.normal()));
}
const rowsOf = (x: Vec, N: number, C: number) => Array.from({ length: N }, (_, n) => Array.from({ length: C }, (_, c) => x[n * C + c]));
const flat = (m: number[][]) => m.flat();

/** the largest error / tolerance seen on a correct gradient, over the whole file */
const margin = { worst: 0, where: '', checks: 0 };

function expectPass(r: GradcheckReport) {
  expect(r.message).toMatch(/passed/);
  expect(r.ok).toBe(true);
  expect(r.failed).toBe(0);
  margin.checks++;
  if (r.worst && r.worst.ratio > margin.worst) {
    margin.worst = r.worst.ratio;
    margin.where = r.message;
  }
}

// ---------------------------------------------------------------------------------------

describe('float64 reference ops pass gradcheck (Ridders) across regimes', () => {
  for (const [regime, scale] of SCALES) {
    for (const C of CLASSES) {
      const N = C >= 17 ? 1 : 2;
      it(`${regime}, C = ${C}`, () => {
        const x = logitsFor(scale, N, C);
        const g = Array.from({ length: N * C }, () => rng.normal());
        const y = Array.from({ length: N }, () => rng.int(C));
        // softmax and log_softmax: the full Jacobian (N·C outputs) through the VJP
        const rowwise = (fn: (r: number[]) => number[]) => (z: Vec) => flat(rowsOf(z, N, C).map(fn));
        const rowVjp = (fn: (r: Vec, g: Vec) => number[]) => (z: Vec, v: number[]) =>
          flat(rowsOf(z, N, C).map((r, n) => fn(r, v.slice(n * C, (n + 1) * C))));
        expectPass(gradcheck(rowwise(F64.softmax), x, { vjp: rowVjp(softmaxVjp) }));
        expectPass(gradcheck(rowwise(F64.logSoftmax), x, { vjp: rowVjp(logSoftmaxVjp) }));
        // logsumexp of each row: N outputs
        expectPass(
          gradcheck((z) => rowsOf(z, N, C).map(F64.logsumexp), x, {
            vjp: (z, v) => flat(rowsOf(z, N, C).map((r, n) => F64.softmax(r).map((p) => p * v[n]))),
          }),
        );
        // softmax followed by a fixed linear read-out: a scalar loss through softmax_backward
        expectPass(gradcheck((z) => dot(rowwise(F64.softmax)(z), g), x, { gradient: (z) => rowVjp(softmaxVjp)(z, g) }));
        // cross_entropy: plain, weighted + label smoothing (mean), sum, with an ignored row
        const w = Array.from({ length: C }, () => 0.25 + rng.uniform());
        const variants: CeOptions[] = [{}, { weight: w, label_smoothing: 0.1 }, { reduction: 'sum', label_smoothing: 0.3 }];
        const yIgn = N > 1 ? [y[0], -100] : y;
        for (const o of variants) {
          expectPass(
            gradcheck((z) => F64.crossEntropy(rowsOf(z, N, C), y, o), x, {
              gradient: (z) => flat(crossEntropyGrad(rowsOf(z, N, C), y, o)),
            }),
          );
        }
        expectPass(
          gradcheck((z) => F64.crossEntropy(rowsOf(z, N, C), yIgn, { weight: w }), x, {
            gradient: (z) => flat(crossEntropyGrad(rowsOf(z, N, C), yIgn, { weight: w })),
          }),
        );
        // element-wise ops on the same numbers
        expectPass(gradcheck((z) => Array.from(z, F64.sigmoid), x, { vjp: sigmoidVjp }));
        expectPass(gradcheck((z) => Array.from(z, F64.softplus), x, { jvp: (z, u) => softplusVjp(z, u) }));
        // BCE with logits: hard and soft targets, weights, pos_weight
        const t = x.map(() => (rng.uniform() < 0.3 ? rng.uniform() : rng.int(2)));
        const bw = x.map(() => 0.5 + rng.uniform());
        for (const o of [{}, { weight: bw, pos_weight: 3 }, { reduction: 'sum' as const, pos_weight: 0.5 }]) {
          expectPass(gradcheck((z) => F64.bceWithLogits(z, t, o), x, { gradient: (z) => bceWithLogitsGrad(z, t, o) }));
        }
      });
    }
  }
});

describe('fast mode (projections uᵀJv) on the same ops', () => {
  for (const [regime, scale] of SCALES) {
    it(`${regime}: correct passes with projections only, a wrong VJP fails and is located`, () => {
      const N = 2;
      const C = 9;
      const x = logitsFor(scale, N, C);
      const y = [3, 7];
      const rowwise = (fn: (r: number[]) => number[]) => (z: Vec) => flat(rowsOf(z, N, C).map(fn));
      const vjp = (z: Vec, v: number[]) => flat(rowsOf(z, N, C).map((r, n) => softmaxVjp(r, v.slice(n * C, (n + 1) * C))));
      const ok = gradcheck(rowwise(F64.softmax), x, { vjp }, { fastMode: true, projections: 2, seed: 7 });
      expectPass(ok);
      expect(ok.mode).toBe('fast');
      expect(ok.checked).toBe(2);
      expectPass(
        gradcheck((z) => F64.crossEntropy(rowsOf(z, N, C), y, { label_smoothing: 0.2 }), x, {
          gradient: (z) => flat(crossEntropyGrad(rowsOf(z, N, C), y, { label_smoothing: 0.2 })),
        }, { fastMode: true }),
      );
      // a classic bug: forgetting the ⟨g, p⟩ term (the VJP of exp, not of softmax)
      const bad = gradcheck(rowwise(F64.softmax), x, {
        vjp: (z, v) => flat(rowsOf(z, N, C).map((r, n) => F64.softmax(r).map((p, j) => p * v[n * C + j]))),
      }, { fastMode: true, seed: 7 });
      if (scale > 1e-2 || Number.isNaN(scale)) {
        expect(bad.ok).toBe(false);
        expect(bad.mode).toBe('fast+full');
        expect(bad.failures.length).toBeGreaterThan(0);
        expect(bad.failures[0].output).toBeGreaterThanOrEqual(0);
      }
    });
  }
});

describe('float32 implementations use float32 steps and tolerances', () => {
  for (const [regime, scale] of SCALES) {
    for (const C of [1, 3, 17, 50]) {
      it(`${regime}, C = ${C}`, () => {
        const x = Float32Array.from(logitsFor(scale, 1, C));
        const y = [rng.int(C)];
        const round = (a: number[]) => a.map(Math.fround); // a float32 library returns float32 gradients
        const r1 = gradcheck((z) => F32.logsumexp(z), x, { gradient: (z) => round(F64.softmax(z)) });
        expectPass(r1);
        expect(r1.dtype).toBe('float32');
        expect(r1.settings.u).toBe(2 ** -24);
        expectPass(gradcheck((z) => F32.softmax(z), x, { vjp: (z, v) => round(softmaxVjp(z, v)) }));
        expectPass(gradcheck((z) => F32.logSoftmax(z), x, { vjp: (z, v) => round(logSoftmaxVjp(z, v)) }));
        expectPass(
          gradcheck((z) => F32.crossEntropy([Array.from(z)], y, { label_smoothing: 0.1 }), x, {
            gradient: (z) => round(crossEntropyGrad([Array.from(z)], y, { label_smoothing: 0.1 })[0]),
          }),
        );
        const t = Array.from(x, () => rng.int(2));
        expectPass(
          gradcheck((z) => F32.bceWithLogits(z, t), x, { gradient: (z) => round(bceWithLogitsGrad(z, t)) }, { method: 'central' }),
        );
        expectPass(gradcheck((z) => Array.from(z, F32.sigmoid), x, { vjp: (z, v) => round(sigmoidVjp(z, v)) }, { fastMode: true }));
        // dtype: 'float32' on a number[] input works the same
        expectPass(gradcheck((z) => F32.logsumexp(z), Array.from(x), { gradient: (z) => round(F64.softmax(z)) }, { dtype: 'float32' }));
      });
    }
  }

  it('a float32 function checked as if it were float64 is rejected or flagged, not silently passed', () => {
    // the classic mistake: float64 steps on a float32 function. The Float32Array itself cannot hold them:
    const x = Float32Array.from([0.3, -1.2, 2.5]);
    expect(() => gradcheck((z) => F32.logsumexp(z), x, { gradient: F64.softmax }, { dtype: 'float64' })).toThrow(
      /Float32Array cannot hold float64 steps/,
    );
  });
});

describe('central differences (method: "central") on float64 ops', () => {
  for (const [regime, scale] of SCALES) {
    it(regime, () => {
      const C = 12;
      const x = logitsFor(scale, 1, C);
      const y = [4];
      const r = gradcheck((z) => F64.crossEntropy([Array.from(z)], y, { weight: x.map((_, c) => 1 + c / C) }), x, {
        gradient: (z) => crossEntropyGrad([Array.from(z)], y, { weight: x.map((_, c) => 1 + c / C) })[0],
      }, { method: 'central' });
      expectPass(r);
      expect(r.method).toBe('central');
      expectPass(gradcheck((z) => F64.softmax(z), x, { vjp: softmaxVjp }, { method: 'central' }));
    });
  }
});

describe('decimal mode: the float64 backward checked essentially exactly', () => {
  const D = decimalClass(40);
  for (const [regime, scale] of SCALES) {
    it(regime, () => {
      const C = 6;
      const x = logitsFor(scale, 1, C);
      const y = [2];
      const r = gradcheckDecimal(decLse, x, { gradient: F64.softmax });
      expectPass(r);
      expect(r.mode).toBe('decimal');
      expect(r.settings.digits).toBe(40);
      expectPass(gradcheckDecimal(decSoftmax, x, { vjp: softmaxVjp }));
      const ce = { weight: [1, 2, 0.5, 1, 1, 3], label_smoothing: 0.05 };
      expectPass(
        gradcheckDecimal((z) => decCrossEntropy(z, 1, C, y, ce), x, { gradient: (z) => crossEntropyGrad([Array.from(z)], y, ce)[0] }),
      );
      expectPass(gradcheckDecimal((z) => z.map(decSigmoid), x, { vjp: sigmoidVjp }));
      expectPass(gradcheckDecimal((z) => z.map(decSoftplus), x, { vjp: softplusVjp }, { Decimal: D }));
      // the decimal numeric is accurate to ~1e-26: the tolerance is the analytic's few float64 ulps
      expect(r.worst!.errorEstimate + r.worst!.noise).toBeLessThan(1e-24);
    });
  }

  it('C = 50 with a mask (10 of the 50 logits checked)', () => {
    const x = logitsFor(1, 1, 50);
    const r = gradcheckDecimal(decLse, x, { gradient: F64.softmax }, { mask: [0, 5, 10, 15, 20, 25, 30, 35, 40, 45] });
    expectPass(r);
    expect(r.checked).toBe(10);
    expect(r.shape.checkedInputs).toBe(10);
  });

  it('flags the textbook p − onehot backward at a confident prediction: a real 1e-3 relative error', () => {
    // ∂CE/∂x_y = p_y − 1 computed as a subtraction loses everything below u when p_y ≈ 1;
    // the float64 forward (log1p form) is accurate, so gradcheck sees the difference.
    const x = [30, 0, -5];
    const naive = (z: Vec) => F64.softmax(z).map((p, c) => p - (c === 0 ? 1 : 0));
    const stable = (z: Vec) => crossEntropyGrad([Array.from(z)], [0])[0];
    const bad = gradcheckDecimal((z) => decCrossEntropy(z, 1, 3, [0]), x, { gradient: naive });
    expect(bad.ok).toBe(false);
    expect(bad.worst!.input).toBe(0);
    expect(bad.worst!.error / Math.abs(bad.worst!.numeric)).toBeGreaterThan(1e-4);
    expectPass(gradcheckDecimal((z) => decCrossEntropy(z, 1, 3, [0]), x, { gradient: stable }));
    // Ridders on the float64 forward sees it too
    expect(gradcheck((z) => F64.crossEntropy([Array.from(z)], [0]), x, { gradient: naive }).ok).toBe(false);
    expectPass(gradcheck((z) => F64.crossEntropy([Array.from(z)], [0]), x, { gradient: stable }));
  });
});

describe('property: correct backward passes, a perturbed one fails', () => {
  it('softmax VJP at random logits (fast-check, seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (x, seed) => {
          const g = new SeededRandom(seed);
          const v = x.map(() => g.normal());
          const f = (z: Vec) => dot(F64.softmax(z), v);
          const good = gradcheck(f, x, { gradient: (z) => softmaxVjp(z, v) }, { seed });
          const grad = softmaxVjp(x, v);
          const k = argmax(grad.map(Math.abs));
          const bad = gradcheck(f, x, { gradient: (z) => softmaxVjp(z, v).map((d, i) => (i === k ? d * (1 + 1e-6) : d)) }, { seed });
          return good.ok && (Math.abs(grad[k]) < 1e-6 || !bad.ok);
        },
      ),
      { numRuns: 40, seed: 4242 },
    );
  });
});

describe('the zero-log corner cases of docs/semantics.md behave', () => {
  it('C = 1: cross-entropy is identically 0 and its gradient is exactly 0', () => {
    const r = gradcheck((z) => F64.crossEntropy([[z[0]]], [0], { label_smoothing: 0.2 }), [3.7], {
      gradient: (z) => crossEntropyGrad([[z[0]]], [0], { label_smoothing: 0.2 })[0],
    });
    expectPass(r);
    expect(r.worst!.numeric).toBe(0);
    expect(r.worst!.analytic).toBe(0);
  });

  it('a saturated sigmoid (σ(40) == 1 in float64) passes: the tiny analytic derivative is within the rounding of f', () => {
    const r = gradcheck((z) => F64.sigmoid(z[0]), [40], { gradient: (z) => [F64.sigmoid(z[0]) * F64.sigmoid(-z[0])] });
    expectPass(r);
  });

  it('BCE-with-logits at a large logit with a hard target (t = 1, x = 50): gradient −σ(−x) ≈ −2e-22, relative accuracy kept', () => {
    const r = gradcheck((z) => F64.bceWithLogits(z, [1]), [50], { gradient: (z) => bceWithLogitsGrad(z, [1]) });
    expectPass(r);
    expect(Math.abs(r.worst!.numeric)).toBeLessThan(1e-20);
    expect(r.worst!.error / Math.abs(r.worst!.numeric)).toBeLessThan(1e-9);
  });
});

describe('margin', () => {
  it('correct gradients stay well inside their tolerances: worst error / tolerance < 0.5 over every check above', () => {
    expect(margin.checks).toBeGreaterThan(400);
    expect(margin.worst, margin.where).toBeLessThan(0.5);
  });
});
