/**
 * Exact decimal strings for results below decimal.js's exponent range.
 *
 * decimal.js represents magnitudes down to 1e-9000000000000000; exp(x) for x below about
 * −2.07e16 underflows it, so the enclosure of softmax([[1e20, −1e20]])[0][1] = e^(−2e20)
 * collapses to [0, tiny] and its decimal used to be written "0", which is not the value. For
 * the ops whose tiny outputs are exponentials of something the reference computes well, the
 * value is recomputed in log space: with L the natural log of |y| (an enclosure of it),
 * log10|y| = L / ln 10 = E + f (E an integer, 0 ≤ f < 1), so |y| = 10^f · 10^E, and the
 * mantissa 10^f is an ordinary decimal while E is a BigInt-sized integer written in text
 * (e^(−2e308) has E ≈ −8.7e307). Both ends of the log enclosure are converted; the string is
 * returned only when they agree to `digits` significant digits (otherwise the caller's "0"
 * stays, and the Ziv loop's wider precision is tried next).
 *
 *   softmax_i        = exp(log_softmax_i)                  (log_softmax is a reference op)
 *   sigmoid(x)       = exp(log_sigmoid(x))
 *   softplus(x)      = e^x·(1 − θ·e^x/2), 0 ≤ θ ≤ 1: ln = x up to a relative slack far below
 *                      any requested digit (e^x < 1e-8e15 here)
 *   log_sigmoid(x)   = −softplus(−x)
 *   log_softmax_i    = −log1p(S), S = Σ_{k≠i} e^(x_k − x_i): ln S = lse(x without x_i) − x_i
 *   logsumexp        = log1p(S) when the row maximum is 0 (otherwise never this small)
 *   sigmoid_backward = g·σ(x)·σ(−x): ln|g| + log_sigmoid(x) + log_sigmoid(−x)
 *   cross_entropy    = w_y·log1p(S) (index targets, no smoothing; 'none', or a single sample)
 *   binary_cross_entropy_with_logits (hard targets): w·pw·softplus(−x) or w·softplus(x)
 *   binary_cross_entropy_with_logits_backward (hard targets): w·g/D·σ(x) or −w·g·pw/D·σ(−x)
 *   cross_entropy_backward (index targets, no smoothing): g·w_y/D·p_j for j ≠ y, and
 *                      −g·w_y/D·(1 − p_y) with ln(1 − p_y) = lse(x without x_y) − lse(x)
 *
 *   log_softmax_backward (g_j = 0): −p_j·Σg
 *   softmax_backward = p_j·(g_j − ⟨g, p⟩): ln p_j + ln|h|, h enclosed from the softmax
 *                      enclosures (undecided, and left "0", if that enclosure contains 0)
 *
 * Other cases keep "0" below the range (docs/fixtures.md says so): soft targets, label
 * smoothing, reduced sums of several tiny losses.
 * (binary_cross_entropy, its backward and nll_loss never get this small: their results are
 * products and quotients of a few doubles.)
 */
import { Decimal } from 'decimal.js';
/**
 * Op names as strings: this table is keyed by the registry's op names, but the reference layer
 * sits below the registry (src/ops) and cannot import its OpName type. (A follow-up: move each
 * handler into its op's record.)
 */
type OpName = string;
import { toDecimal } from '../core/exact.js';
import { Exact, type Iv } from './interval.js';

/** the enclosure ends below this magnitude come from decimal.js's underflow */
const DEC_UNDERFLOW = new Decimal('1e-8000000000000000');

export type LogSource = (companion: OpName, args: unknown, workingDigits: number) => unknown;

export function hasTinyDecimals(op: OpName): boolean {
  return op in HANDLERS;
}

/** Is this enclosure a nonzero value below decimal.js's range (what decide() writes as "0")? */
export function belowRange(iv: Iv): boolean {
  return !iv.isExactZero() && !iv.isNaN() && iv.lo.abs().lte(DEC_UNDERFLOW) && iv.hi.abs().lte(DEC_UNDERFLOW);
}

/**
 * |y| = e^L as "m.mmm…e-E" with `digits` significant digits (trailing zeros dropped, like
 * decimal.js's toString), or null if L's enclosure [lo, hi] does not decide them.
 */
export function expDecimal(lo: Decimal, hi: Decimal, digits: number): string | null {
  const a = expParts(lo, digits);
  const b = expParts(hi, digits);
  if (a === null || b === null || a.mantissa !== b.mantissa || a.exponent !== b.exponent) return null;
  return `${a.mantissa}e${a.exponent < 0n ? '-' : '+'}${(a.exponent < 0n ? -a.exponent : a.exponent).toString()}`;
}

