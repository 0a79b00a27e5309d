/**
 * Argument types and validation for every op of the catalog. Validation turns the raw,
 * JSON-shaped arguments (nested arrays, numbers or the non-finite strings) into the
 * normalised form every implementation receives, or throws an ArgumentError that names
 * the argument and the value. See docs/ops.md and docs/semantics.md.
 */
import { ArgumentError, show } from './errors.js';
import { reviveNonFinite } from './json.js';

export type Reduction = 'mean' | 'sum' | 'none';
export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

export type Matrix = number[][];
export type Vector = number[];
export type OpResult = number | Vector | Matrix;

export interface RowsArgs {
  logits: Matrix;
}
export interface RowsBackwardArgs {
  logits: Matrix;
  grad_output: Matrix;
}
export interface ElementArgs {
  x: Vector;
}
export interface ElementBackwardArgs {
  x: Vector;
  grad_output: Vector;
}
export interface CrossEntropyArgs {
  logits: Matrix;
  /** class indices [N] or probabilities [N][C] */
  target: Vector | Matrix;
  weight?: Vector;
  ignore_index: number;
  reduction: Reduction;
  label_smoothing: number;
  /** number for mean / sum, [N] for none; only read by the backward op */
  grad_output: number | Vector;
}
export interface NllLossArgs {
  log_probs: Matrix;
  target: Vector;
  weight?: Vector;
  ignore_index: number;
  reduction: Reduction;
  grad_output: number | Vector;
}
export interface BinaryCrossEntropyArgs {
  probs: Vector;
  target: Vector;
  weight?: Vector;
  reduction: Reduction;
  grad_output: number | Vector;
}
export interface BceWithLogitsArgs {
  logits: Vector;
  target: Vector;
  weight?: Vector;
  pos_weight: number;
  reduction: Reduction;
  grad_output: number | Vector;
}

export function isProbabilityTarget(target: Vector | Matrix): target is Matrix {
  return target.length > 0 && Array.isArray(target[0]);
}

// ---------------------------------------------------------------------------------------
// primitive checks

function asObject(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ArgumentError(`args must be a JSON object, got ${show(raw)}`);
  }
  return reviveNonFinite(raw) as Record<string, unknown>;
}

function checkKnownKeys(o: Record<string, unknown>, allowed: readonly string[], op: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new ArgumentError(`${op}: unknown argument "${k}" (expected ${allowed.join(', ')})`);
    }
  }
}

function toArray(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return undefined;
}

function num(v: unknown, where: string): number {
  if (typeof v !== 'number') throw new ArgumentError(`${where} = ${show(v)} is not a number`);
  return v;
}

export function vector(raw: unknown, name: string, opts: { finite?: boolean; allowNaN?: boolean } = {}): Vector {
  const a = toArray(raw);
  if (!a) throw new ArgumentError(`${name} must be an array of numbers, got ${show(raw)}`);
  if (a.length === 0) throw new ArgumentError(`${name} is empty: the batch needs at least one element`);
  return a.map((v, i) => {
    const x = num(v, `${name}[${i}]`);
    if (opts.finite && !Number.isFinite(x)) throw new ArgumentError(`${name}[${i}] = ${show(x)} is not finite`);
    if (opts.allowNaN === false && Number.isNaN(x)) throw new ArgumentError(`${name}[${i}] = NaN is not allowed`);
    return x;
  });
}

export function matrix(raw: unknown, name: string, opts: { finite?: boolean } = {}): Matrix {
  const a = toArray(raw);
  if (!a) throw new ArgumentError(`${name} must be an array of rows, got ${show(raw)}`);
  if (a.length === 0) throw new ArgumentError(`${name} is empty: the batch needs at least one row`);
  let width = -1;
  return a.map((row, n) => {
    const r = toArray(row);
    if (!r) throw new ArgumentError(`${name}[${n}] must be a row (an array of numbers), got ${show(row)}`);
    if (r.length === 0) throw new ArgumentError(`${name}[${n}] is an empty row: every row needs at least one class`);
    if (width < 0) width = r.length;
    else if (r.length !== width) {
      throw new ArgumentError(`${name} is ragged: ${name}[${n}] has ${r.length} entries but ${name}[0] has ${width}`);
    }
    return r.map((v, c) => {
      const x = num(v, `${name}[${n}][${c}]`);
      if (opts.finite && !Number.isFinite(x)) throw new ArgumentError(`${name}[${n}][${c}] = ${show(x)} is not finite`);
      return x;
    });
  });
}

function inUnitInterval(v: Vector, name: string): void {
  v.forEach((x, i) => {
    if (!(x >= 0 && x <= 1)) throw new ArgumentError(`${name}[${i}] = ${show(x)} is outside [0, 1]`);
  });
}

