/**
 * The noise level of f, measured from f itself: ECnoise (Moré & Wild, "Estimating
 * computational noise", SIAM J. Sci. Comput. 33(3), 2011). f is sampled at nf equally
 * spaced points along a direction, with a spacing small enough that the smooth part of f
 * is invisible in high-order differences; the k-th differences of pure noise of standard
 * deviation σ have mean square σ²·(2k)!/(k!)², so σ_k = sqrt(γ_k·mean(Δ^k f²)) with
 * γ_k = (k!)²/(2k)!. The estimate is accepted at the first order k where three
 * consecutive σ's agree within a factor 4 and the differences change sign (noise, not
 * curvature). When no noise is visible (f exactly smooth in the samples) the floor
 * u·|f| (one rounding of the result) applies.
 */

export const ECNOISE_POINTS = 7;

/**
 * ECnoise for one sequence of values; returns the noise σ, or undefined if it cannot tell.
 * With `fallback`, an undecided probe returns the smallest level of order ≥ 2 instead: for
 * pure noise every level estimates σ, and a smooth contribution only raises a level, so
 * this errs on the side of more noise (a wider tolerance).
 */
export function ecnoise(fval: readonly number[], fallback = false): number | undefined {
  const nf = fval.length;
  const f = fval.slice();
  let fmin = Infinity;
  let fmax = -Infinity;
  for (const v of f) {
    if (!Number.isFinite(v)) return undefined;
    fmin = Math.min(fmin, v);
    fmax = Math.max(fmax, v);
  }
  const big = Math.max(Math.abs(fmin), Math.abs(fmax));
  if (big > 0 && (fmax - fmin) / big > 0.1) return undefined; // spacing too large
  const level: number[] = [];
  const dsgn: boolean[] = [];
  let gamma = 1;
  for (let j = 1; j < nf; j++) {
    for (let i = 0; i < nf - j; i++) f[i] = f[i + 1] - f[i];
    if (j === 1) {
      let zeros = 0;
      for (let i = 0; i < nf - 1; i++) if (f[i] === 0) zeros++;
      if (zeros >= nf / 2) return 0; // no noise detected: f is constant at this resolution
    }
    gamma *= 0.5 * (j / (2 * j - 1));
    let ss = 0;
    let emin = Infinity;
    let emax = -Infinity;
    for (let i = 0; i < nf - j; i++) {
      ss += f[i] * f[i];
      emin = Math.min(emin, f[i]);
      emax = Math.max(emax, f[i]);
    }
    level.push(Math.sqrt((gamma * ss) / (nf - j)));
    dsgn.push(emin * emax < 0);
  }
  for (let k = 0; k + 2 < level.length; k++) {
    const a = Math.min(level[k], level[k + 1], level[k + 2]);
    const b = Math.max(level[k], level[k + 1], level[k + 2]);
    if (b <= 4 * a && dsgn[k]) return level[k];
  }
  if (fallback && level.length > 1) return Math.min(...level.slice(1));
  return undefined;
}

/**
 * Noise per output: `samples[j]` holds all outputs at the j-th point.
 */
export function ecnoiseOutputs(samples: readonly Float64Array[], m: number, fallback = false): (number | undefined)[] {
  const out: (number | undefined)[] = new Array(m);
  const seq: number[] = new Array(samples.length);
  for (let o = 0; o < m; o++) {
    for (let j = 0; j < samples.length; j++) seq[j] = samples[j][o];
    out[o] = ecnoise(seq, fallback);
  }
  return out;
}
