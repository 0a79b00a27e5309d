/**
 * The kill-matrix entries of kl_div: planted bugs and correct variants, in the style of
 * src/selftest/bugs.ts. Each entry implements the ops it lists the way a user's module
 * would (plain float64 JavaScript on the JSON-shaped args: defaults may be absent), and the
 * self-test plays it through verify: each bug must be caught, each correct variant pass.
 *
 * The correct base is examples/adapters/correct.mjs (as for every op); the op folder sits
 * below the self-test in the layer order, and the registry feeds these entries to it.
 */
import { baseOps } from '../../../examples/adapters/correct.mjs';
import type { KlOpName, KlReduction } from './args.js';

type Matrix = number[][];

/** the args an implementation receives (as sent over the protocol: defaults may be absent) */
export interface KlRawArgs {
  input: Matrix;
  target: Matrix;
  reduction?: KlReduction;
  log_target?: boolean;
  grad_output?: number | Matrix;
}

export type KlImpl = (args: KlRawArgs) => number | Matrix;

export interface KlMatrixEntry {
  id: string;
  description: string;
  bugClass: 'bug' | 'correct';
  /** the op(s) the entry replaces; verify is restricted to them */
  ops: KlOpName[];
  impl: Partial<Record<KlOpName, KlImpl>>;
  /** for bugs: the verdict without --strict ('fail', the default, or 'tiny') */
  expect?: 'fail' | 'tiny';
}

// ---------------------------------------------------------------------------------------
// shared pieces of the implementations

