/**
 * Second and third order.
 * - gradgradcheck: the Hessian of f, given as Hessian-vector products (or a matrix), against
 *   numeric derivatives of the user's first-order analytic gradient (the Jacobian of the
 *   gradient is the Hessian; H is symmetric, so u ↦ H·u is both its JVP and its VJP).
 * - thirdOrderCheck: for a direction v, the map x ↦ H(x)·v is differentiated numerically
 *   along each input (or random projections in fast mode) and compared with the user's
 *   third-order term third(x, u, v) = D³f(x)[u, v, ·] = d/dt H(x + t·u)·v at t = 0.
 */
import { GradcheckError } from './errors.js';
import { type GradInput, makePoint } from './format.js';
import { runCheck } from './gradcheck.js';
import { DEFAULT_SEED, SeededRandom } from '../core/prng.js';
import type { GradcheckOptions, GradcheckReport, JacobianLike } from './types.js';

export type HessianAnalytic<X extends GradInput = GradInput> =
  | { hvp: (x: X, v: number[]) => ArrayLike<number> }
  | { hessian: JacobianLike | ((x: X) => JacobianLike) };

/** Check an analytic Hessian (hvp or matrix) against numeric derivatives of the analytic gradient. */
export function gradgradcheck<X extends GradInput>(
  grad: (x: X) => ArrayLike<number>,
  x: X,
  analytic: HessianAnalytic<X>,
  options: GradcheckOptions = {},
): GradcheckReport {
  if (analytic === null || typeof analytic !== 'object' || ('hvp' in analytic) === ('hessian' in analytic)) {
    throw new GradcheckError('gradgradcheck: analytic must be { hvp } or { hessian }');
  }
  const f = (z: X) => Array.from(grad(z));
  const a = 'hvp' in analytic ? { jvp: analytic.hvp } : { jacobian: analytic.hessian };
  return runCheck(f, x, a, options, 2, { jvp: 'analytic hvp', jacobian: 'analytic hessian' });
}

export interface ThirdOrderOptions extends GradcheckOptions {
  /** the Hessian-vector product's direction v (default: a seeded standard normal vector) */
  v?: ArrayLike<number>;
}

/**
 * Check the analytic third-order term third(x, u, v) = d/dt [H(x + t·u)·v] at t = 0 against
 * numeric derivatives of hvp(·, v).
 */
export function thirdOrderCheck<X extends GradInput>(
  hvp: (x: X, v: number[]) => ArrayLike<number>,
  x: X,
  analytic: { third: (x: X, u: number[], v: number[]) => ArrayLike<number> },
  options: ThirdOrderOptions = {},
): GradcheckReport {
  if (typeof hvp !== 'function') throw new GradcheckError('thirdOrderCheck: hvp must be a function (x, v) => H(x)·v');
  if (!analytic || typeof analytic.third !== 'function') {
    throw new GradcheckError('thirdOrderCheck: analytic must be { third: (x, u, v) => number[] }');
  }
  const n = makePoint(x, options.dtype).values.length;
  let v: number[];
  if (options.v !== undefined) {
    if (options.v.length !== n) throw new GradcheckError(`thirdOrderCheck: v has ${options.v.length} entries but x has ${n} inputs`);
    v = Array.from(options.v);
  } else {
    const rng = new SeededRandom(((options.seed ?? DEFAULT_SEED) ^ 0x7d1) >>> 0);
    v = Array.from({ length: n }, () => rng.normal());
  }
  const f = (z: X) => Array.from(hvp(z, v.slice()));
  const vs = v.length <= 6 ? `[${v.map((t) => t.toPrecision(4)).join(', ')}]` : `[${v.length} entries]`;
  return runCheck(
    f,
    x,
    { jvp: (z: X, u: number[]) => analytic.third(z, u, v.slice()) },
    options,
    3,
    { jvp: 'analytic third-order term' },
    `; v = ${vs}`,
  );
}
