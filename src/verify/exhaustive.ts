/**
 * Exhaustive float32 check of sigmoid, log_sigmoid and softplus: walk every float32 input
 * (all 2^32 bit patterns, or a range of them) through an in-process implementation and
 * compare each output with the correctly rounded float32 of the exact value.
 *
 * Correct rounding is decided by a float64 evaluation with a proven relative error bound
 * (below); when the float32 rounding of the enclosure v·[1 − ε, 1 + ε] is not constant (the
 * exact value may be within ε of a float32 midpoint: ~2^-22 of the inputs), the
 * reference decides (referenceFloats: the certified double-double path, then the decimal
 * Ziv loop).
 *
 * Float64 evaluation (u = 2^-53), x a float32 (exact as a double), E = e^−|x|:
 *  - exp(a), a = −|x| ∈ [−120, 0]: k = round(a·256/ln2), |k| < 2^16, a = k·ln2/256 + r;
 *    t = a − k·C1 is exact (a's quantum is ≥ 2^-33 when k ≠ 0, k·C1 a multiple of 2^-40,
 *    |t| < 2^-10); r̃ = t − fl(k·C2) errs by ≤ u|r̃| + 2^-77 (the rounding of k·C2, the
 *    dropped k·(C3 + δ)); e^r by its degree-5 Taylor polynomial in Horner form: rounding
 *    ≤ 11u·|r| + u (the final 1 + q), truncation ≤ |r|^6/720·1.001 < 2^-72; times
 *    th[j] ≈ 2^(j/256) (relative error ≤ u + 2^-105) and one more rounding; 2^K exact.
 *    ε_E ≤ 3.02u.
 *  - sigmoid: x ≥ 0: 1/(1 + E), x < 0: E/(1 + E): one rounding for 1 + E (positive terms),
 *    one for the quotient, and ε_E twice at most: ≤ 2ε_E + 2u + O(u²) < 8.1u. EPS_SIGMOID = 2^-48 (32u).
 *  - log1p(E), E ∈ (0, 1]: 2·atanh(z), z = E/(2 + E) ≤ 1/3 (2 roundings), w = z² (≤ 5u),
 *    atanh(z)/z = Σ_{k≤16} w^k/(2k + 1) by Horner with positive terms (≤ γ_34 + u ≤ 35u;
 *    w's error enters with factor ≤ 0.16; truncation ≤ w^17/35·9/8 < 2^-59), × 2z (u);
 *    E's error ε_E passes through with factor ≤ 1 (E/((1 + E)·log1p(E)) ≤ 1). ε_L < 42.2u.
 *  - softplus: x > 0: x + log1p(E) (positive terms: ε_L + u), x ≤ 0: log1p(E).
 *    log_sigmoid(x) = −softplus(−x). EPS_SOFTPLUS = 2^-46 (128u > 43.2u).
 *  - |x| > 120: E < 2^-173, below half an ulp of every float32 result: sigmoid is 1 or +0,
 *    softplus x or +0, log_sigmoid −0 or x (docs/semantics.md: a tiny negative is −0).
 * The enclosure [v − |v|·ε′, v + |v|·ε′], ε′ = ε + 2^-51 (covering the rounding of its own
 * ends), decides when Math.fround gives the same float32 at both ends (rounding is
 * monotone); all v here are normal doubles (≥ 2^-174).
 *
 * Errors are counted as float32 ULP distances between the implementation's output and the
 * correctly rounded value (±0 alike, as every verdict treats them; Infinity one ULP beyond
 * the largest finite); a NaN where a number is due (or the reverse) is counted apart.
 */
import { referenceFloats } from '../ops/evaluate.js';
import { TABLES } from '../reference/certified/tables.js';

export type ExhaustiveOp = 'sigmoid' | 'log_sigmoid' | 'softplus';
export const EXHAUSTIVE_OPS: readonly ExhaustiveOp[] = ['sigmoid', 'log_sigmoid', 'softplus'];

/** A float32 implementation under test: outputs for a batch of float32 inputs. */
export type BatchImpl = (x: Float32Array) => ArrayLike<number> | Promise<ArrayLike<number>>;

const U = 2 ** -53;
export const EPS_SIGMOID = 2 ** -48;
export const EPS_SOFTPLUS = 2 ** -46;
const INV_LN2_256 = 369.3299304675746;
const C1 = TABLES.c1;
const C2 = TABLES.c2;
const TH = Float64Array.from(TABLES.th);
const INV6 = 1 / 6;
const INV24 = 1 / 24;
const INV120 = 1 / 120;
/** 1/(2k + 1), k = 0..16 */
const ATANH = Float64Array.from({ length: 17 }, (_, k) => 1 / (2 * k + 1));
const P2 = Float64Array.from({ length: 401 }, (_, i) => 2 ** (i - 200)); // 2^-200..2^200, exact

