/**
 * Every catalog op as an interval computation (see interval.ts): the result encloses the
 * exact mathematical value defined in docs/semantics.md, special values included.
 *
 * Two habits keep the enclosures both rigorous and decidable:
 *  - inputs are the exact decimal values of the doubles, and differences of inputs are
 *    exact (x_i − max is never rounded);
 *  - quotients are taken last: e.g. softmax_backward is e_j·(g_j·S − Σ e_i g_i)/S², not
 *    p_j·(g_j − ⟨g, p⟩). When a result is exactly 0 (uniform logits, g constant) the
 *    numerator is then exactly 0 and the interval is [0, 0]; the other form would straddle
 *    0 forever and the Ziv loop could never decide its sign.
 */
import { Decimal } from 'decimal.js';
import type * as A from '../core/args.js';
import { isProbabilityTarget } from '../core/args.js';
import { toDecimal } from '../core/exact.js';
import { exp, expPoint, ln, lnPoint, log1p } from './elementary.js';
import { type Ctx, Exact, Iv } from './interval.js';

export type IvNest = Iv | Iv[] | Iv[][];

/**
 * Conventions: 'exact' mathematics (docs/semantics.md), or 'pytorch', which reproduces
 * PyTorch's documented deviations: BCELoss clamps each log at −100, and its gradient divides
 * by max(p·(1 − p), 1e−12).
 */
export type Profile = 'exact' | 'pytorch';

const dec = (x: number): Decimal => toDecimal(x, Exact);

// ---------------------------------------------------------------------------------------
// one row of logits, analysed once and shared by every softmax-family op

interface Row {
  /** 'finite': at least one finite entry and no +∞ (−∞ entries are masked) */
  kind: 'nan' | 'allMasked' | 'posInf' | 'finite';
  /** indices of +∞ entries (kind 'posInf') */
  posInf: number[];
  /** the row maximum, exact (finite rows) */
  m: Decimal;
  /** x_i − max, exact (−∞ for masked entries) */
  d: Decimal[];
  /** exp(d_i): exactly 1 at the argmax, exactly 0 at masked entries */
  e: Iv[];
  /** S = Σ e_i ≥ 1 */
  S: Iv;
  /** s = S − 1 (the sum without one argmax entry), kept separately for log1p */
  s: Iv;
  /** the argmax entry whose exp is exactly 1 (finite rows) */
  argmax: number;
  /** log S = log1p(s), computed on demand */
  logS?: Iv;
}

function analyseRow(ctx: Ctx, x: number[]): Row {
  const posInf: number[] = [];
  let m = -Infinity;
  let argmax = -1;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) return { kind: 'nan', posInf, m: new Exact(NaN), d: [], e: [], S: ctx.point(NaN), s: ctx.point(NaN), argmax: -1 };
    if (v === Infinity) posInf.push(i);
    if (v > m) {
      m = v;
      argmax = i;
    }
  }
  const empty = { m: new Exact(NaN), d: [], e: [], S: ctx.point(NaN), s: ctx.point(NaN), argmax: -1 };
  if (posInf.length > 0) return { kind: 'posInf', posInf, ...empty };
  if (m === -Infinity) return { kind: 'allMasked', posInf, ...empty };
  const md = dec(m);
  const d: Decimal[] = [];
  const e: Iv[] = [];
  const others: Iv[] = [];
  for (let i = 0; i < x.length; i++) {
    if (x[i] === -Infinity) {
      d.push(new Exact(-Infinity));
      e.push(ctx.point(0));
      continue;
    }
    const di = Exact.sub(dec(x[i]), md);
    d.push(di);
    const ei = i === argmax ? ctx.point(1) : expPoint(ctx, di);
    e.push(ei);
    if (i !== argmax) others.push(ei);
  }
  const s = ctx.sum(others);
  return { kind: 'finite', posInf, m: md, d, e, s, S: ctx.add(ctx.point(1), s), argmax };
}

