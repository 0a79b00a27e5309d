/**
 * The gradcheck API: analytic forms, options, reports, and the errors it throws when a check
 * cannot be carried out (docs/gradcheck.md).
 */
import { Decimal } from 'decimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  argumentPoint,
  assertGradcheck,
  decimalClass,
  ecnoise,
  exactDecimal,
  formatReport,
  getReferenceDecimal,
  GRADCHECK_DEFAULTS,
  gradcheck,
  gradcheckDecimal,
  GradcheckError,
  opDecimalFunction,
  opFunction,
  opVjp,
  SeededRandom,
  setReferenceDecimal,
  withArgument,
} from '../src/gradcheck/index.js';

// a small vector function R^3 -> R^2 with a known Jacobian
const f = (x: ArrayLike<number>) => [Math.sin(x[0]) * x[1], x[2] * x[2] + Math.exp(x[0] - x[1])];
const J = (x: ArrayLike<number>) => [
  [Math.cos(x[0]) * x[1], Math.sin(x[0]), 0],
  [Math.exp(x[0] - x[1]), -Math.exp(x[0] - x[1]), 2 * x[2]],
];
const x0 = [0.7, -1.3, 2.1];
const vjp = (x: ArrayLike<number>, v: number[]) => {
  const j = J(x);
  return [0, 1, 2].map((i) => v[0] * j[0][i] + v[1] * j[1][i]);
};
const jvp = (x: ArrayLike<number>, u: number[]) => J(x).map((row) => row[0] * u[0] + row[1] * u[1] + row[2] * u[2]);

describe('analytic forms', () => {
  it('jacobian (matrix or function), vjp, jvp all pass on a correct derivative', () => {
    for (const a of [{ jacobian: J(x0) }, { jacobian: J }, { vjp }, { jvp }]) {
      const r = gradcheck(f, x0, a);
      expect(r.ok, r.message).toBe(true);
      expect(r.checked).toBe(6);
      expect(r.shape).toEqual({ outputs: 2, inputs: 3, checkedInputs: 3 });
      expect(r.worst!.ratio).toBeLessThan(1);
    }
  });

  it('gradient for a scalar f, and a flat jacobian row for a scalar f', () => {
    const g = (x: ArrayLike<number>) => x[0] * x[0] * x[1] + Math.log1p(x[1] * x[1]);
    const grad = (x: ArrayLike<number>) => [2 * x[0] * x[1], x[0] * x[0] + (2 * x[1]) / (1 + x[1] * x[1])];
    expect(gradcheck(g, [1.5, -0.25], { gradient: grad }).ok).toBe(true);
    expect(gradcheck(g, [1.5, -0.25], { jacobian: grad([1.5, -0.25]) }).ok).toBe(true);
  });

  it('matrix outputs are flattened row-major', () => {
    const m = (x: ArrayLike<number>) => [
      [x[0] * x[1], x[1]],
      [x[0], 3 * x[0]],
    ];
    const r = gradcheck(m, [2, 5], { jacobian: [[5, 2], [0, 1], [1, 0], [3, 0]] });
    expect(r.ok, r.message).toBe(true);
    expect(r.shape.outputs).toBe(4);
  });

  it('a wrong entry fails and the report names it', () => {
    const bad = (x: ArrayLike<number>) => {
      const j = J(x);
      j[1][2] *= 1.001;
      return j;
    };
    const r = gradcheck(f, x0, { jacobian: bad });
    expect(r.ok).toBe(false);
    expect(r.failed).toBe(1);
    expect(r.worst).toMatchObject({ output: 1, input: 2 });
    expect(r.failures[0]).toMatchObject({ output: 1, input: 2 });
    expect(r.worst!.error).toBeGreaterThan(r.worst!.tolerance);
    expect(r.message).toMatch(/FAILED: 1 of 6 entries outside tolerance; worst d out\[1\] \/ d x\[2\]/);
  });

  it('a NaN or infinite analytic value is a failure, not an exception', () => {
    const r = gradcheck(f, x0, { jvp: (x, u) => jvp(x, u).map((v, o) => (o === 0 && u[1] === 1 ? NaN : v)) });
    expect(r.ok).toBe(false);
    expect(r.worst).toMatchObject({ output: 0, input: 1, ratio: Infinity });
  });
});

