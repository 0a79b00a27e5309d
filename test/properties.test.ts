/**
 * Mathematical properties of the softmax / cross-entropy family, checked on the fast path
 * (many runs) and on the correctly rounded reference (fewer runs: it is ~1000× slower).
 * Fixed seeds in CI; `XENT_DEEP=1 npm test` (or `npm run test:deep`) multiplies the runs by 20.
 * A failure prints fast-check's seed, path and shrunk counterexample.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getSpec, type OpName } from '../src/ops/registry.js';
import { FORMATS, ulpDistance } from '../src/core/floats.js';
import { numAt } from '../src/core/regimes.js';
import { fastEvaluate, reference } from '../src/ops/evaluate.js';

const DEEP = process.env.XENT_DEEP ? 20 : 1;
const runs = (n: number) => ({ seed: 20261124, numRuns: n * DEEP });

type Impl = (op: OpName, raw: Record<string, unknown>) => unknown;
const fast: Impl = (op, raw) => fastEvaluate(op, getSpec(op).validate(raw), 'float64');
const ref: Impl = (op, raw) => reference(op, raw, { digits: 20 }).float64;
const IMPLS: [string, Impl, number][] = [
  ['fast', fast, 200],
  ['reference', ref, 15],
];

const row = (scale: number, min = 1, max = 8) => fc.array(numAt(scale, 'float64'), { minLength: min, maxLength: max });
const anyScaleRow = fc.oneof(row(1e-3), row(1), row(30), row(300), row(1e5));
const m = (v: unknown) => v as number[][];
const ulp = (a: number, b: number) => ulpDistance(a, b, FORMATS.float64);

describe.each(IMPLS)('properties of %s', (_name, f, n) => {
  it('softmax: rows sum to 1 (within n ulp), every entry in [0, 1]', () => {
    fc.assert(
      fc.property(anyScaleRow, (x) => {
        const p = m(f('softmax', { logits: [x] }))[0];
        const s = p.reduce((a, b) => a + b, 0);
        expect(Math.abs(s - 1)).toBeLessThanOrEqual(p.length * 2 ** -52);
        for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
      }),
      runs(n),
    );
  });

  it('softmax: shift invariance (exact shifts by a power of two keep the ULP bound)', () => {
    fc.assert(
      fc.property(row(4), fc.integer({ min: -6, max: 6 }), (x, k) => {
        const c = 2 ** k;
        const shifted = x.map((v) => v + c);
        if (shifted.some((v, i) => v - c !== x[i])) return; // only exactly representable shifts
        const a = m(f('softmax', { logits: [x] }))[0];
        const b = m(f('softmax', { logits: [shifted] }))[0];
        a.forEach((v, i) => expect(ulp(v, b[i])).toBeLessThanOrEqual(4));
      }),
      runs(n),
    );
  });

  it('softmax: monotone in the logits (x_i ≤ x_j ⇒ p_i ≤ p_j)', () => {
    fc.assert(
      fc.property(anyScaleRow, (x) => {
        const p = m(f('softmax', { logits: [x] }))[0];
        for (let i = 0; i < x.length; i++) for (let j = 0; j < x.length; j++) if (x[i] <= x[j]) expect(p[i]).toBeLessThanOrEqual(p[j]);
      }),
      runs(n),
    );
  });

  it('no NaN for finite logits up to ±1e308, and underflow to exactly 0', () => {
    const huge = fc.array(
      fc.oneof(fc.constantFrom(1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308), numAt(1e300, 'float64')),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(huge, (x) => {
        for (const op of ['softmax', 'log_softmax', 'logsumexp'] as const) {
          const out = (f(op, { logits: [x] }) as number[] | number[][]).flat();
          for (const v of out) expect(Number.isNaN(v)).toBe(false);
        }
        const p = m(f('softmax', { logits: [[0, -1e308]] }))[0];
        expect(p).toEqual([1, 0]);
      }),
      runs(Math.ceil(n / 4)),
    );
  });

  it('log_softmax = x − logsumexp (float64, within the rounding of the subtraction)', () => {
    fc.assert(
      fc.property(anyScaleRow, (x) => {
        const lsm = m(f('log_softmax', { logits: [x] }))[0];
        const lse = (f('logsumexp', { logits: [x] }) as number[])[0];
        x.forEach((v, i) => {
          const d = v - lse;
          // both sides are within a few ulp of the exact x_i − LSE; |d| bounds the rounding
          expect(Math.abs(lsm[i] - d)).toBeLessThanOrEqual(8 * 2 ** -52 * Math.max(Math.abs(v), Math.abs(lse), Math.abs(d)));
        });
      }),
      runs(n),
    );
  });

  it('sigmoid(x) = softmax([x, 0])_0 and BCE-with-logits = 2-class CE', () => {
    fc.assert(
      fc.property(numAt(40, 'float64'), fc.constantFrom(0, 1), (x, t) => {
        const s = (f('sigmoid', { x: [x] }) as number[])[0];
        const p = m(f('softmax', { logits: [[x, 0]] }))[0][0];
        expect(ulp(s, p)).toBeLessThanOrEqual(2);
        const bce = f('binary_cross_entropy_with_logits', { logits: [x], target: [t], reduction: 'sum' }) as number;
        const ce = f('cross_entropy', { logits: [[x, 0]], target: [t === 1 ? 0 : 1], reduction: 'sum' }) as number;
        expect(ulp(bce, ce)).toBeLessThanOrEqual(4);
      }),
      runs(n),
    );
  });

  it('cross_entropy ≥ 0, the zero-log case, and CE = H(y) + KL(y‖p) for probability targets', () => {
    const probs = (c: number) =>
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: c, maxLength: c }).map((w) => {
        const s = w.reduce((a, b) => a + b, 0) || 1;
        return w.map((v) => v / s);
      });
    fc.assert(
      fc.property(
        row(5, 2, 6).chain((x) => probs(x.length).map((y) => [x, y] as const)),
        ([x, y]) => {
          const ce = f('cross_entropy', { logits: [x], target: [y], reduction: 'sum' }) as number;
          expect(ce).toBeGreaterThanOrEqual(0);
          // zero-log case: classes with y_c = 0 contribute nothing even when masked
          const masked = x.map((v, i) => (y[i] === 0 && y.some((t) => t > 0) ? -Infinity : v));
          const ceMasked = f('cross_entropy', { logits: [masked], target: [y], reduction: 'sum' }) as number;
          expect(Number.isFinite(ceMasked)).toBe(true);
          // H + KL in float64 from log_softmax: agreement to cancellation level
          const lsm = m(f('log_softmax', { logits: [x] }))[0];
          let H = 0;
          let KL = 0;
          y.forEach((t, i) => {
            if (t > 0) {
              H -= t * Math.log(t);
              KL += t * (Math.log(t) - lsm[i]);
            }
          });
          expect(Math.abs(ce - (H + KL))).toBeLessThanOrEqual(64 * 2 ** -52 * (Math.abs(ce) + Math.abs(H) + Math.abs(KL) + 1));
        },
      ),
      runs(n),
    );
  });

  it('the rows of the CE gradient sum to 0 (one-hot targets, no smoothing)', () => {
    fc.assert(
      fc.property(
        row(10, 2, 8).chain((x) => fc.integer({ min: 0, max: x.length - 1 }).map((y) => [x, y] as const)),
        ([x, y]) => {
          const g = m(f('cross_entropy_backward', { logits: [x], target: [y], reduction: 'sum' }))[0];
          const s = g.reduce((a, b) => a + b, 0);
          expect(Math.abs(s)).toBeLessThanOrEqual(4 * x.length * 2 ** -52);
        },
      ),
      runs(n),
    );
  });

  it('backward = Jᵀ·g: softmax_backward agrees with a central difference of softmax along g', () => {
    fc.assert(
      fc.property(
        row(3, 2, 6).chain((x) => row(2, x.length, x.length).map((g) => [x, g] as const)),
        ([x, g]) => {
          const vjp = m(f('softmax_backward', { logits: [x], grad_output: [g] }))[0];
          // d/dt ⟨g, softmax(x + t e_k)⟩ at 0 = (Jᵀ g)_k
          const h = 2 ** -20;
          vjp.forEach((vk, k) => {
            const at = (d: number) => {
              const xs = x.map((v, i) => (i === k ? v + d : v));
              const p = m(fast('softmax', { logits: [xs] }))[0];
              return p.reduce((a, pi, i) => a + pi * g[i], 0);
            };
            const fd = (at(h) - at(-h)) / (2 * h);
            expect(Math.abs(vk - fd)).toBeLessThanOrEqual(1e-8 * (1 + Math.abs(fd)));
          });
        },
      ),
      runs(Math.ceil(n / 2)),
    );
  });
});

describe('the fast path is within its documented ULP bound of the correctly rounded reference', () => {
  it('float64 softmax, log_softmax, cross_entropy at scales 1 … 700: ≤ 2 ULP', () => {
    fc.assert(
      fc.property(fc.oneof(row(1, 1, 6), row(100, 2, 6), row(700, 2, 6)), (x) => {
        for (const op of ['softmax', 'log_softmax'] as const) {
          const a = m(fast(op, { logits: [x] }))[0];
          const b = m(ref(op, { logits: [x] }))[0];
          a.forEach((v, i) => {
            if (Number.isFinite(b[i])) expect(ulp(v, b[i])).toBeLessThanOrEqual(2);
            else expect(v).toBe(b[i]);
          });
        }
        const ce = fast('cross_entropy', { logits: [x], target: [0], reduction: 'sum' }) as number;
        expect(ulp(ce, ref('cross_entropy', { logits: [x], target: [0], reduction: 'sum' }) as number)).toBeLessThanOrEqual(2);
      }),
      runs(25),
    );
  });
});
