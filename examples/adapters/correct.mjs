// A careful float64 implementation of every op of the catalog, in plain JavaScript.
//
//   xent-oracle verify examples/adapters/correct.mjs
//
// It is written independently of src/ (it imports nothing) from docs/semantics.md:
// max-shifted exponentials with the shift error compensated, log1p for the log of the
// normaliser, a fused cross-entropy (log_softmax, never log(softmax)), compensated
// (Neumaier) sums, the zero-coefficient rule (a coefficient that is exactly 0 contributes
// exactly 0, even against an infinite log), and the special values of the semantics table.
// Accuracy: a few ulps, except where the result itself comes from a cancellation that no
// float64 formula avoids (e.g. logsumexp of a row whose value is ~0, a gradient at the optimum).
//
// It is also the correct base of the self-test's kill matrix (src/ops/*/planted.ts): each
// planted bug and correct variant replaces one op (or one op pair) of `baseOps`, and reuses
// the helpers exported here (summations, the special-value table of a row, the
// cross-entropy coefficients, the reductions). Types: correct.d.mts beside this file.
//
// Arguments arrive as the user-visible args of the catalog, so defaults are applied here:
// reduction 'mean', ignore_index -100, label_smoothing 0, pos_weight 1, weight all ones,
// grad_output 1 (mean / sum) or ones [N] (none).

/** Neumaier-compensated sum; infinities and NaN propagate as in a plain sum. */
export const neumaierSum = (xs) => {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
};
/** Recursive summation, left to right. */
export const plainSum = (xs) => {
  let s = 0;
  for (const x of xs) {
    s += x;
  }
  return s;
};
/** Recursive summation, right to left (a different but equally sound order). */
export const reverseSum = (xs) => {
  let s = 0;
  for (let i = xs.length - 1; i >= 0; i--) {
    s += xs[i];
  }
  return s;
};
/** Pairwise (cascade) summation, as numpy and most GPU reductions do it. */
export const pairwiseSum = (xs) => {
  const rec = (lo, hi) => {
    if (hi - lo <= 2) {
      let s = 0;
      for (let i = lo; i < hi; i++) {
        s += xs[i];
      }
      return s;
    }
    const mid = (lo + hi) >> 1;
    return rec(lo, mid) + rec(mid, hi);
  };
  return rec(0, xs.length);
};
export const sum = neumaierSum;
/** a − b as an unevaluated pair hi + lo (TwoSum), for finite a, b */
export function twoDiff(a, b) {
  const hi = a - b;
  const bb = hi - a;
  const lo = a - (hi - bb) + (-b - bb);
  return [hi, lo];
}
/** the zero-coefficient rule: 0 · anything = 0 (including ±Infinity and NaN from 0/0) */
export const zmul = (coef, v) => (coef === 0 ? 0 : coef * v);
/** outputs that are exactly zero are +0 in the forward ops */
export const pz = (v) => (v === 0 ? 0 : v);
export const ones = (n) => new Array(n).fill(1);
export function sigmoid1(x) {
  if (x >= 0) {
    return 1 / (1 + Math.exp(-x));
  }
  const e = Math.exp(x); // x < 0 or NaN
  return e / (1 + e);
}
export function softplus1(x) {
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|); both terms >= 0, no cancellation
  if (Number.isNaN(x)) {
    return NaN;
  }
  if (x > 0) {
    return x + Math.log1p(Math.exp(-x));
  }
  return Math.log1p(Math.exp(x));
}
/** log(1 − p) for p in [0, 1], accurate for small p */
export const log1m = (p) => (p < 0.5 ? Math.log1p(-p) : Math.log(1 - p));
/**
 * The rows of the special-value table of docs/semantics.md: a NaN, one or more +Infinity,
 * every entry −Infinity. null for a row with a finite maximum (−Infinity entries allowed).
 */
