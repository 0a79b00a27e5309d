/**
 * Fast kl_div kernels (forward, d/d input, d/d target) on typed arrays, float64 and float32,
 * and FAST_KL, the adapter from validated args (./args.ts) to them and back (the shape of
 * src/fast/index.ts's FAST entries).
 *
 * Forms (x = input, t = target, g = grad_output, D = N·C for mean, N for batchmean, else 1):
 *   log_target = false: ℓ = t·(L − x), L = log t in double-double (logDD below, ~2^-65
 *                       relative); L − x by TwoSum, the product by Dekker's TwoProduct, so ℓ
 *                       carries only L's error; d/dx = −t·g/D; d/dt = g·(L + 1 − x)/D.
 *   log_target = true:  ℓ = E·(t − x), E = e^t in double-double (expDD below: Cody–Waite
 *                       reduction, Math.exp, one Newton step through logDD; ~2^-66 relative,
 *                       as m·2^k so e^710 and e^-800 keep their digits), t − x exact;
 *                       d/dx = −E·g/D; d/dt = g·E·(t + 1 − x)/D.
 * Sums are double-double (compensated: Σ|ℓ|·2^-100 beyond the terms' own errors), divided by
 * D in double-double and rounded once; grad_output is pre-scaled by an exact power of two.
 * float32: the inputs are float32 values, the kernel computes in float64 and rounds each
 * output once. Only Math.exp (on |r| ≤ 0.35, as a first guess) is a libm call.
 *
 * Accuracy claim (asserted against the correctly rounded reference in test/kl-div.test.ts):
 *   |ŷ − y| ≤ ulp(y) + 2^-62·M
 * with ulp in the output format and M the magnitude the elementary functions' errors scale:
 *   forward:     Σ|t·log t| / D, or Σ|e^t·(t − x)| / D with log_target (per element for none)
 *   d/d input:   0 (exact up to the final rounding), or |e^t·g| / D with log_target
 *   d/d target:  |g·log t| / D, or |g·e^t·(t + 1 − x)| / D with log_target.
 * So every output is within 1 ulp unless the terms cancel by more than ~2^9 (a loss near 0,
 * x ≈ log t), and then within 2^-62 of the cancelled magnitude (policy.ts grants
 * 4·(n + 8)·2^-53 of it). Measured (curated cases + 60 samples of every regime, float64):
 * beyond the ulp, ≤ 2^-65.1·M over 5,661 outputs without log_target; with log_target no
 * output beyond 1 ulp over 1,416.
 *
 * Cost: the double-double log (13-term series, 4 divisions) dominates: 240–330 ms for 10^6
 * elements of kl_div (batchmean), 13–26× a naive t·(Math.log(t) − x) loop (9–40 ms), measured
 * on the shared 2-core machine under load (median of 7 runs). A table-driven log (48 entries,
 * 4 terms) and an unguarded Dekker split measured no faster there, so the simpler series
 * stays; the fast path serves verify's κ estimates and gradcheck, where this is not the limit.
 *
 * Special values follow README.md (the zero-coefficient rule at t = 0 and at e^t = 0; ±∞
 * limits; NaN where there is none). No module-level mutable state: the error-free transforms
 * return their error terms, and accumulators are locals of each call.
 */
import type { Matrix } from '../../core/args.js';
import type { Dtype as FastDtype } from '../../core/dtype.js';
import type { KlDivArgs, KlOpName, KlReduction } from './args.js';

export type FloatArray = Float64Array | Float32Array;

export interface KlDivOptions {
  /** default 'mean' */
  reduction?: KlReduction;
  /** default false */
  logTarget?: boolean;
}

export interface KlDivGradOptions extends KlDivOptions {
  /** a number for sum / mean / batchmean, [N*C] for none; default 1 / ones */
  gradOutput?: number | FloatArray;
}

// ---------------------------------------------------------------------------------------
// error-free transforms (pure: each returns the error term of an operation done by the caller)

const SPLITTER = 134217729; // 2^27 + 1
const SPLIT_LIMIT = 6.69692879491417e299; // 2^996: Dekker's split overflows above

/** the error of s = fl(a + b): a + b = s + err exactly (Knuth); 0 when s is not finite */
function sumErr(a: number, b: number, s: number): number {
  const bp = s - a;
  const e = a - (s - bp) + (b - bp);
  return e === e ? e : 0;
}

/** the high part of Dekker's split, guarded against overflow for |a| ≥ 2^996 */
function splitHi(a: number): number {
  if (Math.abs(a) < SPLIT_LIMIT) {
    const c = SPLITTER * a;
    return c - (c - a);
  }
  const as = a * 3.725290298461914e-9; // 2^-28
  const c = SPLITTER * as;
  return (c - (c - as)) * 268435456;
}

