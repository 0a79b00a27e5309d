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
  /** which input the result was reduced from: fast-check's shrunk counterexample or the first failing input */
  route: 'shrunk' | 'original';
}

export interface MinimiseOptions {
  /** stop after this many candidates (each one is a call to the implementation and a reference) */
  maxTries?: number;
}

/** The entries of `a` whose index is not in `drop`. */
const keep = <T>(a: readonly T[], drop: ReadonlySet<number>): T[] => a.filter((_, i) => !drop.has(i));

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
 * Candidate with the batch entries `drop` removed from every argument that is indexed by the
 * batch (arrays as long as the batch: logits / x / probs rows, targets, per-sample grad_output
 * or weight).
 */
function dropRows(args: RawArgs, drop: ReadonlySet<number>, n: number): RawArgs {
  // with a matrix argument (cross_entropy, nll_loss) `weight` is indexed by class, not by sample
  const classWeights = classCount(args) !== null;
  const out: RawArgs = {};
  for (const [k, v] of Object.entries(args)) {
    out[k] = Array.isArray(v) && v.length === n && !(k === 'weight' && classWeights)
      ? keep(v, drop)
      : v;
  }
  return out;
}

/** Candidate with the classes `drop` removed: those columns of every matrix argument and entries of class-indexed vectors (weight). */
function dropColumns(args: RawArgs, drop: ReadonlySet<number>, c: number): RawArgs {
  const out: RawArgs = {};
  const ignore = typeof args.ignore_index === 'number' ? args.ignore_index : -100;
  // class-index targets follow their class to its new index (a target of a removed class moves to a neighbour)
  const shift = (t: number) => t - [...drop].filter((j) => j < t || (j === t && t > 0)).length;
  for (const [k, v] of Object.entries(args)) {
    if (Array.isArray(v) && Array.isArray(v[0])) out[k] = (v as unknown[][]).map((r) => (r.length === c ? keep(r, drop) : r));
    // next to a matrix argument, weight is indexed by class
    else if (Array.isArray(v) && k === 'weight' && v.length === c) out[k] = keep(v, drop);
    else if (Array.isArray(v) && k === 'target') {
      out[k] = (v as unknown[]).map((t) => (typeof t === 'number' && t !== ignore && t >= 0 ? Math.max(0, shift(t)) : t));
    } else out[k] = v;
  }
  return out;
}

const range = (a: number, b: number) => new Set(Array.from({ length: b - a }, (_, i) => a + i));

/**
 * Removal candidates along an axis of length n: the second half, the first half (so a row of
 * 1000 classes needs ~10 steps, not 1000), then each single entry from the end.
 */
function* removals(n: number, what: string): Generator<[string, Set<number>]> {
  if (n > 3) {
    const h = Math.floor(n / 2);
    yield [`${what}s ${h}..${n - 1} of ${n}`, range(h, n)];
    yield [`${what}s 0..${h - 1} of ${n}`, range(0, h)];
  }
  for (let i = n - 1; i >= 0; i--) yield [`${what} ${i} of ${n}`, new Set([i])];
}

function* candidates(args: RawArgs): Generator<[string, RawArgs]> {
  for (const k of OPTIONAL_ARGS) {
    if (k in args) {
      const { [k]: _dropped, ...rest } = args;
      yield [k, rest];
    }
  }
  const n = batchSize(args);
  if (n !== null && n > 1) { for (const [step, drop] of removals(n, 'row')) yield [step, dropRows(args, drop, n)]; }
  const c = classCount(args);
  if (c !== null && c > 1) { for (const [step, drop] of removals(c, 'column')) yield [step, dropColumns(args, drop, c)]; }
}

/** Greedy structural pass to a fixed point: take the first candidate that still fails, start over from it. */
async function structural(args: RawArgs, test: (c: RawArgs) => Promise<boolean>, budget: Budget, steps: string[]): Promise<RawArgs> {
  let current = args;
  let progress = true;
  while (progress && budget.left > 0) {
    progress = false;
    for (const [step, cand] of candidates(current)) {
      if (budget.left <= 0) break;
      if (await test(cand)) {
        current = cand;
        steps.push(step);
        progress = true;
        break;
      }
    }
  }
  return current;
}

/** How complicated a number reads: 0, then 1, then −1, then by significant digits, then by magnitude. */
function complexity(v: number): [number, number] {
  if (!Number.isFinite(v)) return [1000, 0];
  if (v === 0) return [0, 0];
  if (v === 1) return [1, 0];
  if (v === -1) return [2, 0];
  const digits = v.toExponential().replace(/e.*$/, '').replace(/[-.]/g, '').length;
  return [3 + digits, Math.abs(v)];
}

const simplerThan = (c: number, x: number) => {
  const [a, b] = [complexity(c), complexity(x)];
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
};

