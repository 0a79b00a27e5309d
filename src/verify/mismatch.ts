/**
 * torch.testing.assert_close-style summary of one judged result: how many elements are out
 * of their bound (k / n), and the greatest absolute and relative errors with their index and
 * the bound allowed there. People who come from PyTorch read a failure in these words first.
 */
import type { ElementJudgement } from './verdict.js';

export interface ErrorAt {
  /** the error (absolute or relative) */
  value: number;
  /** element index, as a path into the result ([] for a scalar, [i] or [row, col]) */
  path: number[];
  /** the absolute error allowed at that element (verify's bound) */
  allowed: number;
}

export interface Mismatch {
  /** elements out of their bound (failing or tiny) */
  mismatched: number;
  /** elements judged */
  total: number;
  /** elements that are NaN / ±Infinity where another value was expected (or finite where NaN / ±Infinity was) */
  nonFinite: number;
  /** over the finite errors of all elements; null when no element has a finite error */
  greatestAbs: ErrorAt | null;
  /** |got − exact| / |exact| over elements whose exact value is finite and non-zero */
  greatestRel: ErrorAt | null;
}

export function summarizeMismatch(elements: readonly ElementJudgement[]): Mismatch {
  let mismatched = 0;
  let nonFinite = 0;
  let greatestAbs: ErrorAt | null = null;
  let greatestRel: ErrorAt | null = null;
  for (const e of elements) {
    if (e.status !== 'pass') mismatched += 1;
    if (!Number.isFinite(e.errAbs)) {
      if (e.status !== 'pass') nonFinite += 1;
      continue;
    }
    if (!greatestAbs || e.errAbs > greatestAbs.value) greatestAbs = { value: e.errAbs, path: e.path, allowed: e.allowed };
    const exact = Math.abs(Number(e.expected));
    if (Number.isFinite(exact) && exact > 0) {
      const rel = e.errAbs / exact;
      if (!greatestRel || rel > greatestRel.value) greatestRel = { value: rel, path: e.path, allowed: e.allowed / exact };
    }
  }
  return { mismatched, total: elements.length, nonFinite, greatestAbs, greatestRel };
}

export function formatPath(path: readonly number[]): string {
  return path.length ? `[${path.join('][')}]` : '(scalar)';
}

const g3 = (
  x: number,
) => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(3))) : x.toExponential(2));

/** The assert_close lines: "Mismatched elements: 2 / 6 (33.3%)", greatest absolute and relative error. */
export function formatMismatch(m: Mismatch): string[] {
  const pct = m.total ? ` (${((100 * m.mismatched) / m.total).toFixed(1)}%)` : '';
  const lines = [`Mismatched elements: ${m.mismatched} / ${m.total}${pct}${m.nonFinite ? `, ${m.nonFinite} of them non-finite` : ''}`];
  if (m.greatestAbs && m.greatestAbs.value > 0) {
    lines.push(
      `Greatest absolute error: ${g3(m.greatestAbs.value)} at ${formatPath(m.greatestAbs.path)} (allowed ${g3(m.greatestAbs.allowed)})`,
    );
  }
  if (m.greatestRel && m.greatestRel.value > 0) {
    lines.push(
      `Greatest relative error: ${g3(m.greatestRel.value)} at ${formatPath(m.greatestRel.path)} (allowed ${g3(m.greatestRel.allowed)})`,
    );
  }
  return lines;
}
