/**
 * The exhaustive float32 checker (src/verify/exhaustive.ts) on small ranges:
 *  - its correct rounding (float64 evaluation with a proven bound + the reference for hard
 *    cases) equals the reference's float32 on seeded random float32 inputs, special values,
 *    the |x| = 120 cut-over and the outputs' subnormal range;
 *  - the walk counts ULP errors exactly: a planted +1-ulp error on part of a range, a planted
 *    NaN, ±0 treated alike; shards merge to the whole; bad ranges are refused.
 */
import { describe, expect, it } from 'vitest';
import { referenceFloats } from '../src/ops/evaluate.js';
import { correctFloat32, exhaustive, mergeExhaustive, type ExhaustiveOp } from '../src/verify/exhaustive.js';

const OPS: ExhaustiveOp[] = ['sigmoid', 'log_sigmoid', 'softplus'];

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

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (b: number): number => {
  u32[0] = b >>> 0;
  return f32[0];
};
const same = (a: number, b: number): boolean => Object.is(a, b) || (a === 0 && b === 0);

describe('exhaustive: correct rounding', () => {
  it('equals the reference float32 on 1,500 inputs per op (random bits, |x| ≤ 130, subnormal outputs, specials)', () => {
    const r = rng(99);
    const xs: number[] = [0, -0, Infinity, -Infinity, NaN, 120, -120, Math.fround(120.00001), -Math.fround(120.00001), 1e-45, -1e-45];
    for (let i = 0; i < 700; i++) xs.push(fromBits(Math.floor(r() * 2 ** 32)));
    for (let i = 0; i < 500; i++) xs.push(Math.fround((r() * 2 - 1) * 130));
    for (let i = 0; i < 300; i++) xs.push(Math.fround(-87 - r() * 18)); // sigmoid in float32's subnormals
    for (const op of OPS) {
      const ref = referenceFloats(op, { x: xs }).float32 as number[];
      const bad = xs.filter((x, i) => !same(correctFloat32(op, x), ref[i]));
      expect(bad).toEqual([]);
    }
  });
});

describe('exhaustive: the walk', () => {
  const from = 0x3f800000 - 3000; // around 1.0
  const to = 0x3f800000 + 3000;
  it('a correctly rounded implementation has no error; a planted 1-ulp error is counted exactly', async () => {
    const exact = (x: Float32Array) => Array.from(x, (v) => correctFloat32('sigmoid', v));
    const good = await exhaustive('sigmoid', exact, { from, to, batch: 1000 });
    expect(good.checked).toBe(6000);
    expect(good.correctlyRounded).toBe(6000);
    expect(good.maxUlp).toBe(0);
    // +1 ulp (the next float32 up) for x ≥ 1, i.e. the 3000 bit patterns from 0x3f800000
    const planted = (x: Float32Array) =>
      Array.from(x, (v) => {
        const c = correctFloat32('sigmoid', v);
        if (v < 1) return c;
        f32[0] = c;
        u32[0] += 1;
        return f32[0];
      });
    const bad = await exhaustive('sigmoid', planted, { from, to, batch: 777 });
    expect(bad.correctlyRounded).toBe(3000);
    expect(bad.ulpHistogram.slice(0, 3)).toEqual([3000, 3000, 0]);
    expect(bad.maxUlp).toBe(1);
    expect(bad.worst?.bits).toBe('0x3f800000');
    expect(bad.worst?.x).toBe(1);
    expect(bad.examples.length).toBe(20);
  });

  it('NaN mismatches are counted apart; ±0 are alike', async () => {
    // log_sigmoid at x > 120 is −0: an implementation answering +0 is correct
    const r = await exhaustive(
      'log_sigmoid',
      (x) => Array.from(x, (v) => (v === 1 ? NaN : v > 120 ? 0 : correctFloat32('log_sigmoid', v))),
      {
        from: 0x3f800000 - 10,
        to: 0x3f800000 + 10,
      },
    );
    expect(r.nanMismatches).toBe(1);
    expect(r.correctlyRounded).toBe(19);
    const z = await exhaustive('log_sigmoid', (x) => Array.from(x, () => 0), { from: 0x43000000, to: 0x43000000 + 100 }); // 128 ≤ x
    expect(z.correctlyRounded).toBe(100);
  });

  it('shards merge into the report of the whole range', async () => {
    const impl = (x: Float32Array) => Array.from(x, (v) => Math.fround(1 / (1 + Math.exp(-v))));
    const whole = await exhaustive('sigmoid', impl, { from, to });
    const a = await exhaustive('sigmoid', impl, { from, to: from + 2500 });
    const b = await exhaustive('sigmoid', impl, { from: from + 2500, to });
    const m = mergeExhaustive([b, a]);
    expect({ ...m, seconds: 0 }).toEqual({ ...whole, seconds: 0 });
  });

  it('refuses a bad range', async () => {
    await expect(exhaustive('sigmoid', (x) => x, { from: 10, to: 5 })).rejects.toThrow(/range \[10, 5\)/);
    await expect(exhaustive('sigmoid', (x) => x, { from: 0, to: 2 ** 33 })).rejects.toThrow(/2\^32/);
  });
});