/** e^a for a ∈ [−120, 0], relative error ≤ 3.02u (see the header) */
function exp64(a: number): number {
  const k = Math.round(a * INV_LN2_256);
  const r = a - k * C1 - k * C2;
  const q = r * (1 + r * (0.5 + r * (INV6 + r * (INV24 + r * INV120))));
  const K = Math.floor(k / 256);
  return TH[k - 256 * K] * (1 + q) * P2[K + 200];
}

/** log1p(E) for E ∈ (0, 1], relative error < 42.2u (+ E's own, passed through) */
function log1p64(E: number): number {
  const z = E / (2 + E);
  const w = z * z;
  let s = ATANH[16];
  for (let k = 15; k >= 0; k--) s = s * w + ATANH[k];
  return 2 * z * s;
}

/** the float64 approximation v with |v − exact| ≤ |v|·eps (eps per op, see the header); x finite, |x| ≤ 120 */
export function approx64(op: ExhaustiveOp, x: number): number {
  if (op === 'sigmoid') {
    const E = exp64(-Math.abs(x));
    return x >= 0 ? 1 / (1 + E) : E / (1 + E);
  }
  const y = op === 'softplus' ? x : -x;
  const L = log1p64(exp64(-Math.abs(y)));
  const sp = y > 0 ? y + L : L;
  return op === 'softplus' ? sp : -sp;
}

const LIMIT = 120;

/** the correctly rounded float32 value when it follows from the semantics alone, else undefined */
function special(op: ExhaustiveOp, x: number): number | undefined {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) <= LIMIT) return undefined;
  switch (op) {
    case 'sigmoid':
      return x > 0 ? 1 : 0;
    case 'softplus':
      return x > 0 ? x : 0; // +∞ → +∞; x > 120: x + (0, 2^-173) rounds to x; −∞ and x < −120: +0 (or (0, tiny))
    case 'log_sigmoid':
      // +∞: exactly 0 (+0); x > 120: −(0, 2^-173) → −0; x < −120 (and −∞): x − tiny → x
      return x === Infinity ? 0 : x > 0 ? -0 : x;
  }
}

/** Statistics of the last correctFloat32 calls: how many needed the reference. */
export const exhaustiveStats = { hard: 0 };

/** The correctly rounded float32 of op at the float32 x (as a double). */
export function correctFloat32(op: ExhaustiveOp, x: number): number {
  const s = special(op, x);
  if (s !== undefined) return s;
  const v = approx64(op, x);
  const eps = (op === 'sigmoid' ? EPS_SIGMOID : EPS_SOFTPLUS) + 2 * U;
  const d = Math.abs(v) * eps;
  const lo = Math.fround(v - d);
  if (lo === Math.fround(v + d)) return lo;
  exhaustiveStats.hard++;
  return (referenceFloats(op, { x: [x] }).float32 as number[])[0];
}

// ---------------------------------------------------------------------------------------
// the walk

export interface ExhaustiveExample {
  /** the input's float32 bit pattern, hex */
  bits: string;
  x: number;
  got: number;
  want: number;
  /** float32 ULP distance (Infinity for a NaN mismatch) */
  ulp: number;
}

export interface ExhaustiveReport {
  op: ExhaustiveOp;
  /** bit patterns [from, to) as unsigned 32-bit integers */
  from: number;
  to: number;
  checked: number;
  /** outputs equal to the correct rounding (±0 alike) */
  correctlyRounded: number;
  /** counts of outputs by ULP error: index = ULP (the last bucket is "≥ that many") */
  ulpHistogram: number[];
  maxUlp: number;
  /** the input with the largest error (the first such in walking order) */
  worst: ExhaustiveExample | null;
  /** NaN where a number is due, or a number where NaN is due */
  nanMismatches: number;
  /** the first few inputs with an error, in walking order */
  examples: ExhaustiveExample[];
  /** inputs whose correct rounding needed the reference (near a float32 midpoint) */
  hardCases: number;
  seconds: number;
}

export interface ExhaustiveOptions {
  /** first bit pattern (default 0) */
  from?: number;
  /** one past the last bit pattern (default 2^32) */
  to?: number;
  /** inputs per call of the implementation (default 65536) */
  batch?: number;
  /** how many erroneous inputs to keep as examples (default 20) */
  maxExamples?: number;
  onProgress?: (done: number, total: number) => void;
}

