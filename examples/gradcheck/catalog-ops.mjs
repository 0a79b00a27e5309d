/**
 * Example: check the catalog's backward ops themselves (or your implementation of one).
 *
 * gradcheckOp(B, args, options) differentiates B's forward op (softmax for softmax_backward,
 * cross_entropy for cross_entropy_backward, …) with respect to B's argument (logits, x or
 * probs) and compares the result with B:
 * - numeric 'float64' (default): Ridders on the fast path's float64 forward, every gradcheck option;
 * - numeric 'decimal': the reference forward's enclosures at 50 digits, exact double steps,
 *   two Richardson steps — the analytic side is checked to a few float64 ulps;
 * - cotangent 'basis' (the full Jacobian) or 'given' (the gradient of ⟨grad_output, F⟩, which
 *   sees a backward that mishandles a non-unit grad_output of a reduced loss);
 * - backward 'reference', 'fast', or any function of the normalised args (your own kernel).
 * A relative error of 1e-8 planted in one gradient entry of the fast backward fails both modes.
 *
 * Run: npm run build && node examples/gradcheck/catalog-ops.mjs   (or call run() from your own
 * code; tested by test/gradcheck-catalog.test.ts).
 */
import { pathToFileURL } from 'node:url';
import { backwardFunction, formatReport, gradcheckOp, normalizeOpArgs } from 'xent-oracle';

/** @typedef {import('xent-oracle').GradcheckReport} GradcheckReport */

/**
 * @param {(s: string) => void} [log]
 * @returns {{ passing: GradcheckReport[], planted: GradcheckReport[] }}
 */
export function run(log = console.log) {
  // cross-entropy with class weights, label smoothing and a mean over two rows; grad_output −1.5
  const ce = normalizeOpArgs('cross_entropy_backward', {
    logits: [[0.5, -1.25, 2], [3, 0.125, -0.75]],
    target: [2, 0],
    weight: [1, 0.5, 2],
    label_smoothing: 0.1,
    reduction: 'mean',
    grad_output: -1.5,
  });
  const sm = normalizeOpArgs('softmax_backward', { logits: [[1.5, -0.3, 0.8, 2.2]], grad_output: [[0.25, -1, 2, 0.5]] });
  /** @type {GradcheckReport[]} */
  const passing = [];
  for (const backward of /** @type {const} */ (['reference', 'fast'])) {
    for (const [op, args] of /** @type {const} */ ([['cross_entropy_backward', ce], ['softmax_backward', sm]])) {
      for (const numeric of /** @type {const} */ (['float64', 'decimal'])) {
        const r = gradcheckOp(op, args, { backward, numeric, cotangent: 'given' });
        log(`${op}, ${backward} backward, ${numeric}: ${r.message}`);
        passing.push(r);
      }
    }
  }
  // the full Jacobian of softmax (16 entries), the fast backward against the decimal reference
  const full = gradcheckOp('softmax_backward', sm, { backward: 'fast', numeric: 'decimal' });
  log(formatReport(full));
  passing.push(full);

  // a relative error of 1e-8 in one entry (logits[0][2]) of the fast cross-entropy backward
  const fast = backwardFunction('cross_entropy_backward', 'fast');
  /** @type {(a: Record<string, unknown>) => number[][]} */
  const planted = (a) => {
    const g = /** @type {number[][]} */ (fast(a)).map((row) => row.slice());
    g[0][2] *= 1 + 1e-8;
    return g;
  };
  /** @type {GradcheckReport[]} */
  const caught = [];
  for (const numeric of /** @type {const} */ (['float64', 'decimal'])) {
    const r = gradcheckOp('cross_entropy_backward', ce, { backward: planted, numeric, cotangent: 'given' });
    log(formatReport(r));
    caught.push(r);
  }
  return { passing, planted: caught };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) run();
