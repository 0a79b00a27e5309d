/**
 * Ridders' method (Numerical Recipes' dfridr) for many outputs at once: a tableau of
 * central differences with shrinking steps h_0 > h_1 > ... (ratio CON), extrapolated to
 * h -> 0 by Neville's scheme in h² (Richardson). Each output keeps the tableau entry with
 * the smallest error estimate, NR's max(|a[j][i] - a[j-1][i]|, |a[j][i] - a[j-1][i-1]|)
 * made stricter with |a[j][i] - a[j][i-1]| (see below), and stops when the diagonal grows
 * by SAFE over its best error (rounding has taken over).
 *
 * Steps are the realised half-widths (see format.ts), so the extrapolation uses the exact
 * ratios h_{i-j}² / h_i² rather than CON². Alongside each entry we propagate its rounding
 * amplification: a central difference (f+ - f-) / 2h turns a noise σ in f into at most σ/h,
 * and a Neville combination c1·A - c2·B into c1·N(A) + c2·N(B). The chosen entry's factor
 * times the noise level of f is the `noise` term of the tolerance.
 */
import { GradcheckError } from './errors.js';

export const RIDDERS_CON = 1.4;
export const RIDDERS_NTAB = 10;
export const RIDDERS_SAFE = 2;

export interface SecantRow {
  /** realised half-width */
  h: number;
  /** central difference per output */
  values: Float64Array;
}

/** Thrown by a row callback when f is not finite at x ± h. */
export class NonFiniteStep extends Error {
  constructor(message: string) {
    super(message);
  }
}

export interface RiddersResult {
  value: Float64Array;
  err: Float64Array;
  /** rounding amplification of the chosen entry (multiply by the noise σ of f) */
  noiseFactor: Float64Array;
  /** realised step of the first row of the chosen tableau entry's column (for reports) */
  step: Float64Array;
  rows: number;
}

export interface RiddersConfig {
  /** nominal first step */
  h0: number;
  /** the smallest nominal step at which a restart (after a non-finite f) is still allowed */
  hFloor: number;
  con?: number;
  ntab?: number;
  safe?: number;
  /** NR's estimate only, without the same-order agreement term (for comparison; default false) */
  classic?: boolean;
}

export function ridders(m: number, rowAt: (h: number) => SecantRow, cfg: RiddersConfig): RiddersResult {
  const con = cfg.con ?? RIDDERS_CON;
  const ntab = cfg.ntab ?? RIDDERS_NTAB;
  const safe = cfg.safe ?? RIDDERS_SAFE;
  const strict = !cfg.classic;
  const value = new Float64Array(m);
  const err = new Float64Array(m);
  const noiseFactor = new Float64Array(m);
  const step = new Float64Array(m);
  const done = new Uint8Array(m);
  let ndone = 0;
  let hs: number[] = [];
  let prev: Float64Array[] = [];
  let prevN: number[] = [];
  let nominal = cfg.h0;
  const reset = () => {
    err.fill(Infinity);
    done.fill(0);
    ndone = 0;
    hs = [];
    prev = [];
    prevN = [];
  };
  reset();
  for (;;) {
    let row: SecantRow;
    try {
      row = rowAt(nominal);
    } catch (e) {
      if (e instanceof NonFiniteStep) {
        const next = nominal / con;
        if (next >= cfg.hFloor) {
          // the step left the function's domain (or overflowed): restart with smaller steps
          reset();
          nominal = next;
          continue;
        }
        throw new GradcheckError(e.message);
      }
      throw e;
    }
    const i = hs.length;
    hs.push(row.h);
    const cur: Float64Array[] = [row.values];
    const curN: number[] = [1 / row.h];
    if (i === 0) {
      value.set(row.values);
      noiseFactor.fill(1 / row.h);
      step.fill(row.h);
    }
    for (let j = 1; j <= i; j++) {
      const H1 = hs[i - j] * hs[i - j];
      const H0 = hs[i] * hs[i];
      const den = H1 - H0;
      const c1 = H1 / den;
      const c2 = H0 / den;
      const a = cur[j - 1];
      const b = prev[j - 1];
      const col = new Float64Array(m);
      for (let o = 0; o < m; o++) col[o] = c1 * a[o] - c2 * b[o];
      const n = c1 * curN[j - 1] + c2 * prevN[j - 1];
      cur.push(col);
      curN.push(n);
      for (let o = 0; o < m; o++) {
        if (done[o]) continue;
        // NR: distance to the two entries it was built from. We also require agreement with the
        // previous extrapolation of the same order (prev[j]): two extrapolations from
        // different step ranges that agree are converged, whereas two nearly equal
        // secants on either side of a turning point of the truncation error (steps too
        // large for the Taylor expansion) make NR's estimate falsely small.
        let errt = Math.max(Math.abs(col[o] - a[o]), Math.abs(col[o] - b[o]));
        if (strict) errt = j < i ? Math.max(errt, Math.abs(col[o] - prev[j][o])) : Infinity;
        if (errt <= err[o]) {
          err[o] = errt;
          value[o] = col[o];
          noiseFactor[o] = n;
          step[o] = hs[i];
        }
      }
    }
    if (i >= 1) {
      for (let o = 0; o < m; o++) {
        if (done[o]) continue;
        if (Math.abs(cur[i][o] - prev[i - 1][o]) >= safe * err[o]) {
          done[o] = 1;
          ndone++;
        }
      }
    }
    prev = cur;
    prevN = curN;
    nominal /= con;
    if (ndone === m || hs.length >= ntab) break;
  }
  return { value, err, noiseFactor, step, rows: hs.length };
}

/**
 * A single central difference at step h with a Richardson error estimate: D(h) and D(2h)
 * differ by ~3ch², so |D(2h) - D(h)| / 3 estimates the truncation error of D(h).
 */
export function centralDifference(m: number, rowAt: (h: number) => SecantRow, h: number): RiddersResult {
  let r1: SecantRow;
  let r2: SecantRow;
  try {
    r1 = rowAt(h);
    r2 = rowAt(2 * h);
  } catch (e) {
    if (e instanceof NonFiniteStep) throw new GradcheckError(e.message);
    throw e;
  }
  const value = Float64Array.from(r1.values);
  const err = new Float64Array(m);
  for (let o = 0; o < m; o++) err[o] = Math.abs(r2.values[o] - r1.values[o]) / 3;
  return { value, err, noiseFactor: new Float64Array(m).fill(1 / r1.h), step: new Float64Array(m).fill(r1.h), rows: 2 };
}