/** the error of p = fl(a·b): a·b = p + err exactly unless it underflows; 0 when p is not finite */
function prodErr(a: number, b: number, p: number): number {
  const ah = splitHi(a);
  const al = a - ah;
  const bh = splitHi(b);
  const bl = b - bh;
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  return e === e ? e : 0;
}

/** (h + l)/D in double-double, rounded once (D ≥ 1 an exact integer) */
function divRound(h: number, l: number, D: number): number {
  if (D === 1) return h + l === h + l ? h + l : h;
  const q = h / D;
  if (!Number.isFinite(q)) return q;
  const r = (h - q * D - prodErr(q, D, q * D) + l) / D;
  return q + r;
}

/** A double-double accumulator, local to one kernel call. */
interface Acc {
  h: number;
  l: number;
}

function accAdd(acc: Acc, h: number, l: number): void {
  const s = acc.h + h;
  if (!Number.isFinite(s)) {
    acc.h = s; // ±∞ or NaN (∞ − ∞) absorbs the rest
    acc.l = 0;
    return;
  }
  const e = sumErr(acc.h, h, s) + acc.l + l;
  acc.h = s + e;
  acc.l = e - (acc.h - s);
}

// ---------------------------------------------------------------------------------------
// e^t beyond the double range: e^t = m·2^k (Cody–Waite reduction, Math.exp on |r| ≤ ln2/2)

const LN2_HI = 6.93147180369123816490e-1; // 32 significant bits: k·LN2_HI is exact for |k| < 2^21
const LN2_LO = 1.90821492927058770002e-10;
/**
 * Below t = −3000, e^t·v·g < 2^-1075 for any |v| ≤ 2^1025 (a difference of doubles) and
 * |g| ≤ 2^1024: the value rounds to 0. Above +3000 it is ±∞ (for v·g ≠ 0).
 */
const EXP_GONE = 3000;

/**
 * out <- e^r as a double-double, returns k, with e^t = (out[0] + out[1])·2^k: Cody–Waite
 * reduction t = k·ln 2 + r (r in double-double, |r| ≤ 0.35), E0 = Math.exp(r), then one
 * Newton step through logDD: e^r = E0·e^δ with δ = r − log E0 ≈ 2^-52, so e^r ≈ E0·(1 + δ)
 * with relative error about that of logDD, ~2^-66. t = −∞ and t < −3000 give 0, t > 3000 ∞.
 */
function expDD(out: Pair, t: number): number {
  if (t > EXP_GONE || !(t >= -EXP_GONE)) {
    setPair(out, t > 0 ? Infinity : 0, 0); // t = −∞ included: an exact 0
    return 0;
  }
  const k = Math.round(t / Math.LN2);
  const kh = k * LN2_HI; // exact (|k| < 2^21)
  const rh = t - kh;
  const rl = sumErr(t, -kh, rh) - k * LN2_LO;
  const E0 = Math.exp(rh + rl);
  logDD(out, E0);
  const dh = rh - out[0];
  const delta = dh + sumErr(rh, -out[0], dh) + (rl - out[1]); // r − log E0, |δ| ≲ 2^-52
  setPair(out, E0, E0 * (delta + 0.5 * delta * delta));
  return k;
}

/** v·2^k with exact power-of-two steps (one rounding, or two in the subnormal range) */
function ldexp(v: number, k: number): number {
  if (k === 0 || v === 0 || !Number.isFinite(v)) return v;
  if (k > 1023) return v * 2 ** 1023 * 2 ** Math.min(k - 1023, 1023);
  if (k < -1022) return v * 2 ** -1022 * 2 ** Math.max(k + 1022, -1075);
  return v * 2 ** k;
}

// ---------------------------------------------------------------------------------------
// log t in double-double: t = m·2^k, m ∈ [√½, √2), log m = log1p(f) = 2·atanh(z),
// z = f/(2 + f), f = m − 1 exact (Sterbenz). 2·atanh(z) = 2z·(1 + R), R = z²/3 + z⁴·P(z²):
// z and z²/3 in double-double, the rest (≤ 1.8e-4 relative, |z| ≤ 0.172) in double, so the
// relative error is about 2^-53·1.8e-4 ≈ 2^-65 (measured: test/kl-div.test.ts).

/** 1/(2i + 1), i = 2..14: the atanh series beyond z³ (z^30 < 2^-70 for |z| ≤ 0.172) */
const ATANH = Array.from({ length: 13 }, (_, i) => 1 / (2 * (i + 2) + 1));