const HIST = 8;

function ordinal32(bits: number): number {
  return bits >= 0x80000000 ? -(bits - 0x80000000) : bits;
}

/**
 * Check `impl` on every float32 whose bit pattern is in [from, to): the ULP error of each
 * output against the correctly rounded value.
 */
export async function exhaustive(op: ExhaustiveOp, impl: BatchImpl, opts: ExhaustiveOptions = {}): Promise<ExhaustiveReport> {
  const from = opts.from ?? 0;
  const to = opts.to ?? 2 ** 32;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 2 ** 32 || from >= to) {
    throw new RangeError(`exhaustive: range [${from}, ${to}) must satisfy 0 <= from < to <= 2^32`);
  }
  const batch = opts.batch ?? 65536;
  const maxExamples = opts.maxExamples ?? 20;
  const t0 = Date.now();
  const hard0 = exhaustiveStats.hard;
  const bitsArr = new Uint32Array(batch);
  const xs = new Float32Array(bitsArr.buffer);
  const outF = new Float32Array(1);
  const outB = new Uint32Array(outF.buffer);
  const report: ExhaustiveReport = {
    op,
    from,
    to,
    checked: 0,
    correctlyRounded: 0,
    ulpHistogram: new Array<number>(HIST).fill(0),
    maxUlp: 0,
    worst: null,
    nanMismatches: 0,
    examples: [],
    hardCases: 0,
    seconds: 0,
  };
  for (let start = from; start < to; start += batch) {
    const n = Math.min(batch, to - start);
    for (let i = 0; i < n; i++) bitsArr[i] = start + i;
    const view = n === batch ? xs : xs.subarray(0, n);
    const got = await impl(view);
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      const want = correctFloat32(op, x);
      const g = got[i];
      let ulp: number;
      if (Number.isNaN(want) || Number.isNaN(g)) {
        if (Number.isNaN(want) && Number.isNaN(g)) ulp = 0;
        else {
          ulp = Infinity;
          report.nanMismatches++;
        }
      } else if (g === want) ulp = 0; // ±0 alike
      else {
        outF[0] = g;
        const og = ordinal32(outB[0]);
        const gotExact = outF[0] === g; // a double output must be a float32 value
        outF[0] = want;
        const ow = ordinal32(outB[0]);
        ulp = gotExact ? Math.abs(og - ow) : Math.abs(og - ow) + 0.5; // a non-float32 output is off-grid
      }
      report.checked++;
      if (ulp === 0) report.correctlyRounded++;
      if (Number.isFinite(ulp)) report.ulpHistogram[Math.min(Math.ceil(ulp), HIST - 1)]++;
      if (ulp > 0) {
        const ex: ExhaustiveExample = { bits: '0x' + bitsArr[i].toString(16).padStart(8, '0'), x, got: g, want, ulp };
        if (report.examples.length < maxExamples) report.examples.push(ex);
        if (ulp > report.maxUlp) {
          report.maxUlp = ulp;
          report.worst = ex;
        }
      }
    }
    opts.onProgress?.(Math.min(start + batch, to) - from, to - from);
  }
  report.hardCases = exhaustiveStats.hard - hard0;
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}

/** Merge the reports of disjoint ranges (shards) of one op into one. */
export function mergeExhaustive(reports: readonly ExhaustiveReport[]): ExhaustiveReport {
  if (reports.length === 0) throw new RangeError('mergeExhaustive: no reports');
  const op = reports[0].op;
  if (reports.some((r) => r.op !== op)) throw new RangeError('mergeExhaustive: reports of different ops');
  const sorted = [...reports].sort((a, b) => a.from - b.from);
  const out: ExhaustiveReport = {
    ...sorted[0],
    ulpHistogram: new Array<number>(HIST).fill(0),
    examples: [],
    checked: 0,
    correctlyRounded: 0,
    nanMismatches: 0,
    hardCases: 0,
    seconds: 0,
    maxUlp: 0,
    worst: null,
    to: sorted[sorted.length - 1].to,
  };
  for (const r of sorted) {
    out.checked += r.checked;
    out.correctlyRounded += r.correctlyRounded;
    out.nanMismatches += r.nanMismatches;
    out.hardCases += r.hardCases;
    out.seconds += r.seconds;
    r.ulpHistogram.forEach((c, i) => (out.ulpHistogram[i] += c));
    if (r.maxUlp > out.maxUlp) {
      out.maxUlp = r.maxUlp;
      out.worst = r.worst;
    }
    for (const e of r.examples) if (out.examples.length < 20) out.examples.push(e);
  }
  return out;
}
