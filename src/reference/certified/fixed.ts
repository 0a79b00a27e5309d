/**
 * softmax's decimal strings (≤ 45 significant digits) in BigInt fixed point with a proven
 * bound, for the reference's decimal output: the decimal.js Ziv loop is kept for the rows
 * this cannot decide (and for every other op).
 *
 * Units: G = 192 fractional bits ("units" below are 2^-G, relative for values in [1, 2)).
 *  - ln2 at GL = G + 40 bits: 2·Σ 1/((2k+1)·3^(2k+1)), each term floored: the sum is within
 *    (#terms + 1) units(GL) below ln2.
 *  - 2^(j/32) and 2^(j/1024), j < 32, by their Taylor series at GT = G + 24 bits (terms
 *    floored, ≤ 2 units(GT) each, ≤ 60 terms; the argument's error ≤ 1 unit(GT) times e^a ≤ 2),
 *    floored to G: within 2 units(G).
 *  - 1/i! floored at G: within 1 unit.
 *  - exp(d), d = dh + dl exact (TwoSum), |d| ≤ 1e6: D = d at GL bits (2 floors: ≤ 2
 *    units(GL)); k = round(d·1024/ln2), k = 1024K + 32·j1 + j2; R = D − ⌊k·LN2/1024⌋ floored
 *    to G (errors ≤ 2^31·78 units(GL) + 3 ≤ 2 units(G)); |r| < 2^-11.4; e^r by Horner on
 *    14 terms (each step ≤ 2 units; truncation |r|^15/15! < 2^-211); times the two table
 *    entries (2 floors). The mantissa M = 2^(j1/32)·2^(j2/1024)·e^r ∈ [1, 2.01] is within 24
 *    units of exact; e^d = M·2^(K−G).
 *  - S = Σ_i e_i at G (e_i = M_i >> −K_i floored: ≤ 24·2^K_i + 1 units each), so S is within
 *    25·n units; n ≤ 2^20.
 *  - p_i = M_i/S·2^K_i: I = ⌊2^(2G)/S⌋ once per row, Q = ⌊M_i·I/2^G⌋: relative error
 *    ≤ (27n + 30)·2^-G (M, S, I and the floor): the enclosure [Q − Δ, Q + Δ] with
 *    Δ = ⌊Q·2^-(G − ⌈log2(54n + 60)⌉)⌋ + 2 (twice that bound). At n = 1000 this is ~2^-176,
 *    43 bits below a 40-digit decimal's half unit.
 * A decimal is decided when both ends round (half even) to the same `digits`-digit decimal.
 */
import { decompose } from '../../core/floats.js';

const G = 192;
const GB = BigInt(G);
const GL = G + 40;
const GLB = BigInt(GL);
const GT = G + 24;
const GTB = BigInt(GT);

interface Consts {
  ln2: bigint; // scale GL
  t1: bigint[]; // 2^(j/32), scale G
  t2: bigint[]; // 2^(j/1024), scale G
  f: bigint[]; // 1/i!, scale G, i = 0..14
}
let C: Consts | undefined;

function expTaylorGT(a: bigint): bigint {
  // Σ a^i/i! at scale GT for 0 ≤ a < 1 (scale GT), terms floored
  let term = 1n << GTB;
  let sum = term;
  for (let i = 1; i < 200; i++) {
    term = (term * a) >> GTB;
    term /= BigInt(i);
    if (term === 0n) break;
    sum += term;
  }
  return sum;
}

function consts(): Consts {
  if (C) return C;
  let ln2 = 0n;
  let pow3 = 3n;
  for (let k = 0;; k++) {
    const t = (2n << GLB) / (BigInt(2 * k + 1) * pow3);
    if (t === 0n) break;
    ln2 += t;
    pow3 *= 9n;
  }
  const ln2GT = ln2 >> BigInt(GL - GT);
  const t1: bigint[] = [];
  const t2: bigint[] = [];
  for (let j = 0; j < 32; j++) {
    t1.push(expTaylorGT((ln2GT * BigInt(j)) / 32n) >> BigInt(GT - G));
    t2.push(expTaylorGT((ln2GT * BigInt(j)) / 1024n) >> BigInt(GT - G));
  }
  const f: bigint[] = [];
  let fact = 1n;
  for (let i = 0; i <= 14; i++) {
    if (i > 0) fact *= BigInt(i);
    f.push((1n << GB) / fact);
  }
  C = { ln2, t1, t2, f };
  return C;
}

/** v·2^scale as a BigInt, truncated toward zero (v finite) */
function toFixed(v: number, scale: number): bigint {
  if (v === 0) return 0n;
  const { negative, mantissa, exponent } = decompose(v);
  const sh = exponent + scale;
  const m = sh >= 0 ? mantissa << BigInt(sh) : mantissa >> BigInt(-sh);
  return negative ? -m : m;
}

const INV_LN2_1024 = 1477.3197218702985; // 1024/ln2, only to pick k

/** e^d = M·2^(K−G) for d = dh + dl exact, |d| ≤ 1e6; M within 24 units */
function expFixed(dh: number, dl: number): { M: bigint; K: number } {
  const c = consts();
  const D = toFixed(dh, GL) + toFixed(dl, GL);
  const k = Math.round(dh * INV_LN2_1024);
  const R = (D - ((BigInt(k) * c.ln2) >> 10n)) >> 40n;
  let P = c.f[14];
  for (let i = 13; i >= 0; i--) P = ((P * R) >> GB) + c.f[i];
  const K = Math.floor(k / 1024);
  const rest = k - 1024 * K;
  const j1 = rest >> 5;
  const j2 = rest & 31;
  const M = (((P * c.t1[j1]) >> GB) * c.t2[j2]) >> GB;
  return { M, K };
}