/** out <- log t (t > 0 finite) as a double-double */
function logDD(out: Pair, t: number): void {
  let k = exponentOf(t);
  let m = ldexp(t, -k); // exact: a power-of-two scaling of a normal result
  while (m >= Math.SQRT2) {
    m *= 0.5;
    k += 1;
  }
  while (m < Math.SQRT1_2) {
    m *= 2;
    k -= 1;
  }
  const f = m - 1; // exact (Sterbenz: m ∈ [1/2, 2])
  let h = 0;
  let l = 0;
  if (f !== 0) {
    const s = 2 + f;
    const sl = sumErr(2, f, s);
    const zh = f / s;
    const qs = zh * s;
    const zl = (f - qs - prodErr(zh, s, qs) - zh * sl) / s; // f − z·(s + sl), exactly enough
    const z2 = zh * zh;
    const z2l = prodErr(zh, zh, z2) + 2 * zh * zl;
    let P = 0;
    for (let i = ATANH.length - 1; i >= 0; i--) P = P * z2 + ATANH[i];
    const q3 = z2 / 3;
    const q3p = q3 * 3;
    const r3 = (z2 - q3p - prodErr(q3, 3, q3p) + z2l) / 3; // z²/3 = q3 + r3
    const tail = z2 * z2 * P;
    const p1 = zh * q3; // z·R ≈ p1 + p1l
    const p1l = prodErr(zh, q3, p1) + zh * (r3 + tail) + zl * q3;
    h = zh + p1;
    l = sumErr(zh, p1, h) + zl + p1l;
    h *= 2;
    l *= 2;
  }
  if (k !== 0) {
    const kh = k * LN2_HI; // exact
    const S = kh + h;
    l = sumErr(kh, h, S) + l + k * LN2_LO;
    h = S;
  }
  const H = h + l;
  setPair(out, H, l - (H - h));
}

// ---------------------------------------------------------------------------------------
// pointwise terms: each writes hi/lo of the value into `out` (a per-call pair)

type Pair = [number, number];

function setPair(out: Pair, h: number, l: number): void {
  out[0] = h;
  out[1] = l;
}

/** (h + hl)·(a + b) as a double-double (both double-double pairs, |hl| ≪ |h|, |b| ≪ |a|) */
function mulPair(out: Pair, h: number, a: number, b: number, hl = 0): void {
  const p = h * a;
  if (!Number.isFinite(p)) return setPair(out, p, 0);
  setPair(out, p, prodErr(h, a, p) + h * b + hl * a);
}

/** t·(log t − x) (log_target = false) */
function termProb(out: Pair, x: number, t: number): void {
  if (t !== t || t < 0) return setPair(out, NaN, 0);
  if (t === 0) return setPair(out, 0, 0); // zero-coefficient rule, whatever x is
  if (x !== x) return setPair(out, NaN, 0);
  if (t === Infinity) return setPair(out, x === Infinity ? NaN : Infinity, 0);
  if (x === -Infinity) return setPair(out, Infinity, 0);
  if (x === Infinity) return setPair(out, -Infinity, 0);
  logDD(out, t);
  const L = out[0];
  const Ll = out[1];
  const d = L - x;
  if (!Number.isFinite(d)) return setPair(out, t * d, 0);
  mulPair(out, t, d, sumErr(L, -x, d) + Ll);
}

/** e^t·(t − x) (log_target = true) */
function termLog(out: Pair, x: number, t: number): void {
  if (t !== t) return setPair(out, NaN, 0);
  if (t === -Infinity) return setPair(out, 0, 0); // e^−∞ = 0: zero-coefficient rule
  if (x !== x) return setPair(out, NaN, 0);
  if (t === Infinity) return setPair(out, x === Infinity ? NaN : Infinity, 0);
  if (x === -Infinity) return setPair(out, Infinity, 0);
  if (x === Infinity) return setPair(out, -Infinity, 0);
  if (t < -EXP_GONE) return setPair(out, 0, 0); // rounds to 0, whatever t − x is
  const d = t - x;
  if (!Number.isFinite(d)) return setPair(out, d, 0); // |t − x| overflows and e^t ≥ e^−3000: ±∞
  if (d === 0) return setPair(out, 0, 0); // t = x exactly (Sterbenz)
  const k = expDD(out, t);
  mulPair(out, out[0], d, sumErr(t, -x, d), out[1]);
  if (k !== 0) setPair(out, ldexp(out[0], k), ldexp(out[1], k));
}

