/**
 * Example: a float32 implementation (what most JS ML libraries compute in).
 *
 * Pass a Float32Array (or options.dtype = 'float32'): the checker steps in float32
 * (t = fround(x + h); h = t − x), measures the function's float32 rounding noise, and derives
 * its tolerances from float32's u = 2^-24 instead of float64's. The verdict: a correct float32
 * log-softmax backward passes, a 1e-2 relative error is caught, and the report says how
 * accurate the numeric derivative was (~1e-4 relative: float32 cannot resolve errors much
 * smaller than that, see docs/gradcheck.md "Sensitivity").
 *
 * Run: npm run build && node examples/gradcheck/float32.mjs   (or call run() from your own code;
 * tested by test/gradcheck-examples.test.ts).
 */
import { pathToFileURL } from 'node:url';
import { formatReport, gradcheck } from 'xent-oracle';

/** @typedef {import('xent-oracle').GradcheckReport} GradcheckReport */

const r = Math.fround;

/**
 * log_softmax in float32 arithmetic (rounded after every operation), stable form (x − max) − log Σ exp(x − max)
 * @param {Float32Array} x
 * @returns {Float32Array}
 */
export function logSoftmax32(x) {
  let m = -Infinity;
  for (const v of x) m = Math.max(m, v);
  let s = 0;
  for (const v of x) s = r(s + r(Math.exp(r(v - m))));
  const l = r(Math.log(s));
  return x.map((v) => r(r(v - m) - l));
}

/**
 * its VJP g − p·Σg, in float32
 * @param {Float32Array} x
 * @param {number[]} g
 * @returns {Float32Array}
 */
export function logSoftmaxBackward32(x, g) {
  let m = -Infinity;
  for (const v of x) m = Math.max(m, v);
  let s = 0;
  for (const v of x) s = r(s + r(Math.exp(r(v - m))));
  let sg = 0;
  for (const v of g) sg = r(sg + v);
  return x.map((v, j) => r(g[j] - r(r(r(Math.exp(r(v - m))) / s) * sg)));
}

/**
 * @param {(s: string) => void} [log]
 * @returns {{ correct: GradcheckReport, fast: GradcheckReport, wrong: GradcheckReport }}
 */
export function run(log = console.log) {
  const x = Float32Array.from([2.5, -1, 0.25, 3.75, -6, 1]);
  const correct = gradcheck(logSoftmax32, x, { vjp: logSoftmaxBackward32 });
  log(formatReport(correct));
  const fast = gradcheck(logSoftmax32, x, { vjp: logSoftmaxBackward32 }, { fastMode: true, projections: 3, seed: 9 });
  log(fast.message);
  // a 1% error in one entry of the backward
  const wrong = gradcheck(logSoftmax32, x, { vjp: (z, g) => logSoftmaxBackward32(z, g).map((v, j) => (j === 3 ? r(v * 1.01) : v)) });
  log(formatReport(wrong));
  return { correct, fast, wrong };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) run();