/**
 * S_{−j} = Σ_{k≠j} e_k without cancellation: s itself at the argmax; elsewhere S − e_j, which
 * is ≥ 1 ≥ e_j, so the subtraction loses at most a factor 2 in relative accuracy.
 */
function sumOthers(ctx: Ctx, r: Row, j: number): Iv {
  return j === r.argmax ? r.s : ctx.sub(r.S, r.e[j]);
}

function logS(ctx: Ctx, r: Row): Iv {
  if (!r.logS) r.logS = log1p(ctx, r.s);
  return r.logS;
}

const nanRow = (ctx: Ctx, n: number): Iv[] => Array.from({ length: n }, () => ctx.point(NaN));

/** g is finite and takes one value on the entries `at` (so g_j − ⟨g, p⟩ = 0 for any p supported there) */
function gAgrees(g: number[], at: number[]): boolean {
  return at.every((i) => Number.isFinite(g[i]) && g[i] === g[at[0]]);
}

export function softmaxRow(ctx: Ctx, x: number[]): Iv[] {
  const r = analyseRow(ctx, x);
  switch (r.kind) {
    case 'nan':
      return nanRow(ctx, x.length);
    case 'allMasked':
      // C = 1: softmax is [1] for every x_0, so the limit at x_0 = −∞ is [1]; C ≥ 2: no limit
      return x.length === 1 ? [ctx.point(1)] : nanRow(ctx, x.length);
    case 'posInf': {
      const one = r.posInf.length === 1;
      return x.map((v) => ctx.point(v === Infinity ? (one ? 1 : NaN) : 0));
    }
    case 'finite': {
      // one reciprocal per row, then products: still rigorous (outward-rounded enclosures)
      const inv = ctx.div(ctx.point(1), r.S);
      return r.e.map((ei) => (ei.isExactZero() ? ei : ctx.mul(ei, inv)));
    }
  }
}

/** log_softmax of one row; also the "−log p" building block of cross_entropy. */
export function logSoftmaxRow(ctx: Ctx, x: number[], r = analyseRow(ctx, x)): Iv[] {
  switch (r.kind) {
    case 'nan':
      return nanRow(ctx, x.length);
    case 'allMasked':
      // C = 1: x_0 − LSE = 0 for every x_0, so the limit at −∞ is 0
      return x.length === 1 ? [ctx.point(0)] : nanRow(ctx, x.length);
    case 'posInf': {
      const one = r.posInf.length === 1;
      return x.map((v) => ctx.point(v === Infinity ? (one ? 0 : NaN) : -Infinity));
    }
    case 'finite': {
      const L = logS(ctx, r);
      // L = log1p(s) > 0 strictly when any other entry contributes (s is a sum of exponentials)
      const sideL = r.e.some((ei, i) => i !== r.argmax && !ei.isExactZero()) ? 1 : 0;
      return r.d.map((di) => (di.isFinite() ? ctx.addTiny(di, ctx.neg(L), sideL ? -1 : 0) : ctx.point(-Infinity)));
    }
  }
}

export function logsumexpRow(ctx: Ctx, x: number[]): Iv {
  const r = analyseRow(ctx, x);
  switch (r.kind) {
    case 'nan':
      return ctx.point(NaN);
    case 'allMasked':
      return ctx.point(-Infinity);
    case 'posInf':
      return ctx.point(Infinity);
    case 'finite':
      return ctx.addTiny(r.m, logS(ctx, r), r.e.some((ei, i) => i !== r.argmax && !ei.isExactZero()) ? 1 : 0);
  }
}

