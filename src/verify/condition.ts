/**
 * κ_i = Σ_j |x_j · ∂f_i/∂x_j| for every output of an op (see policy.ts), estimated by central
 * differences of a float64 evaluator (the fast path) with relative steps x_j·(1 ± 2^-20).
 *
 * Only the size of κ matters (it scales a tolerance), so a few correct digits suffice: the
 * truncation error is O(δ²) relative and the rounding noise of the evaluator ~u/δ ≈ 1e-10
 * relative to |f|. One piece of code serves every op; rowwise ops are split into rows, so the
 * cost is O(C²) per row instead of O((N·C)²).
 */
import type { Float64Evaluator } from '../ops/evaluate.js';
import { getRecord, type OpName } from '../ops/registry.js';
import { policyFor } from './policy.js';

export type { Float64Evaluator } from '../ops/evaluate.js';

/** Can the op's closed-form κ (its record's `kappa`) handle these normalised args? */
export function analyticKappaApplies(op: OpName, args: Record<string, unknown>): boolean {
  const k = getRecord(op).kappa;
  return k !== null && k.applies(args);
}

/** κ per output from the op's closed form (see analyticKappaApplies). */
export function analyticKappa(op: OpName, args: Record<string, unknown>): number[] {
  const k = getRecord(op).kappa;
  if (k === null) throw new Error(`no closed-form condition number for ${op}`);
  return k.values(args);
}

const DELTA = 2 ** -20;

export function flatten(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.flatMap((x) => flatten(x));
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  return [NaN];
}

/** Visit every numeric leaf of an argument (number, vector or matrix) with a setter. */
function leaves(args: Record<string, unknown>, name: string, visit: (get: () => number, set: (v: number) => void) => void): void {
  const v = args[name];
  if (typeof v === 'number') {
    visit(
      () => args[name] as number,
      (x) => {
        args[name] = x;
      },
    );
  } else if (Array.isArray(v)) {
    v.forEach((row, i) => {
      if (Array.isArray(row)) {
        row.forEach((_x, j) => visit(() => row[j], (x) => (row[j] = x)));
      } else {
        visit(() => v[i], (x) => (v[i] = x));
      }
    });
  }
}

function kappaDirect(op: OpName, args: Record<string, unknown>, evaluate: Float64Evaluator): number[] {
  const base = flatten(evaluate(op, args));
  const kappa = new Array<number>(base.length).fill(0);
  const names = policyFor(op).realArgs(args);
  for (const name of names) {
    if (args[name] === undefined) continue;
    leaves(args, name, (get, set) => {
      const v = get();
      if (v === 0 || !Number.isFinite(v)) return; // relative perturbations leave 0 and ±∞ alone
      const h = Math.abs(v) * DELTA;
      const vp = v + h;
      const vm = v - h;
      let fp: number[] | null = null;
      let fm: number[] | null = null;
      try {
        set(vp);
        fp = flatten(evaluate(op, args));
        set(vm);
        fm = flatten(evaluate(op, args));
      } catch {
        // outside the evaluator's domain (e.g. a probability pushed past 1): one-sided below
      } finally {
        set(v);
      }
      for (let k = 0; k < base.length; k++) {
        const p = fp?.[k] ?? NaN;
        const m = fm?.[k] ?? NaN;
        let d: number;
        if (Number.isFinite(p) && Number.isFinite(m)) d = ((p - m) / (vp - vm)) * v;
        else if (Number.isFinite(p) && Number.isFinite(base[k])) d = ((p - base[k]) / h) * v;
        else if (Number.isFinite(m) && Number.isFinite(base[k])) d = ((base[k] - m) / h) * v;
        else continue;
        if (Number.isFinite(d)) kappa[k] += Math.abs(d);
      }
    });
  }
  return kappa;
}

/** Slice row n of every array argument (for rowwise ops): {logits: [row n], grad_output: [row n]}. */
function sliceRow(args: Record<string, unknown>, n: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    out[k] = Array.isArray(v) ? [Array.isArray(v[n]) ? [...(v[n] as number[])] : v[n]] : v;
  }
  return out;
}

/** Copy the arrays of normalised args so that perturbing them in place cannot leak. */
function cloneArgs(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    out[k] = Array.isArray(v) ? v.map((r) => (Array.isArray(r) ? [...r] : r)) : v;
  }
  return out;
}

/**
 * Rows wider than this use the closed forms of kappa.ts: central differences cost O(C²) per
 * row (minutes at C = 10^4, hours at 10^5). The closed forms are the first-order κ, which
 * does not saturate at |logits| ≳ 1e15 the way the finite-perturbation estimate does
 * (docs/verdicts.md); below this width the estimate is used everywhere.
 */
export const ANALYTIC_WIDTH = 512;

/** κ per output, flattened in result order. */
export function conditionNumbers(op: OpName, args: Record<string, unknown>, evaluate: Float64Evaluator): number[] {
  const pol = policyFor(op);
  const logits = args.logits as number[][] | undefined;
  if (Array.isArray(logits) && Array.isArray(logits[0]) && logits[0].length > ANALYTIC_WIDTH && analyticKappaApplies(op, args)) {
    return analyticKappa(op, args);
  }
  if (!pol.rowwise) return kappaDirect(op, cloneArgs(args), evaluate);
  const first = Object.values(args).find(Array.isArray) as unknown[];
  const out: number[] = [];
  for (let n = 0; n < first.length; n++) out.push(...kappaDirect(op, sliceRow(args, n), evaluate));
  return out;
}
