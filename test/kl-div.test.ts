/**
 * kl_div (src/ops/kl): validation messages; the interval reference against an independent
 * mpmath oracle (test/helpers/oracle.py) on the curated cases and seeded random cases with
 * special values; the fast kernels within the accuracy claim of src/ops/kl/fast.ts, float64
 * and float32, on the same cases and on samples of every regime; and the kill-matrix entries:
 * each planted bug outside a verify-like tolerance on some curated case, each correct
 * variant inside it everywhere.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validate, validateKlDiv, type KlDivArgs, type KlOpName } from '../src/ops/kl/args.js';
import { referenceKl, type KlReferenceResult } from '../src/ops/kl/reference.js';
import { FAST_KL } from '../src/ops/kl/fast.js';
import { POLICY } from '../src/ops/kl/policy.js';
import { regimes } from '../src/ops/kl/regimes.js';
import { CURATED } from '../src/ops/kl/curated.js';
import { KL_MATRIX_ENTRIES } from '../src/ops/kl/bugs.js';
import { GRADIENT, cotangent, forwardOutputs } from '../src/ops/kl/gradient.js';
import { fromPy, itPy, runOracle } from './helpers/mpmath.js';

const OPS: KlOpName[] = ['kl_div', 'kl_div_backward', 'kl_div_target_backward'];
type Dtype = 'float64' | 'float32';

// ---------------------------------------------------------------------------------------
// seeded random cases (mulberry32), special values included

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seededCases(seed: number, count: number): { op: KlOpName; args: Record<string, unknown> }[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const out: { op: KlOpName; args: Record<string, unknown> }[] = [];
  for (let k = 0; k < count; k++) {
    const op = OPS[k % 3];
    const N = 1 + Math.floor(r() * 3);
    const C = 1 + Math.floor(r() * 5);
    const logTarget = r() < 0.35;
    const reduction = pick(['mean', 'sum', 'none', 'batchmean'] as const);
    const special = r() < 0.3;
    const input = Array.from({ length: N }, () =>
      Array.from({ length: C }, () => {
        if (special && r() < 0.25) return pick([-Infinity, Infinity, NaN, -1e300, 1e-310, 0]);
        return -r() * 6 + (r() < 0.1 ? 2 : 0);
      }));
    const target = Array.from({ length: N }, () =>
      Array.from({ length: C }, () => {
        const zero = r() < 0.25;
        if (logTarget) {
          if (zero) return -Infinity;
          if (special && r() < 0.2) return pick([Infinity, 710, -800, 700.5]);
          return -r() * 8;
        }
        if (zero) return 0;
        if (special && r() < 0.2) return pick([Infinity, 5e-324, 1e300, 3.5]);
        return Math.floor(r() * 1000) / 1000 || 0.5;
      }));
    const args: Record<string, unknown> = { input, target, reduction };
    if (logTarget) args.log_target = true;
    if (op !== 'kl_div' && r() < 0.7) {
      const g = () => (r() < 0.1 ? 0 : Math.round((r() * 6 - 3) * 64) / 64);
      args.grad_output = reduction === 'none' ? Array.from({ length: N }, () => Array.from({ length: C }, g)) : g();
    }
    out.push({ op, args });
  }
  return out;
}

const SEEDED = seededCases(20261203, 90);
const CURATED_CASES = CURATED.map((c) => ({ op: c.op, args: c.args }));

// ---------------------------------------------------------------------------------------
// helpers

const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flat(2) : [v]);

function ulpOf(y: number, dtype: Dtype): number {
  const [p, emin] = dtype === 'float64' ? [52, -1022] : [23, -126];
  const a = Math.abs(y);
  if (a === 0 || !Number.isFinite(a)) return 2 ** (emin - p);
  return 2 ** (Math.max(Math.floor(Math.log2(a)), emin) - p);
}

/** 2^-62·M of fast.ts's accuracy claim, per output */
function claimM(op: KlOpName, a: KlDivArgs): number[] {
  const D = a.reduction === 'mean' ? a.input.length * a.input[0].length : a.reduction === 'batchmean' ? a.input.length : 1;
  const fin = (v: number) => (Number.isFinite(v) ? v : 0);
  const g = (n: number, c: number) => Math.abs(typeof a.grad_output === 'number' ? a.grad_output : a.grad_output[n][c]);
  const per = a.input.flatMap((row, n) =>
    row.map((x, c) => {
      const t = a.target[n][c];
      const E = a.log_target ? Math.exp(t) : 0;
      if (op === 'kl_div') return 2 ** -62 * (a.log_target ? fin(E * Math.abs(t - x)) : t === 0 ? 0 : fin(Math.abs(t * Math.log(t))));
      if (op === 'kl_div_backward') return a.log_target ? 2 ** -62 * fin((E * g(n, c)) / D) : 0;
      if (a.log_target) return 2 ** -62 * fin((g(n, c) * E * Math.abs(t + 1 - x)) / D);
      return t === 0 ? 0 : 2 ** -62 * fin((g(n, c) * Math.abs(Math.log(t))) / D);
    })
  );
  if (op === 'kl_div' && a.reduction !== 'none') return [per.reduce((s, v) => s + v, 0) / D];
  return per;
}