export function softmaxBackwardRow(ctx: Ctx, x: number[], g: number[]): Iv[] {
  const r = analyseRow(ctx, x);
  switch (r.kind) {
    case 'nan':
      return nanRow(ctx, x.length);
    case 'allMasked':
      // p may tend to any point of the simplex; p_j·(g_j − ⟨g, p⟩) is the same (0) at every
      // point iff g is constant on the row (then g_j − ⟨g, p⟩ = 0): the limit exists exactly then
      return x.map(() => ctx.point(gAgrees(g, x.map((_, i) => i)) ? 0 : NaN));
    case 'posInf': {
      // p is one-hot at the +∞ entry (0 everywhere for finite entries, whose factor stays
      // bounded); at ≥ 2 +∞ entries the split is path dependent unless g agrees on them
      const agree = gAgrees(g, r.posInf);
      return x.map((v) => ctx.point(v === Infinity && r.posInf.length > 1 && !agree ? NaN : 0));
    }
    case 'finite': {
      // out_j = e_j·(g_j·S − T)/S², T = Σ e_i g_i. Group the entries by logit value d:
      // g_j·S − T = Σ_d e^d·n_d·(g_j − μ_d), μ_d the mean of g over the group. The e^d of
      // distinct rationals d are linearly independent over the rationals
      // (Lindemann–Weierstrass), so this is exactly 0 iff every n_d·(g_j − μ_d) is 0. If all
      // group means agree (μ), it equals (g_j − μ)·S, computed without cancellation (exactly
      // 0 when g_j = μ); otherwise it is nonzero for every j and the plain form converges.
      const groups = new Map<number, { n: number; G: Decimal }>();
      x.forEach((v, i) => {
        if (v === -Infinity) return; // masked: e_i = 0 contributes nothing, whatever g_i is
        const grp = groups.get(v) ?? { n: 0, G: new Exact(0) };
        grp.n += 1;
        grp.G = grp.G.plus(dec(g[i]));
        groups.set(v, grp);
      });
      const gs = [...groups.values()];
      const first = gs[0];
      // μ_a = μ_b  ⇔  G_a·n_b = G_b·n_a (exact, no division); non-finite g takes the plain
      // form, where decimal.js's ±∞ arithmetic gives the limits (−∞, or NaN at ∞ − ∞)
      const commonMean = gs.every((grp) => grp.G.isFinite()) && gs.every((grp) => grp.G.times(first.n).eq(first.G.times(grp.n)))
        ? first
        : null;
      const S2 = ctx.mul(r.S, r.S);
      // g_j·S − T = Σ_{k≠j*} e_k·(g_j − g_k) + (g_j − g_{j*}) with j* the argmax (e = 1):
      // the dominant argmax term is exact, the rest is summed at its own scale, so tiny
      // results (p_j·p_k·(g_j − g_k) at spreads of hundreds) keep their relative accuracy
      const js = r.argmax;
      const others: Iv[] = [];
      r.e.forEach((ek, k) => {
        if (k !== js && !ek.isExactZero()) others.push(ctx.scale(ek, g[k]));
      });
      const Tothers = ctx.sum(others); // Σ_{k≠j*} e_k g_k
      return r.e.map((ei, j) => {
        if (ei.isExactZero()) return ei;
        let num: Iv;
        if (commonMean) {
          num = ctx.mul(ctx.div(ctx.point(Exact.mul(dec(g[j]), commonMean.n).minus(commonMean.G)), ctx.point(commonMean.n)), r.S);
        } else {
          const rest = ctx.sub(ctx.scale(r.s, g[j]), Tothers); // Σ_{k≠j*} e_k (g_j − g_k)
          num = ctx.add(ctx.point(Exact.sub(dec(g[j]), dec(g[js]))), rest);
        }
        return ctx.div(ctx.mul(ei, num), S2);
      });
    }
  }
}

