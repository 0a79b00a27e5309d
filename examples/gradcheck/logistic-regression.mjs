/**
 * Example: check the gradient of a whole model's loss.
 *
 * Logistic regression on two Gaussian clouds (centres (−2, −2) and (+2, +2), unit variance,
 * 50 points each, drawn with a seeded PRNG + Box–Muller). For equal priors the Bayes
 * classifier has log-odds (μ1 − μ0)ᵀx/σ² = 4·x1 + 4·x2, i.e. weights (4, 4) and bias 0: its
 * cross-entropy is lower than a poor guess such as (−1, 0.5). The gradient of the summed
 * BCE-with-logits loss w.r.t. (w1, w2, b), Σ_n (σ(z_n) − t_n)·(x_n1, x_n2, 1), passes gradcheck.
 *
 * Run: npm run build && node examples/gradcheck/logistic-regression.mjs   (or call run() from
 * your own code; tested by test/gradcheck-examples.test.ts).
 */
import { pathToFileURL } from 'node:url';
import { formatReport, gradcheck, SeededRandom } from 'xent-oracle';

/** @typedef {import('xent-oracle').GradcheckReport} GradcheckReport */
/** @typedef {{ x: [number, number][], t: number[] }} Clouds */

/**
 * 2·n points: label 0 around (−2, −2), label 1 around (+2, +2).
 * @returns {Clouds}
 */
export function makeClouds(seed = 12345, n = 50) {
  const rng = new SeededRandom(seed); // normal() is Box–Muller on xoshiro128** uniforms
  /** @type {[number, number][]} */
  const x = [];
  /** @type {number[]} */
  const t = [];
  for (const [label, c] of [[0, -2], [1, 2]]) {
    for (let i = 0; i < n; i++) {
      x.push([c + rng.normal(), c + rng.normal()]);
      t.push(label);
    }
  }
  return { x, t };
}

/** log(1 + e^z), stable */
const softplus = (/** @type {number} */ z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
const sigmoid = (/** @type {number} */ z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Summed BCE with logits, params = (w1, w2, b): ℓ_n = softplus(z) − t·z = t·softplus(−z) + (1 − t)·softplus(z).
 * @param {ArrayLike<number>} params
 * @param {Clouds} d
 * @returns {number}
 */
export function loss(params, d) {
  let s = 0;
  d.x.forEach(([a, b], n) => {
    const z = params[0] * a + params[1] * b + params[2];
    s += d.t[n] === 1 ? softplus(-z) : softplus(z);
  });
  return s;
}

/**
 * ∂loss/∂(w1, w2, b) = Σ_n (σ(z_n) − t_n)·(x_n1, x_n2, 1), with σ(z) − 1 = −σ(−z) for t = 1 (no cancellation).
 * @param {ArrayLike<number>} params
 * @param {Clouds} d
 * @returns {number[]}
 */
export function gradient(params, d) {
  const g = [0, 0, 0];
  d.x.forEach(([a, b], n) => {
    const z = params[0] * a + params[1] * b + params[2];
    const r = d.t[n] === 1 ? -sigmoid(-z) : sigmoid(z);
    g[0] += r * a;
    g[1] += r * b;
    g[2] += r;
  });
  return g;
}

/**
 * @param {(s: string) => void} [log]
 * @returns {{ bayesLoss: number, guessLoss: number, reports: GradcheckReport[] }}
 */
export function run(log = console.log) {
  const data = makeClouds();
  const bayes = [4, 4, 0];
  const guess = [-1, 0.5, 0];
  const bayesLoss = loss(bayes, data);
  const guessLoss = loss(guess, data);
  log(`summed cross-entropy: Bayes weights (4, 4, 0) ${bayesLoss.toFixed(4)}, guess (−1, 0.5, 0) ${guessLoss.toFixed(4)}`);
  /** @type {GradcheckReport[]} */
  const reports = [];
  for (const p of [bayes, guess, [0.3, -0.2, 0.1]]) {
    const r = gradcheck((q) => loss(q, data), p, { gradient: (q) => gradient(q, data) });
    log(formatReport(r));
    reports.push(r);
  }
  // the same check in fast mode: one directional derivative instead of one per parameter
  reports.push(gradcheck((q) => loss(q, data), bayes, { gradient: (q) => gradient(q, data) }, { fastMode: true, seed: 1 }));
  log(reports[reports.length - 1].message);
  return { bayesLoss, guessLoss, reports };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) run();