describe('report', () => {
  it('has the documented fields', () => {
    const r = gradcheck(f, x0, { vjp });
    expect(Object.keys(r)).toEqual(
      expect.arrayContaining([
        'ok',
        'worst',
        'checked',
        'failed',
        'failures',
        'seed',
        'mode',
        'method',
        'dtype',
        'order',
        'shape',
        'settings',
        'fNoise',
        'message',
      ]),
    );
    expect(Object.keys(r.worst!)).toEqual(
      expect.arrayContaining(['output', 'input', 'analytic', 'numeric', 'error', 'errorEstimate', 'noise', 'tolerance', 'ratio']),
    );
    expect(r).toMatchObject({ mode: 'full', method: 'ridders', dtype: 'float64', order: 1, seed: GRADCHECK_DEFAULTS.seed, failures: [] });
    expect(r.settings).toEqual({ k: 4, rtol: 32 * 2 ** -53 * Math.max(1, 2.1), atol: 'derived', u: 2 ** -53 });
    expect(r.fNoise).toHaveLength(2);
  });

  it('formatReport renders the verdict, the worst entry and the failing entries', () => {
    const r = gradcheck(f, x0, { vjp: (x, v) => vjp(x, v).map((g, i) => (i === 0 ? -g : g)) });
    const text = formatReport(r);
    expect(text).toMatch(/^gradcheck FAILED {2}\[mode full, method ridders, float64, seed 24301\]/);
    expect(text).toContain('worst: d out[');
    expect(text).toContain('failing entries (worst first)');
    expect(text).toMatch(/tolerance = k·\(error estimate \+ noise\) \+ rtol·\|numeric\| \+ atol/);
    const ok = formatReport(gradcheck(f, x0, { vjp }));
    expect(ok).toMatch(/^gradcheck passed/);
    expect(ok).not.toContain('failing entries');
  });

  it('assertGradcheck throws a GradcheckError carrying the report', () => {
    const r = gradcheck(f, x0, { jacobian: J(x0).map((row) => row.map((v) => v * 1.01)) });
    try {
      assertGradcheck(r);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GradcheckError);
      expect((e as GradcheckError).report).toBe(r);
      expect((e as Error).message).toContain('gradcheck FAILED');
    }
    expect(assertGradcheck(gradcheck(f, x0, { vjp })).ok).toBe(true);
  });

  it('a function that does not change at any step is reported as quantized, not as a mystery', () => {
    // the naive cross-entropy LSE − x_y rounds to exactly 0 at a margin of 60
    const naive = (x: ArrayLike<number>) => {
      const m = Math.max(...Array.from(x));
      return m + Math.log(Array.from(x).reduce((s, v) => s + Math.exp(v - m), 0)) - x[0];
    };
    const r = gradcheck(naive, [60, 0], { gradient: (x) => [-Math.exp(x[1] - x[0]), Math.exp(x[1] - x[0])] });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/f did not change at any step along x\[\d\]: output 0 is quantized or saturated/);
  });
});