export function specialRow(x) {
  const C = x.length;
  let nan = false;
  let posInf = 0;
  let finite = false;
  for (const v of x) {
    if (Number.isNaN(v)) {
      nan = true;
    } else if (v === Infinity) {
      posInf++;
    } else if (v !== -Infinity) {
      finite = true;
    }
  }
  if (nan) {
    const n = new Array(C).fill(NaN);
    return { p: n, lsm: n, lse: NaN, q: () => NaN, nan: true };
  }
  if (posInf > 0) {
    // one +inf takes all the mass; two or more: the split depends on the path (NaN there)
    const at = posInf === 1 ? 1 : NaN;
    const p = x.map((v) => (v === Infinity ? at : 0));
    const lsm = x.map((v) => (v === Infinity ? (posInf === 1 ? 0 : NaN) : -Infinity));
    return { p, lsm, lse: Infinity, q: (j) => 1 - p[j], nan: false };
  }
  if (!finite) {
    // every entry masked: no limit for softmax (C ≥ 2); log Σ exp = log 0. With C = 1
    // softmax is [1] on the whole line, so the limit is [1] (log_softmax [0])
    if (C === 1) {
      return { p: [1], lsm: [0], lse: -Infinity, q: () => 0, nan: false };
    }
    const n = new Array(C).fill(NaN);
    return { p: n, lsm: n, lse: -Infinity, q: () => NaN, nan: false };
  }
  return null;
}
/** Index of the largest finite entry of a row that has one. */
export function argmax(x) {
  let k = -1;
  let m = -Infinity;
  for (let j = 0; j < x.length; j++) {
    if (x[j] > m) {
      m = x[j];
      k = j;
    }
  }
  return k;
}
/**
 * Everything the row ops need: p (softmax), lsm (log_softmax), lse (logsumexp) and q(j) =
 * 1 − p_j computed without cancellation. Follows the special-value table of the semantics.
 */
export function analyseRow(x) {
  const special = specialRow(x);
  if (special) {
    return special;
  }
  const C = x.length;
  const k = argmax(x);
  const m = x[k];
  const e = new Array(C);
  const hiArr = new Array(C);
  const loArr = new Array(C);
  for (let j = 0; j < C; j++) {
    if (x[j] === -Infinity) {
      e[j] = 0;
      hiArr[j] = -Infinity;
      loArr[j] = 0;
      continue;
    }
    const [hi, lo] = twoDiff(x[j], m);
    hiArr[j] = hi;
    if (hi === -Infinity) {
      // the difference overflows: exp is 0 and the log-probability −Infinity
      e[j] = 0;
      loArr[j] = 0;
      continue;
    }
    loArr[j] = lo;
    // exp(hi + lo) = exp(hi)·(1 + lo + …), |lo| <= ulp(hi)/2
    e[j] = Math.exp(hi) * (1 + lo);
  }
  e[k] = 1;
  hiArr[k] = 0;
  loArr[k] = 0;
  const S = sum(e);
  const others = (skip) => sum(e.filter((_, j) => j !== skip));
  const L = Math.log1p(others(k)); // log S, accurate when S is close to 1
  const p = e.map((v) => v / S);
  const lsm = hiArr.map((hi, j) => (hi === -Infinity ? -Infinity : hi - L + loArr[j]));
  lsm[k] = -L;
  return { p, lsm, lse: m + L, q: (j) => others(j) / S, nan: false };
}
export function reductionOf(args) {
  const r = args.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new Error(`reduction = ${JSON.stringify(r)} must be mean, sum or none`);
  }
  return r;
}
/** grad_output per sample: the number for mean / sum, element n for none */
export function lossGrad(args, n) {
  const red = reductionOf(args);
  if (red === 'none') {
    return args.grad_output ?? ones(n);
  }
  return new Array(n).fill(args.grad_output ?? 1);
}
export function reduce(losses, red, denominator, s = sum) {
  if (red === 'none') {
    return losses.map(pz);
  }
  const total = s(losses);
  if (red === 'sum') {
    return pz(total);
  }
  return denominator === 0 ? NaN : pz(total / denominator);
}
export const isProbTarget = (t) => t.length > 0 && Array.isArray(t[0]);
/** Cross-entropy coefficients a_{n,c}, the mean denominator and the ignored rows. */
export function ceSetup(args) {
  const logits = args.logits;
  const N = logits.length;
  const C = logits[0].length;
  const w = args.weight ?? ones(C);
  const eps = args.label_smoothing ?? 0;
  const ignore = args.ignore_index ?? -100;
  const red = reductionOf(args);
  const prob = isProbTarget(args.target);
  const coef = [];
  const ignored = [];
  const dTerms = [];
  const y = [];
  for (let n = 0; n < N; n++) {
    const a = new Array(C);
    if (prob) {
      const t = args.target[n];
      for (let c = 0; c < C; c++) {
        a[c] = w[c] * ((1 - eps) * t[c] + eps / C);
      }
      ignored.push(false);
    } else {
      const yn = args.target[n];
      y.push(yn);
      ignored.push(yn === ignore);
      for (let c = 0; c < C; c++) {
        a[c] = w[c] * ((c === yn ? 1 - eps : 0) + eps / C);
      }
      if (yn !== ignore) {
        dTerms.push(w[yn]);
      }
    }
    coef.push(a);
  }
  // mean: PyTorch's weighted mean for class indices, N for probabilities
  const D = red !== 'mean' ? 1 : prob ? N : sum(dTerms);
  return { logits, N, C, coef, ignored, red, D, prob, y };
}
/** Cross-entropy losses per sample from a row analysis (log_softmax) and the coefficients. */
export function ceLosses(s, row = analyseRow) {
  return s.logits.map((x, n) => {
    if (s.ignored[n]) {
      return 0;
    }
    const r = row(x);
    if (r.nan) { // the zero-coefficient rule beats NaN logits: a row of zero coefficients is 0
      return s.coef[n].every((a) => a === 0) ? 0 : NaN;
    }
    return sum(s.coef[n].map((a, c) => zmul(a, -r.lsm[c])));
  });
}
// ---------------------------------------------------------------------------------------
// the ops
// ---------------------------------------------------------------------------------------
// kl_div (PyTorch's F.kl_div): input x holds log-probabilities, target t probabilities (or
// log-probabilities with log_target); pointwise t·(log t − x), 0 where t = 0