export function logSoftmaxBackwardRow(ctx: Ctx, x: number[], g: number[]): Iv[] {
  const r = analyseRow(ctx, x);
  const G = g.reduce((acc, v) => acc.plus(dec(v)), new Exact(0));
  // g_j − p_j·Σg: where p is path dependent (every entry −∞ with C ≥ 2, or ≥ 2 +∞ entries) the
  // limit still exists when Σg = 0 exactly: the result is g_j for every point of the simplex
  const pathFree = (j: number): Iv => (G.isZero() ? ctx.point(dec(g[j])) : ctx.point(NaN));
  switch (r.kind) {
    case 'nan':
      return nanRow(ctx, x.length);
    case 'allMasked':
      // C = 1: p = [1] on the whole line, so the limit is g_0 − g_0
      return x.length === 1 ? [ctx.point(Exact.sub(dec(g[0]), G))] : x.map((_, j) => pathFree(j));
    case 'posInf': {
      // g_j − p_j·Σg with p one-hot (1 at a single +∞); path dependent at ≥ 2 +∞ entries
      const one = r.posInf.length === 1;
      return x.map((v, j) => v === Infinity ? (one ? ctx.point(Exact.sub(dec(g[j]), G)) : pathFree(j)) : ctx.point(dec(g[j])));
    }
    case 'finite':
      return r.e.map((ei, j) => {
        const gj = dec(g[j]);
        if (ei.isExactZero()) return ctx.point(gj);
        // at the argmax (e = 1): g_j·S − G = (g_j − G) + g_j·s, the exact part apart from the
        // tail, so g_j = Σg (one-hot grad on the predicted class) stays decidable
        const num = j === r.argmax
          ? ctx.add(ctx.point(Exact.sub(gj, G)), ctx.scale(r.s, gj))
          : ctx.sub(ctx.scale(r.S, gj), ctx.scale(ei, G));
        return ctx.div(num, r.S);
      });
  }
}

// ---------------------------------------------------------------------------------------
// elementwise

/** σ(x) = 1/(1 + e^−x) for x ≥ 0 and e^x/(1 + e^x) for x < 0 (E = e^−|x| ≤ 1 either way). */
export function sigmoidOf(ctx: Ctx, x: number): Iv {
  if (Number.isNaN(x)) return ctx.point(NaN);
  const E = expPoint(ctx, dec(-Math.abs(x)));
  const den = ctx.add(ctx.point(1), E);
  return x >= 0 ? ctx.div(ctx.point(1), den) : ctx.div(E, den);
}

/** softplus(x) = max(x, 0) + log1p(e^−|x|). */
export function softplusOf(ctx: Ctx, x: number): Iv {
  if (Number.isNaN(x)) return ctx.point(NaN);
  if (x === Infinity) return ctx.point(Infinity);
  const tail = log1p(ctx, expPoint(ctx, dec(-Math.abs(x))));
  return x > 0 ? ctx.addTiny(dec(x), tail, 1) : tail; // log1p(e^−x) > 0 for finite x
}

export function sigmoidBackwardOf(ctx: Ctx, x: number, g: number): Iv {
  if (Number.isNaN(x) || Number.isNaN(g)) return ctx.point(NaN);
  // σ(1 − σ) = E/(1 + E)² with E = e^−|x|
  const E = expPoint(ctx, dec(-Math.abs(x)));
  if (E.isExactZero()) return ctx.point(0); // σ(1 − σ) is exactly 0 at ±∞: zero-coefficient rule
  const den = ctx.add(ctx.point(1), E);
  return ctx.scale(ctx.div(E, ctx.mul(den, den)), g);
}

// ---------------------------------------------------------------------------------------
// losses

export function reduce(ctx: Ctx, terms: Iv[], red: A.Reduction, denom: Decimal): Iv | Iv[] {
  if (red === 'none') return terms;
  const total = ctx.sum(terms);
  if (red === 'sum') return total;
  if (denom.isZero()) return ctx.point(NaN); // 0/0: every target ignored or zero weights
  return ctx.div(total, ctx.point(denom));
}

/**
 * Per-sample coefficients of −log p_{n,c}, scaled by C so that they are exact:
 * C·a_{n,c} = w_c·((1 − ε)·C·t_{n,c} + ε) (docs/semantics.md). Exact coefficients keep exact
 * zeros of the backward exact (a rounded ε/C would leave e.g. A/C − a_j straddling 0).
 * Returns null for an ignored sample.
 */
