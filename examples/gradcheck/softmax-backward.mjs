/**
 * Example: check your own op's backward.
 *
 * A softmax written by hand, its VJP p ⊙ (g − ⟨g, p⟩), and three ways to check it:
 * - gradcheck (Ridders' method on the float64 forward, every Jacobian entry),
 * - fast mode (random projections uᵀJv, one directional derivative per projection),
 * - gradcheckDecimal (the forward evaluated at 40 digits: the float64 VJP is checked to a few ulps).
 * Then a classic bug (dropping the ⟨g, p⟩ term) and how the report points at it.
 *
 * Run: npm run build && node examples/gradcheck/softmax-backward.mjs   (or call run() from your
 * own code; tested by test/gradcheck-examples.test.ts).
 */
import { pathToFileURL } from 'node:url';
import { formatReport, gradcheck, gradcheckDecimal } from 'xent-oracle';

/** @typedef {import('xent-oracle').GradcheckReport} GradcheckReport */
/** @typedef {import('decimal.js').Decimal} Decimal */

/**
 * @param {ArrayLike<number>} x
 * @returns {number[]}
 */
export function softmax(x) {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]);
  const e = Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * Jᵀg for softmax: p ⊙ (g − ⟨g, p⟩)
 * @param {ArrayLike<number>} x
 * @param {ArrayLike<number>} g
 * @returns {number[]}
 */
export function softmaxBackward(x, g) {
  const p = softmax(x);
  let gp = 0;
  for (let i = 0; i < p.length; i++) gp += g[i] * p[i];
  return p.map((pi, i) => pi * (g[i] - gp));
}

/**
 * the same forward in decimal.js: computes at the precision of its inputs
 * @param {Decimal[]} x
 * @returns {Decimal[]}
 */
export function softmaxDecimal(x) {
  const e = x.map((v) => v.exp());
  const s = e.reduce((a, b) => a.plus(b));
  return e.map((v) => v.div(s));
}

/**
 * @param {(s: string) => void} [log]
 * @returns {{ full: GradcheckReport, fast: GradcheckReport, decimal: GradcheckReport, buggy: GradcheckReport }}
 */
export function run(log = console.log) {
  const x = [1.5, -0.3, 0.8, 2.2, -1.7];
  const full = gradcheck(softmax, x, { vjp: softmaxBackward });
  log(formatReport(full));
  const fast = gradcheck(softmax, x, { vjp: softmaxBackward }, { fastMode: true, projections: 2, seed: 42 });
  log(fast.message);
  const decimal = gradcheckDecimal(softmaxDecimal, x, { vjp: softmaxBackward }, { digits: 40 });
  log(decimal.message);
  // the bug: the VJP of exp (p ⊙ g) instead of softmax's
  const buggy = gradcheck(softmax, x, { vjp: (z, g) => softmax(z).map((p, i) => p * g[i]) }, { fastMode: true, seed: 42 });
  log(formatReport(buggy));
  return { full, fast, decimal, buggy };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) run();
