/**
 * After fast-check has shrunk the values of a failing case, make the counterexample minimal
 * in the ways fast-check cannot see: drop optional arguments that do not change the failure
 * (weight, grad_output, label_smoothing, reduction, pos_weight, ignore_index back to their
 * defaults) and remove rows, columns and elements while the case still fails with the same
 * failure class. A counterexample that keeps `"weight":[0,0,0,0],"grad_output":0` looks
 * harmless; the same failure without them shows the bug as it is.
 *
 * Every candidate is judged by the caller's `stillFails` (the full verify pipeline: argument
 * validation, the reference, the implementation, the verdict), so a candidate the op rejects
 * or that passes is simply not taken: the result is always a real failing case.
 */
import type { RawArgs } from '../core/regimes.js';

/** Optional arguments, tried in this order: each is removed (its default applies). */
export const OPTIONAL_ARGS = ['weight', 'grad_output', 'label_smoothing', 'pos_weight', 'ignore_index', 'reduction'] as const;

export interface MinimiseResult {
  args: RawArgs;
  /** what was dropped or removed, in order, e.g. "weight", "row 1", "column 0" */
  steps: string[];
  /** candidates judged */
  tried: number;
}

export interface MinimiseOptions {
  /** stop after this many candidates (each one is a call to the implementation and a reference) */
  maxTries?: number;
}

/** Remove index i from an array. */
const without = <T>(a: readonly T[], i: number): T[] => [...a.slice(0, i), ...a.slice(i + 1)];

/** Length of the batch: rows of the first matrix argument, or the length of the first vector argument. */
function batchSize(args: RawArgs): number | null {
  for (const v of Object.values(args)) if (Array.isArray(v) && v.length > 0) return v.length;
  return null;
}

/** Width of the class axis: the row length of the first matrix argument. */
function classCount(args: RawArgs): number | null {
  for (const v of Object.values(args)) if (Array.isArray(v) && Array.isArray(v[0])) return (v[0] as unknown[]).length;
  return null;
}

/**
 * Candidate with batch entry i removed from every argument that is indexed by the batch
 * (arrays as long as the batch: logits / x / probs rows, targets, per-sample grad_output or weight).
 */
function dropRow(args: RawArgs, i: number, n: number): RawArgs {
  // with a matrix argument (cross_entropy, nll_loss) `weight` is indexed by class, not by sample
  const classWeights = classCount(args) !== null;
  const out: RawArgs = {};
  for (const [k, v] of Object.entries(args)) out[k] = Array.isArray(v) && v.length === n && !(k === 'weight' && classWeights) ? without(v, i) : v;
  return out;
}

/** Candidate with class j removed: column j of every matrix argument and entry j of class-indexed vectors (weight). */
function dropColumn(args: RawArgs, j: number, c: number): RawArgs {
  const out: RawArgs = {};
  for (const [k, v] of Object.entries(args)) {
    if (Array.isArray(v) && Array.isArray(v[0])) out[k] = (v as unknown[][]).map((r) => (r.length === c ? without(r, j) : r));
    // next to a matrix argument, weight is indexed by class
    else if (Array.isArray(v) && k === 'weight' && v.length === c) out[k] = without(v, j);
    else out[k] = v;
  }
  return out;
}

function* candidates(args: RawArgs): Generator<[string, RawArgs]> {
  for (const k of OPTIONAL_ARGS) {
    if (k in args) {
      const { [k]: _dropped, ...rest } = args;
      yield [k, rest];
    }
  }
  const n = batchSize(args);
  if (n !== null && n > 1) for (let i = n - 1; i >= 0; i--) yield [`row ${i} of ${n}`, dropRow(args, i, n)];
  const c = classCount(args);
  if (c !== null && c > 1) for (let j = c - 1; j >= 0; j--) yield [`column ${j} of ${c}`, dropColumn(args, j, c)];
}

/**
 * Greedy minimisation to a fixed point: take the first candidate that still fails, start over
 * from it, stop when no candidate fails (every single removal makes the failure go away or
 * change class) or after maxTries candidates.
 */
export async function minimiseArgs(args: RawArgs, stillFails: (candidate: RawArgs) => Promise<boolean>, opts: MinimiseOptions = {}): Promise<MinimiseResult> {
  const maxTries = opts.maxTries ?? 200;
  let current = args;
  const steps: string[] = [];
  let tried = 0;
  let progress = true;
  while (progress && tried < maxTries) {
    progress = false;
    for (const [step, cand] of candidates(current)) {
      if (tried >= maxTries) break;
      tried += 1;
      if (await stillFails(cand)) {
        current = cand;
        steps.push(step);
        progress = true;
        break;
      }
    }
  }
  return { args: current, steps, tried };
}