describe('options', () => {
  it('mask: booleans or indices; only those inputs are checked', () => {
    const a = gradcheck(f, x0, { vjp }, { mask: [true, false, true] });
    const b = gradcheck(f, x0, { vjp }, { mask: [2, 0, 2] });
    for (const r of [a, b]) {
      expect(r.ok).toBe(true);
      expect(r.checked).toBe(4);
      expect(r.shape.checkedInputs).toBe(2);
    }
    // a bad entry outside the mask is not seen
    const bad = (x: ArrayLike<number>) => J(x).map((row) => row.map((v, i) => (i === 1 ? v + 1 : v)));
    expect(gradcheck(f, x0, { jacobian: bad }, { mask: [0, 2] }).ok).toBe(true);
    expect(gradcheck(f, x0, { jacobian: bad }, { mask: [1] }).ok).toBe(false);
    expect(() => gradcheck(f, x0, { vjp }, { mask: [true, false] })).toThrow(/mask has 2 booleans but x has 3 inputs/);
    expect(() => gradcheck(f, x0, { vjp }, { mask: [3] })).toThrow(/mask entry 3 is not an input index in \[0, 3\)/);
    expect(() => gradcheck(f, x0, { vjp }, { mask: [false, false, false] })).toThrow(/mask selects no input/);
  });

  it('method central, explicit steps, k / rtol / atol', () => {
    const c = gradcheck(f, x0, { vjp }, { method: 'central' });
    expect(c.ok).toBe(true);
    expect(c.method).toBe('central');
    expect(gradcheck(f, x0, { vjp }, { step: 1e-3, method: 'central' }).ok).toBe(true);
    expect(gradcheck(f, x0, { vjp }, { step: [0.01, 0.02, 0.05] }).ok).toBe(true);
    // a generous atol hides a wrong entry; rtol too
    const bad = { jacobian: J(x0).map((row) => row.map((v) => v + 1e-4)) };
    expect(gradcheck(f, x0, bad).ok).toBe(false);
    expect(gradcheck(f, x0, bad, { atol: 1e-3 }).ok).toBe(true);
    expect(gradcheck(f, x0, bad, { atol: 1e-3 }).settings.atol).toBe(1e-3);
    expect(() => gradcheck(f, x0, { vjp }, { k: -1 })).toThrow(/option k = -1 must be a finite number ≥ 0/);
    expect(() => gradcheck(f, x0, { vjp }, { method: 'forward' as 'central' })).toThrow(/option method/);
    expect(() => gradcheck(f, x0, { vjp }, { step: [1, 2] })).toThrow(/option step has 2 entries but x has 3 inputs/);
  });

  it('fNoise replaces the measured noise level', () => {
    const r = gradcheck(f, x0, { vjp }, { fNoise: 1e-9 });
    expect(r.fNoise).toEqual([1e-9, 1e-9]);
    expect(r.worst!.noise).toBeGreaterThan(1e-9);
    expect(() => gradcheck(f, x0, { vjp }, { fNoise: [1] })).toThrow(/fNoise has 1 entries but f has 2 outputs/);
  });

  it('a noisy f is measured (ECnoise) and widens the tolerance instead of failing', () => {
    const rng = new SeededRandom(5);
    const noisy = (x: ArrayLike<number>) => Math.sin(x[0]) + Math.cos(x[1]) + 1e-9 * rng.normal();
    const r = gradcheck(noisy, [0.3, 0.4], { gradient: (x) => [Math.cos(x[0]), -Math.sin(x[1])] });
    expect(r.ok, r.message).toBe(true);
    expect(r.fNoise[0]).toBeGreaterThan(3e-10);
    expect(r.fNoise[0]).toBeLessThan(3e-9);
    // but a 1e-4 relative error is still far outside
    expect(gradcheck(noisy, [0.3, 0.4], { gradient: (x) => [Math.cos(x[0]) * (1 + 1e-4), -Math.sin(x[1])] }).ok).toBe(false);
  });

  it('stepScale: relative steps for functions whose length scale grows with |x|', () => {
    const log = (x: ArrayLike<number>) => Math.log(x[0]);
    for (const stepScale of ['log', 'relative'] as const) {
      expect(gradcheck(log, [1e6], { gradient: (x) => [1 / x[0]] }, { stepScale }).ok).toBe(true);
    }
    expect(() => gradcheck(log, [2], { gradient: (x) => [1 / x[0]] }, { stepScale: 'linear' as 'log' })).toThrow(/stepScale/);
  });

  it('a validating f that throws outside its domain (like the catalog ops): the tableau restarts smaller', () => {
    const bce = (p: ArrayLike<number>) => {
      for (let i = 0; i < p.length; i++) if (!(p[i] >= 0 && p[i] <= 1)) throw new RangeError(`probs[${i}] = ${p[i]} is outside [0, 1]`);
      return -Math.log(p[0]) - Math.log(1 - p[1]);
    };
    const r = gradcheck(bce, [0.002, 0.995], { gradient: (p) => [-1 / p[0], 1 / (1 - p[1])] });
    expect(r.ok, r.message).toBe(true);
    const picky = (x: ArrayLike<number>) => {
      if (x[0] !== 0.5) throw new Error('only defined at 0.5');
      return 1;
    };
    expect(() => gradcheck(picky, [0.5], { gradient: () => [0] })).toThrow(
      /f threw at x\[0\] \+ h \(x\[0\] = [0-9.e-]+, h = [0-9.e-]+\): only defined at 0.5/,
    );
  });

  it('a domain boundary near x: larger steps leave the domain, the tableau restarts smaller', () => {
    const nll = (p: ArrayLike<number>) => -Math.log(p[0]) - Math.log(1 - p[1]);
    const r = gradcheck(nll, [1e-3, 0.999], { gradient: (p) => [-1 / p[0], 1 / (1 - p[1])] });
    expect(r.ok, r.message).toBe(true);
  });
});