/** Neumaier's compensated sum */
function neumaier(xs: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function plainSum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

const red = (a: KlRawArgs): KlReduction => a.reduction ?? 'mean';
const pz = (v: number): number => (v === 0 ? 0 : v);
/** the zero-coefficient product: 0·anything = 0 */
const zmul = (coef: number, v: number): number => (coef === 0 ? 0 : coef * v);

function denominator(a: KlRawArgs, r = red(a)): number {
  if (r === 'mean') return a.input.length * a.input[0].length;
  if (r === 'batchmean') return a.input.length;
  return 1;
}

/** reduce [N][C] terms: the matrix for none, else the (compensated) sum over D */
function reduce(a: KlRawArgs, terms: Matrix, sum = neumaier, D = denominator(a)): number | Matrix {
  if (red(a) === 'none') return terms.map((r) => r.map(pz));
  return pz(sum(terms.flat()) / D);
}

function grad(a: KlRawArgs, n: number, c: number): number {
  const g = a.grad_output;
  if (g === undefined) return 1;
  return typeof g === 'number' ? g : g[n][c];
}

const map = (a: KlRawArgs, f: (x: number, t: number, n: number, c: number) => number): Matrix =>
  a.input.map((row, n) => row.map((x, c) => f(x, a.target[n][c], n, c)));

/** the correct pointwise term */
function term(x: number, t: number, logTarget: boolean): number {
  if (logTarget) return t === -Infinity ? 0 : Math.exp(t) * (t - x);
  return t === 0 ? 0 : t * (Math.log(t) - x);
}

/**
 * the correct forward, backward and target backward: examples/adapters/correct.mjs's (the
 * self-test's base), which every entry starts from
 */
const correct: Record<KlOpName, KlImpl> = {
  kl_div: (a) => baseOps.kl_div(a),
  kl_div_backward: (a) => baseOps.kl_div_backward(a),
  kl_div_target_backward: (a) => baseOps.kl_div_target_backward(a),
};

function entry(id: string, bugClass: 'bug' | 'correct', description: string, impl: Partial<Record<KlOpName, KlImpl>>): KlMatrixEntry {
  return { id, bugClass, description, ops: Object.keys(impl) as KlOpName[], impl };
}

// ---------------------------------------------------------------------------------------
// planted bugs

const BUGS: KlMatrixEntry[] = [
  entry(
    'kl-div-input-log-again',
    'bug',
    'input taken as probabilities: t·(log t − log x), the log applied to the log-probabilities again (NaN for x < 0)',
    {
      kl_div: (a) => reduce(a, map(a, (x, t) => (a.log_target ? term(x, t, true) : t === 0 ? 0 : t * (Math.log(t) - Math.log(x))))),
    },
  ),
  entry('kl-div-direction-swapped', 'bug', 'input used as the distribution p: KL(p ‖ t) = Σ e^x·(x − log t) instead of Σ t·(log t − x)', {
    kl_div: (a) =>
      reduce(
        a,
        map(a, (x, t) => {
          const lt = a.log_target ? t : Math.log(t);
          return x === -Infinity ? 0 : Math.exp(x) * (x - lt);
        }),
      ),
  }),
  entry('kl-div-mean-for-batchmean', 'bug', "'batchmean' divided by N·C (the 'mean' denominator) instead of N", {
    kl_div: (a) =>
      reduce(a, map(a, (x, t) => term(x, t, !!a.log_target)), neumaier, denominator(a, red(a) === 'batchmean' ? 'mean' : red(a))),
  }),
  entry(
    'kl-div-log-target-ignored',
    'bug',
    'log_target ignored: log-probability targets treated as probabilities (t·(log t − x) with t ≤ 0)',
    {
      kl_div: (a) => reduce(a, map(a, (x, t) => (t === 0 ? 0 : t * (Math.log(t) - x)))),
    },
  ),
  entry('kl-div-zero-log-nan', 'bug', 'no zero-target rule: t·(log t − x) at t = 0 is 0·(−∞) = NaN', {
    kl_div: (a) => reduce(a, map(a, (x, t) => (a.log_target ? Math.exp(t) * (t - x) : t * (Math.log(t) - x)))),
  }),
  entry('kl-div-backward-mean-for-batchmean', 'bug', "kl_div_backward: 'batchmean' gradient divided by N·C instead of N", {
    kl_div_backward: (a) => {
      const D = denominator(a, red(a) === 'batchmean' ? 'mean' : red(a));
      return map(a, (_x, t, n, c) => pz(zmul(a.log_target ? Math.exp(t) : t, -grad(a, n, c)) / D));
    },
  }),
  entry('kl-div-backward-log-target-ignored', 'bug', 'kl_div_backward ignores log_target: −t·g instead of −e^t·g', {
    kl_div_backward: (a) => {
      const D = denominator(a);
      return map(a, (_x, t, n, c) => pz(zmul(t, -grad(a, n, c)) / D));
    },
  }),
  entry('kl-div-target-backward-no-one', 'bug', 'kl_div_target_backward drops the +1 of d(t·log t)/dt: g·(log t − x)', {
    kl_div_target_backward: (a) => {
      const D = denominator(a);
      return map(a, (x, t, n, c) => {
        const g = grad(a, n, c);
        if (a.log_target) return t === -Infinity ? 0 : pz(zmul(g, Math.exp(t) * (t - x)) / D);
        return t === 0 ? 0 : pz(zmul(g, Math.log(t) - x) / D);
      });
    },
  }),
];

// ---------------------------------------------------------------------------------------
// correct variants

/** xlogy(a, b) = a·log b with xlogy(0, b) = 0 (scipy / torch.xlogy) */
const xlogy = (a: number, b: number): number => (a === 0 && !Number.isNaN(b) ? 0 : a * Math.log(b));

const CORRECT: KlMatrixEntry[] = [
  entry('kl-div-base', 'correct', 'pointwise t·(log t − x) (e^t·(t − x) with log_target), 0 at t = 0, compensated sums', correct),
  entry(
    'kl-div-xlogy-form',
    'correct',
    "PyTorch's form xlogy(t, t) − t·x with the zero-coefficient product at t = 0, recursive (uncompensated) summation",
    {
      kl_div: (a) => reduce(a, map(a, (x, t) => (a.log_target ? term(x, t, true) : t === 0 ? 0 : xlogy(t, t) - t * x)), plainSum),
    },
  ),
];

export const KL_MATRIX_ENTRIES: readonly KlMatrixEntry[] = [...BUGS, ...CORRECT];

/** the correct implementation of every kl op (what the self-test's base adds for kl_div) */
export const KL_BASE_OPS: Record<KlOpName, KlImpl> = correct;
