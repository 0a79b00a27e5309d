/**
 * docs/semantics.md's special-value table, row by row, for every op of the fast path, in
 * float64 and float32 (through each op record's fast entry, with catalog-normalised args), plus the
 * property tests (fast-check, fixed seeds: a failure prints its seed and counterexample).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { softmax, logSoftmax, logsumexp, sigmoid, crossEntropy, crossEntropyBackward, bceWithLogits } from '../src/fast/index.js';
import { getSpec, type ArgsByOp, type OpName } from '../src/ops/registry.js';
import { ulp64 } from './fast-mpmath.js';
import { fastEvaluate } from '../src/ops/evaluate.js';

const I = Infinity;
const DTYPES = ['float64', 'float32'] as const;
type Res = number | number[] | number[][];

/** validate raw JSON-shaped args with the catalog, then run the fast op */
function run<N extends OpName>(op: N, raw: Record<string, unknown>, dt: 'float64' | 'float32'): Res {
  const args = getSpec(op).validate(raw) as ArgsByOp[N];
  return fastEvaluate(op, args, dt);
}

/** exact equality with NaN = NaN and +0 distinct from -0 where `signed` */
function same(got: Res, want: Res, signed = true): void {
  const g = JSON.stringify(
    got,
    (_, v) => (typeof v === 'number'
      ? (Object.is(v, -0) && signed ? '-0' : Number.isNaN(v) ? 'NaN' : v === I ? 'Inf' : v === -I ? '-Inf' : v)
      : v),
  );
  const w = JSON.stringify(
    want,
    (_, v) => (typeof v === 'number'
      ? (Object.is(v, -0) && signed ? '-0' : Number.isNaN(v) ? 'NaN' : v === I ? 'Inf' : v === -I ? '-Inf' : v)
      : v),
  );
  expect(g).toBe(w);
}

const f32 = (v: number) => Math.fround(v);
// correctly rounded constants (LN3 is 1 ulp off in V8's fdlibm log); their float32
// roundings below were checked against mpmath
const LN3 = 1.0986122886681098;
const LN2 = 0.6931471805599453;