describe('seed and fast mode', () => {
  it('fast mode checks projections, reports the seed, and is reproducible', () => {
    const a = gradcheck(f, x0, { vjp }, { fastMode: true, seed: 99, projections: 3 });
    expect(a).toMatchObject({ ok: true, mode: 'fast', seed: 99, checked: 3 });
    expect(a.projections).toHaveLength(3);
    expect(a.projections![1]).toMatchObject({ output: -1, input: -1, projection: 1 });
    const b = gradcheck(f, x0, { vjp }, { fastMode: true, seed: 99, projections: 3 });
    expect(b.projections).toEqual(a.projections);
    const c = gradcheck(f, x0, { vjp }, { fastMode: true, seed: 100, projections: 3 });
    expect(c.projections![0].analytic).not.toBe(a.projections![0].analytic);
    // jvp and jacobian forms work in fast mode too
    expect(gradcheck(f, x0, { jvp }, { fastMode: true }).ok).toBe(true);
    expect(gradcheck(f, x0, { jacobian: J }, { fastMode: true }).ok).toBe(true);
  });

  it('a failing projection falls back to the full Jacobian, which locates the entry', () => {
    const bad = (x: ArrayLike<number>, v: number[]) => vjp(x, v).map((g, i) => (i === 1 ? g + 1e-6 * v[0] : g));
    const r = gradcheck(f, x0, { vjp: bad }, { fastMode: true, seed: 3 });
    expect(r).toMatchObject({ ok: false, mode: 'fast+full', checked: 6, failed: 1 });
    expect(r.worst).toMatchObject({ output: 0, input: 1 });
    expect(r.message).toMatch(/located with the full Jacobian after projection 0 failed/);
    expect(formatReport(r)).toContain('projections uᵀJv:');
  });

  it('fast mode with a mask perturbs only the masked inputs', () => {
    const bad = (x: ArrayLike<number>, v: number[]) => vjp(x, v).map((g, i) => (i === 1 ? g * 2 : g));
    expect(gradcheck(f, x0, { vjp: bad }, { fastMode: true, mask: [0, 2] }).ok).toBe(true);
    expect(gradcheck(f, x0, { vjp: bad }, { fastMode: true, mask: [1] }).ok).toBe(false);
  });

  it('SeededRandom is deterministic and roughly standard normal', () => {
    const a = new SeededRandom(1);
    const b = new SeededRandom(1);
    const xs = Array.from({ length: 20000 }, () => a.normal());
    expect(Array.from({ length: 5 }, () => b.normal())).toEqual(xs.slice(0, 5));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const varr = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(varr - 1)).toBeLessThan(0.05);
    const u = new SeededRandom(2);
    for (let i = 0; i < 1000; i++) {
      const v = u.uniform();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });
});