function checkShape(what: string, input: FloatArray, target: FloatArray, n: number, c: number): void {
  if (!(Number.isInteger(n) && Number.isInteger(c) && n >= 1 && c >= 1)) {
    throw new RangeError(`${what}: N = ${n} and C = ${c} must be integers >= 1`);
  }
  if (input.length < n * c) throw new RangeError(`${what}: input holds ${input.length} values but N*C = ${n * c}`);
  if (target.length < n * c) throw new RangeError(`${what}: target holds ${target.length} values but N*C = ${n * c}`);
}

const denominator = (red: KlReduction, n: number, c: number): number => (red === 'mean' ? n * c : red === 'batchmean' ? n : 1);

/** +0 for zeros: forward outputs are never −0 (docs/semantics.md) */
const pz = (v: number): number => (v === 0 ? 0 : v);

// ---------------------------------------------------------------------------------------
// kernels

/** kl_div of input [n*c] (log-probabilities) against target [n*c]: a number, or [n*c] for none. */
export function klDiv(input: FloatArray, target: FloatArray, n: number, c: number, opts: KlDivOptions = {}): number | FloatArray {
  checkShape('kl_div', input, target, n, c);
  const red = opts.reduction ?? 'mean';
  const term = opts.logTarget ? termLog : termProb;
  const f32 = input instanceof Float32Array;
  const pair: Pair = [0, 0];
  const len = n * c;
  if (red === 'none') {
    const out = f32 ? new Float32Array(len) : new Float64Array(len);
    for (let i = 0; i < len; i++) {
      term(pair, input[i], target[i]);
      out[i] = pz(Number.isFinite(pair[0]) ? pair[0] + pair[1] : pair[0]);
    }
    return out;
  }
  const acc: Acc = { h: 0, l: 0 };
  for (let i = 0; i < len; i++) {
    term(pair, input[i], target[i]);
    accAdd(acc, pair[0], pair[1]);
  }
  const r = pz(divRound(acc.h, acc.l, denominator(red, n, c)));
  return f32 ? Math.fround(r) : r;
}

function gradOf(go: number | FloatArray | undefined, red: KlReduction, i: number): number {
  if (go === undefined) return 1;
  if (typeof go === 'number') {
    if (red === 'none') throw new RangeError('grad_output must be an array [N*C] for reduction "none"');
    return go;
  }
  if (red !== 'none') throw new RangeError(`grad_output must be a number for reduction "${red}"`);
  return go[i];
}

/** floor(log2|v|) up to ±1 (finite v ≠ 0); only used to pre-scale v near 1 exactly */
const exponentOf = (v: number): number => Math.max(-1074, Math.min(1023, Math.floor(Math.log2(Math.abs(v)))));

/**
 * g·v·2^k/D with the derivative v = h + l (a double-double) and the zero-coefficient rule for
 * g = 0. g is first scaled to [0.5, 4) by an exact power of two, so a subnormal or huge
 * grad_output loses no bits in the product; the powers of two are applied last.
 */
function scaleGrad(h: number, l: number, g: number, D: number, k = 0): number {
  if (g === 0 || (h === 0 && l === 0)) return 0;
  if (!Number.isFinite(g) || !Number.isFinite(h)) return g * h;
  const ge = exponentOf(g);
  const gs = ldexp(g, -ge); // exact
  const p = gs * h;
  return ldexp(divRound(p, prodErr(gs, h, p) + gs * l, D), k + ge);
}

/** d kl_div / d input: [n*c]. */
export function klDivBackward(input: FloatArray, target: FloatArray, n: number, c: number, opts: KlDivGradOptions = {}): FloatArray {
  checkShape('kl_div_backward', input, target, n, c);
  const red = opts.reduction ?? 'mean';
  const D = denominator(red, n, c);
  const len = n * c;
  const out = input instanceof Float32Array ? new Float32Array(len) : new Float64Array(len);
  const pair: Pair = [0, 0];
  for (let i = 0; i < len; i++) {
    const t = target[i];
    const g = gradOf(opts.gradOutput, red, i);
    if (t !== t || (!opts.logTarget && t < 0)) {
      out[i] = NaN;
      continue;
    }
    // scaleGrad applies the zero-coefficient rule first (t = 0, e^−∞ = 0, g = 0), then NaN g
    if (!opts.logTarget) {
      out[i] = pz(scaleGrad(-t, 0, g, D)); // t = 0 is an exact zero
      continue;
    }
    const k = expDD(pair, t); // e^−∞ = 0: an exact zero
    out[i] = pz(scaleGrad(-pair[0], -pair[1], g, D, k));
  }
  return out;
}

