/**
 * The error a sound algorithm makes when its scalar multipliers are subnormal.
 *
 * Losses and their gradients are products y = s·h of the scalar multipliers (grad_output g,
 * weights w, pos_weight, the 1/N of a mean) and a data part h that may be huge: BCE's
 * backward has h = (p − t)/(p(1 − p)), 1e300 at p = 1e-300. A careful implementation that
 * forms the scale first, g/N, rounds it on the subnormal grid when it is subnormal: an
 * absolute error up to η = MIN_SUBNORMAL/2, i.e. a relative error η/|s| (at most 1: a
 * rounding never moves a value by more than itself), which the product with h carries into
 * y unchanged. With g = 4.4e-323 and N = 2 that is 11 %, on a normal y ≈ 7.8e-24: neither
 * the relative term u·|y| nor the absolute η term of the main bound covers it, and the
 * tiny-absolute class (y below MIN_NORMAL times the multipliers) does not apply either.
 *
 * So the bound carries, per output, k·|y|·min(1, η/s) (first order: one rounding per partial
 * product, each partial at least s) where s is the smallest partial
 * product of the k scalar multipliers below 1 in magnitude (the worst order a sound
 * algorithm may multiply them in). It is zero unless s is below the smallest normal number,
 * so ordinary cases are judged exactly as before; and it is relative to |y|, so an answer off
 * by a factor 2 or of the wrong sign still fails unless s is within a factor of a few of the
 * smallest subnormal (where no algorithm can do better). Computed in log space: s itself may
 * underflow to 0 in floating point.
 */
/** log2 of η = MIN_SUBNORMAL/2 (2 ** -1075 itself is not a double: it rounds to 0) */
const LOG2_ETA = { float64: -1075, float32: -150 } as const;
const LOG2_MIN_NORMAL = { float64: -1022, float32: -126 } as const;

const abs = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) && x !== 0 ? Math.abs(x) : null);

function minNonzero(v: unknown): number | null {
  let m: number | null = null;
  const visit = (x: unknown) => {
    const a = abs(x);
    if (a !== null && (m === null || a < m)) m = a;
  };
  if (Array.isArray(v)) {
    for (const x of v) {
      if (Array.isArray(x)) x.forEach(visit);
      else visit(x);
    }
  } else visit(v);
  return m;
}

function maxAbs(v: unknown): number {
  let m = 0;
  const visit = (x: unknown) => {
    const a = abs(x);
    if (a !== null && a > m) m = a;
  };
  if (Array.isArray(v)) {
    for (const x of v) {
      if (Array.isArray(x)) x.forEach(visit);
      else visit(x);
    }
  } else visit(v);
  return m;
}

/** rows of the op's batch: the length of the first array argument */
function batchSize(args: Record<string, unknown>): number {
  for (const k of ['logits', 'probs', 'log_probs', 'x']) {
    const v = args[k];
    if (Array.isArray(v)) return v.length;
  }
  return 1;
}

/**
 * The extra allowance for output `i` (flat index; `dims` the result's shape) of an op with
 * normalised `args` and exact magnitude `yAbs`, in the format `dtype`.
 */
export function scaleUnderflow(
  args: Record<string, unknown>,
  i: number,
  dims: number[],
  yAbs: number,
  dtype: 'float64' | 'float32',
): number {
  if (yAbs === 0 || !Number.isFinite(yAbs)) return 0;
  const factors: number[] = [];
  const g = args.grad_output;
  if (typeof g === 'number') {
    const a = abs(g);
    if (a !== null) factors.push(a);
  } else if (Array.isArray(g) && g.length > 0 && !Array.isArray(g[0])) {
    // a per-sample grad_output (reduction 'none'): the row of output i
    const row = dims.length === 2 ? Math.floor(i / dims[1]) : i;
    const a = abs(g[row]);
    if (a !== null) factors.push(a);
  }
  // elementwise grad_output matrices (softmax / log_softmax backward) multiply bounded
  // factors only (|p| ≤ 1): no amplification to account for
  const w = minNonzero(args.weight);
  if (w !== null) factors.push(w);
  const pw = abs(args.pos_weight);
  if (pw !== null) factors.push(pw);
  if (args.reduction === 'mean') {
    // the mean's denominator: N, or a weighted count of at most N·max|w|
    const n = batchSize(args);
    factors.push(1 / (n * Math.max(1, maxAbs(args.weight))));
  }
  let log2s = 0;
  let k = 0;
  for (const f of factors) {
    if (f < 1) {
      log2s += Math.log2(f);
      k += 1;
    }
  }
  if (k === 0 || log2s >= LOG2_MIN_NORMAL[dtype]) return 0;
  const rel = Math.min(1, 2 ** (LOG2_ETA[dtype] - log2s));
  return Math.min(k * rel * yAbs, Number.MAX_VALUE);
}