describe('float32', () => {
  const f32 = (x: Float32Array) => Math.fround(Math.fround(x[0] * x[0]) * Math.fround(Math.exp(x[1])));
  const g32 = (x: ArrayLike<number>) => [2 * x[0] * Math.exp(x[1]), x[0] * x[0] * Math.exp(x[1])];

  it('a Float32Array input makes the check float32 (u = 2^-24), with float32 steps', () => {
    const seen: number[] = [];
    const r = gradcheck(
      (x: Float32Array) => {
        seen.push(x[0]);
        expect(x).toBeInstanceOf(Float32Array);
        return f32(x);
      },
      Float32Array.from([1.25, -0.5]),
      { gradient: g32 },
    );
    expect(r.ok, r.message).toBe(true);
    expect(r.dtype).toBe('float32');
    expect(seen.every((v) => Math.fround(v) === v)).toBe(true);
    expect(r.settings.rtol).toBeCloseTo(32 * 2 ** -24 * 1.25, 12);
  });

  it('dtype float32 with a number[] rounds x to float32 and says so', () => {
    const r = gradcheck((x: number[]) => f32(Float32Array.from(x)), [0.1, 0.2], { gradient: g32 }, { dtype: 'float32' });
    expect(r.ok, r.message).toBe(true);
    expect(r.message).toContain('x was rounded to float32');
  });

  it('a float32 function checked with float64 steps still gets an honest verdict (its rounding shows up in the error estimate)', () => {
    const x = [1.25, -0.5];
    const as64 = gradcheck((z: number[]) => f32(Float32Array.from(z)), x, { gradient: g32 });
    const as32 = gradcheck((z: number[]) => f32(Float32Array.from(z)), x, { gradient: g32 }, { dtype: 'float32' });
    expect(as64.ok, as64.message).toBe(true);
    expect(as32.ok, as32.message).toBe(true);
    // the float64 run did not pretend float64 accuracy: its tolerance is at float32 level
    expect(as64.worst!.tolerance / Math.abs(as64.worst!.numeric)).toBeGreaterThan(1e-8);
    // and a 1e-2 relative error is caught either way
    const bad = (z: ArrayLike<number>) => g32(z).map((v, i) => (i === 0 ? v * 1.01 : v));
    expect(gradcheck((z: number[]) => f32(Float32Array.from(z)), x, { gradient: bad }).ok).toBe(false);
    expect(gradcheck((z: number[]) => f32(Float32Array.from(z)), x, { gradient: bad }, { dtype: 'float32' }).ok).toBe(false);
  });
});