/** d/dt of t·(log t − x): L + 1 − x as a double-double (t > 0 finite, x finite) */
function dProb(out: Pair, x: number, t: number): void {
  logDD(out, t);
  const L = out[0];
  const Ll = out[1];
  const a = 1 - x;
  const al = sumErr(1, -x, a);
  const s = L + a;
  setPair(out, s, sumErr(L, a, s) + al + Ll);
}

/** d kl_div / d target: [n*c]; exactly 0 at t = 0 (README.md), and at t = −∞ with log_target. */
export function klDivTargetBackward(input: FloatArray, target: FloatArray, n: number, c: number, opts: KlDivGradOptions = {}): FloatArray {
  checkShape('kl_div_target_backward', input, target, n, c);
  const red = opts.reduction ?? 'mean';
  const D = denominator(red, n, c);
  const len = n * c;
  const out = input instanceof Float32Array ? new Float32Array(len) : new Float64Array(len);
  const pair: Pair = [0, 0];
  for (let i = 0; i < len; i++) {
    const x = input[i];
    const t = target[i];
    const g = gradOf(opts.gradOutput, red, i);
    if (t !== t || (!opts.logTarget && t < 0)) {
      out[i] = NaN;
      continue;
    }
    if (g === 0 || (opts.logTarget ? t === -Infinity : t === 0)) {
      out[i] = 0; // the zero-coefficient rule (and PyTorch's masked_fill at t = 0)
      continue;
    }
    if (x !== x || g !== g) {
      out[i] = NaN;
      continue;
    }
    if (t === Infinity || !Number.isFinite(x)) {
      // log ∞ + 1 − x (or e^∞·(∞ + 1 − x)) = +∞ unless x = +∞ (∞ − ∞); finite t: ∓∞ from −x
      const v = t === Infinity ? (x === Infinity ? NaN : Infinity) : x > 0 ? -Infinity : Infinity;
      out[i] = v * g;
      continue;
    }
    if (opts.logTarget) {
      if (t < -EXP_GONE) {
        out[i] = 0; // below the smallest subnormal (see EXP_GONE)
        continue;
      }
      // (t + 1 − x) exactly enough: TwoSum of t − x, then + 1 in double-double
      const d = t - x;
      if (!Number.isFinite(d)) {
        out[i] = (d > 0 ? Infinity : -Infinity) * g;
        continue;
      }
      const dl = sumErr(t, -x, d);
      const s = d + 1;
      const sl = sumErr(d, 1, s) + dl;
      const k = expDD(pair, t);
      mulPair(pair, pair[0], s, sl, pair[1]);
      out[i] = pz(scaleGrad(pair[0], pair[1], g, D, k));
      continue;
    }
    dProb(pair, x, t);
    out[i] = pz(scaleGrad(pair[0], pair[1], g, D));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// the adapter (validated args -> kernels -> nested arrays)

function flat(m: Matrix, dtype: FastDtype): FloatArray {
  const n = m.length;
  const c = m[0].length;
  const data = dtype === 'float64' ? new Float64Array(n * c) : new Float32Array(n * c);
  for (let i = 0; i < n; i++) data.set(m[i], i * c);
  return data;
}

function nest(a: FloatArray, n: number, c: number): number[][] {
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Array.from(a.subarray(i * c, i * c + c));
  return out;
}

function gradOutput(a: KlDivArgs, dtype: FastDtype): number | FloatArray {
  if (typeof a.grad_output === 'number') return dtype === 'float32' ? Math.fround(a.grad_output) : a.grad_output;
  return flat(a.grad_output, dtype);
}

type KlFast = (args: KlDivArgs, dtype: FastDtype) => number | number[][];

/** FAST entries of the three ops (float32: every floating input rounded to float32 first). */
export const FAST_KL: { [N in KlOpName]: KlFast } = {
  kl_div: (a, dt) => {
    const n = a.input.length;
    const c = a.input[0].length;
    const r = klDiv(flat(a.input, dt), flat(a.target, dt), n, c, { reduction: a.reduction, logTarget: a.log_target });
    return typeof r === 'number' ? r : nest(r, n, c);
  },
  kl_div_backward: (a, dt) => {
    const n = a.input.length;
    const c = a.input[0].length;
    const opts = { reduction: a.reduction, logTarget: a.log_target, gradOutput: gradOutput(a, dt) };
    return nest(klDivBackward(flat(a.input, dt), flat(a.target, dt), n, c, opts), n, c);
  },
  kl_div_target_backward: (a, dt) => {
    const n = a.input.length;
    const c = a.input[0].length;
    const opts = { reduction: a.reduction, logTarget: a.log_target, gradOutput: gradOutput(a, dt) };
    return nest(klDivTargetBackward(flat(a.input, dt), flat(a.target, dt), n, c, opts), n, c);
  },
};
