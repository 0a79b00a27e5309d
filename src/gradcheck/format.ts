/**
 * Float formats, input containers and exact steps.
 *
 * The checker works in float64 internally; a float32 function sees float32 inputs (its
 * Float32Array, or values rounded with Math.fround) and every step is realised in the
 * function's own format: `t = round(x + h); h = t - x` (the difference of two nearby floats
 * of the format is exact in float64), so the divisor of a difference quotient is the step
 * the function actually saw.
 */
import { GradcheckError } from './errors.js';

import type { Dtype } from '../core/dtype.js';

export type { Dtype };

/** One input vector as a user passes it. */
export type GradInput = number[] | Float64Array | Float32Array;

export interface FloatFormat {
  dtype: Dtype;
  /** unit roundoff u: 2^-53 for float64, 2^-24 for float32 */
  u: number;
  /** round a float64 value to the format */
  round: (v: number) => number;
}

export const FLOAT64: FloatFormat = { dtype: 'float64', u: 2 ** -53, round: (v) => v };
export const FLOAT32: FloatFormat = { dtype: 'float32', u: 2 ** -24, round: Math.fround };

export function formatOf(dtype: Dtype): FloatFormat {
  return dtype === 'float32' ? FLOAT32 : FLOAT64;
}

type ContainerKind = 'array' | 'float64array' | 'float32array';

const INTEGER_ARRAYS: [string, unknown][] = [
  ['Int8Array', Int8Array],
  ['Uint8Array', Uint8Array],
  ['Uint8ClampedArray', Uint8ClampedArray],
  ['Int16Array', Int16Array],
  ['Uint16Array', Uint16Array],
  ['Int32Array', Int32Array],
  ['Uint32Array', Uint32Array],
  ['BigInt64Array', BigInt64Array],
  ['BigUint64Array', BigUint64Array],
];

/** The input vector, validated: its values (rounded to the format), format and container. */
export interface Point {
  values: Float64Array;
  format: FloatFormat;
  kind: ContainerKind;
  /** a fresh container of the user's kind holding `values` (f and the analytic get copies) */
  make(values: ArrayLike<number>): GradInput;
  /** true when x was rounded to float32 on the way in */
  rounded: boolean;
}

/**
 * Validate x and decide the format. A Float32Array is float32; anything else is float64
 * unless options.dtype says float32 (then x is rounded to float32 first, as the function
 * would round it). Integer typed arrays cannot hold x + h and are rejected.
 */
export function makePoint(x: unknown, dtype: Dtype | undefined, what = 'x'): Point {
  for (const [name, ctor] of INTEGER_ARRAYS) {
    if (x instanceof (ctor as new() => object)) {
      throw new GradcheckError(
        `${what} is an ${name}: an integer array cannot hold x + h, so finite differences would only see zeros; `
          + 'pass a Float64Array, a Float32Array or a number[]',
      );
    }
  }
  let kind: ContainerKind;
  if (x instanceof Float64Array) kind = 'float64array';
  else if (x instanceof Float32Array) kind = 'float32array';
  else if (Array.isArray(x)) kind = 'array';
  else throw new GradcheckError(`${what} must be a number[], a Float64Array or a Float32Array, got ${describe(x)}`);
  if (dtype !== undefined && dtype !== 'float64' && dtype !== 'float32') {
    throw new GradcheckError(`dtype = ${JSON.stringify(dtype)} must be "float64" or "float32"`);
  }
  if (kind === 'float32array' && dtype === 'float64') {
    throw new GradcheckError(
      `${what} is a Float32Array but dtype is "float64": a Float32Array cannot hold float64 steps x + h; `
        + 'pass a Float64Array or drop the dtype option',
    );
  }
  const format = kind === 'float32array' || dtype === 'float32' ? FLOAT32 : FLOAT64;
  const src = x as ArrayLike<unknown>;
  if (src.length === 0) throw new GradcheckError(`${what} is empty: there is nothing to differentiate`);
  const values = new Float64Array(src.length);
  let rounded = false;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v !== 'number') throw new GradcheckError(`${what}[${i}] = ${describe(v)} is not a number`);
    if (!Number.isFinite(v)) throw new GradcheckError(`${what}[${i}] = ${v} is not finite: derivatives need a finite point`);
    const r = format.round(v);
    if (r !== v) rounded = true;
    values[i] = r;
  }
  const make = (vals: ArrayLike<number>): GradInput => {
    if (kind === 'float64array') return Float64Array.from(vals);
    if (kind === 'float32array') return Float32Array.from(vals);
    return Array.from(vals);
  };
  return { values, format, kind, make, rounded };
}

/** How default steps scale with |x_i| (see stepScale). */
export type StepScale = 'log' | 'relative';

