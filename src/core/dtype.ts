/**
 * The formats an implementation under test (or the fast path) computes in. One type for the
 * whole code base: verify, audit, the fast kernels, regimes and the self-test all use it.
 */
export type Dtype = 'float64' | 'float32';

export const DTYPES: readonly Dtype[] = ['float64', 'float32'];

/** Round a generated number to the dtype (float32: Math.fround; ±0 → +0 unchanged). */
export function roundTo(dtype: Dtype): (x: number) => number {
  return dtype === 'float32' ? Math.fround : (x: number) => x;
}