/** every number rounded to float32 (1e300 becomes Infinity), non-finite ones as strings */
const f32Args = (raw: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(
    JSON.stringify(raw, (_k, v) => {
      if (typeof v !== 'number') return v;
      const f = Math.fround(v);
      return Number.isFinite(f) ? f : String(f);
    }),
  );

/** |got − exact| for a finite exact decimal, as a number */
const errAbs = (got: number, exact: string): number => Math.abs(new Decimal(got).minus(new Decimal(exact)).toNumber());

/** check the fast kernel on one case and dtype; returns failure messages */
function checkFast(op: KlOpName, raw: Record<string, unknown>, dtype: Dtype): string[] {
  const rawD = dtype === 'float32' ? f32Args(raw) : raw;
  const args = validate[op](rawD);
  const ref = referenceKl(op, rawD);
  const exact = flat(ref.decimal) as string[];
  const rounded = flat(ref[dtype]) as number[];
  const got = flat(FAST_KL[op](args, dtype)) as number[];
  const M = claimM(op, args);
  const floor = POLICY[op].floor(args);
  const fails: string[] = [];
  got.forEach((v, i) => {
    const e = exact[i];
    const where = `${op} ${dtype} ${JSON.stringify(raw)} [${i}]`;
    if (e === 'NaN' || e === 'Infinity' || e === '-Infinity' || !Number.isFinite(rounded[i])) {
      if (!Object.is(v, rounded[i]) && !(Number.isNaN(v) && Number.isNaN(rounded[i]))) {
        fails.push(`${where}: got ${v}, expected ${rounded[i]}`);
      }
      return;
    }
    if (!Number.isFinite(v)) return void fails.push(`${where}: got ${v}, expected ${e}`);
    const A = Array.isArray(floor) ? floor[i] : floor;
    const bound = ulpOf(rounded[i], dtype) + M[i] * (1 + 2 ** -20) + 2 ** -90 * A;
    const err = errAbs(v, e);
    if (err > bound) fails.push(`${where}: got ${v}, exact ${e}, error ${err} > bound ${bound}`);
  });
  return fails;
}

// ---------------------------------------------------------------------------------------

describe('kl_div validation', () => {
  const base = { input: [[-1, -2]], target: [[0.5, 0.5]] };
  const bad: [string, unknown, RegExp][] = [
    ['negative target', { ...base, target: [[0.5, -0.25]] }, /target\[0\]\[1\] = -0\.25 is negative/],
    ['NaN target', { ...base, target: [[0.5, 'NaN']] }, /target\[0\]\[1\] = NaN is not allowed/],
    ['NaN log target', { ...base, target: [['NaN', 0]], log_target: true }, /target\[0\]\[0\] = NaN/],
    ['bad reduction', { ...base, reduction: 'avg' }, /reduction = "avg" must be one of "mean", "sum", "none", "batchmean"/],
    ['bad log_target', { ...base, log_target: 1 }, /log_target = 1 must be true or false/],
    ['shape mismatch', { ...base, target: [[0.5, 0.25, 0.25]] }, /target is \[1\]\[3\] but input is \[1\]\[2\]/],
    ['ragged input', { input: [[-1], [-1, -2]], target: [[1], [1, 0]] }, /input is ragged/],
    ['unknown argument', { ...base, weight: [1, 1] }, /kl_div: unknown argument "weight"/],
    ['grad_output on the forward op', { ...base, grad_output: 1 }, /kl_div: unknown argument "grad_output"/],
    ['not an object', [1, 2], /args must be a JSON object/],
  ];
  for (const [name, raw, re] of bad) {
    it(`rejects ${name}`, () => expect(() => validate.kl_div(raw)).toThrow(re));
  }
  it('checks grad_output against the reduction', () => {
    expect(() => validate.kl_div_backward({ ...base, reduction: 'none', grad_output: 2 })).toThrow(/grad_output must be an array of rows/);
    expect(() => validate.kl_div_backward({ ...base, reduction: 'none', grad_output: [[1]] })).toThrow(
      /grad_output is \[1\]\[1\] but input is \[1\]\[2\]/,
    );
    expect(() => validate.kl_div_backward({ ...base, reduction: 'batchmean', grad_output: [[1, 1]] })).toThrow(
      /grad_output = \[\[1,1\]\] must be a number for reduction "batchmean"/,
    );
  });
  it('fills in the defaults and accepts non-finite inputs', () => {
    const a = validateKlDiv('kl_div_backward', { input: [['-Infinity', 'NaN']], target: [[0, 'Infinity']] });
    expect(a).toEqual({ input: [[-Infinity, NaN]], target: [[0, Infinity]], reduction: 'mean', log_target: false, grad_output: 1 });
    expect(validate.kl_div_target_backward({ ...base, reduction: 'none' }).grad_output).toEqual([[1, 1]]);
  });
});

describe('kl_div reference: values that follow from the definitions alone', () => {
  it('batchmean is C times mean, and sum is N times batchmean', () => {
    const raw = { input: [[-1.5, -0.5, -2], [-0.25, -3, -1]], target: [[0.25, 0.5, 0.25], [0.75, 0.125, 0.125]] };
    const D = Decimal.clone({ precision: 100 });
    const mean = new D(referenceKl('kl_div', { ...raw, reduction: 'mean' }).decimal as string);
    const bm = new D(referenceKl('kl_div', { ...raw, reduction: 'batchmean' }).decimal as string);
    const sum = new D(referenceKl('kl_div', { ...raw, reduction: 'sum' }).decimal as string);
    expect(bm.minus(mean.times(3)).abs().lte(bm.abs().times(1e-38))).toBe(true);
    expect(sum.minus(bm.times(2)).abs().lte(sum.abs().times(1e-38))).toBe(true);
  });
  it('the zero-target convention: 0 at t = 0 whatever x is; +∞ at t > 0, x = −∞', () => {
    const r = referenceKl('kl_div', { input: [[-Infinity, 'NaN', 5, -Infinity]], target: [[0, 0, 0, 0.5]], reduction: 'none' });
    expect(r.float64).toEqual([[0, 0, 0, Infinity]]);
    expect(referenceKl('kl_div_target_backward', { input: [[-1, -Infinity]], target: [[0, 0]], reduction: 'sum' }).float64).toEqual([[
      0,
      0,
    ]]);
    expect(referenceKl('kl_div_backward', { input: [[-Infinity]], target: [[0]], reduction: 'sum', grad_output: Infinity }).float64)
      .toEqual([[0]]);
  });
  it('exact results are exact: t = 1, x = 0; log_target with t = x; −t·g/D', () => {
    expect(referenceKl('kl_div', { input: [[0]], target: [[1]], reduction: 'sum' }).decimal).toBe('0');
    expect(referenceKl('kl_div', { input: [[-0.5, 2]], target: [[-0.5, 2]], log_target: true, reduction: 'mean' }).decimal).toBe('0');
    expect(referenceKl('kl_div_backward', { input: [[-1, -1]], target: [[0.25, 0.75]], reduction: 'batchmean', grad_output: 3 }).decimal)
      .toEqual([['-0.75', '-2.25']]);
  });
  it('exact zeros of a reduced loss are decided (powers of two; log_target groups), never a PrecisionError', () => {
    // 0.25·log 0.25 + 3·(0.5·log 0.5) + 2·log 2 = (−0.5 − 1.5 + 2)·ln 2 = 0
    const r = referenceKl('kl_div', { input: [[0, 0, 0, 0, 0]], target: [[0.25, 0.5, 2, 0.5, 0.5]], reduction: 'sum' });
    expect([r.decimal, r.workingDigits]).toEqual(['0', 48]);
    // e^−1·((−1 − 0.5) + (−1 + 1.5)) + e^2·(2 − 2) ≠ 0 ... and = 0 when the groups cancel
    const z = referenceKl('kl_div', { input: [[-0.5, -1.5, 2]], target: [[-1, -1, 2]], log_target: true, reduction: 'batchmean' });
    expect([z.decimal, z.workingDigits]).toEqual(['0', 48]);
    const nz = referenceKl('kl_div', { input: [[-0.5, -1.25, 2]], target: [[-1, -1, 2]], log_target: true, reduction: 'sum' });
    expect(nz.float64).toBe(-0.25 * Math.exp(-1));
  });
  it('cancelling huge terms are decided, not guessed: 2(ln 2 − 1e300) + 2(ln 2 + 1e300) = 4 ln 2', () => {
    const r = referenceKl('kl_div', { input: [[1e300, -1e300]], target: [[2, 2]], reduction: 'sum' });
    expect(r.decimal).toBe('2.772588722239781237668928485832706272302');
    expect(r.float64).toBe(2.772588722239781);
  });
});

describe('kl_div reference against mpmath', () => {
  itPy('curated and seeded cases (forward, d/d input, d/d target; special values)', () => {
    const cases = [...CURATED_CASES, ...SEEDED];
    // the shared oracle decides the 40-digit decimal and the double exactly (ties included)
    const mp = runOracle(cases.map((c) => ({ op: c.op, args: c.args, formats: ['d', 'f64'] as const })));
    let compared = 0;
    cases.forEach((c, k) => {
      const ref: KlReferenceResult = referenceKl(c.op, c.args);
      const dec = flat(ref.decimal) as string[];
      const f64 = flat(ref.float64) as number[];
      expect(dec.length).toBe(mp[k].length);
      dec.forEach((d, i) => {
        const m = mp[k][i];
        const where = `${c.op} ${JSON.stringify(c.args)} [${i}]: reference ${d} ${f64[i]}, mpmath ${JSON.stringify(m)}`;
        if (m.undecided) throw new Error(`${where}: the oracle could not decide`);
        // 40 significant digits, half-even, exactly; specials as decimal.js writes them
        expect(d, where).toBe(m.d);
        expect(Object.is(f64[i], fromPy(m.f64)) || (f64[i] === 0 && m.d === '0'), where).toBe(true);
        if (!['NaN', 'Infinity', '-Infinity', '0'].includes(m.d)) compared += 1;
      });
    });
    expect(compared).toBeGreaterThan(300);
  });
});

describe('kl_div fast kernels within their accuracy claim', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: curated and seeded cases`, () => {
      const fails = [...CURATED_CASES, ...SEEDED].flatMap((c) => checkFast(c.op, c.args, dtype));
      expect(fails).toEqual([]);
    });
    it(`${dtype}: samples of every regime (validate accepts them; fast within the claim)`, () => {
      const fails: string[] = [];
      let n = 0;
      for (const op of OPS) {
        for (const reg of regimes(op, dtype)) {
          for (const raw of fc.sample(reg.arb, { seed: 7, numRuns: 4 })) {
            fails.push(...checkFast(op, raw, dtype).map((m) => `${reg.name}: ${m}`));
            n += 1;
          }
        }
      }
      expect(n).toBe(3 * 10 * 4);
      expect(fails).toEqual([]);
    });
  }
  it('no module-level mutable state: interleaved calls give the same results', () => {
    const a = validate.kl_div({ input: [[-1, -2], [-0.5, -3]], target: [[0.5, 0.5], [0.25, 0.75]], reduction: 'sum' });
    const b = validate.kl_div_target_backward({ input: [[-1, -2]], target: [[0.5, 0.5]], log_target: false, reduction: 'none' });
    const first = FAST_KL.kl_div(a, 'float64');
    FAST_KL.kl_div_target_backward(b, 'float64');
    expect(FAST_KL.kl_div(a, 'float64')).toBe(first);
  });
});

describe('kl_div gradient problems', () => {
  it('name the forward, the argument and the cotangent in output order', () => {
    expect(GRADIENT.kl_div_target_backward).toEqual({ forward: 'kl_div', wrt: 'target' });
    const none = validate.kl_div_backward({
      input: [[-1, -2], [-3, -4]],
      target: [[0.5, 0.5], [1, 0]],
      reduction: 'none',
      grad_output: [[1, 2], [3, 4]],
    });
    expect([forwardOutputs(none), cotangent(none)]).toEqual([4, [1, 2, 3, 4]]);
    const bm = validate.kl_div_backward({ input: [[-1, -2]], target: [[0.5, 0.5]], reduction: 'batchmean', grad_output: 3 });
    expect([forwardOutputs(bm), cotangent(bm)]).toEqual([1, [3]]);
  });
});

describe('kl_div backward formulas against central differences of the forward', () => {
  // independent of how the backward formulas were derived: d/dx and d/dt of the sum, by
  // central differences of the float64 fast forward (step 2^-20 relative; truncation O(h²))
  for (const logTarget of [false, true]) {
    it(`log_target = ${logTarget}: both gradients within 1e-6 relative`, () => {
      const r = rng(99 + Number(logTarget));
      for (let k = 0; k < 20; k++) {
        const N = 1 + Math.floor(r() * 3);
        const C = 1 + Math.floor(r() * 4);
        const input = Array.from({ length: N }, () => Array.from({ length: C }, () => -0.1 - r() * 4));
        const target = Array.from({ length: N }, () => Array.from({ length: C }, () => (logTarget ? -0.1 - r() * 4 : 0.05 + r())));
        const reduction = (['mean', 'sum', 'batchmean'] as const)[k % 3];
        const g = Math.round((r() * 4 - 2) * 16) / 16 || 1;
        const raw = { input, target, reduction, log_target: logTarget, grad_output: g };
        const loss = (inp: number[][], tgt: number[][]) =>
          g * (FAST_KL.kl_div(validate.kl_div({ input: inp, target: tgt, reduction, log_target: logTarget }), 'float64') as number);
        const dx = FAST_KL.kl_div_backward(validate.kl_div_backward(raw), 'float64') as number[][];
        const dt = FAST_KL.kl_div_target_backward(validate.kl_div_target_backward(raw), 'float64') as number[][];
        for (let n = 0; n < N; n++) {
          for (let c = 0; c < C; c++) {
            for (const [which, grad] of [['input', dx], ['target', dt]] as const) {
              const m = which === 'input' ? input : target;
              const v = m[n][c];
              const h = Math.abs(v) * 2 ** -20;
              const at = (w: number) => {
                const copy = m.map((row) => [...row]);
                copy[n][c] = w;
                return which === 'input' ? loss(copy, target) : loss(input, copy);
              };
              const fd = (at(v + h) - at(v - h)) / (2 * h);
              expect(Math.abs(fd - grad[n][c]), `${which} ${JSON.stringify(raw)} [${n}][${c}]`).toBeLessThanOrEqual(
                1e-6 * Math.max(1, Math.abs(fd)),
              );
            }
          }
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------
// kill matrix

/** verify-like tolerance (src/verify/policy.ts's formula, κ analytic for kl_div) per output */
function tolerance(op: KlOpName, a: KlDivArgs, ref: KlReferenceResult): number[] {
  const u = 2 ** -53;
  const D = a.reduction === 'mean' ? a.input.length * a.input[0].length : a.reduction === 'batchmean' ? a.input.length : 1;
  const fin = (v: number) => (Number.isFinite(v) ? Math.abs(v) : 0);
  const gAt = (n: number, c: number) => (typeof a.grad_output === 'number' ? a.grad_output : a.grad_output[n][c]);
  const kap = a.input.flatMap((row, n) =>
    row.map((x, c) => {
      const t = a.target[n][c];
      const g = gAt(n, c);
      const E = a.log_target ? Math.exp(t) : 1;
      if (op === 'kl_div') {
        return a.log_target
          ? fin(x * E) / D + fin(t * E * (t + 1 - x)) / D
          : t === 0
          ? 0
          : fin(x * t) / D + fin(t * (Math.log(t) + 1 - x)) / D;
      }
      if (op === 'kl_div_backward') return a.log_target ? fin(t * E * g) / D + fin(E * g) / D : (2 * fin(t * g)) / D;
      if (a.log_target) return fin(x * g * E) / D + fin(t * g * E * (t + 2 - x)) / D + fin(g * E * (t + 1 - x)) / D;
      return t === 0 ? 0 : fin(x * g) / D + fin(g) / D + fin(g * (Math.log(t) + 1 - x)) / D;
    })
  );
  const y = flat(ref.float64) as number[];
  const kappa = op === 'kl_div' && a.reduction !== 'none' ? [kap.reduce((s, v) => s + v, 0)] : kap;
  const n = POLICY[op].sumLength(a);
  const floor = POLICY[op].floor(a);
  return y.map((v, i) => {
    const M = Array.isArray(floor) ? floor[i] : floor;
    return u * (4 * kappa[i] + 2 * (n + 8) * fin(v) + 4 * (n + 8) * M) + ulpOf(v, 'float64') + 2 ** -1070;
  });
}

/**
 * Does an implementation's output agree with the reference, as verify judges a correct
 * variant (pass or tiny)? The tolerance above, plus verify's two edge classes: a result
 * within MIN_NORMAL·F of 0 may lose an underflowed intermediate, and ±∞ is tolerated where
 * |y|·F overflows (F = max(1, sumLength)·max(1, |grad_output|)).
 */
const REF_CACHE = new Map<string, KlReferenceResult>();
/** the reference, memoised: every kill-matrix entry is judged on the same cases */
function cachedReference(op: KlOpName, raw: Record<string, unknown>): KlReferenceResult {
  const key = op + JSON.stringify(raw, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  let r = REF_CACHE.get(key);
  if (!r) {
    r = referenceKl(op, raw);
    REF_CACHE.set(key, r);
  }
  return r;
}

function agrees(op: KlOpName, raw: Record<string, unknown>, got: unknown): boolean {
  const ref = cachedReference(op, raw);
  const a = validate[op](raw);
  const tol = tolerance(op, a, ref);
  const gs = flat(a.grad_output) as number[];
  const F = Math.max(1, POLICY[op].sumLength(a)) * Math.max(1, ...gs.filter(Number.isFinite).map(Math.abs));
  const exact = flat(ref.decimal) as string[];
  const r64 = flat(ref.float64) as number[];
  const g = flat(got) as number[];
  if (g.length !== exact.length) return false;
  return g.every((v, i) => {
    if (Object.is(v, r64[i]) || (Number.isNaN(v) && Number.isNaN(r64[i]))) return true;
    if (!Number.isFinite(r64[i]) && !Number.isFinite(Number(exact[i]) || NaN) && exact[i] !== r64[i].toString()) {
      // the exact value overflows float64: the implementation must give the same ±∞
      if (exact[i] === 'NaN' || exact[i] === 'Infinity' || exact[i] === '-Infinity') return false;
    }
    if (!Number.isFinite(v)) return Math.sign(v) === Math.sign(Number(exact[i])) && Math.abs(Number(exact[i])) * F >= Number.MAX_VALUE;
    if (exact[i] === 'NaN' || exact[i] === 'Infinity' || exact[i] === '-Infinity') return false;
    const y = Math.abs(Number(exact[i]));
    const underflow = y < 2 ** -1022 * F ? Math.max(2 ** -1022, y) : 0;
    return errAbs(v, exact[i]) <= Math.max(tol[i], underflow);
  });
}

describe('kl_div kill matrix', () => {
  // what verify plays: samples of the regimes (float64), not only the curated cases
  const regimeCases = OPS.flatMap((op) =>
    regimes(op, 'float64').flatMap((reg) => fc.sample(reg.arb, { seed: 3, numRuns: 3 }).map((args) => ({ op, args, regime: reg.name })))
  );
  for (const e of KL_MATRIX_ENTRIES) {
    it(`${e.bugClass} ${e.id}: ${e.bugClass === 'bug' ? 'caught on some regime sample' : 'agrees on every regime sample'}`, () => {
      const verdicts = regimeCases
        .filter((c) => e.ops.includes(c.op))
        .map((c) => ({
          regime: c.regime,
          args: JSON.stringify(c.args),
          ok: agrees(c.op, c.args, e.impl[c.op]!(structuredClone(c.args) as never)),
        }));
      expect(verdicts.length).toBeGreaterThan(0);
      if (e.bugClass === 'bug') expect(verdicts.some((v) => !v.ok)).toBe(true);
      else expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    });
  }
  for (const e of KL_MATRIX_ENTRIES) {
    const cases = [...CURATED_CASES, ...(e.bugClass === 'correct' ? SEEDED : [])].filter((c) => e.ops.includes(c.op));
    it(`${e.bugClass} ${e.id}: ${e.bugClass === 'bug' ? 'caught on some curated case' : 'agrees on every case'}`, () => {
      const verdicts = cases.map((c) => ({
        id: JSON.stringify(c.args),
        op: c.op,
        ok: agrees(c.op, c.args, e.impl[c.op]!(structuredClone(c.args) as never)),
      }));
      expect(verdicts.length).toBeGreaterThan(0);
      if (e.bugClass === 'bug') expect(verdicts.some((v) => !v.ok)).toBe(true);
      else expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    });
  }
});