function ceCoefficients(args: A.CrossEntropyArgs, n: number): Decimal[] | null {
  const C = args.logits[0].length;
  const eps = dec(args.label_smoothing);
  const keepC = Exact.sub(1, eps).times(C); // (1 − ε)·C, exact
  let t: (c: number) => number;
  if (isProbabilityTarget(args.target)) {
    const row = args.target[n];
    t = (c) => row[c];
  } else {
    const y = args.target[n];
    if (y === args.ignore_index) return null;
    t = (c) => (c === y ? 1 : 0);
  }
  const a: Decimal[] = [];
  for (let c = 0; c < C; c++) {
    const wc = args.weight ? args.weight[c] : 1;
    a.push(dec(wc).times(keepC.times(dec(t(c))).plus(eps)));
  }
  return a;
}

function ceDenominator(args: A.CrossEntropyArgs): Decimal {
  if (isProbabilityTarget(args.target)) return new Exact(args.logits.length);
  let D = new Exact(0);
  args.target.forEach((y) => {
    if (y !== args.ignore_index) D = D.plus(dec(args.weight ? args.weight[y] : 1));
  });
  return D;
}

export function crossEntropy(ctx: Ctx, args: A.CrossEntropyArgs): Iv | Iv[] {
  const C = ctx.point(args.logits[0].length);
  const terms = args.logits.map((x, n) => {
    const a = ceCoefficients(args, n);
    if (!a) return ctx.point(0);
    const lsm = logSoftmaxRow(ctx, x);
    const parts: Iv[] = [];
    a.forEach((ac, c) => {
      // zero-coefficient rule: an exactly-0 coefficient contributes 0, even against −log 0 = ∞
      if (!ac.isZero()) parts.push(ctx.scale(ctx.neg(lsm[c]), ac));
    });
    return ctx.div(ctx.sum(parts), C);
  });
  return reduce(ctx, terms, args.reduction, ceDenominator(args));
}

export function gradScale(args: { reduction: A.Reduction; grad_output: number | number[] }, n: number): number {
  return args.reduction === 'none' ? (args.grad_output as number[])[n] : (args.grad_output as number);
}

export function crossEntropyBackward(ctx: Ctx, args: A.CrossEntropyArgs): Iv[][] {
  const D = args.reduction === 'mean' ? ceDenominator(args) : new Exact(1);
  const C = args.logits[0].length;
  const zeros = (): Iv[] => Array.from({ length: C }, () => ctx.point(0));
  return args.logits.map((x, n) => {
    // Precedence (docs/semantics.md): a row whose every coefficient is 0 (ignored target,
    // zero weight) has a loss that is identically 0 in its logits, so its gradient is 0 —
    // before D = 0 (NaN), NaN logits, or a path-dependent p; then D = 0 and NaN logits give
    // NaN; then grad_output = 0 times the bounded p·A − a gives 0 even where p has no limit
    const a = ceCoefficients(args, n);
    if (!a) return zeros();
    const A = a.reduce((acc, v) => acc.plus(v), new Exact(0));
    if (A.isZero()) return zeros();
    if (D.isZero()) return nanRow(ctx, C);
    // with the C-scaled coefficients: grad_j = g·(p_j·A − a_j)/(C·D)
    const g = dec(gradScale(args, n));
    const r = analyseRow(ctx, x);
    if (r.kind === 'nan') return nanRow(ctx, C);
    if (g.isZero()) return zeros();
    let row: Iv[];
    switch (r.kind) {
      case 'allMasked':
        // C = 1: p = [1] and A − a_0 = 0; C ≥ 2: p path dependent and A ≠ 0, no limit
        if (C !== 1) return nanRow(ctx, C);
        row = [ctx.point(A.minus(a[0]))];
        break;
      case 'posInf':
        // p one-hot at a single +∞ entry: p·A − a; path dependent at ≥ 2 +∞ entries (A ≠ 0)
        row = x.map((v, j) => v === Infinity ? (r.posInf.length === 1 ? ctx.point(A.minus(a[j])) : ctx.point(NaN)) : ctx.point(a[j].neg()));
        break;
      case 'finite':
        // e_j·A − a_j·S = e_j·(A − a_j) − a_j·S_{−j}: both terms ≥ 0 and computed without
        // cancellation (for a one-hot target one of them is exactly 0); quotient last; exact
        // coefficients keep exact zeros exact
        // at a masked entry (e_j exactly 0) S_{−j} = S and the value is exactly −a_j: taking
        // it as a point avoids (a·S)/S, which can never shrink back to the exact value
        row = r.e.map((ej, j) =>
          ej.isExactZero()
            ? ctx.point(a[j].neg())
            : ctx.div(ctx.sub(ctx.scale(ej, A.minus(a[j])), ctx.scale(sumOthers(ctx, r, j), a[j])), r.S)
        );
        break;
    }
    return row.map((v) => ctx.div(ctx.scale(v, g), ctx.point(D.times(C))));
  });
}

