/** Public types of the gradient checkers. */
import type { Dtype, GradInput } from './format.js';

export type { Dtype, GradInput };

/** What f may return: a number, a vector (number[] or typed array), or a matrix (flattened row-major). */
export type FnOutput = number | readonly number[] | Float64Array | Float32Array | readonly (readonly number[])[];

export type JacobianLike = ArrayLike<ArrayLike<number>>;

/**
 * The analytic derivative to check, in one of four forms. Outputs and inputs are indexed
 * flat (a matrix output is row-major). Direction vectors are passed as number[].
 * - jacobian: J[o][i] = d out[o] / d x[i] (a matrix, or a function of x); for a scalar f a flat [n] is accepted
 * - vjp: v ↦ Jᵀv (backward mode; the gradient of ⟨v, f(x)⟩)
 * - jvp: u ↦ J·u (forward mode; the directional derivative along u)
 * - gradient: x ↦ ∇f(x) for a scalar f (the same as vjp with v = [1])
 */
export type Analytic<X extends GradInput = GradInput> =
  | { jacobian: JacobianLike | ArrayLike<number> | ((x: X) => JacobianLike | ArrayLike<number>) }
  | { vjp: (x: X, v: number[]) => ArrayLike<number> }
  | { jvp: (x: X, u: number[]) => ArrayLike<number> }
  | { gradient: (x: X) => ArrayLike<number> };

export interface GradcheckOptions {
  /** numeric derivative: 'ridders' (default; Richardson tableau with error estimate) or 'central' (one step + Richardson error estimate) */
  method?: 'ridders' | 'central';
  /** compare random projections uᵀJv instead of every entry; falls back to the full Jacobian on failure */
  fastMode?: boolean;
  /** projections per fast-mode check (default 1) */
  projections?: number;
  /**
   * nominal step (absolute), one number or one per input. Ridders: the first (largest) step of
   * the tableau; central: the step. Default: derived from the format's u and max(|x_i|, 1).
   */
  step?: number | ArrayLike<number>;
  /**
   * how default steps grow with |x_i|: 'log' (default; max(1, log1p|x_i|, √u·|x_i|)) or
   * 'relative' (max(|x_i|, 1), for functions whose length scale grows with |x|, like log x)
   */
  stepScale?: 'log' | 'relative';
  /** safety factor on the numeric side's error estimate + noise (default 4) */
  k?: number;
  /** relative tolerance for the analytic value's own rounding (default 32·u·max(1, max|x_i|)) */
  rtol?: number;
  /** absolute tolerance per entry (default 32·u·max_i |numeric[o][i]|, per output row o) */
  atol?: number;
  /** seed of the PRNG behind projections and the noise probe (default 0x5eed); reported */
  seed?: number;
  /** inputs to check: a boolean per input or a list of input indices */
  mask?: readonly boolean[] | readonly number[];
  /** the function's float format; a Float32Array input implies 'float32' */
  dtype?: Dtype;
  /** known absolute noise level σ of f (a number, or one per output); default: measured (ECnoise) */
  fNoise?: number | ArrayLike<number>;
  /** failing entries kept in the report (default 20) */
  maxFailures?: number;
  /** keep every compared entry in report.entries (for tables, plots or custom verdicts) */
  keepEntries?: boolean;
}

/** One compared entry (or one projection in fast mode: output = input = -1). */
export interface EntryCheck {
  output: number;
  input: number;
  /** fast mode: the projection's index */
  projection?: number;
  analytic: number;
  numeric: number;
  /** |analytic - numeric| */
  error: number;
  /** the numeric derivative's error estimate (Ridders' tableau, or Richardson for 'central') */
  errorEstimate: number;
  /** the rounding noise of f propagated to this derivative (σ_f times the tableau's amplification) */
  noise: number;
  tolerance: number;
  /** error / tolerance (> 1 fails; NaN comparisons count as Infinity) */
  ratio: number;
}

export type GradcheckMode = 'full' | 'fast' | 'fast+full' | 'decimal';

export interface GradcheckReport {
  ok: boolean;
  /** the entry with the largest error / tolerance ratio */
  worst: EntryCheck | null;
  /** entries (or projections, in fast mode) compared */
  checked: number;
  failed: number;
  /** failing entries, worst first (at most options.maxFailures) */
  failures: EntryCheck[];
  /** fast mode: every projection compared */
  projections?: EntryCheck[];
  /** every compared entry, with options.keepEntries (the tolerance of an entry does not depend on the analytic value) */
  entries?: EntryCheck[];
  seed: number;
  mode: GradcheckMode;
  method: 'ridders' | 'central' | 'decimal';
  dtype: Dtype;
  /** 1 gradient / Jacobian, 2 Hessian (gradgradcheck), 3 third-order (thirdOrderCheck) */
  order: 1 | 2 | 3;
  shape: { outputs: number; inputs: number; checkedInputs: number };
  /** the tolerance parameters in force (atol: the number given, or 'derived') */
  settings: { k: number; rtol: number; atol: number | 'derived'; u: number; digits?: number };
  /** noise level σ of each output of f (measured or given) */
  fNoise: number[];
  message: string;
}