/** Simpler numbers to try in place of x, simplest first: 0, ±1, the integer part, 1, 2 and 4 significant digits. */
function simpler(x: number): number[] {
  // a NaN or ±Infinity input is often the point of a failure, but not always: try plain numbers
  if (!Number.isFinite(x)) return [0, 1, -1];
  const out: number[] = [];
  for (const c of [0, 1, -1, Math.trunc(x), Number(x.toPrecision(1)), Number(x.toPrecision(2)), Number(x.toPrecision(4))]) {
    if (!Object.is(c, -0) && !out.includes(c) && simplerThan(c, x)) out.push(c);
  }
  return out;
}

type Path = (string | number)[];

function numberPaths(v: unknown, at: Path = []): Path[] {
  if (typeof v === 'number') return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => numberPaths(x, [...at, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => numberPaths(x, [...at, k]));
  return [];
}

function getAt(v: unknown, p: Path): unknown {
  return p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v);
}

function setAt(v: unknown, p: Path, x: number): unknown {
  if (p.length === 0) return x;
  const [k, ...rest] = p;
  if (Array.isArray(v)) return v.map((y, i) => (i === k ? setAt(y, rest, x) : y));
  return { ...(v as Record<string, unknown>), [k]: setAt((v as Record<string, unknown>)[k as string], rest, x) };
}

/** Value pass: replace each number by the simplest of simpler(x) that keeps the failure, to a fixed point. */
async function values(
  args: RawArgs,
  test: (c: RawArgs) => Promise<boolean>,
  budget: Budget,
  representable: (x: number) => boolean,
): Promise<RawArgs> {
  let current = args;
  let progress = true;
  while (progress && budget.left > 0) {
    progress = false;
    for (const p of numberPaths(current)) {
      const x = getAt(current, p) as number;
      for (const c of simpler(x).filter(representable)) {
        if (budget.left <= 0) break;
        const cand = setAt(current, p, c) as RawArgs;
        if (await test(cand)) {
          current = cand;
          progress = true;
          break;
        }
      }
    }
  }
  return current;
}

interface Budget {
  left: number;
}

/** Size of a counterexample, compared lexicographically: arguments, numbers, characters. */
function size(a: RawArgs): [number, number, number] {
  return [Object.keys(a).length, numberPaths(a).length, JSON.stringify(a).length];
}

function smaller(a: RawArgs, b: RawArgs, keys = 3): boolean {
  const [x, y] = [size(a), size(b)];
  for (let i = 0; i < keys; i++) if (x[i] !== y[i]) return x[i] < y[i];
  return false;
}

export interface MinimiseInput {
  /** fast-check's shrunk counterexample */
  shrunk: RawArgs;
  /** the first failing input fast-check found, before shrinking (optional) */
  original?: RawArgs;
}

/**
 * Make a failing case minimal. Two routes, the smaller result wins:
 *  1. the shrunk counterexample, structurally reduced (optional arguments, rows, columns),
 *     then its values simplified;
 *  2. the original failing input, structurally reduced first and then its values simplified.
 * Route 2 exists because fast-check shrinks values with every argument in place: a weight of
 * [0.125, 0] may be what makes *those* shrunk values fail a label-smoothing bug, while the
 * original input fails without any weight. Every candidate goes through `stillFails`.
 */
export async function minimiseArgs(
  input: MinimiseInput,
  stillFails: (candidate: RawArgs) => Promise<boolean>,
  opts: MinimiseOptions & { representable?: (x: number) => boolean } = {},
): Promise<MinimiseResult> {
  const { shrunk, original } = input;
  const maxTries = opts.maxTries ?? 400;
  let tried = 0;
  const tester = (budget: Budget) => async (c: RawArgs) => {
    budget.left -= 1;
    tried += 1;
    return stillFails(c);
  };
  const representable = opts.representable ?? (() => true);
  // structure first on both routes (a quarter of the budget each), then values on the smaller
  const stepsA: string[] = [];
  const budgetA = { left: Math.floor(maxTries / 4) };
  const a = await structural(shrunk, tester(budgetA), budgetA, stepsA);
  let best: MinimiseResult = { args: a, steps: stepsA, tried: 0, route: 'shrunk' };
  if (original && JSON.stringify(original) !== JSON.stringify(shrunk)) {
    const stepsB: string[] = [];
    const budgetB = { left: Math.floor(maxTries / 4) };
    const b = await structural(original, tester(budgetB), budgetB, stepsB);
    if (smaller(b, a, 2)) best = { args: b, steps: stepsB, tried: 0, route: 'original' };
  }
  const valueBudget = { left: maxTries - tried };
  const v = await values(best.args, tester(valueBudget), valueBudget, representable);
  if (v !== best.args) {
    best = { ...best, args: v, steps: [...best.steps, 'simpler values'] };
    // simpler values may free more rows or columns (a tie that needed a third class, say)
    const again = await structural(v, tester(valueBudget), valueBudget, best.steps);
    if (again !== v) best = { ...best, args: await values(again, tester(valueBudget), valueBudget, representable) };
  }
  return { ...best, tried };
}