function nonNegativeWeights(v: Vector, name: string): void {
  v.forEach((x, i) => {
    if (!(Number.isFinite(x) && x >= 0)) throw new ArgumentError(`${name}[${i}] = ${show(x)} must be finite and >= 0`);
  });
}

function reduction(raw: unknown): Reduction {
  if (raw === undefined) return 'mean';
  if (typeof raw === 'string' && (REDUCTIONS as readonly string[]).includes(raw)) return raw as Reduction;
  throw new ArgumentError(`reduction = ${show(raw)} must be one of "mean", "sum", "none"`);
}

function integer(raw: unknown, name: string, dflt: number): number {
  if (raw === undefined) return dflt;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) throw new ArgumentError(`${name} = ${show(raw)} must be an integer`);
  return raw;
}

function scalarIn(raw: unknown, name: string, dflt: number, lo: number, hi: number): number {
  if (raw === undefined) return dflt;
  if (typeof raw !== 'number' || !(raw >= lo && raw <= hi)) {
    throw new ArgumentError(`${name} = ${show(raw)} must be a number in [${lo}, ${hi === Infinity ? 'Infinity' : hi}]`);
  }
  return raw;
}

/** grad_output for a loss: a number for mean / sum, [N] for none. */
function lossGradOutput(raw: unknown, red: Reduction, n: number): number | Vector {
  if (red === 'none') {
    if (raw === undefined) return new Array(n).fill(1);
    const g = vector(raw, 'grad_output');
    if (g.length !== n) throw new ArgumentError(`grad_output has ${g.length} entries but the batch has ${n} (reduction "none")`);
    return g;
  }
  if (raw === undefined) return 1;
  if (typeof raw !== 'number') throw new ArgumentError(`grad_output = ${show(raw)} must be a number for reduction "${red}"`);
  return raw;
}

function sameLength(v: Vector, name: string, n: number, of: string): void {
  if (v.length !== n) throw new ArgumentError(`${name} has ${v.length} entries but ${of} has ${n}`);
}

// ---------------------------------------------------------------------------------------
// per-op validators

export function validateRows(op: string, raw: unknown): RowsArgs {
  const o = asObject(raw);
  checkKnownKeys(o, ['logits'], op);
  return { logits: matrix(o.logits, 'logits') };
}

export function validateRowsBackward(op: string, raw: unknown): RowsBackwardArgs {
  const o = asObject(raw);
  checkKnownKeys(o, ['logits', 'grad_output'], op);
  const logits = matrix(o.logits, 'logits');
  const grad_output = matrix(o.grad_output, 'grad_output');
  if (grad_output.length !== logits.length || grad_output[0].length !== logits[0].length) {
    throw new ArgumentError(
      `grad_output is [${grad_output.length}][${grad_output[0].length}] but logits is [${logits.length}][${logits[0].length}]`,
    );
  }
  return { logits, grad_output };
}

export function validateElements(op: string, raw: unknown): ElementArgs {
  const o = asObject(raw);
  checkKnownKeys(o, ['x'], op);
  return { x: vector(o.x, 'x') };
}

export function validateElementsBackward(op: string, raw: unknown): ElementBackwardArgs {
  const o = asObject(raw);
  checkKnownKeys(o, ['x', 'grad_output'], op);
  const x = vector(o.x, 'x');
  const grad_output = vector(o.grad_output, 'grad_output');
  sameLength(grad_output, 'grad_output', x.length, 'x');
  return { x, grad_output };
}

function classTargets(raw: unknown, n: number, classes: number, ignoreIndex: number): Vector {
  const t = vector(raw, 'target');
  sameLength(t, 'target', n, 'the batch');
  t.forEach((y, i) => {
    if (!Number.isInteger(y)) throw new ArgumentError(`target[${i}] = ${show(y)} is not an integer class index`);
    if (y === ignoreIndex) return;
    if (y < 0 || y >= classes) throw new ArgumentError(`target[${i}] = ${y} is out of range for ${classes} classes`);
  });
  return t;
}

/** grad_output is an argument of backward ops only */
const withGrad = (op: string, keys: string[]) => (op.endsWith('_backward') ? [...keys, 'grad_output'] : keys);

