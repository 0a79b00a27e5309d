// A user's implementation under test: softmax, log_softmax and sigmoid in plain float64
// JavaScript, written the careful way (max shift, log1p of the normaliser, the special
// values of docs/semantics.md). The implementation object has the same shape as a module
// for `xent-oracle verify`: { name, dtype, ops }.

/**
 * softmax and log_softmax of one row
 * @param {number[]} x
 * @returns {{ p: number[], lsm: number[] }}
 */
function row(x) {
  if (x.some(Number.isNaN)) return { p: x.map(() => NaN), lsm: x.map(() => NaN) };
  const inf = x.filter((v) => v === Infinity).length;
  if (inf > 0) {
    // one +Infinity takes all the mass; two or more: NaN at them (no limit)
    return {
      p: x.map((v) => (v === Infinity ? (inf === 1 ? 1 : NaN) : 0)),
      lsm: x.map((v) => (v === Infinity ? (inf === 1 ? 0 : NaN) : -Infinity)),
    };
  }
  const m = Math.max(...x);
  if (m === -Infinity) return { p: x.map(() => NaN), lsm: x.map(() => NaN) }; // every entry masked
  const k = x.indexOf(m);
  const d = x.map((v) => v - m);
  const e = d.map(Math.exp);
  let rest = 0;
  for (let j = 0; j < e.length; j++) if (j !== k) rest += e[j];
  const L = Math.log1p(rest); // log of the normaliser 1 + rest, accurate when rest is small
  const S = 1 + rest;
  return { p: e.map((v) => v / S), lsm: d.map((v) => (v === -Infinity ? -Infinity : v - L)) };
}

const zero = (/** @type {number} */ v) => (v === 0 ? 0 : v); // +0 for exact zeros

/** @typedef {{ logits: number[][] }} RowsArgs */

// `@satisfies` checks the object against the contract and keeps its own (narrower) types.
export default /** @satisfies {import('xent-oracle/vitest').OracleImplementation} */ ({
  name: 'my-softmax',
  dtype: 'float64',
  ops: {
    softmax: (/** @type {RowsArgs} */ { logits }) => logits.map((x) => row(x).p.map(zero)),
    log_softmax: (/** @type {RowsArgs} */ { logits }) => logits.map((x) => row(x).lsm.map(zero)),
    sigmoid: (/** @type {{ x: number[] }} */ { x }) => x.map((v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)))),
  },
});