function expParts(L: Decimal, digits: number): { mantissa: string; exponent: bigint } | null {
  if (!L.isFinite()) return null;
  // enough digits for the integer part of L/ln 10 plus the requested ones and guard digits
  const intDigits = Math.max(1, L.abs().toFixed(0).length);
  const P = intDigits + digits + 25;
  const D = Decimal.clone({ precision: P, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15, minE: -9e15, maxE: 9e15 });
  const t = new D(L).div(D.ln(10)); // log10 |y|
  const E = t.floor();
  const f = t.minus(E); // in [0, 1)
  const M = Decimal.clone({ precision: digits + 25, rounding: Decimal.ROUND_HALF_EVEN });
  let m = M.pow(10, new M(f.toFixed(digits + 24, Decimal.ROUND_DOWN)));
  let exponent = BigInt(E.toFixed(0));
  let r = m.toSignificantDigits(digits, Decimal.ROUND_HALF_EVEN);
  if (r.gte(10)) {
    m = m.div(10);
    exponent += 1n;
    r = m.toSignificantDigits(digits, Decimal.ROUND_HALF_EVEN);
  }
  // a mantissa within the guard digits of a rounding tie is not decided at this precision
  // (the caller compares both ends of the enclosure too)
  const up = m.toSignificantDigits(digits, Decimal.ROUND_UP);
  const down = m.toSignificantDigits(digits, Decimal.ROUND_DOWN);
  if (!up.eq(down) && m.minus(up.plus(down).div(2)).abs().lt(new M(10).pow(-(digits + 15)))) return null;
  return { mantissa: r.toFixed(), exponent };
}

/** One summand of L = ln|y|: a companion op's enclosure, an exact value, or ln of an exact positive value. */
type Term =
  | { kind: 'companion'; op: OpName; args: Record<string, unknown>; path: number[]; negate?: boolean }
  | { kind: 'exact'; value: Decimal }
  | { kind: 'ln'; value: Decimal }
  /** an enclosure computed at `w` digits from companions (null: it cannot be bounded away from 0) */
  | {
    kind: 'custom';
    get: (w: number, companionAt: (op: OpName, args: Record<string, unknown>, w: number) => unknown) => { lo: Decimal; hi: Decimal } | null;
  };

/** ln|y| = Σ terms (up to a relative slack far below any digit), and the sign of y. */
interface LogForm {
  terms: Term[];
  sign: -1 | 1;
  /** when the sign is that of an enclosed quantity (softmax_backward): decided with the terms */
  hSign?: (w: number, companionAt: (op: OpName, args: Record<string, unknown>, w: number) => unknown) => -1 | 1;
}

type Handler = (args: Record<string, unknown>, path: number[]) => LogForm | null;

const ex = (x: number): Decimal => toDecimal(x, Exact);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const rowWithout = (row: number[], i: number) => row.filter((_, k) => k !== i);
const sgn = (x: number): -1 | 1 => (x < 0 ? -1 : 1);

/**
 * ln of a log1p(S) whose S = Σ_{k≠i} e^(x_k − x_i) is below the range: ln S = lse(x without
 * x_i) − x_i (the relative slack ln(log1p(S)/S) ∈ [−S, 0] is covered by the widening).
 */
function lnLog1pOthers(row: number[], i: number): Term[] | null {
  if (row.length < 2 || num(row[i]) === null) return null;
  return [
    { kind: 'companion', op: 'logsumexp', args: { logits: [rowWithout(row, i)] }, path: [0] },
    { kind: 'exact', value: ex(-row[i]) },
  ];
}

/** the mean's denominator of an index-target cross-entropy: Σ w[y_n] over kept samples, or their count */
function ceDenominator(a: Record<string, unknown>): Decimal | null {
  const target = a.target as unknown[];
  const w = a.weight as number[] | undefined;
  let d = new Exact(0);
  for (const y of target) {
    if (typeof y !== 'number' || y === a.ignore_index) continue;
    d = d.plus(w ? ex(w[y]) : 1);
  }
  return d.gt(0) ? d : null;
}