export function nllLoss(ctx: Ctx, args: A.NllLossArgs): Iv | Iv[] {
  let D = new Exact(0);
  const terms = args.log_probs.map((row, n) => {
    const y = args.target[n];
    if (y === args.ignore_index) return ctx.point(0);
    const w = args.weight ? args.weight[y] : 1;
    D = D.plus(dec(w));
    const lp = row[y];
    if (w === 0) return ctx.point(0); // zero-coefficient rule, even at log_probs = −∞
    if (Number.isNaN(lp)) return ctx.point(NaN);
    return ctx.point(Exact.mul(dec(w), dec(lp)).neg());
  });
  return reduce(ctx, terms, args.reduction, D);
}

/** max(v, −100) for PyTorch's clamped logs (monotone, so applied to both ends) */
function clampLog(ctx: Ctx, v: Iv, profile: Profile): Iv {
  if (profile !== 'pytorch') return v;
  const c = new Exact(-100);
  return new Iv(new ctx.Dn(Decimal.max(v.lo, c)), new ctx.Up(Decimal.max(v.hi, c)));
}

export function bce(ctx: Ctx, args: A.BinaryCrossEntropyArgs, profile: Profile = 'exact'): Iv | Iv[] {
  const terms = args.probs.map((p, n) => {
    const t = args.target[n];
    const w = args.weight ? args.weight[n] : 1;
    if (w === 0) return ctx.point(0);
    const parts: Iv[] = [];
    if (t !== 0) parts.push(ctx.scale(clampLog(ctx, lnPoint(ctx, dec(p)), profile), t));
    if (t !== 1) parts.push(ctx.mul(ctx.point(Exact.sub(1, dec(t))), clampLog(ctx, lnPoint(ctx, Exact.sub(1, dec(p))), profile)));
    return ctx.scale(ctx.neg(ctx.sum(parts)), w);
  });
  return reduce(ctx, terms, args.reduction, new Exact(args.probs.length));
}

const TORCH_BCE_EPS = toDecimal(1e-12, Exact); // the double PyTorch's kernel compares against

export function bceBackward(ctx: Ctx, args: A.BinaryCrossEntropyArgs, profile: Profile = 'exact'): Iv[] {
  const D = args.reduction === 'mean' ? new Exact(args.probs.length) : new Exact(1);
  return args.probs.map((p, n) => {
    const t = args.target[n];
    const w = args.weight ? args.weight[n] : 1;
    const g = gradScale(args, n);
    if (profile === 'pytorch') {
      // grad·w·(p − t)/max(p·(1 − p), 1e−12)/D, no zero-coefficient rule
      const den = Decimal.max(dec(p).times(Exact.sub(1, dec(p))), TORCH_BCE_EPS);
      const v = ctx.div(ctx.point(Exact.sub(dec(p), dec(t))), ctx.point(new Exact(den)));
      return ctx.div(ctx.scale(v, Exact.mul(dec(w), dec(g))), ctx.point(D));
    }
    if (w === 0) return ctx.point(0);
    // d/dp of −(t·log p + (1 − t)·log(1 − p)) = −t/p + (1 − t)/(1 − p) = (p − t)/(p·(1 − p));
    // at p ∈ {0, 1} the zero-coefficient rule applies per term
    const parts: Iv[] = [];
    const q = Exact.sub(1, dec(p));
    if (p !== 0 && !q.isZero()) {
      parts.push(ctx.div(ctx.point(Exact.sub(dec(p), dec(t))), ctx.point(q.times(dec(p)))));
    } else {
      if (t !== 0) parts.push(p === 0 ? ctx.point(-Infinity) : ctx.div(ctx.point(dec(-t)), ctx.point(dec(p))));
      if (t !== 1) parts.push(q.isZero() ? ctx.point(Infinity) : ctx.div(ctx.point(Exact.sub(1, dec(t))), ctx.point(q)));
    }
    const v = ctx.sum(parts);
    return ctx.div(ctx.scale(v, Exact.mul(dec(w), dec(g))), ctx.point(D));
  });
}