/** the reduction's denominator: every element for mean, the batch for batchmean */
function klDenominator(args) {
  const r = args.reduction ?? 'mean';
  if (r === 'mean') return args.input.length * args.input[0].length;
  if (r === 'batchmean') return args.input.length;
  return 1;
}
/** grad_output at [n][c]: the number for reduced losses, the element for none */
function klGrad(args, n, c) {
  const g = args.grad_output;
  if (g === undefined) return 1;
  return typeof g === 'number' ? g : g[n][c];
}
const klMap = (args, f) => args.input.map((row, n) => row.map((x, c) => f(x, args.target[n][c], n, c)));
/** a·b where either factor exactly 0 gives 0 (a zero grad_output against an overflowing e^t, or the reverse) */
const zmul2 = (a, b) => (a === 0 || b === 0 ? 0 : a * b);
/**
 * e^t·Π factors without overflowing e^t first: a zero factor gives 0 (even against e^t = ∞);
 * when e^t overflows, e^700 times the factors, then times e^(t − 700): each step is one
 * correctly rounded operation, and no intermediate overflows unless the result does
 */
function expTimes(t, factors) {
  if (factors.some((f) => f === 0)) return 0;
  const e = Math.exp(t);
  if (Number.isFinite(e)) return factors.reduce((p, f) => p * f, e);
  let v = Math.exp(700);
  for (const f of factors) v *= f;
  return v * Math.exp(t - 700);
}
/** the pointwise term, with the zero-coefficient rule at t = 0 (t = −∞ with log_target) */
function klTerm(x, t, logTarget) {
  if (logTarget) return t === -Infinity ? 0 : Math.exp(t) * (t - x);
  return t === 0 ? 0 : t * (Math.log(t) - x);
}
export const baseOps = {
  softmax({ logits }) {
    return logits.map((row) => analyseRow(row).p.map(pz));
  },
  log_softmax({ logits }) {
    return logits.map((row) => analyseRow(row).lsm.map(pz));
  },
  logsumexp({ logits }) {
    return logits.map((row) => pz(analyseRow(row).lse));
  },
  sigmoid({ x }) {
    return x.map((v) => pz(sigmoid1(v)));
  },
  log_sigmoid({ x }) {
    return x.map((v) => pz(-softplus1(-v)));
  },
  softplus({ x }) {
    return x.map((v) => pz(softplus1(v)));
  },
  cross_entropy(args) {
    const s = ceSetup(args);
    return reduce(ceLosses(s), s.red, s.D);
  },
  nll_loss(args) {
    const lp = args.log_probs;
    const w = args.weight ?? ones(lp[0].length);
    const ignore = args.ignore_index ?? -100;
    const red = reductionOf(args);
    const dTerms = [];
    const losses = lp.map((row, n) => {
      const y = args.target[n];
      if (y === ignore) {
        return 0;
      }
      dTerms.push(w[y]);
      if (Number.isNaN(row[y])) { // the zero-coefficient rule beats NaN
        return w[y] === 0 ? 0 : NaN;
      }
      return zmul(w[y], -row[y]);
    });
    return reduce(losses, red, red === 'mean' ? sum(dTerms) : 1);
  },
  binary_cross_entropy(args) {
    const { probs, target } = args;
    const w = args.weight ?? ones(probs.length);
    const red = reductionOf(args);
    const losses = probs.map((p, n) => {
      const t = target[n];
      const l = zmul(t, -Math.log(p)) + zmul(1 - t, -log1m(p));
      return zmul(w[n], l);
    });
    return reduce(losses, red, probs.length);
  },
  binary_cross_entropy_with_logits(args) {
    const { logits, target } = args;
    const w = args.weight ?? ones(logits.length);
    const pw = args.pos_weight ?? 1;
    const red = reductionOf(args);
    const losses = logits.map((x, n) => {
      const t = target[n];
      if (Number.isNaN(x)) { // the zero-coefficient rule beats NaN: a term that is identically 0
        return w[n] === 0 || (pw * t === 0 && t === 1) ? 0 : NaN;
      }
      // −log σ(x) = softplus(−x), −log σ(−x) = softplus(x): two non-negative terms
      const l = zmul(pw * t, softplus1(-x)) + zmul(1 - t, softplus1(x));
      return zmul(w[n], l);
    });
    return reduce(losses, red, logits.length);
  },
  softmax_backward({ logits, grad_output }) {
    return logits.map((row, n) => {
      const r = analyseRow(row);
      const g = grad_output[n];
      if (r.nan) {
        return row.map(() => NaN);
      }
      // p is path dependent (NaN) on two or more +inf entries, or on an all −inf row: the
      // limit still exists (0) when g is finite and constant there, as g_j − ⟨g, p⟩ = 0
      const free = r.p.flatMap((p, j) => (Number.isNaN(p) ? [g[j]] : []));
      if (free.length > 0 && free.every((v) => Number.isFinite(v) && v === free[0])) {
        return row.map(() => 0);
      }
      // the zero-coefficient rule keeps finite entries of a two-+inf row at 0
      const dot = sum(r.p.map((p, j) => zmul(p, g[j])));
      return r.p.map((p, j) => zmul(p, g[j] - dot));
    });
  },
  log_softmax_backward({ logits, grad_output }) {
    return logits.map((row, n) => {
      const r = analyseRow(row);
      const g = grad_output[n];
      if (r.nan) {
        return row.map(() => NaN);
      }
      const gs = sum(g);
      // Σg = 0 exactly: g_j − p_j·Σg is g_j whatever p is, even where p is path dependent
      return r.p.map((p, j) => g[j] - zmul(gs, p));
    });
  },
  sigmoid_backward({ x, grad_output }) {
    return x.map((v, n) => {
      // σ(x)·(1 − σ(x)) = e/(1 + e)² with e = exp(−|x|): no cancellation
      const e = Math.exp(-Math.abs(v));
      const d = e / ((1 + e) * (1 + e));
      return grad_output[n] * d;
    });
  },
  cross_entropy_backward(args) {
    const s = ceSetup(args);
    const g = lossGrad(args, s.N);
    return s.logits.map((row, n) => {
      if (s.ignored[n]) {
        return row.map(() => 0);
      }
      // every coefficient 0: the loss row is identically 0, its gradient too (before
      // D = 0 and NaN logits); grad_output 0 then beats a path-dependent p
      const a = s.coef[n];
      const A = sum(a);
      if (A === 0) {
        return row.map(() => 0);
      }
      const r = analyseRow(row);
      if (r.nan || s.D === 0) {
        return row.map(() => NaN);
      }
      if (g[n] === 0) {
        return row.map(() => 0);
      }
      const scale = g[n] / s.D;
      const out = r.p.map((p, c) => (zmul(A, p) - a[c]) * scale);
      if (!s.prob) {
        // target class: p_y·A − a_y = (A − a_y) − A·(1 − p_y), with 1 − p_y without cancellation
        const y = s.y[n];
        const rest = sum(a.filter((_, c) => c !== y));
        out[y] = (rest - zmul(A, r.q(y))) * scale;
      }
      return out;
    });
  },
  binary_cross_entropy_backward(args) {
    const { probs, target } = args;
    const N = probs.length;
    const w = args.weight ?? ones(N);
    const red = reductionOf(args);
    const g = lossGrad(args, N);
    const D = red === 'mean' ? N : 1;
    return probs.map((p, n) => {
      const t = target[n];
      let d;
      if (t === 0) {
        d = 1 / (1 - p); // −t/p vanishes (zero coefficient), also at p = 0
      } else if (t === 1) {
        d = -1 / p;
      } else if (p === 0 || p === 1) {
        d = -t / p + (1 - t) / (1 - p);
      } else {
        d = (p - t) / (p * (1 - p));
      }
      // grad_output 0 against the infinite derivative at p ∈ {0, 1}: the zero-coefficient rule
      return zmul(g[n], zmul(w[n], d)) / D;
    });
  },
  binary_cross_entropy_with_logits_backward(args) {
    const { logits, target } = args;
    const N = logits.length;
    const w = args.weight ?? ones(N);
    const pw = args.pos_weight ?? 1;
    const red = reductionOf(args);
    const g = lossGrad(args, N);
    const D = red === 'mean' ? N : 1;
    return logits.map((x, n) => {
      const t = target[n];
      if (Number.isNaN(x)) { // an identically-0 term has gradient 0, even at NaN
        return w[n] === 0 || (pw * t === 0 && t === 1) ? 0 : NaN;
      }
      // σ(x)·(pw·t + 1 − t) − pw·t = (1 − t)·σ(x) − pw·t·σ(−x)
      const d = zmul(1 - t, sigmoid1(x)) - zmul(pw * t, sigmoid1(-x));
      return (g[n] * zmul(w[n], d)) / D;
    });
  },
  kl_div(args) {
    const terms = klMap(args, (x, t) => klTerm(x, t, !!args.log_target));
    if ((args.reduction ?? 'mean') === 'none') return terms.map((r) => r.map(pz));
    return pz(sum(terms.flat()) / klDenominator(args));
  },
  kl_div_backward(args) {
    const D = klDenominator(args);
    // −e^t·g/D: e^t may overflow where the product does not (expTimes)
    return klMap(args, (_x, t, n, c) => {
      const g = klGrad(args, n, c);
      return pz(args.log_target ? expTimes(t, [-g, 1 / D]) : zmul2(t, -g) / D);
    });
  },
  kl_div_target_backward(args) {
    const D = klDenominator(args);
    return klMap(args, (x, t, n, c) => {
      const g = klGrad(args, n, c);
      if (args.log_target) return pz(t === -Infinity ? 0 : expTimes(t, [g, t + 1 - x, 1 / D]));
      return t === 0 ? 0 : pz(zmul(g, Math.log(t) + 1 - x) / D);
    });
  },
};

/** The implementation object verify loads (`xent-oracle verify examples/adapters/correct.mjs`). */
export default { name: 'correct-js', dtype: 'float64', ops: baseOps };
