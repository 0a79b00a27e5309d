/**
 * Example: hand-written backprop through a small network, checked entry by entry.
 *
 * A 2 → 16 (tanh) → 3 (softmax) network on one-hot targets, three seeded Gaussian clouds.
 * Parameters are one flat vector [W1 (16×2), b1 (16), W2 (3×16), b2 (3)] = 99 entries; the
 * loss is the mean cross-entropy. `backprop` is the textbook backward pass; `buggyBackprop`
 * plants the two classic bugs (a missing tanh' factor, a weight gradient written transposed)
 * and gradcheck fails with a report naming a bad entry.
 *
 * Run: npm run build && node examples/gradcheck/mlp.mjs   (or call run() from your own code;
 * tested by test/gradcheck-examples.test.ts).
 */
import { pathToFileURL } from 'node:url';
import { formatReport, gradcheck, SeededRandom } from 'xent-oracle';

/** @typedef {import('xent-oracle').GradcheckReport} GradcheckReport */
/** @typedef {{ x: number[][], y: number[] }} Data */

export const IN = 2;
export const HIDDEN = 16;
export const OUT = 3;
export const SIZES = { W1: HIDDEN * IN, b1: HIDDEN, W2: OUT * HIDDEN, b2: OUT };
export const OFFSETS = { W1: 0, b1: SIZES.W1, W2: SIZES.W1 + SIZES.b1, b2: SIZES.W1 + SIZES.b1 + SIZES.W2 };
export const NPARAMS = OFFSETS.b2 + SIZES.b2;

/**
 * Which block (and index inside it) a flat parameter index belongs to.
 * @param {number} i
 * @returns {string}
 */
export function paramName(i) {
  if (i < OFFSETS.b1) return `W1[${Math.floor(i / IN)}][${i % IN}]`;
  if (i < OFFSETS.W2) return `b1[${i - OFFSETS.b1}]`;
  if (i < OFFSETS.b2) return `W2[${Math.floor((i - OFFSETS.W2) / HIDDEN)}][${(i - OFFSETS.W2) % HIDDEN}]`;
  return `b2[${i - OFFSETS.b2}]`;
}

/** @returns {Data} */
export function makeData(seed = 7, perClass = 20) {
  const rng = new SeededRandom(seed);
  const centres = [
    [0, 2],
    [-1.8, -1],
    [1.8, -1],
  ];
  /** @type {number[][]} */
  const x = [];
  /** @type {number[]} */
  const y = [];
  centres.forEach((c, k) => {
    for (let i = 0; i < perClass; i++) {
      x.push([c[0] + 0.8 * rng.normal(), c[1] + 0.8 * rng.normal()]);
      y.push(k);
    }
  });
  return { x, y };
}

/** @returns {number[]} */
export function initParams(seed = 3) {
  const rng = new SeededRandom(seed);
  return Array.from(
    { length: NPARAMS },
    (_, i) => (i < OFFSETS.b1 ? 0.7 : i < OFFSETS.W2 ? 0.1 : i < OFFSETS.b2 ? 0.4 : 0.1) * rng.normal(),
  );
}

/**
 * @param {ArrayLike<number>} P
 * @param {Data} d
 * @returns {{ h: number[][], p: number[][], loss: number }}
 */
function forward(P, d) {
  const W1 = (/** @type {number} */ j, /** @type {number} */ i) => P[OFFSETS.W1 + j * IN + i];
  const W2 = (/** @type {number} */ k, /** @type {number} */ j) => P[OFFSETS.W2 + k * HIDDEN + j];
  /** @type {number[][]} */
  const hs = [];
  /** @type {number[][]} */
  const ps = [];
  let loss = 0;
  d.x.forEach((x, n) => {
    const h = Array.from({ length: HIDDEN }, (_, j) => Math.tanh(W1(j, 0) * x[0] + W1(j, 1) * x[1] + P[OFFSETS.b1 + j]));
    const z = Array.from({ length: OUT }, (_, k) => h.reduce((s, hj, j) => s + W2(k, j) * hj, P[OFFSETS.b2 + k]));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    loss += m + Math.log(s) - z[d.y[n]];
    hs.push(h);
    ps.push(e.map((v) => v / s));
  });
  return { h: hs, p: ps, loss: loss / d.x.length };
}

/**
 * @param {ArrayLike<number>} P
 * @param {Data} d
 * @returns {number}
 */
export function loss(P, d) {
  return forward(P, d).loss;
}

/**
 * @typedef {object} Bugs
 * @property {boolean} [missingTanhPrime] forget the tanh'(a) = 1 − h² factor when backpropagating into the hidden layer
 * @property {boolean} [transposedW2] write the W2 gradient in the transposed (column-major) layout
 */

/**
 * @param {ArrayLike<number>} P
 * @param {Data} d
 * @param {Bugs} bugs
 * @returns {number[]}
 */
export function buggyBackprop(P, d, bugs) {
  const { h, p } = forward(P, d);
  const g = new Array(NPARAMS).fill(0);
  const N = d.x.length;
  d.x.forEach((x, n) => {
    // δ2 = ∂ℓ/∂z = p − onehot(y)
    const d2 = p[n].map((pk, k) => (pk - (k === d.y[n] ? 1 : 0)) / N);
    for (let k = 0; k < OUT; k++) {
      g[OFFSETS.b2 + k] += d2[k];
      for (let j = 0; j < HIDDEN; j++) {
        const idx = bugs.transposedW2 ? OFFSETS.W2 + j * OUT + k : OFFSETS.W2 + k * HIDDEN + j;
        g[idx] += d2[k] * h[n][j];
      }
    }
    // δ1 = (W2ᵀ δ2) ⊙ tanh'(a),  tanh'(a) = 1 − h²
    for (let j = 0; j < HIDDEN; j++) {
      let back = 0;
      for (let k = 0; k < OUT; k++) back += P[OFFSETS.W2 + k * HIDDEN + j] * d2[k];
      const d1 = bugs.missingTanhPrime ? back : back * (1 - h[n][j] * h[n][j]);
      g[OFFSETS.b1 + j] += d1;
      g[OFFSETS.W1 + j * IN] += d1 * x[0];
      g[OFFSETS.W1 + j * IN + 1] += d1 * x[1];
    }
  });
  return g;
}

/** @type {(P: ArrayLike<number>, d: Data) => number[]} */
export const backprop = (P, d) => buggyBackprop(P, d, {});

/**
 * @param {(s: string) => void} [log]
 * @returns {{ correct: GradcheckReport, missingTanhPrime: GradcheckReport, transposedW2: GradcheckReport }}
 */
export function run(log = console.log) {
  const data = makeData();
  const P = initParams();
  const f = (/** @type {ArrayLike<number>} */ q) => loss(q, data);
  const correct = gradcheck(f, P, { gradient: (q) => backprop(q, data) });
  log(formatReport(correct));
  const missingTanhPrime = gradcheck(f, P, { gradient: (q) => buggyBackprop(q, data, { missingTanhPrime: true }) });
  log(formatReport(missingTanhPrime));
  log(`  worst entry is ${paramName(/** @type {NonNullable<GradcheckReport['worst']>} */ (missingTanhPrime.worst).input)}`);
  const transposedW2 = gradcheck(f, P, { gradient: (q) => buggyBackprop(q, data, { transposedW2: true }) });
  log(formatReport(transposedW2));
  log(`  worst entry is ${paramName(/** @type {NonNullable<GradcheckReport['worst']>} */ (transposedW2.worst).input)}`);
  return { correct, missingTanhPrime, transposedW2 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) run();