const HANDLERS: Partial<Record<OpName, Handler>> = {
  softmax: (a, [n, j]) => ({ terms: [{ kind: 'companion', op: 'log_softmax', args: a, path: [n, j] }], sign: 1 }),
  sigmoid: (a, [i]) => ({ terms: [{ kind: 'companion', op: 'log_sigmoid', args: a, path: [i] }], sign: 1 }),
  // softplus(x) = e^x·(1 − θe^x/2): ln = x up to the slack
  softplus: (
    a,
    [i],
  ) => (num((a.x as number[])[i]) === null ? null : { terms: [{ kind: 'exact', value: ex((a.x as number[])[i]) }], sign: 1 }),
  log_sigmoid: (
    a,
    [i],
  ) => (num((a.x as number[])[i]) === null ? null : { terms: [{ kind: 'exact', value: ex(-(a.x as number[])[i]) }], sign: -1 }),
  // the row maximum's entry: x_i − lse = −log1p(S)
  log_softmax: (a, [n, i]) => {
    const t = lnLog1pOthers((a.logits as number[][])[n], i);
    return t && { terms: t, sign: -1 };
  },
  // tiny only when the maximum is 0: lse = log1p(S)
  logsumexp: (a, [n]) => {
    const row = (a.logits as number[][])[n];
    let k = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[k]) k = j;
    if (row[k] !== 0) return null;
    const t = lnLog1pOthers(row, k);
    return t && { terms: t, sign: 1 };
  },
  // g·σ(x)·σ(−x)
  sigmoid_backward: (a, [i]) => {
    const x = num((a.x as number[])[i]);
    const g = num((a.grad_output as number[])[i]);
    if (x === null || g === null || g === 0) return null;
    return {
      terms: [
        { kind: 'ln', value: ex(Math.abs(g)) },
        { kind: 'companion', op: 'log_sigmoid', args: { x: [x] }, path: [0] },
        { kind: 'companion', op: 'log_sigmoid', args: { x: [-x] }, path: [0] },
      ],
      sign: sgn(g),
    };
  },
  // index targets without smoothing: w_y·(lse − x_y) = w_y·log1p(S); per sample ('none') or one sample
  cross_entropy: (a, path) => {
    const logits = a.logits as number[][];
    const target = a.target as unknown[];
    if (a.label_smoothing !== 0 || target.some((t) => typeof t !== 'number')) return null;
    const n = a.reduction === 'none' ? path[0] : logits.length === 1 ? 0 : -1;
    if (n < 0) return null;
    const y = target[n] as number;
    if (y === a.ignore_index) return null;
    const t = lnLog1pOthers(logits[n], y);
    if (!t) return null;
    const w = a.weight ? (a.weight as number[])[y] : 1;
    if (!(w > 0)) return null;
    // mean over one kept sample divides its weight out again
    if (a.reduction !== 'mean') t.push({ kind: 'ln', value: ex(w) });
    return { terms: t, sign: 1 };
  },
  // hard targets: t = 1 → w·pw·softplus(−x), t = 0 → w·softplus(x)
  binary_cross_entropy_with_logits: (a, path) => {
    const xs = a.logits as number[];
    const n = a.reduction === 'none' ? path[0] : xs.length === 1 ? 0 : -1;
    if (n < 0) return null;
    const x = num(xs[n]);
    const t = (a.target as number[])[n];
    const w = a.weight ? (a.weight as number[])[n] : 1;
    const pw = a.pos_weight as number;
    if (x === null || (t !== 0 && t !== 1) || !(w > 0) || !(pw > 0)) return null;
    const c = t === 1 ? w * pw : w;
    const terms: Term[] = [{ kind: 'exact', value: ex(t === 1 ? -x : x) }];
    if (t === 1) terms.push({ kind: 'ln', value: ex(w).times(ex(pw)) });
    else terms.push({ kind: 'ln', value: ex(w) });
    return c > 0 ? { terms, sign: 1 } : null;
  },
  // hard targets: t = 0 → w·g/D·σ(x); t = 1 → −w·g·pw/D·σ(−x)
  binary_cross_entropy_with_logits_backward: (a, [n]) => {
    const xs = a.logits as number[];
    const x = num(xs[n]);
    const t = (a.target as number[])[n];
    const w = a.weight ? (a.weight as number[])[n] : 1;
    const pw = a.pos_weight as number;
    const g = num(a.reduction === 'none' ? (a.grad_output as number[])[n] : (a.grad_output));
    if (x === null || g === null || g === 0 || (t !== 0 && t !== 1) || !(w > 0) || !(pw > 0)) return null;
    let c = ex(Math.abs(g)).times(ex(w));
    if (t === 1) c = c.times(ex(pw));
    if (a.reduction === 'mean') c = c.div(xs.length);
    return {
      terms: [{ kind: 'ln', value: c }, { kind: 'companion', op: 'log_sigmoid', args: { x: [t === 1 ? -x : x] }, path: [0] }],
      sign: t === 1 ? (-sgn(g) as -1 | 1) : sgn(g),
    };
  },
  // g_j − p_j·Σg with g_j = 0 (otherwise it is never this small): −p_j·Σg
  log_softmax_backward: (a, [n, j]) => {
    const row = (a.grad_output as number[][])[n];
    if (row[j] !== 0 || row.some((v) => num(v) === null)) return null;
    const sum = row.reduce((acc: Decimal, v) => acc.plus(ex(v)), new Exact(0));
    if (sum.isZero()) return null;
    return {
      terms: [{ kind: 'ln', value: sum.abs() }, {
        kind: 'companion',
        op: 'log_softmax',
        args: { logits: [(a.logits as number[][])[n]] },
        path: [0, j],
      }],
      sign: sum.isNeg() ? 1 : -1,
    };
  },
  // p_j·(g_j − ⟨g, p⟩): ln p_j + ln|h| with h enclosed from the softmax enclosures
  softmax_backward: (a, [n, j]) => {
    const x = (a.logits as number[][])[n];
    const g = (a.grad_output as number[][])[n];
    if (g.some((v) => num(v) === null)) return null;
    const h = (
      w: number,
      companionAt: (op: OpName, args: Record<string, unknown>, w: number) => unknown,
    ): { lo: Decimal; hi: Decimal } | null => {
      const Dn = Decimal.clone({ precision: w + 10, rounding: Decimal.ROUND_FLOOR, minE: -9e15, maxE: 9e15 });
      const Up = Decimal.clone({ precision: w + 10, rounding: Decimal.ROUND_CEIL, minE: -9e15, maxE: 9e15 });
      const p = (companionAt('softmax', { logits: [x] }, w) as Iv[][])[0];
      let sLo = new Dn(0);
      let sHi = new Up(0);
      g.forEach((gk, k) => {
        const G = ex(gk);
        sLo = Dn.add(sLo, Dn.mul(G, gk >= 0 ? p[k].lo : p[k].hi));
        sHi = Up.add(sHi, Up.mul(G, gk >= 0 ? p[k].hi : p[k].lo));
      });
      const gj = ex(g[j]);
      const lo = Dn.sub(gj, sHi);
      const hi = Up.sub(gj, sLo);
      if (lo.lte(0) && hi.gte(0)) return null; // the sign of h is not decided
      const small = lo.gt(0) ? lo : hi.abs();
      const big = lo.gt(0) ? hi : lo.abs();
      return { lo: Dn.ln(small), hi: Up.ln(big) };
    };
    return {
      terms: [{ kind: 'companion', op: 'log_softmax', args: { logits: [x] }, path: [0, j] }, { kind: 'custom', get: h }],
      sign: 1,
      // the sign of h, from the midpoints: valid once h's enclosure excludes 0
      hSign: (w: number, companionAt: (op: OpName, args: Record<string, unknown>, w: number) => unknown) => {
        const p = (companionAt('softmax', { logits: [x] }, w) as Iv[][])[0];
        let mid = new Exact(0);
        g.forEach((gk, k) => (mid = mid.plus(ex(gk).times(p[k].lo.plus(p[k].hi).div(2)))));
        return ex(g[j]).minus(mid).isNeg() ? -1 : 1;
      },
    };
  },
  // index targets without smoothing: g·w_y/D·(p_j − [j = y]); p_j = e^(log_softmax_j) for j ≠ y,
  // 1 − p_y = e^(lse(x without x_y) − lse(x))
  cross_entropy_backward: (a, [n, j]) => {
    const logits = a.logits as number[][];
    const target = a.target as unknown[];
    if (a.label_smoothing !== 0 || target.some((t) => typeof t !== 'number')) return null;
    const y = target[n] as number;
    if (y === a.ignore_index) return null;
    const g = num(a.reduction === 'none' ? (a.grad_output as number[])[n] : (a.grad_output));
    const w = a.weight ? (a.weight as number[])[y] : 1;
    if (g === null || g === 0 || !(w > 0)) return null;
    let c = ex(Math.abs(g)).times(ex(w));
    if (a.reduction === 'mean') {
      const d = ceDenominator(a);
      if (!d) return null;
      c = c.div(d);
    }
    const row = logits[n];
    if (j !== y) {
      return {
        terms: [{ kind: 'ln', value: c }, { kind: 'companion', op: 'log_softmax', args: { logits: [row] }, path: [0, j] }],
        sign: sgn(g),
      };
    }
    if (row.length < 2) return null;
    return {
      terms: [
        { kind: 'ln', value: c },
        { kind: 'companion', op: 'logsumexp', args: { logits: [rowWithout(row, y)] }, path: [0] },
        { kind: 'companion', op: 'logsumexp', args: { logits: [row] }, path: [0], negate: true },
      ],
      sign: (-sgn(g)) as -1 | 1,
    };
  },
};

