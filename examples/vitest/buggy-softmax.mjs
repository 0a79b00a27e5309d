// A DELIBERATELY BUGGY implementation: the textbook formulas that articles print.
//   - softmax as exp(x) / Σ exp(x) without the max shift: NaN (∞/∞) for logits above ~709;
//   - log_softmax as log(softmax(x)): −Infinity where the probability underflows.
// buggy-softmax.test.mjs must fail; test/vitest-integration.test.ts checks that it does.

/**
 * @param {number[]} x one row of logits
 * @returns {number[]}
 */
function softmaxRow(x) {
  const e = x.map(Math.exp);
  let s = 0;
  for (const v of e) s += v;
  return e.map((v) => v / s);
}

/** @typedef {{ logits: number[][] }} RowsArgs */

// `@satisfies` checks the object against the contract and keeps its own (narrower) types.
export default /** @satisfies {import('xent-oracle/vitest').OracleImplementation} */ ({
  name: 'buggy-softmax',
  dtype: 'float64',
  ops: {
    softmax: (/** @type {RowsArgs} */ { logits }) => logits.map(softmaxRow),
    log_softmax: (/** @type {RowsArgs} */ { logits }) => logits.map((x) => softmaxRow(x).map(Math.log)),
  },
});