/** round-half-even of num / 2^shift (num ≥ 0, shift ≥ 1) */
function rheShift(num: bigint, shift: bigint): bigint {
  const q = num >> shift;
  const rem = num - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) return q + 1n;
  return q;
}

const POW10: bigint[] = [1n];
/** 10^k; cached up to 10^400 (a cache of every power up to 10^43000, for a softmax tail of
 * e^-1e5, would hold ~400 MB) */
function pow10(k: number): bigint {
  if (k > 400) return 10n ** BigInt(k);
  for (let i = POW10.length; i <= k; i++) POW10.push(POW10[i - 1] * 10n);
  return POW10[k];
}

const LOG10_2 = Math.log10(2);

/**
 * decimal.js's toString of N·10^(e10 − digits + 1) (N with `digits` digits, or 10^digits after
 * rounding up) under the reference's settings (toExpNeg −7, toExpPos 21): trailing zeros
 * dropped, plain notation for exponents in (−7, 21), else d.ddde±x (decimal.js: "at and
 * beneath" toExpNeg, "at and above" toExpPos).
 */
export function formatDecimal(N: bigint, e10: number, digits: number): string {
  let str = N.toString();
  let e = e10;
  if (str.length > digits) e += str.length - digits; // 10^digits: one more decade
  str = str.replace(/0+$/, '');
  if (e <= -7 || e >= 21) return str[0] + (str.length > 1 ? '.' + str.slice(1) : '') + (e < 0 ? 'e' : 'e+') + e;
  if (e < 0) return '0.' + '0'.repeat(-e - 1) + str;
  if (str.length <= e + 1) return str + '0'.repeat(e + 1 - str.length);
  return str.slice(0, e + 1) + '.' + str.slice(e + 1);
}

/**
 * The `digits`-digit decimal (half even) of Q·2^(E) for Q > 0 known within ±Δ, E < 0, value
 * ≤ 1, or null when the two ends round differently.
 */
function decideDecimal(Q: bigint, delta: bigint, E: number, digits: number): string | null {
  const lo = Q - delta;
  const hi = Q + delta;
  if (lo <= 0n) return null;
  let e10 = Math.floor(Math.log10(Number(Q)) + E * LOG10_2);
  for (let attempt = 0; attempt < 3; attempt++) {
    const a = digits - 1 - e10;
    if (a < 0) return null;
    const p = pow10(a);
    const shift = BigInt(-E);
    const top = pow10(digits);
    const low = pow10(digits - 1);
    const flLo = (lo * p) >> shift;
    const flHi = (hi * p) >> shift;
    if (flHi >= top) {
      e10++; // the estimate was low
      continue;
    }
    if (flLo < low) {
      if (flHi < low) {
        e10--; // the estimate was high
        continue;
      }
      // the enclosure straddles 10^e10: decided if the lower end, rounded in its own decade,
      // rounds up to 10^e10 and the upper end rounds down to it (e.g. 1 − 1e-87 → "1")
      const nLo = rheShift(lo * p * 10n, shift);
      const nHi = rheShift(hi * p, shift);
      if (nLo === top && nHi === low) return formatDecimal(low, e10, digits);
      return null;
    }
    const nLo = rheShift(lo * p, shift);
    const nHi = rheShift(hi * p, shift);
    if (nLo !== nHi) return null;
    return formatDecimal(nLo, e10, digits);
  }
  return null;
}

/**
 * softmax's decimal strings of one row at `digits` (≤ 45) significant digits, or null
 * (undecided, or a row this path does not take: NaN, ±∞ entries other than −∞ masks,
 * |x_i − max| > 1e6, more than 2^20 entries).
 */
export function softmaxRowDecimals(x: readonly number[], digits: number): string[] | null {
  if (digits > 45 || x.length > 2 ** 20) return null;
  let m = -Infinity;
  let argmax = -1;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v) || v === Infinity) return null;
    if (v > m) {
      m = v;
      argmax = i;
    }
  }
  if (argmax < 0) return null;
  const n = x.length;
  const Ms: bigint[] = new Array(n);
  const Ks = new Float64Array(n);
  let S = 0n;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v === -Infinity) continue;
    let M: bigint;
    let K: number;
    if (i === argmax) {
      M = 1n << GB;
      K = 0;
    } else {
      const a = v - m;
      const bp = a - v;
      const b = v - (a - bp) + (-m - bp);
      if (!(a >= -1e6)) return null;
      ({ M, K } = expFixed(a, b));
    }
    Ms[i] = M;
    Ks[i] = K;
    if (K > -2 * G) S += K >= 0 ? M << BigInt(K) : M >> BigInt(-K);
  }
  // one reciprocal per row: I = ⌊2^(2G)/S⌋ within 1 unit of 2^(2G)/S ≤ 2^G; Q = ⌊M_i·I/2^G⌋
  const I = (1n << (2n * GB)) / S;
  // relative error of Q: M (24 units) + S (25n units) + I (1 unit, relative ≤ 2^-G·n as
  // I ≥ 2^G/n) + the floor (≤ 1 unit of Q ≥ 2^(G−1)/n): ≤ (27n + 30)·2^-G; ×2 for safety
  const errShift = BigInt(G - Math.ceil(Math.log2(54 * n + 60)));
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (x[i] === -Infinity) {
      out[i] = '0';
      continue;
    }
    const Q = (Ms[i] * I) >> GB;
    const delta = (Q >> errShift) + 2n;
    const s = decideDecimal(Q, delta, Ks[i] - G, digits);
    if (s === null) return null;
    out[i] = s;
  }
  return out;
}
