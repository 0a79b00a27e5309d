/**
 * The certified double-double fast path of the reference (src/reference/certified) against
 * the decimal path (the Ziv loop over decimal.js enclosures), which stays the ground truth:
 *  - the DD constant tables equal a fresh derivation from the decimal enclosures;
 *  - each DD operation's and each elementary function's error bound holds against exact
 *    (1500-digit) or enclosed (60-digit) values, and is as small as docs/reference.md says;
 *  - every float the certified path decides is identical (Object.is, four formats) to the
 *    decimal path's, on seeded random and adversarial inputs: ties, exact midpoints of the
 *    narrow formats as anchors, exact results, subnormal and underflowing outputs, huge
 *    logits, masked and special rows;
 *  - on ordinary inputs it decides everything (no fallback), and referenceFloats reports it.
 * The deeper run (millions of floats) is scripts/certified-check.mjs.
 */
import { type Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { getRecord, getSpec, type OpName } from '../src/ops/registry.js';
import { toDecimal } from '../src/core/exact.js';
import { FORMATS as FMT, roundToFormat } from '../src/core/floats.js';
import { decideInto, OUT } from '../src/reference/certified/decide.js';
import { add, div, INFLATE, mul, O } from '../src/reference/certified/dd.js';
import { deriveTables, EXP, expDD, log1pDD } from '../src/reference/certified/elementary.js';
import { TABLES } from '../src/reference/certified/tables.js';
import { ctxFor, expPoint, log1pPoint } from '../src/reference/elementary.js';
import { Exact } from '../src/reference/interval.js';
import { decide } from '../src/reference/index.js';
import { reference, referenceEnclosure, referenceFloats, referenceIn } from '../src/ops/evaluate.js';
import { formatDecimal, softmaxRowDecimals } from '../src/reference/certified/fixed.js';

const FORMATS = ['float64', 'float32', 'float16', 'bfloat16'] as const;
const X = (v: number): Decimal => toDecimal(v, Exact);
const ddVal = (h: number, l: number): Decimal => X(h).plus(X(l));

// a small deterministic generator (mulberry32)
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

/** a normalised random DD of magnitude ~2^e */
function randomDD(r: () => number, e: number): [number, number] {
  const h = (r() * 2 - 1) * 2 ** e;
  const l = h * (r() * 2 - 1) * 2 ** -53;
  const s = h + l;
  return [s, l - (s - h)];
}

describe('certified: constant tables', () => {
  it('tables.ts equals a fresh derivation from the decimal enclosures', () => {
    const t = deriveTables();
    for (const k of ['c1', 'c2', 'c3', 'cErr'] as const) expect(TABLES[k]).toBe(t[k]);
    for (const k of ['th', 'tl', 'te', 'fh', 'fl', 'fe', 'ah', 'al', 'ae'] as const) {
      expect(TABLES[k]).toEqual(Array.from(t[k]));
    }
  });
  it('C1 has at most 32 significant bits (k·C1 exact for |k| < 2^21) and ln2/256 is split to 2^-139', () => {
    const m = TABLES.c1 * 2 ** 40;
    expect(Number.isInteger(m) && m < 2 ** 32).toBe(true);
    expect(TABLES.cErr).toBeLessThan(2 ** -139);
    expect(Math.max(...TABLES.te)).toBeLessThan(2 ** -105);
  });
});

describe('certified: DD operations keep their error bounds', () => {
  const r = rng(7);
  it('add, mul, div against 1500-digit exact arithmetic (600 random cases each, with input errors)', () => {
    for (let i = 0; i < 600; i++) {
      const [xh, xl] = randomDD(r, Math.floor(r() * 40) - 20);
      const [yh, yl] = randomDD(r, Math.floor(r() * 40) - 20);
      // inputs known to within ex, ey: the exact operands are x ± ex, y ± ey at random
      const ex = Math.abs(xh) * 2 ** -100 * r();
      const ey = Math.abs(yh) * 2 ** -100 * r();
      const xs = ddVal(xh, xl).plus(X(ex).times(r() * 2 - 1));
      const ys = ddVal(yh, yl).plus(X(ey).times(r() * 2 - 1));
      const check = (exact: Decimal, bound: number) => {
        const got = ddVal(O[0], O[1]);
        expect(exact.minus(got).abs().lte(X(O[2] * INFLATE))).toBe(true);
        expect(Math.abs(O[1])).toBeLessThanOrEqual(Math.abs(O[0]) * 2 ** -53);
        expect(O[2]).toBeLessThan(bound);
      };
      add(xh, xl, ex, yh, yl, ey);
      check(xs.plus(ys), ex + ey + (Math.abs(xh) + Math.abs(yh)) * 2 ** -103);
      mul(xh, xl, ex, yh, yl, ey);
      check(xs.times(ys), Math.abs(xh * yh) * 2 ** -98);
      div(xh, xl, ex, yh, yl, ey);
      check(xs.div(ys), Math.abs(xh / yh) * 2 ** -97);
    }
  });
});

describe('certified: operations on plain doubles', () => {
  it('are exact (err 0) only when they are: sums always, products unless they underflow', () => {
    const r = rng(8);
    const cases: [number, number][] = [
      [1e-200, 1e-200], // underflows to 0: not exact
      [3e-160, 2e-160], // below 2^-969: the TwoProd error term is lost
      [0, 1e-300],
      [1e300, 1e-300],
      [0.1, 0.2],
    ];
    // magnitudes whose products stay finite (the evaluators' domain is far inside this)
    for (let i = 0; i < 300; i++) {
      cases.push([(r() * 2 - 1) * 2 ** (Math.floor(r() * 1000) - 500), (r() * 2 - 1) * 2 ** (Math.floor(r() * 1000) - 500)]);
    }
    for (const [a, b] of cases) {
      mul(a, 0, 0, b, 0, 0);
      const got = ddVal(O[0], O[1]);
      expect(X(a).times(X(b)).minus(got).abs().lte(X(O[2] * INFLATE))).toBe(true);
      add(a, 0, 0, b, 0, 0);
      expect(O[2]).toBe(0);
      expect(ddVal(O[0], O[1]).eq(X(a).plus(X(b)))).toBe(true);
    }
    mul(1e-200, 0, 0, 1e-200, 0, 0);
    expect(O[2]).toBeGreaterThan(0);
    div(0, 0, 0, 3, 0, 0);
    expect([O[0], O[2]]).toEqual([0, 0]);
  });
});

describe('certified: exp and log1p bounds hold against the decimal enclosures', () => {
  const ctx = ctxFor(60);
  const r = rng(11);
  it('expDD: 400 arguments in [-5000, 5000] (DD arguments), relative error bound < 2^-101', () => {
    for (let i = 0; i < 400; i++) {
      const scale = [1e-3, 1, 30, 700, 5000][i % 5];
      const [dh, dl] = randomDD(r, 0);
      const h = dh * scale;
      const l = dl * scale;
      expect(expDD(h, l)).toBe(true);
      const K = EXP[3];
      const iv = expPoint(ctx, ddVal(h, l));
      const v = ddVal(EXP[0], EXP[1]).times(new Exact(2).pow(K));
      const e = X(EXP[2] * INFLATE).times(new Exact(2).pow(K));
      expect(iv.lo.gte(v.minus(e)) && iv.hi.lte(v.plus(e))).toBe(true);
      expect(EXP[2] / EXP[0]).toBeLessThan(2 ** -101);
    }
  });
  it('log1pDD: 400 arguments from 1e-250 to 1e6 (both branches), relative error bound < 2^-95', () => {
    for (let i = 0; i < 400; i++) {
      const s = r() * 10 ** (Math.floor(r() * 12) - 6) * (i % 7 === 0 ? 1e-240 : 1);
      const se = s * 2 ** -104 * r();
      expect(log1pDD(s, 0, se)).toBe(true);
      // the bound must cover log1p anywhere in [s − se, s + se]: check both ends
      for (const sx of [X(s).minus(X(se)), X(s).plus(X(se))]) {
        const iv = log1pPoint(ctx, sx);
        const v = ddVal(O[0], O[1]);
        const e = X(O[2] * INFLATE);
        expect(iv.lo.gte(v.minus(e)) && iv.hi.lte(v.plus(e))).toBe(true);
      }
      expect(O[2] / O[0]).toBeLessThan(2 ** -95);
    }
  });
});

describe('certified: the rounding test', () => {
  it('exact doubles (err = 0) round to float32/16/bfloat16 exactly as roundToFormat, ties and range edges included', () => {
    const r = rng(5);
    const f = new Float64Array(1);
    const w = new Uint32Array(f.buffer);
    const hi = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
    let n = 0;
    const bad: string[] = [];
    for (let i = 0; i < 60000; i++) {
      // exponents within ±150 of 1: normal, subnormal and overflowing ranges of the narrow formats
      w[1 - hi] = Math.floor(r() * 2 ** 32);
      w[hi] = ((r() < 0.5 ? 1 : 0) << 31) | ((Math.floor(r() * 300) - 150 + 1023) << 20) | Math.floor(r() * 2 ** 20);
      let x = f[0];
      // every third value on a tie (midpoint) of float32, float16 or bfloat16, or just beside one
      if (i % 3 === 0) {
        const p = [24, 11, 8][i % 9 === 0 ? 0 : i % 9 === 3 ? 1 : 2];
        const q = 2 ** (Math.floor(Math.log2(Math.abs(x))) - p);
        x = (Math.floor(x / q / 2) * 2 + 1) * q + [0, q * 2 ** -20, -q * 2 ** -20][i % 3];
      }
      if (!decideInto(x, 0, 0, 0, 0)) continue;
      n++;
      if (OUT.float64 !== x) bad.push(`${x} float64 ${OUT.float64}`);
      for (const k of ['float32', 'float16', 'bfloat16'] as const) {
        if (!Object.is(OUT[k], roundToFormat(x, FMT[k]))) bad.push(`${x} ${k} ${OUT[k]} vs ${roundToFormat(x, FMT[k])}`);
      }
    }
    expect(bad).toEqual([]);
    expect(n).toBeGreaterThan(55000);
  });
});

// ---------------------------------------------------------------------------------------
// agreement with the decimal path

/** The certified result for each unit must equal the decimal path's (when decided). */
function agree(op: OpName, raw: unknown): { units: number; fallback: number } {
  const args = getSpec(op).validate(raw);
  const c = getRecord(op).certified!.floats(args) as unknown as Record<string, unknown> & { undecided: number[] };
  const ref = reference(op, raw, { digits: 17 });
  const undecided = new Set(c.undecided);
  const units = Array.isArray(ref.float64) ? ref.float64.length : 1;
  for (const f of FORMATS) {
    const want = ref[f] as unknown[];
    const got = c[f] as unknown[];
    for (let i = 0; i < units; i++) {
      if (undecided.has(i)) continue;
      const w = [want[i]].flat() as number[];
      const g = [got[i]].flat() as number[];
      for (let k = 0; k < w.length; k++) {
        if (!Object.is(g[k], w[k])) {
          throw new Error(
            `${op} ${f} unit ${i} entry ${k}: certified ${g[k]} but decimal ${w[k]} for ${
              JSON.stringify(raw, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))
            }`,
          );
        }
      }
    }
  }
  return { units, fallback: undecided.size };
}

/** narrow-format midpoints (doubles) near 2^e */
function midpoints(e: number): number[] {
  return [24, 11, 8].map((p) => (2 ** (p - 1) + 0.5 + 3) * 2 ** (e - p + 1));
}

const ROW_OPS: OpName[] = ['softmax', 'log_softmax', 'logsumexp'];
const ELEM_OPS: OpName[] = ['sigmoid', 'log_sigmoid', 'softplus'];

describe('certified path agrees with the decimal path', () => {
  it('exact results and midpoints are decided and rounded like the decimal path', () => {
    const a = 48 + 2 ** -19; // a float32 midpoint (between 48 and 48 + 2^-18)
    const cases: [OpName, unknown][] = [
      ['softmax', { logits: [[0, 0], [5, 5]] }],
      ['sigmoid', { x: [0, -0] }],
      ['log_sigmoid', { x: [0] }],
      ['softplus', { x: [0] }],
      ['logsumexp', { logits: [[1, 1], [0, 0], [-3.5, -3.5]] }],
      ['log_softmax', { logits: [[0, -a], [7, -Infinity]] }],
      ['logsumexp', { logits: [[a, a - 60], [-a, -a - 60], [a, a - 800]] }],
    ];
    for (const [op, raw] of cases) {
      const r = referenceFloats(op, raw);
      expect(r.certified).toBe(true);
      const d = reference(op, raw, { digits: 17 });
      for (const f of FORMATS) expect(r[f]).toEqual(d[f]);
    }
    expect(referenceFloats('softmax', { logits: [[0, 0]] }).float16).toEqual([[0.5, 0.5]]);
    expect(referenceFloats('sigmoid', { x: [0] }).bfloat16).toEqual([0.5]);
    // log_softmax([0, −a])[1] = −a − log1p(e^−a): just below the float32 midpoint −a, so
    // float32 rounds away from zero, float64 gives −a itself
    const lsm = referenceFloats('log_softmax', { logits: [[0, -a]] });
    expect((lsm.float64 as number[][])[0][1]).toBe(-a);
    expect((lsm.float32 as number[][])[0][1]).toBe(-(48 + 2 ** -18));
    // logsumexp([a, a − 800]) = a + (0, 2^−1100): above the midpoint
    expect((referenceFloats('logsumexp', { logits: [[a, a - 800]] }).float32 as number[])[0]).toBe(48 + 2 ** -18);
    // exact zeros are +0, tiny negatives −0, like the decimal path
    expect(Object.is((referenceFloats('log_softmax', { logits: [[3, -1e20]] }).float64 as number[][])[0][0], -0)).toBe(true);
    expect(Object.is((referenceFloats('log_softmax', { logits: [[3, -Infinity]] }).float64 as number[][])[0][0], 0)).toBe(true);
    expect(Object.is((referenceFloats('log_sigmoid', { x: [800] }).float64 as number[])[0], -0)).toBe(true);
    expect(Object.is((referenceFloats('log_sigmoid', { x: [Infinity] }).float64 as number[])[0], 0)).toBe(true);
  });

  it('adversarial rows: ties, masks, midpoint anchors, subnormal/underflowing outputs, huge logits, special values', () => {
    const rows: number[][] = [];
    for (const e of [-3, 0, 4, 9]) {
      for (const m of midpoints(e)) {
        for (const gap of [30, 60, 700, 745.5, 760, 800]) rows.push([m, m - gap, -Infinity]);
        rows.push([-m, -m - 100, -m - 50]);
      }
    }
    rows.push(
      [0, 0, 0],
      [1e308, -1e308, 0],
      [1.7976931348623157e308, 1.7976931348623157e308, 0],
      [-1e308, -1e308, -1e308],
      [0, -744, -745],
      [0, -708, -720],
      [-Infinity, -Infinity, -Infinity],
      [Infinity, 0, 1],
      [Infinity, Infinity, 0],
      [NaN, 1, 2],
      [5e-324, 0, -5e-324],
      [1 + 2 ** -52, 4, -40],
      [0.5, -799.5, 0.5],
      [48 + 2 ** -19, 48 + 2 ** -19 - 5000],
      [1 + 2 ** -8 + 2 ** -9, 1 + 2 ** -8 + 2 ** -9 - 1e6],
    );
    let units = 0;
    for (const op of ROW_OPS) for (const row of rows) units += agree(op, { logits: [row] }).units;
    expect(units).toBe(3 * rows.length);
    // backward rows: constant, one-hot and mixed grad_output (exact zeros, cancellation)
    const grads = (n: number, k: number): number[][] => [
      Array.from({ length: n }, () => 1),
      Array.from({ length: n }, (_, i) => (i === k % n ? 1 : 0)),
      Array.from({ length: n }, (_, i) => [3, -1, 0.5, 1e-3][i % 4]),
    ];
    let fallback = 0;
    rows.forEach((row, k) => {
      for (const g of grads(row.length, k)) {
        for (const op of ['softmax_backward', 'log_softmax_backward'] as OpName[]) {
          fallback += agree(op, { logits: [row], grad_output: [g] }).fallback;
        }
      }
    });
    expect(fallback).toBeLessThan(rows.length * 6);
  });

  it('adversarial elements: midpoints, ±0, the exp range edges, subnormals, huge, ±∞, NaN', () => {
    const xs: number[] = [
      0,
      -0,
      5e-324,
      -5e-324,
      1e-300,
      2 ** -1022,
      1,
      -1,
      36.7,
      -36.7,
      37.5,
      708,
      -708,
      709.8,
      -709.8,
      744,
      -744,
      745.2,
      -745.2,
      761,
      -761,
      5000,
      -5000,
      1e15,
      -1e15,
      1e300,
      -1e300,
      1.7976931348623157e308,
      Infinity,
      -Infinity,
      NaN,
    ];
    for (const e of [-30, -3, 0, 3, 6, 9]) for (const m of midpoints(e)) xs.push(m, -m);
    for (const op of ELEM_OPS) agree(op, { x: xs });
    for (const g of [1, -1, 0.5, 1e300, -1e-300, 3]) agree('sigmoid_backward', { x: xs, grad_output: xs.map(() => g) });
  });

  it('2,000 seeded random units over all nine ops, and no fallback on ordinary inputs', () => {
    const r = rng(2026);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
    const scalar = () => r() < 0.7 ? (r() * 2 - 1) * pick([1, 5, 20, 100, 750]) : (r() * 2 - 1) * 2 ** (Math.floor(r() * 120) - 80);
    let ordinaryFallback = 0;
    for (let t = 0; t < 100; t++) {
      // ordinary: 6-wide rows of logits in [−30, 30], elements in [−40, 40]
      const rows = Array.from({ length: 3 }, () => Array.from({ length: 6 }, () => (r() * 2 - 1) * 30));
      for (const op of ROW_OPS) ordinaryFallback += agree(op, { logits: rows }).fallback;
      const x = Array.from({ length: 3 }, () => (r() * 2 - 1) * 40);
      for (const op of ELEM_OPS) ordinaryFallback += agree(op, { x }).fallback;
      const g = rows.map((row) => row.map(() => (r() * 2 - 1) * 3));
      for (const op of ['softmax_backward', 'log_softmax_backward'] as OpName[]) {
        ordinaryFallback += agree(op, { logits: rows, grad_output: g }).fallback;
      }
      const uniform = [[1, 1, 1, 1, 1, 1]];
      ordinaryFallback += agree('softmax_backward', { logits: uniform, grad_output: [[1, 2, 3, 4, 5, 6]] }).fallback;
      ordinaryFallback += agree('sigmoid_backward', { x, grad_output: x.map(() => (r() * 2 - 1) * 10) }).fallback;
      // wider spread of magnitudes (may fall back: only agreement is asserted)
      const wild = Array.from({ length: 4 }, () => scalar());
      for (const op of ROW_OPS) agree(op, { logits: [wild] });
      for (const op of ELEM_OPS) agree(op, { x: wild });
    }
    expect(ordinaryFallback).toBe(0);
  });

  it('float64-subnormal results are decided on the 2^-1074 grid, like the decimal path', () => {
    const r = rng(31);
    let units = 0;
    let fallback = 0;
    for (let i = 0; i < 60; i++) {
      const gap = 700 + r() * 46; // softmax entries e^−gap/S from 2^-1010 down to below 2^-1075
      for (
        const [op, raw] of [
          ['softmax', { logits: [[0, -gap, r()]] }],
          ['sigmoid', { x: [-gap] }],
          ['log_sigmoid', { x: [gap] }],
          ['sigmoid_backward', { x: [(r() * 2 - 1) * 40], grad_output: [-r() * 1e-300] }],
        ] as [OpName, unknown][]
      ) {
        const a = agree(op, raw);
        units += a.units;
        fallback += a.fallback;
      }
    }
    expect(units).toBe(240);
    expect(fallback).toBeLessThan(12);
  });

  it('referenceIn and referenceFloats use the certified path and keep the decimal fallback', () => {
    const raw = { logits: [[1, 2, 3], [1e308, -1e308, 0]] };
    expect(referenceIn('softmax', raw, 'float64')).toEqual(reference('softmax', raw, { digits: 17 }).float64);
    const f = referenceFloats('softmax', raw); // the second row's x_i − max overflows: decimal path
    expect(f.certified).toBe(false);
    expect(f.float64).toEqual(reference('softmax', raw, { digits: 17 }).float64);
    // an op without a certified evaluator goes to the decimal path whole
    const bce = { probs: [0.25], target: [1] };
    expect(referenceFloats('binary_cross_entropy', bce).float64).toEqual(reference('binary_cross_entropy', bce).float64);
  });
});

// ---------------------------------------------------------------------------------------
// softmax's decimal strings in BigInt fixed point (src/reference/certified/fixed.ts)

/** the Ziv loop alone (what reference() did before the fixed-point path) */
function zivDecimals(row: number[], digits: number): string[] {
  for (let w = digits + 8;; w *= 2) {
    const d = (referenceEnclosure('softmax', { logits: [row] }, w) as unknown as { lo: Decimal }[][])[0].map((iv) =>
      decide(iv as never, digits)
    );
    if (d.every(Boolean)) return d.map((x) => x!.decimal);
  }
}

describe('fixed-point softmax decimals agree with the Ziv loop', () => {
  it('formatDecimal is decimal.js toString under the reference settings', () => {
    const r = rng(17);
    for (let i = 0; i < 3000; i++) {
      const digits = 1 + Math.floor(r() * 45);
      let N = BigInt(Math.floor(r() * 9) + 1);
      for (let k = 1; k < digits; k++) N = N * 10n + BigInt(r() < 0.3 ? 0 : Math.floor(r() * 10));
      const e10 = Math.floor(r() * 440) - 400;
      expect(formatDecimal(N, e10, digits)).toBe(new Exact(`${N}e${e10 - digits + 1}`).toString());
    }
    expect(formatDecimal(10n ** 40n, -1, 40)).toBe('1');
  });

  it('equals the Ziv loop at 17, 34, 40 and 45 digits on 120 seeded and adversarial rows', () => {
    const r = rng(4242);
    const rows: number[][] = [
      [0, 0],
      [1, 1, 1, 1],
      [7],
      [3, -Infinity],
      [0, -200],
      [0, -800, 1],
      [0, -1e5, 2],
      [1e-300, 0, -5e-324],
      [48 + 2 ** -19, 48 + 2 ** -19 - 60],
      [0.5, -799.5, 0.5],
      [100, -100, 3.14159],
    ];
    for (let t = 0; t < 110; t++) {
      const n = 2 + Math.floor(r() * 7);
      const spread = [1, 6, 30, 200, 1000][t % 5];
      rows.push(Array.from({ length: n }, () => (r() < 0.1 ? -Infinity : (r() * 2 - 1) * spread)));
    }
    let decided = 0;
    for (const row of rows) {
      if (row.every((v) => v === -Infinity)) continue;
      for (const digits of [17, 34, 40, 45]) {
        const d = softmaxRowDecimals(row, digits);
        if (!d) continue;
        decided++;
        expect(d).toEqual(zivDecimals(row, digits));
      }
    }
    expect(decided).toBeGreaterThan(0.97 * 4 * rows.length);
    expect(softmaxRowDecimals([0, 0], 40)).toEqual(['0.5', '0.5']);
    expect(softmaxRowDecimals([7], 40)).toEqual(['1']);
  });

  it('reference(softmax) (fixed-point rows, Ziv for the rest) equals the Ziv loop, floats included', () => {
    const rows = [[1, 2, 3], [0, -745, -746], [NaN, 1, 2], [Infinity, 0, 1], [0.25, -0.5, 3]];
    const ref = reference('softmax', { logits: rows }, { digits: 40 });
    rows.forEach((row, j) => {
      expect((ref.decimal as string[][])[j]).toEqual(zivDecimals(row, 40));
      const z = referenceFloats('softmax', { logits: [row] });
      for (const f of FORMATS) expect((ref[f] as number[][])[j]).toEqual((z[f] as number[][])[0]);
    });
  });
});
