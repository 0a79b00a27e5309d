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
 * Run: npx vitest run test/gradcheck-examples.test.ts  (or call run() from your own code).
 */
import { formatReport, gradcheck, type GradcheckReport } from '../../src/gradcheck/index.js';

const r = Math.fround;

/** log_softmax in float32 arithmetic (rounded after every operation), stable form (x − max) − log Σ exp(x − max) */
export function logSoftmax32(x: Float32Array): Float32Array {
  let m = -Infinity;
  for (const v of x) m = Math.max(m, v);
  let s = 0;
  for (const v of x) s = r(s + r(Math.exp(r(v - m))));
  const l = r(Math.log(s));
  return x.map((v) => r(r(v - m) - l));
}

/** its VJP g − p·Σg, in float32 */
export function logSoftmaxBackward32(x: Float32Array, g: number[]): Float32Array {
  let m = -Infinity;
  for (const v of x) m = Math.max(m, v);
  let s = 0;
  for (const v of x) s = r(s + r(Math.exp(r(v - m))));
  let sg = 0;
  for (const v of g) sg = r(sg + v);
  return x.map((v, j) => r(g[j] - r(r(r(Math.exp(r(v - m))) / s) * sg)));
}

export interface Float32Result {
  correct: GradcheckReport;
  fast: GradcheckReport;
  wrong: GradcheckReport;
}

export function run(log: (s: string) => void = console.log): Float32Result {
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