/**
 * The length scale of input x_i that default steps are proportional to.
 * - 'log' (default): max(1, log1p(|x_i|), √u·|x_i|). Functions of logits curve on a length
 *   ~1 whatever |x| is (softmax(x + c) = softmax(x)), so steps proportional to |x| leave the
 *   region where the Taylor expansion behind the extrapolation holds (measured: float32
 *   checks at |x| ~ 300 fail with 'relative'); log growth still keeps the step well above
 *   the spacing of floats near x_i, and the √u·|x_i| term keeps it many ulps of x_i for
 *   huge inputs.
 * - 'relative': max(|x_i|, 1), the textbook choice for functions whose length scale grows
 *   with |x| (log x, x^p).
 */
export function scaleOf(xi: number, mode: StepScale = 'log', u = 2 ** -53): number {
  const a = Math.abs(xi);
  if (mode === 'relative') return Math.max(a, 1);
  return Math.max(1, Math.log1p(a), Math.sqrt(u) * a);
}

/**
 * Realise a step of nominal size h at x in the format: returns the perturbed inputs
 * x+ = round(x + h), x- = round(x - h) and the exact half-width actually used,
 * ((x+ - x) + (x - x-)) / 2. Throws when x + h == x (the step vanishes in the format).
 */
export function realiseStep(format: FloatFormat, x: number, h: number, input: number): { xp: number; xm: number; h: number } {
  const xp = format.round(x + h);
  const xm = format.round(x - h);
  const hp = xp - x;
  const hm = x - xm;
  if (hp === 0 || hm === 0) {
    throw new GradcheckError(
      `x[${input}] = ${x}: the step h = ${h} vanishes in ${format.dtype} (x + h == x), so the finite differences `
        + `would be zero; use a step of at least ${(2 * format.u * Math.max(1, Math.abs(x))).toPrecision(3)} `
        + '(or drop the step option: the default step is derived from the format)',
    );
  }
  return { xp, xm, h: (hp + hm) / 2 };
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return typeof v;
}

/**
 * Flatten an output of f (a number, a number[] / typed array, or a matrix number[][])
 * into float64 values, row-major.
 */
export function flattenOutput(y: unknown, where: string): Float64Array {
  if (typeof y === 'number') return Float64Array.of(y);
  if (y instanceof Float64Array || y instanceof Float32Array) return Float64Array.from(y);
  if (ArrayBuffer.isView(y)) {
    throw new GradcheckError(`${where} returned a ${y.constructor.name}; return a number, a number[] or a Float64Array / Float32Array`);
  }
  if (Array.isArray(y)) {
    if (y.length > 0 && (Array.isArray(y[0]) || ArrayBuffer.isView(y[0]))) {
      const out: number[] = [];
      const width = (y[0] as ArrayLike<unknown>).length;
      y.forEach((row, r) => {
        const a = row as ArrayLike<unknown>;
        if (!(Array.isArray(row) || ArrayBuffer.isView(row)) || a.length !== width) {
          throw new GradcheckError(`${where} returned a ragged matrix: row ${r} has ${describe(row)}, row 0 has ${width} entries`);
        }
        for (let c = 0; c < a.length; c++) out.push(toNum(a[c], `${where}[${r}][${c}]`));
      });
      return Float64Array.from(out);
    }
    return Float64Array.from(y, (v, i) => toNum(v, `${where}[${i}]`));
  }
  throw new GradcheckError(`${where} must return a number or an array of numbers, got ${describe(y)}`);
}

function toNum(v: unknown, where: string): number {
  if (typeof v !== 'number') throw new GradcheckError(`${where} = ${describe(v)} is not a number`);
  return v;
}

/** Resolve a mask (boolean per input, or a list of input indices) to sorted indices. */
export function resolveMask(mask: readonly boolean[] | readonly number[] | undefined, n: number): number[] {
  if (mask === undefined) return Array.from({ length: n }, (_, i) => i);
  if (!Array.isArray(mask)) throw new GradcheckError('mask must be a boolean[] (one per input) or a number[] of input indices');
  if (mask.length > 0 && typeof mask[0] === 'boolean') {
    if (mask.length !== n) throw new GradcheckError(`mask has ${mask.length} booleans but x has ${n} inputs`);
    const idx: number[] = [];
    (mask as readonly boolean[]).forEach((b, i) => {
      if (typeof b !== 'boolean') throw new GradcheckError(`mask[${i}] = ${describe(b)} is not a boolean`);
      if (b) idx.push(i);
    });
    if (idx.length === 0) throw new GradcheckError('mask selects no input');
    return idx;
  }
  const seen = new Set<number>();
  for (const i of mask as readonly number[]) {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= n) {
      throw new GradcheckError(`mask entry ${describe(i)} is not an input index in [0, ${n})`);
    }
    seen.add(i);
  }
  if (seen.size === 0) throw new GradcheckError('mask selects no input');
  return [...seen].sort((a, b) => a - b);
}
