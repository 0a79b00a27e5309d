/**
 * What two widely used test helpers would have said about the same results, as pure
 * functions over flattened numbers (for the self-test's comparison column).
 *
 * torch.testing.assert_close (PyTorch ≥ 1.12): elementwise torch.isclose,
 *     |actual − expected| ≤ atol + rtol·|expected|
 * with defaults by dtype (float64: rtol 1e-7, atol 1e-7; float32: rtol 1.3e-6, atol 1e-5);
 * equal values are close (so are equal infinities); NaN is never close unless equal_nan
 * (default False); an infinity is never close to a finite value or to the other infinity.
 *
 * tfjs-core's test_util.expectArraysClose: |actual − expected| ≤ ε elementwise with
 * ε = testEpsilon() = 1e-3 on a float32 backend (1e-1 on a float16 one); any two non-finite
 * values count as equal (`!isFinite(a) && !isFinite(e)`, so NaN = +∞ = −∞), a non-finite
 * value against a finite one is a failure. Shapes must agree in both.
 */
import type { Dtype } from '../core/dtype.js';

export interface CloseVerdict {
  pass: boolean;
  /** the first offending element (flat index), −1 when the shapes differ or all pass */
  index: number;
  actual?: number;
  expected?: number;
  message: string;
}

export interface TorchTolerance {
  rtol: number;
  atol: number;
  equalNan?: boolean;
}

/** torch.testing.assert_close's default rtol / atol for a dtype */
export function torchDefaults(dtype: Dtype): TorchTolerance {
  return dtype === 'float64' ? { rtol: 1e-7, atol: 1e-7 } : { rtol: 1.3e-6, atol: 1e-5 };
}

/** torch.isclose on two numbers */
export function torchIsClose(a: number, e: number, tol: TorchTolerance): boolean {
  if (a === e) return true; // also equal infinities, and −0 == +0
  if (Number.isNaN(a) || Number.isNaN(e)) return !!tol.equalNan && Number.isNaN(a) && Number.isNaN(e);
  if (!Number.isFinite(a) || !Number.isFinite(e)) return false;
  return Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
}

/** tfjs-core areClose */
export function tfjsAreClose(a: number, e: number, epsilon: number): boolean {
  if (!Number.isFinite(a) && !Number.isFinite(e)) return true;
  if (Number.isNaN(a) || Number.isNaN(e) || Math.abs(a - e) > epsilon) return false;
  return true;
}

function shapeOf(v: unknown): string {
  if (typeof v === 'number') return '[]';
  if (Array.isArray(v)) return `[${v.length}${v.length && Array.isArray(v[0]) ? `, ${(v[0] as unknown[]).length}` : ''}]`;
  return typeof v;
}

function flat(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.flatMap(flat);
  return [NaN];
}

function compare(actual: unknown, expected: unknown, close: (a: number, e: number) => boolean, rule: string): CloseVerdict {
  if (shapeOf(actual) !== shapeOf(expected)) {
    return { pass: false, index: -1, message: `shapes differ: ${shapeOf(actual)} vs ${shapeOf(expected)}` };
  }
  const a = flat(actual);
  const e = flat(expected);
  for (let i = 0; i < e.length; i++) {
    if (!close(a[i], e[i])) {
      return { pass: false, index: i, actual: a[i], expected: e[i], message: `element ${i}: ${a[i]} vs ${e[i]} (${rule})` };
    }
  }
  return { pass: true, index: -1, message: 'close' };
}

/** torch.testing.assert_close(actual, expected) with the dtype's defaults (or `tol`) */
export function torchAssertClose(actual: unknown, expected: unknown, tol: TorchTolerance): CloseVerdict {
  return compare(
    actual,
    expected,
    (a, e) => torchIsClose(a, e, tol),
    `rtol ${tol.rtol}, atol ${tol.atol}${tol.equalNan ? ', equal_nan' : ''}`,
  );
}

/** tfjs expectArraysClose(actual, expected, epsilon = 1e-3) */
export function tfjsExpectArraysClose(actual: unknown, expected: unknown, epsilon = 1e-3): CloseVerdict {
  return compare(actual, expected, (a, e) => tfjsAreClose(a, e, epsilon), `|Δ| ≤ ${epsilon}`);
}