/**
 * Replace the "0" decimals of below-range entries of `op` by their exact strings where they
 * can be decided. `enc` and `decimal` are the op's enclosures and decided strings (same
 * nesting); `companion` evaluates another reference op's enclosures at a working precision.
 */
export function fillTinyDecimals(
  op: OpName,
  args: Record<string, unknown>,
  enc: unknown,
  decimal: unknown,
  digits: number,
  workingDigits: number,
  companion: LogSource,
): unknown {
  const handler = HANDLERS[op];
  if (!handler) return decimal;
  const cache = new Map<string, unknown>();
  const companionAt = (c: OpName, a: Record<string, unknown>, w: number): unknown => {
    const key = `${c} ${w} ${JSON.stringify(a)}`;
    if (!cache.has(key)) cache.set(key, companion(c, a, w));
    return cache.get(key);
  };
  const at = (v: unknown, path: number[]): Iv => {
    for (const k of path) v = (v as unknown[])[k];
    return v as Iv;
  };
  /** [lo, hi] of L = Σ terms, with companions at `w` digits and the rest at P digits */
  const logEnclosure = (form: LogForm, w: number): { lo: Decimal; hi: Decimal } | null => {
    const P = w + 10;
    const Dn = Decimal.clone({ precision: P, rounding: Decimal.ROUND_FLOOR, minE: -9e15, maxE: 9e15 });
    const Up = Decimal.clone({ precision: P, rounding: Decimal.ROUND_CEIL, minE: -9e15, maxE: 9e15 });
    let lo = new Dn(0);
    let hi = new Up(0);
    for (const t of form.terms) {
      if (t.kind === 'exact') {
        lo = Dn.add(lo, t.value);
        hi = Up.add(hi, t.value);
      } else if (t.kind === 'ln') {
        // decimal.js's ln is correctly rounded: the exact value is within one unit of the
        // last place; two units of margin
        const v = Dn.ln(t.value);
        const m = v.abs().times(new Exact(10).pow(1 - P)).times(2).plus(new Exact(10).pow(-P));
        lo = Dn.add(lo, v.minus(m));
        hi = Up.add(hi, v.plus(m));
      } else if (t.kind === 'custom') {
        const r = t.get(w, companionAt);
        if (!r) return null;
        lo = Dn.add(lo, r.lo);
        hi = Up.add(hi, r.hi);
      } else {
        const iv = at(companionAt(t.op, t.args, w), t.path);
        lo = Dn.add(lo, t.negate ? iv.hi.neg() : iv.lo);
        hi = Up.add(hi, t.negate ? iv.lo.neg() : iv.hi);
      }
    }
    return { lo, hi };
  };
  const intDigits = (L: Decimal) => (L.isFinite() && !L.isZero() ? Math.max(1, L.abs().toFixed(0).length) : 1);
  const walk = (d: unknown, e: unknown, path: number[]): unknown => {
    if (Array.isArray(d)) return d.map((x, i) => walk(x, (e as unknown[])[i], [...path, i]));
    if (d !== '0' || !belowRange(e as Iv)) return d;
    const form = handler(args, path);
    if (!form) return d;
    // ln|y| is huge (−2e20 for e^(−2e20)): its enclosure must be narrow in absolute terms, so
    // the second pass carries as many more digits as L has integer digits
    const first = logEnclosure(form, workingDigits);
    if (!first || !first.lo.isFinite() || !first.hi.isFinite()) return d;
    const w = workingDigits + intDigits(first.lo) + 10;
    const L = logEnclosure(form, w);
    if (!L) return d;
    // the relative slack of log1p(S) ≈ S and softplus(z) ≈ e^z (far below 1e-8e15) widens lo
    const slack = new Exact(10).pow(-(intDigits(L.lo) + digits + 40));
    const s = expDecimal(L.lo.minus(slack), L.hi, digits);
    // the sign of an enclosed factor is decided: its enclosure excludes 0 (custom term)
    const sign = form.hSign ? form.hSign(w, companionAt) : form.sign;
    return s === null ? d : sign < 0 ? `-${s}` : s;
  };
  return walk(decimal, enc, []);
}