describe('errors name the problem', () => {
  it('shape mismatch between analytic and numeric', () => {
    expect(() => gradcheck(f, x0, { vjp: () => [1, 2] })).toThrow(
      /shape mismatch: analytic vjp returned 2 entries, expected 3 \(the numeric Jacobian is 2 outputs × 3 inputs\)/,
    );
    expect(() => gradcheck(f, x0, { jvp: () => [1, 2, 3] })).toThrow(/shape mismatch: analytic jvp returned 3 entries, expected 2/);
    expect(() => gradcheck(f, x0, { jacobian: [[1, 2, 3]] })).toThrow(/shape mismatch: analytic jacobian has 1 rows, expected 2/);
    expect(() => gradcheck(f, x0, { jacobian: [[1, 2, 3], [1, 2]] })).toThrow(
      /shape mismatch: analytic jacobian\[1\] returned 2 entries, expected 3/,
    );
    expect(() => gradcheck(f, x0, { gradient: () => [1, 2, 3] })).toThrow(/\{ gradient \} needs a scalar f, but f returns 2 outputs/);
    expect(() => gradcheck(f, x0, {} as { vjp: typeof vjp })).toThrow(/exactly one of jacobian, vjp, jvp, gradient/);
  });

  it('non-finite f at the point, and at every step down to the smallest (input and step named)', () => {
    expect(() => gradcheck(() => [1, NaN], x0, { vjp })).toThrow(/f\(x\) is not finite: output 1 = NaN/);
    const spike = (x: ArrayLike<number>) => (x[0] === 0.7 ? 0 : Infinity);
    expect(() => gradcheck(spike, x0, { gradient: () => [0, 0, 0] })).toThrow(
      /f is not finite at x\[0\] \+ h \(x\[0\] = [0-9.e-]+, h = [0-9.e-]+\): output 0 = Infinity/,
    );
    const leftWall = (x: ArrayLike<number>) => (x[0] < 0.7 ? NaN : x[0]);
    expect(() => gradcheck(leftWall, [0.7], { gradient: () => [1] })).toThrow(/f is not finite at x\[0\] - h/);
  });

  it('inputs that cannot hold x + h', () => {
    for (const bad of [Int32Array.from([1, 2]), Uint8Array.from([1, 2]), Int16Array.from([1])]) {
      expect(() => gradcheck(() => 0, bad as unknown as number[], { gradient: () => [0, 0] })).toThrow(/integer array cannot hold x \+ h/);
    }
    expect(() => gradcheck((x) => x[0] * x[0], [1], { gradient: (x) => [2 * x[0]] }, { step: 1e-20 })).toThrow(
      /x\[0\] = 1: the step h = 1e-20 vanishes in float64 \(x \+ h == x\)/,
    );
    expect(() => gradcheck((x) => x[0] * x[0], Float32Array.from([1]), { gradient: (x) => [2 * x[0]] }, { step: 1e-9, method: 'central' }))
      .toThrow(
        /vanishes in float32/,
      );
    expect(() => gradcheck(() => 0, [1, NaN], { gradient: () => [0, 0] })).toThrow(/x\[1\] = NaN is not finite/);
    expect(() => gradcheck(() => 0, [] as number[], { gradient: () => [] })).toThrow(/x is empty/);
    expect(() => gradcheck(() => 0, 'abc' as unknown as number[], { gradient: () => [] })).toThrow(
      /x must be a number\[\], a Float64Array or a Float32Array/,
    );
  });

  it('f that changes its output length, or returns something else', () => {
    let calls = 0;
    expect(() => gradcheck(() => (calls++ === 0 ? [1, 2] : [1]), [1], { vjp: () => [0] })).toThrow(/f returned 1 outputs at .* but 2 at x/);
    expect(() => gradcheck(() => 'x' as unknown as number, [1], { gradient: () => [0] })).toThrow(
      /f must return a number or an array of numbers/,
    );
    expect(() => gradcheck(() => [], [1], { gradient: () => [0] })).toThrow(/f\(x\) returned an empty array/);
  });
});

describe('noise estimation (ECnoise)', () => {
  it('recovers the level of synthetic noise on a smooth function', () => {
    const rng = new SeededRandom(11);
    for (const sigma of [1e-12, 1e-8]) {
      const est: number[] = [];
      for (let t = 0; t < 20; t++) {
        const vals = Array.from({ length: 7 }, (_, j) => Math.exp(0.3 + j * 1e-6) + sigma * rng.normal());
        est.push(ecnoise(vals, true)!);
      }
      est.sort((a, b) => a - b);
      const median = est[10];
      expect(median).toBeGreaterThan(sigma / 3);
      expect(median).toBeLessThan(sigma * 3);
    }
  });

  it('says 0 for an exactly constant sequence and undefined for spacing far too large', () => {
    expect(ecnoise([1, 1, 1, 1, 1, 1, 1])).toBe(0);
    expect(ecnoise([1, 2, 4, 8, 16, 32, 64])).toBeUndefined();
  });
});