export function bceWithLogits(ctx: Ctx, args: A.BceWithLogitsArgs): Iv | Iv[] {
  const terms = args.logits.map((x, n) => {
    const t = args.target[n];
    const w = args.weight ? args.weight[n] : 1;
    const pt = Exact.mul(dec(args.pos_weight), dec(t));
    // zero-coefficient rule before NaN: weight 0, or pw·t = 0 and 1 − t = 0 (t = 1, pw = 0)
    if (w === 0 || (pt.isZero() && t === 1)) return ctx.point(0);
    if (Number.isNaN(x)) return ctx.point(NaN);
    // −log σ(x) = softplus(−x), −log σ(−x) = softplus(x)
    const parts: Iv[] = [];
    if (!pt.isZero()) parts.push(ctx.mul(ctx.point(pt), softplusOf(ctx, -x)));
    if (t !== 1) parts.push(ctx.mul(ctx.point(Exact.sub(1, dec(t))), softplusOf(ctx, x)));
    return ctx.scale(ctx.sum(parts), w);
  });
  return reduce(ctx, terms, args.reduction, new Exact(args.logits.length));
}

export function bceWithLogitsBackward(ctx: Ctx, args: A.BceWithLogitsArgs): Iv[] {
  const D = args.reduction === 'mean' ? new Exact(args.logits.length) : new Exact(1);
  return args.logits.map((x, n) => {
    const t = args.target[n];
    const w = args.weight ? args.weight[n] : 1;
    const g = gradScale(args, n);
    const pt = Exact.mul(dec(args.pos_weight), dec(t));
    // the loss term is identically 0 (weight 0, or t = 1 with pw = 0): gradient 0, even at NaN
    if (w === 0 || (pt.isZero() && t === 1)) return ctx.point(0);
    if (Number.isNaN(x)) return ctx.point(NaN);
    // σ(x)·(pw·t + 1 − t) − pw·t, written over 1 + E with E = e^−|x| so exact zeros stay exact:
    //   x ≥ 0: (1 − t − pw·t·E)/(1 + E);   x < 0: (E·(1 − t) − pw·t)/(1 + E)
    const q = Exact.sub(1, dec(t));
    const E = expPoint(ctx, dec(-Math.abs(x)));
    // (q − pt·E)/(1 + E) = q − (q + pt)·E/(1 + E) for x ≥ 0 and (E·q − pt)/(1 + E) =
    // −pt + (q + pt)·E/(1 + E) for x < 0: an exact anchor plus a tail of known sign (E > 0),
    // so a value whose anchor is a float midpoint stays decidable (addTiny)
    const tail = ctx.div(ctx.scale(E, q.plus(pt)), ctx.add(ctx.point(1), E));
    const side = q.plus(pt).isZero() ? 0 : 1;
    const v = x >= 0 ? ctx.addTiny(q, ctx.neg(tail), side ? -1 : 0) : ctx.addTiny(pt.neg(), tail, side ? 1 : 0);
    const k = Exact.mul(dec(w), dec(g));
    const scaled = ctx.scale(v, k);
    return D.eq(1) ? scaled : ctx.div(scaled, ctx.point(D));
  });
}

// exported for the decimal-level tests and gradcheck's high-precision mode
export { exp, ln };
