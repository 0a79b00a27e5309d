/**
 * What goes into a fixture file: the plan (curated cases, then N random cases per op drawn
 * from the regimes of src/core/regimes.ts), sharding, and evaluating the reference on a case.
 *
 * Determinism: a random case depends only on (seed, op, its index k). Case k of an op uses
 * regime k mod R of the op's regimes (float64 and float32 regimes interleaved) and is sample
 * floor(k / R) of fc.sample(regime, {seed: hash(seed, op, dtype, regime)}), so --ops, --cases
 * and --shard never change a case, only which cases are written. Case ids are
 * "<op>/<curated name>" and "<op>/seed-<S>/<k>".
 */
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { getSpec, type OpName } from '../ops/registry.js';
import type { Dtype, RawArgs } from '../core/regimes.js';
import type { Iv } from '../reference/index.js';
import { curatedFor, reference, referenceEnclosure, regimesFor } from '../ops/evaluate.js';
import { computedTags, mergeTags, outputTags, type FixtureCase, type Generator, type Json } from './format.js';

const require = createRequire(import.meta.url);
/** package.json at the package root (src/oracles and dist/oracles are both two levels down) */
export const PACKAGE = require('../../package.json') as { name: string; version: string };

export interface PlannedCase {
  id: string;
  op: OpName;
  args: Record<string, unknown>;
  tags: string[];
}

export interface Shard {
  index: number;
  count: number;
}

export interface PlanOptions {
  /** random cases per op */
  cases: number;
  seed: number;
  /** include the curated cases (before the random ones) */
  curated: boolean;
}

/** 32-bit FNV-1a of a string, as a signed integer (a fast-check seed). */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The random cases 0..n-1 of an op for a seed. */
export function randomCases(op: OpName, n: number, seed: number): PlannedCase[] {
  if (n <= 0) return [];
  const r64 = regimesFor(op, 'float64');
  const r32 = regimesFor(op, 'float32');
  const regimes: { name: string; dtype: Dtype; arb: fc.Arbitrary<RawArgs> }[] = [];
  for (let i = 0; i < Math.max(r64.length, r32.length); i++) {
    if (i < r64.length) regimes.push({ name: r64[i].name, dtype: 'float64', arb: r64[i].arb });
    if (i < r32.length) regimes.push({ name: r32[i].name, dtype: 'float32', arb: r32[i].arb });
  }
  const R = regimes.length;
  const samples = regimes.map((g, i) => {
    const count = Math.floor(n / R) + (i < n % R ? 1 : 0);
    if (count === 0) return [];
    return fc.sample(g.arb, { seed: hashSeed(`${seed}\u0000${op}\u0000${g.dtype}\u0000${g.name}`), numRuns: count });
  });
  const out: PlannedCase[] = [];
  for (let k = 0; k < n; k++) {
    const g = regimes[k % R];
    const args = samples[k % R][Math.floor(k / R)];
    out.push({ id: `${op}/seed-${seed}/${k}`, op, args, tags: ['random', `regime:${g.name}`, `sampled:${g.dtype}`] });
  }
  return out;
}

/** Every case of an op's unsharded file, in file order. */
export function planOp(op: OpName, opts: PlanOptions): PlannedCase[] {
  const curated = opts.curated ? curatedFor(op).map((c) => ({ id: c.id, op: c.op, args: c.args, tags: ['curated', ...c.tags] })) : [];
  return [...curated, ...randomCases(op, opts.cases, opts.seed)];
}

/** The cases of a shard: case k of the unsharded file goes to shard k mod n. */
export function shardCases<T>(cases: readonly T[], shard?: Shard): T[] {
  if (!shard || shard.count === 1) return [...cases];
  return cases.filter((_, k) => k % shard.count === shard.index);
}

/** Significant digits written in a decimal string of the reference ("-0.00120" has 3). */
export function significantDigits(s: string): number {
  const mantissa = s.replace(/^-/, '').split('e')[0];
  return mantissa.replace('.', '').replace(/^0+/, '').length;
}

/** Pad a decimal string with trailing zeros to `digits` significant digits. */
export function padDecimal(s: string, digits: number): string {
  if (s === 'NaN' || s === 'Infinity' || s === '-Infinity' || s === '0') return s;
  const add = digits - significantDigits(s);
  if (add <= 0) return s;
  const [mantissa, exponent] = s.split('e');
  const padded = mantissa + (mantissa.includes('.') ? '' : '.') + '0'.repeat(add);
  return exponent === undefined ? padded : `${padded}e${exponent}`;
}

function mapDecimals(v: Json, enc: unknown, f: (s: string, iv: Iv) => string): Json {
  if (Array.isArray(v)) return v.map((x, i) => mapDecimals(x, (enc as unknown[])[i], f));
  return f(v as string, enc as Iv);
}

/**
 * The reference drops trailing zeros, so "-800" may be an exact -800 or the 40-digit rounding
 * of -800.000…00037. Inexact values are written with all `digits` digits (trailing zeros kept);
 * a shorter string is an exact value (its enclosure is a point).
 */
function padInexact(op: OpName, args: Record<string, unknown>, decimal: Json, digits: number): Json {
  const short = (s: string) => s !== '0' && s !== 'NaN' && !s.endsWith('Infinity') && significantDigits(s) < digits;
  const flat = (v: Json): string[] => (Array.isArray(v) ? v.flatMap(flat) : [v as string]);
  if (!flat(decimal).some(short)) return decimal;
  const enc = referenceEnclosure(op, getSpec(op).validate(args), digits + 8);
  return mapDecimals(decimal, enc, (s, iv) => (short(s) && !iv.isPoint() ? padDecimal(s, digits) : s));
}

/** Evaluate the reference on a planned case. Errors name the case. */
export function evaluateCase(p: PlannedCase, digits: number): FixtureCase {
  let r;
  try {
    r = reference(p.op, p.args, { digits });
  } catch (e) {
    (e as Error).message = `case ${p.id}: ${(e as Error).message}`;
    throw e;
  }
  const expected = {
    decimal: padInexact(p.op, p.args, r.decimal, digits),
    float64: r.float64 as Json,
    float32: r.float32 as Json,
    float16: r.float16 as Json,
    bfloat16: r.bfloat16 as Json,
  };
  return { id: p.id, op: p.op, args: p.args, expected, tags: mergeTags(p.tags, computedTags(p.op, p.args), outputTags(expected)) };
}

export function generatorInfo(opts: PlanOptions & { digits: number; shard?: Shard }): Generator {
  const g: Generator = {
    package: PACKAGE.name,
    version: PACKAGE.version,
    digits: opts.digits,
    seed: opts.cases > 0 ? opts.seed : null,
    cases: opts.cases,
    curated: opts.curated,
  };
  if (opts.shard && opts.shard.count > 1) g.shard = `${opts.shard.index}/${opts.shard.count}`;
  return g;
}

/** The file stem of an op's output: "<op>" or "<op>.shard-<i>-of-<n>". */
export function fileStem(op: OpName, shard?: Shard): string {
  return shard && shard.count > 1 ? `${op}.shard-${shard.index}-of-${shard.count}` : op;
}