export function validateCrossEntropy(op: string, raw: unknown): CrossEntropyArgs {
  const o = asObject(raw);
  checkKnownKeys(o, withGrad(op, ['logits', 'target', 'weight', 'ignore_index', 'reduction', 'label_smoothing']), op);
  const logits = matrix(o.logits, 'logits');
  const n = logits.length;
  const classes = logits[0].length;
  const ignore_index = integer(o.ignore_index, 'ignore_index', -100);
  const red = reduction(o.reduction);
  const label_smoothing = scalarIn(o.label_smoothing, 'label_smoothing', 0, 0, 1);
  const rawTarget = toArray(o.target);
  if (!rawTarget) throw new ArgumentError(`target must be [N] class indices or [N][C] probabilities, got ${show(o.target)}`);
  let target: Vector | Matrix;
  if (rawTarget.length > 0 && toArray(rawTarget[0])) {
    if (o.ignore_index !== undefined) {
      throw new ArgumentError('ignore_index applies to class-index targets only, but target holds probabilities');
    }
    const t = matrix(rawTarget, 'target');
    if (t.length !== n || t[0].length !== classes) {
      throw new ArgumentError(`target is [${t.length}][${t[0].length}] but logits is [${n}][${classes}]`);
    }
    t.forEach((row, i) =>
      row.forEach((v, c) => {
        if (!(v >= 0 && v <= 1)) throw new ArgumentError(`target[${i}][${c}] = ${show(v)} is outside [0, 1]`);
      })
    );
    target = t;
  } else {
    target = classTargets(rawTarget, n, classes, ignore_index);
  }
  let weight: Vector | undefined;
  if (o.weight !== undefined) {
    weight = vector(o.weight, 'weight');
    sameLength(weight, 'weight', classes, 'the class axis');
    nonNegativeWeights(weight, 'weight');
  }
  return { logits, target, weight, ignore_index, reduction: red, label_smoothing, grad_output: lossGradOutput(o.grad_output, red, n) };
}

export function validateNllLoss(op: string, raw: unknown): NllLossArgs {
  const o = asObject(raw);
  checkKnownKeys(o, ['log_probs', 'target', 'weight', 'ignore_index', 'reduction'], op);
  const log_probs = matrix(o.log_probs, 'log_probs');
  log_probs.forEach((row, i) =>
    row.forEach((v, c) => {
      if (v > 0) throw new ArgumentError(`log_probs[${i}][${c}] = ${show(v)} is positive: a log-probability is <= 0`);
    })
  );
  const n = log_probs.length;
  const classes = log_probs[0].length;
  const ignore_index = integer(o.ignore_index, 'ignore_index', -100);
  const red = reduction(o.reduction);
  const target = classTargets(o.target, n, classes, ignore_index);
  let weight: Vector | undefined;
  if (o.weight !== undefined) {
    weight = vector(o.weight, 'weight');
    sameLength(weight, 'weight', classes, 'the class axis');
    nonNegativeWeights(weight, 'weight');
  }
  return { log_probs, target, weight, ignore_index, reduction: red, grad_output: lossGradOutput(o.grad_output, red, n) };
}

export function validateBinaryCrossEntropy(op: string, raw: unknown): BinaryCrossEntropyArgs {
  const o = asObject(raw);
  checkKnownKeys(o, withGrad(op, ['probs', 'target', 'weight', 'reduction']), op);
  const probs = vector(o.probs, 'probs');
  inUnitInterval(probs, 'probs');
  const target = vector(o.target, 'target');
  sameLength(target, 'target', probs.length, 'probs');
  inUnitInterval(target, 'target');
  let weight: Vector | undefined;
  if (o.weight !== undefined) {
    weight = vector(o.weight, 'weight');
    sameLength(weight, 'weight', probs.length, 'probs');
    nonNegativeWeights(weight, 'weight');
  }
  const red = reduction(o.reduction);
  return { probs, target, weight, reduction: red, grad_output: lossGradOutput(o.grad_output, red, probs.length) };
}

export function validateBceWithLogits(op: string, raw: unknown): BceWithLogitsArgs {
  const o = asObject(raw);
  checkKnownKeys(o, withGrad(op, ['logits', 'target', 'weight', 'pos_weight', 'reduction']), op);
  const logits = vector(o.logits, 'logits');
  const target = vector(o.target, 'target');
  sameLength(target, 'target', logits.length, 'logits');
  inUnitInterval(target, 'target');
  let weight: Vector | undefined;
  if (o.weight !== undefined) {
    weight = vector(o.weight, 'weight');
    sameLength(weight, 'weight', logits.length, 'logits');
    nonNegativeWeights(weight, 'weight');
  }
  const pos_weight = scalarIn(o.pos_weight, 'pos_weight', 1, 0, Infinity);
  if (!Number.isFinite(pos_weight)) throw new ArgumentError(`pos_weight = ${show(pos_weight)} must be finite`);
  const red = reduction(o.reduction);
  return { logits, target, weight, pos_weight, reduction: red, grad_output: lossGradOutput(o.grad_output, red, logits.length) };
}