describe.each(DTYPES)('special values (%s)', (dt) => {
  const R = (v: number) => (dt === 'float32' ? f32(v) : v);

  it('NaN in a row: every output that depends on it is NaN; other rows unaffected', () => {
    const logits = [[1, NaN, 2], [0, 0, 0]];
    same(run('softmax', { logits }, dt), [[NaN, NaN, NaN], [R(1 / 3), R(1 / 3), R(1 / 3)]]);
    same(run('log_softmax', { logits }, dt), [[NaN, NaN, NaN], [R(-LN3), R(-LN3), R(-LN3)]]);
    same(run('logsumexp', { logits }, dt), [NaN, R(LN3)]);
    same(run('softmax_backward', { logits, grad_output: [[1, 2, 3], [1, 1, 1]] }, dt), [[NaN, NaN, NaN], [0, 0, 0]], false);
    same((run('log_softmax_backward', { logits, grad_output: [[1, 2, 3], [1, 1, 1]] }, dt) as number[][])[0], [NaN, NaN, NaN], false);
    for (const op of ['sigmoid', 'log_sigmoid', 'softplus'] as const) {
      same(run(op, { x: [NaN, 0] }, dt), [NaN, op === 'sigmoid' ? 0.5 : op === 'softplus' ? R(LN2) : R(-LN2)]);
    }
    same(run('sigmoid_backward', { x: [NaN, 0], grad_output: [1, 1] }, dt), [NaN, 0.25], false);
    same(run('cross_entropy', { logits, target: [0, 1], reduction: 'none' }, dt), [NaN, R(LN3)]);
    same(run('cross_entropy', { logits, target: [0, 1], reduction: 'sum' }, dt), NaN);
    same(run('cross_entropy', { logits, target: [0, 1] }, dt), NaN);
    same((run('cross_entropy_backward', { logits, target: [0, 1], reduction: 'none' }, dt) as number[][])[0], [NaN, NaN, NaN], false);
    same(run('nll_loss', { log_probs: [[-1, NaN], [-2, -3]], target: [1, 0], reduction: 'none' }, dt), [NaN, 2]);
    same(run('binary_cross_entropy_with_logits', { logits: [NaN, 0], target: [1, 1], reduction: 'none' }, dt), [NaN, R(LN2)]);
    same(run('binary_cross_entropy_with_logits', { logits: [NaN, 0], target: [1, 1] }, dt), NaN);
    same(run('binary_cross_entropy_with_logits_backward', { logits: [NaN, 0], target: [1, 1], reduction: 'sum' }, dt), [NaN, -0.5], false);
  });

  it('x_j = -Infinity is masked: p_j = 0 (+0), the others are the softmax of the finite entries', () => {
    const logits = [[-I, 0, 0]];
    same(run('softmax', { logits }, dt), [[0, 0.5, 0.5]]);
    same(run('log_softmax', { logits }, dt), [[-I, R(-LN2), R(-LN2)]]);
    same(run('logsumexp', { logits }, dt), [R(LN2)]);
    // backward at a masked entry is the limit 0
    same(run('softmax_backward', { logits, grad_output: [[5, 1, 3]] }, dt), [[0, -0.5, 0.5]], false);
    same(run('log_softmax_backward', { logits, grad_output: [[5, 1, 3]] }, dt), [[5, -3.5, -1.5]], false);
    // cross_entropy: eps = 0 ignores masked non-target classes; the masked target is +Infinity
    same(run('cross_entropy', { logits, target: [1], reduction: 'none' }, dt), [R(LN2)]);
    same(run('cross_entropy', { logits, target: [0], reduction: 'none' }, dt), [I]);
    same(run('cross_entropy', { logits, target: [1], label_smoothing: 0.5, reduction: 'none' }, dt), [I]);
    // probability target with 0 on the masked class is finite (zero-coefficient rule)
    same(run('cross_entropy', { logits, target: [[0, 0.5, 0.5]], reduction: 'none' }, dt), [R(LN2)]);
    // weight 0 on the masked class: never contributes, even with smoothing
    same(run('cross_entropy', { logits, target: [1], weight: [0, 1, 1], label_smoothing: 0.5, reduction: 'none' }, dt), [
      R(0.5776226504666211),
    ]); // (5/6) ln 2
    // gradient at the masked target class: the limit (p_c A - a_c) g / D = -1
    same(run('cross_entropy_backward', { logits, target: [0], reduction: 'sum' }, dt), [[-1, 0.5, 0.5]], false);
  });

  it('a row of all -Infinity: softmax / log_softmax NaN, logsumexp -Infinity', () => {
    const logits = [[-I, -I], [0, 0]];
    same(run('softmax', { logits }, dt), [[NaN, NaN], [0.5, 0.5]]);
    same(run('log_softmax', { logits }, dt), [[NaN, NaN], [R(-LN2), R(-LN2)]]);
    same(run('logsumexp', { logits }, dt), [-I, R(LN2)]);
    same((run('softmax_backward', { logits, grad_output: [[1, 2], [1, 2]] }, dt) as number[][])[0], [NaN, NaN], false);
    same(run('cross_entropy', { logits, target: [0, 0], reduction: 'none' }, dt), [NaN, R(LN2)]);
  });

  it('exactly one +Infinity: one-hot softmax, log_softmax 0 / -Infinity, logsumexp +Infinity', () => {
    const logits = [[1, I, -I, 3]];
    same(run('softmax', { logits }, dt), [[0, 1, 0, 0]]);
    same(run('log_softmax', { logits }, dt), [[-I, 0, -I, -I]]);
    same(run('logsumexp', { logits }, dt), [I]);
    same(run('softmax_backward', { logits, grad_output: [[1, 2, 3, 4]] }, dt), [[0, 0, 0, 0]], false);
    same(run('log_softmax_backward', { logits, grad_output: [[1, 2, 3, 4]] }, dt), [[1, -8, 3, 4]], false);
    // cross_entropy with +Infinity logits: target at the +Infinity entry -> 0, elsewhere +Infinity
    same(run('cross_entropy', { logits, target: [1], reduction: 'none' }, dt), [0]);
    same(run('cross_entropy', { logits, target: [0], reduction: 'none' }, dt), [I]);
    same(run('cross_entropy', { logits, target: [[0, 1, 0, 0]], reduction: 'none' }, dt), [0]);
    same(run('cross_entropy_backward', { logits, target: [1], reduction: 'sum' }, dt), [[0, 0, 0, 0]], false);
  });

  it('two or more +Infinity: NaN at the +Infinity entries, 0 / -Infinity elsewhere', () => {
    const logits = [[I, 0, I, -I]];
    same(run('softmax', { logits }, dt), [[NaN, 0, NaN, 0]]);
    same(run('log_softmax', { logits }, dt), [[NaN, -I, NaN, -I]]);
    same(run('logsumexp', { logits }, dt), [I]);
    same(run('cross_entropy', { logits, target: [0], reduction: 'none' }, dt), [NaN]);
    same(run('cross_entropy', { logits, target: [1], reduction: 'none' }, dt), [I]);
  });

  it('C = 1: softmax [1], log_softmax [0], logsumexp x_0, cross_entropy 0', () => {
    const logits = [[R(3.7)], [R(-1e30)], [0]];
    same(run('softmax', { logits }, dt), [[1], [1], [1]]);
    same(run('log_softmax', { logits }, dt), [[0], [0], [0]]);
    same(run('logsumexp', { logits }, dt), [R(3.7), R(-1e30), 0]);
    same(run('cross_entropy', { logits, target: [0, 0, 0], reduction: 'none' }, dt), [0, 0, 0]);
    same(run('cross_entropy', { logits, target: [0, 0, 0], label_smoothing: 0.3 }, dt), 0);
    same(run('cross_entropy_backward', { logits, target: [0, 0, 0] }, dt), [[0], [0], [0]], false);
    same(run('softmax_backward', { logits, grad_output: [[2], [3], [4]] }, dt), [[0], [0], [0]], false);
  });

  it('sigmoid, log_sigmoid, softplus at +-Infinity', () => {
    same(run('sigmoid', { x: [I, -I] }, dt), [1, 0]);
    same(run('log_sigmoid', { x: [I, -I] }, dt), [0, -I]);
    same(run('softplus', { x: [I, -I] }, dt), [I, 0]);
    same(run('sigmoid_backward', { x: [I, -I], grad_output: [2, 3] }, dt), [0, 0], false);
  });

  it('every target ignored: mean NaN, sum 0, none zeros; D = 0 with weights 0: NaN', () => {
    const logits = [[1, 2], [3, 4]];
    same(run('cross_entropy', { logits, target: [-100, -100] }, dt), NaN);
    same(run('cross_entropy', { logits, target: [-100, -100], reduction: 'sum' }, dt), 0);
    same(run('cross_entropy', { logits, target: [-100, -100], reduction: 'none' }, dt), [0, 0]);
    same(run('cross_entropy', { logits, target: [7, 7], ignore_index: 7, reduction: 'none' }, dt), [0, 0]);
    same(run('cross_entropy_backward', { logits, target: [-100, -100] }, dt), [[0, 0], [0, 0]], false);
    same(run('nll_loss', { log_probs: [[-1, -2]], target: [-100] }, dt), NaN);
    same(run('nll_loss', { log_probs: [[-1, -2]], target: [-100], reduction: 'sum' }, dt), 0);
    // all non-ignored weights 0
    same(run('cross_entropy', { logits, target: [0, 0], weight: [0, 1] }, dt), NaN);
    same(run('nll_loss', { log_probs: [[-1, -2]], target: [0], weight: [0, 1] }, dt), NaN);
    same(run('cross_entropy', { logits, target: [0, 0], weight: [0, 1], reduction: 'none' }, dt), [0, 0]);
  });

  it('binary_cross_entropy at the ends: zero-coefficient rule and +Infinity (no clamp)', () => {
    same(run('binary_cross_entropy', { probs: [0, 1, 0, 1], target: [0, 1, 1, 0], reduction: 'none' }, dt), [0, 0, I, I]);
    same(run('binary_cross_entropy', { probs: [0, 1], target: [0, 1] }, dt), 0);
    same(run('binary_cross_entropy', { probs: [0.5], target: [1], weight: [0], reduction: 'none' }, dt), [0]);
    same(run('binary_cross_entropy', { probs: [0], target: [1], weight: [0], reduction: 'none' }, dt), [0]);
    // backward: p = 0, t = 0 -> w / D; p = 0, t > 0 -> -Infinity; p = 1, t < 1 -> +Infinity
    same(
      run('binary_cross_entropy_backward', { probs: [0, 1, 0, 1], target: [0, 1, 0.5, 0.5], weight: [2, 3, 1, 1], reduction: 'sum' }, dt),
      [2, -3, -I, I],
      false,
    );
    same(run('binary_cross_entropy_backward', { probs: [0, 0.5], target: [0, 0.5], weight: [2, 1] }, dt), [1, 0], false);
  });

  it('binary_cross_entropy_with_logits at +-Infinity', () => {
    same(run('binary_cross_entropy_with_logits', { logits: [I, I, -I, -I], target: [1, 0.5, 0, 0.5], reduction: 'none' }, dt), [
      0,
      I,
      0,
      I,
    ]);
    same(run('binary_cross_entropy_with_logits', { logits: [-I], target: [1], pos_weight: 0, reduction: 'none' }, dt), [0]);
    // backward: the limits w (1 - t) g / D and -w pw t g / D
    same(
      run('binary_cross_entropy_with_logits_backward', { logits: [I, -I, I], target: [0.5, 0.5, 1], pos_weight: 2, reduction: 'sum' }, dt),
      [0.5, -1, 0],
      false,
    );
  });

  it('outputs that are exactly zero are +0', () => {
    const z = (r: Res) => (Array.isArray(r) ? r.flat() : [r]);
    for (const v of z(run('softmax', { logits: [[-I, 0], [0, -1e17]] }, dt))) expect(Object.is(v, -0)).toBe(false);
    expect(Object.is((run('log_sigmoid', { x: [I] }, dt) as number[])[0], 0)).toBe(true);
    expect(Object.is((run('softplus', { x: [-I] }, dt) as number[])[0], 0)).toBe(true);
    expect(Object.is((run('cross_entropy', { logits: [[5]], target: [0], reduction: 'none' }, dt) as number[])[0], 0)).toBe(true);
    expect(Object.is((run('binary_cross_entropy', { probs: [0], target: [0], reduction: 'none' }, dt) as number[])[0], 0)).toBe(true);
    expect(Object.is((run('nll_loss', { log_probs: [[0, -1]], target: [0], reduction: 'none' }, dt) as number[])[0], 0)).toBe(true);
    expect(Object.is(run('binary_cross_entropy_with_logits', { logits: [I], target: [1] }, dt), 0)).toBe(true);
  });

  it('results below the float range are +0 (and a float32 overflow is +-Infinity)', () => {
    same(run('softmax', { logits: [[0, -1e17, -800]] }, dt), [[1, 0, 0]]);
    same(run('sigmoid', { x: [-1e17] }, dt), [0]);
    if (dt === 'float32') same(run('cross_entropy', { logits: [[3e38, -3e38]], target: [1], reduction: 'none' }, dt), [I]);
  });
});