describe('decimal helpers and catalog hooks', () => {
  afterEach(() => setReferenceDecimal(undefined));

  it('exactDecimal gives the exact binary value, not the shortest string', () => {
    expect(exactDecimal(0.1, decimalClass(60)).toFixed()).toBe('0.1000000000000000055511151231257827021181583404541015625');
    expect(exactDecimal(-2.5).toString()).toBe('-2.5');
    expect(exactDecimal(5e-324, decimalClass(60)).toExponential(5)).toBe('4.94066e-324');
    expect(exactDecimal(2 ** 70).toFixed()).toBe('1180591620717411303424');
  });

  it('withArgument / argumentPoint / opFunction / opVjp wrap a catalog-shaped op', () => {
    const args = { logits: [[1, 2], [0, -1]], target: [0, 1] };
    expect(argumentPoint(args, 'logits')).toEqual([1, 2, 0, -1]);
    expect(withArgument(args, 'logits', [5, 6, 7, 8])).toEqual({ logits: [[5, 6], [7, 8]], target: [0, 1] });
    expect(() => withArgument(args, 'logits', [1, 2, 3])).toThrow(/x has 3 entries but args.logits is \[2\]\[2\]/);
    // a toy "op": sum of squares of logits, with its backward
    const evaluate = (a: Record<string, unknown>) => (a.logits as number[][]).flat().reduce((s, v) => s + v * v, 0);
    const backward = (a: Record<string, unknown>) => (a.logits as number[][]).map((r) => r.map((v) => 2 * v * (a.grad_output as number)));
    const fx = opFunction(evaluate, args, 'logits');
    const r = gradcheck(fx, argumentPoint(args, 'logits'), { vjp: opVjp(backward, args, 'logits', (v) => v[0]) });
    expect(r.ok, r.message).toBe(true);
  });

  it('opDecimalFunction uses the registered reference (and says when none is)', () => {
    const args = { x: [0.5, -1] };
    expect(getReferenceDecimal()).toBeUndefined();
    expect(() => opDecimalFunction('sigmoid', args, 'x', 40)([new Decimal(1), new Decimal(2)])).toThrow(
      /no reference decimal evaluator is registered/,
    );
    // a stand-in for referenceDecimal('sigmoid', args, digits) that accepts Decimal inputs
    setReferenceDecimal((op, a) => {
      expect(op).toBe('sigmoid');
      return (a.x as Decimal[]).map((v) => v.neg().exp().plus(1).pow(-1));
    });
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const r = gradcheckDecimal(opDecimalFunction('sigmoid', args, 'x', 40), args.x, {
      vjp: (x, g) => Array.from(x, (v, i) => g[i] * s(v) * s(-v)),
    });
    expect(r.ok, r.message).toBe(true);
  });

  it('gradcheckDecimal validates digits and its Decimal class', () => {
    const fd = (x: Decimal[]) => x[0].times(x[0]);
    expect(() => gradcheckDecimal(fd, [1], { gradient: (x) => [2 * x[0]] }, { digits: 10 })).toThrow(
      /digits = 10 must be an integer in \[20, 1000\]/,
    );
    expect(() => gradcheckDecimal(fd, [1], { gradient: (x) => [2 * x[0]] }, { digits: 50, Decimal: decimalClass(30) })).toThrow(
      /precision 30 but digits = 50/,
    );
    expect(() => gradcheckDecimal(() => new Decimal(NaN), [1], { gradient: () => [0] })).toThrow(/fDec\(x\) is not finite: output 0 = NaN/);
    expect(() => gradcheckDecimal(() => 3 as unknown as Decimal, [1], { gradient: () => [0] })).toThrow(
      /fDec must return a Decimal or an array of Decimals/,
    );
    const r = gradcheckDecimal(fd, [1.5], { gradient: (x) => [2 * x[0]] }, { digits: 60 });
    expect(r).toMatchObject({ ok: true, mode: 'decimal', method: 'decimal' });
    expect(r.settings.digits).toBe(60);
    expect(r.worst!.error).toBe(0);
  });
});
