/**
 * kl_div's argument contract: F.kl_div(input, target, reduction = 'mean', log_target = false)
 * with PyTorch's meaning (input holds log-probabilities x; target holds probabilities t, or
 * log-probabilities when log_target). v1 shapes, as the other losses: input and target are
 * [N][C] matrices of the same shape.
 *
 * Validation follows src/core/args.ts (the same messages: the argument and the value are
 * named). The primitive checks that file keeps private (asObject, checkKnownKeys, the
 * reduction and grad_output rules) are repeated here in a few lines, because kl_div's
 * reduction set has a fourth member ('batchmean') and its 'none' grad_output is [N][C];
 * src/core/args.ts is not edited (the registry refactor will move it).
 *
 * Domain decisions (README.md of this folder, "Special values"):
 *  - input: any number, NaN and ±Infinity included (NaN in, NaN out; −∞ is log 0).
 *  - target without log_target: a number ≥ 0 (+Infinity allowed). A negative target is
 *    rejected: t·log t has no value there, and PyTorch's versions disagree (≤ 1.12 returned
 *    0 through where(t > 0, …), ≥ 1.13 returns NaN through xlogy(t, t)), so no answer is right.
 *    NaN is rejected for the same reason the other probability targets reject it.
 *  - target with log_target: any number but NaN (−∞ is the log of probability 0).
 */
import { ArgumentError, show } from '../../core/errors.js';
import { reviveNonFinite } from '../../core/json.js';
import { matrix, type Matrix } from '../../core/args.js';
import type { ResultShape } from '../../core/shape.js';

export type KlReduction = 'none' | 'sum' | 'mean' | 'batchmean';
export const KL_REDUCTIONS: readonly KlReduction[] = ['mean', 'sum', 'none', 'batchmean'];

/** The op names of this folder: the forward, its backward w.r.t. input, and w.r.t. target. */
export type KlOpName = 'kl_div' | 'kl_div_backward' | 'kl_div_target_backward';

export interface KlDivArgs {
  /** log-probabilities x, [N][C] */
  input: Matrix;
  /** probabilities t (or log-probabilities when log_target), [N][C] */
  target: Matrix;
  reduction: KlReduction;
  log_target: boolean;
  /**
   * Read by the backward ops only: a number for sum / mean / batchmean, [N][C] for none.
   * The forward op's validation fills in the default (1, or ones) so the type is total.
   */
  grad_output: number | Matrix;
}

function asObject(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ArgumentError(`args must be a JSON object, got ${show(raw)}`);
  }
  return reviveNonFinite(raw) as Record<string, unknown>;
}

function checkKnownKeys(o: Record<string, unknown>, allowed: readonly string[], op: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ArgumentError(`${op}: unknown argument "${k}" (expected ${allowed.join(', ')})`);
  }
}

function reduction(raw: unknown): KlReduction {
  if (raw === undefined) return 'mean';
  if (typeof raw === 'string' && (KL_REDUCTIONS as readonly string[]).includes(raw)) return raw as KlReduction;
  throw new ArgumentError(`reduction = ${show(raw)} must be one of "mean", "sum", "none", "batchmean"`);
}

function logTarget(raw: unknown): boolean {
  if (raw === undefined) return false;
  if (typeof raw !== 'boolean') throw new ArgumentError(`log_target = ${show(raw)} must be true or false`);
  return raw;
}

/** grad_output: a number for sum / mean / batchmean, [N][C] (the input's shape) for none. */
function gradOutput(raw: unknown, red: KlReduction, n: number, c: number): number | Matrix {
  if (red === 'none') {
    if (raw === undefined) return Array.from({ length: n }, () => new Array<number>(c).fill(1));
    const g = matrix(raw, 'grad_output');
    if (g.length !== n || g[0].length !== c) {
      throw new ArgumentError(`grad_output is [${g.length}][${g[0].length}] but input is [${n}][${c}] (reduction "none")`);
    }
    return g;
  }
  if (raw === undefined) return 1;
  if (typeof raw !== 'number') throw new ArgumentError(`grad_output = ${show(raw)} must be a number for reduction "${red}"`);
  return raw;
}

/**
 * Raw JSON-shaped args -> KlDivArgs, or an ArgumentError naming the argument and the value.
 * `op` names the op in the unknown-argument message; grad_output is accepted by the
 * backward ops only (names ending in "_backward"), as src/core/args.ts does.
 */
export function validateKlDiv(op: string, raw: unknown): KlDivArgs {
  const o = asObject(raw);
  const keys = ['input', 'target', 'reduction', 'log_target'];
  checkKnownKeys(o, op.endsWith('_backward') ? [...keys, 'grad_output'] : keys, op);
  const input = matrix(o.input, 'input');
  const n = input.length;
  const c = input[0].length;
  const target = matrix(o.target, 'target');
  if (target.length !== n || target[0].length !== c) {
    throw new ArgumentError(`target is [${target.length}][${target[0].length}] but input is [${n}][${c}]`);
  }
  const log_target = logTarget(o.log_target);
  target.forEach((row, i) =>
    row.forEach((t, j) => {
      if (Number.isNaN(t)) throw new ArgumentError(`target[${i}][${j}] = NaN is not allowed`);
      if (!log_target && t < 0) {
        throw new ArgumentError(
          `target[${i}][${j}] = ${show(t)} is negative: a target probability is >= 0 (pass log_target: true for log-probabilities)`,
        );
      }
    })
  );
  const red = reduction(o.reduction);
  return { input, target, reduction: red, log_target, grad_output: gradOutput(o.grad_output, red, n, c) };
}

/** validate for each op of the folder (the registry's `validate(raw)`) */
export const validate = {
  kl_div: (raw: unknown): KlDivArgs => validateKlDiv('kl_div', raw),
  kl_div_backward: (raw: unknown): KlDivArgs => validateKlDiv('kl_div_backward', raw),
  kl_div_target_backward: (raw: unknown): KlDivArgs => validateKlDiv('kl_div_target_backward', raw),
};

/** kl_div: a number for sum / mean / batchmean, [N][C] for none. */
export function forwardShape(a: KlDivArgs): ResultShape {
  return a.reduction === 'none' ? { kind: 'matrix', rows: a.input.length, cols: a.input[0].length } : { kind: 'scalar' };
}

/** kl_div_backward / kl_div_target_backward: [N][C] (the input's shape). */
export function backwardShape(a: KlDivArgs): ResultShape {
  return { kind: 'matrix', rows: a.input.length, cols: a.input[0].length };
}

/** The result shape of each op of the folder (the registry's `resultShape(args)`). */
export const resultShape: { [N in KlOpName]: (a: KlDivArgs) => ResultShape } = {
  kl_div: forwardShape,
  kl_div_backward: backwardShape,
  kl_div_target_backward: backwardShape,
};

/** The mean denominator: N·C for mean, N for batchmean, 1 otherwise (exact integers). */
export function reductionDenominator(a: Pick<KlDivArgs, 'input' | 'reduction'>): number {
  if (a.reduction === 'mean') return a.input.length * a.input[0].length;
  if (a.reduction === 'batchmean') return a.input.length;
  return 1;
}

/** grad_output for element (n, c): the number for sum / mean / batchmean, g[n][c] for none. */
export function gradAt(a: Pick<KlDivArgs, 'grad_output'>, n: number, c: number): number {
  return typeof a.grad_output === 'number' ? a.grad_output : a.grad_output[n][c];
}