// ---------------------------------------------------------------------------------------
// properties (fixed seeds; fast-check prints the seed and the counterexample on failure)

const finiteRow = (min: number, max: number, maxLen = 12) =>
  fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: maxLen });

describe('properties (fast-check, seed 42)', () => {
  it('shift invariance: softmax(x + c) = softmax(x) within 2 ulp (x + c exact)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: -(2 ** 20), max: 2 ** 20 }),
        (ints, shift) => {
          const x = Float64Array.from(ints, (v) => v / 1024);
          const y = Float64Array.from(ints, (v) => (v + shift) / 1024); // exact
          const p = softmax(x, 1, x.length);
          const q = softmax(y, 1, y.length);
          for (let i = 0; i < p.length; i++) if (ulp64(p[i], q[i]) > 2) return false;
          const a = logSoftmax(x, 1, x.length);
          const b = logSoftmax(y, 1, y.length);
          for (let i = 0; i < a.length; i++) if (ulp64(a[i], b[i]) > 2) return false;
          return true;
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('rows are in [0, 1], sum to 1 within C ulp, and have no NaN for finite logits up to +-1e308', () => {
    fc.assert(
      fc.property(finiteRow(-1e308, 1e308, 40), (row) => {
        const x = Float64Array.from(row);
        const p = softmax(x, 1, x.length);
        let s = 0;
        for (const v of p) {
          if (!(v >= 0 && v <= 1)) return false;
          s += v;
        }
        const ls = logSoftmax(x, 1, x.length);
        const lse = logsumexp(x, 1, x.length);
        if (ls.some((v) => Number.isNaN(v)) || Number.isNaN(lse[0])) return false;
        return Math.abs(s - 1) <= x.length * 2 ** -52;
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('log_softmax = x - logsumexp (within 4 u of the magnitudes)', () => {
    fc.assert(
      fc.property(finiteRow(-1e6, 1e6, 30), (row) => {
        const x = Float64Array.from(row);
        const ls = logSoftmax(x, 1, x.length);
        const lse = logsumexp(x, 1, x.length)[0];
        return ls.every((v, j) => Math.abs(v - (x[j] - lse)) <= 4 * 2 ** -53 * (Math.abs(x[j]) + Math.abs(lse)));
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('sigmoid(x) = softmax([x, 0])_0 within 2 ulp', () => {
    fc.assert(
      fc.property(fc.double({ min: -800, max: 800, noNaN: true }), (v) => {
        const s = sigmoid(Float64Array.of(v))[0];
        const p = softmax(Float64Array.of(v, 0), 1, 2)[0];
        return ulp64(s, p) <= 2;
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it('binary_cross_entropy_with_logits equals the 2-class cross_entropy within 2 ulp', () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 700, noNaN: true }), fc.integer({ min: 0, max: 1024 }), (v, k) => {
        const t = k / 1024; // 1 - t exact
        const b = bceWithLogits(Float64Array.of(v), Float64Array.of(t), { reduction: 'sum' }) as number;
        const c = crossEntropy(Float64Array.of(v, 0), 1, 2, { probs: Float64Array.of(t, 1 - t) }, { reduction: 'sum' }) as number;
        return ulp64(b, c) <= 2;
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it('cross_entropy gradient rows sum to ~0 (index targets, no smoothing)', () => {
    fc.assert(
      fc.property(finiteRow(-1e3, 1e3, 30), fc.nat(), (row, yy) => {
        const x = Float64Array.from(row);
        const y = yy % x.length;
        const g = crossEntropyBackward(x, 1, x.length, { index: [y] }, { reduction: 'sum' });
        let s = 0;
        let m = 0;
        for (const v of g) {
          s += v;
          m = Math.max(m, Math.abs(v));
        }
        return Math.abs(s) <= x.length * 2 ** -52 * Math.max(m, 2 ** -1000);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('typed-array API', () => {
  it('in-place out (out === x) gives the same result, subnormal entries included', () => {
    const x = Float64Array.of(0, -720, -3, 1, 2, -750);
    const want = softmax(x, 2, 3);
    const y = x.slice();
    expect(Array.from(softmax(y, 2, 3, y))).toEqual(Array.from(want));
    const gWant = crossEntropyBackward(x, 2, 3, { index: [1, 0] });
    const z = x.slice();
    expect(Array.from(crossEntropyBackward(z, 2, 3, { index: [1, 0] }, {}, z))).toEqual(Array.from(gWant));
  });

  it('float32 inputs give Float32Array outputs rounded once from the float64 kernel', () => {
    const x = Float32Array.of(0.1, 0.2, 0.7, -1);
    const p32 = softmax(x, 2, 2);
    expect(p32).toBeInstanceOf(Float32Array);
    const p64 = softmax(Float64Array.from(x), 2, 2);
    expect(Array.from(p32)).toEqual(Array.from(p64, Math.fround));
  });

  it('rejects inconsistent shapes', () => {
    expect(() => softmax(new Float64Array(5), 2, 3)).toThrow(/N\*C/);
    expect(() => softmax(new Float64Array(6), 2, 0)).toThrow(/C = 0/);
  });
});
