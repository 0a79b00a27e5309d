/**
 * Curated golden cases of the row (softmax family) ops (oracles/<op>.json; conventions in src/ops/lib/curated.ts).
 */
import { f, INF, NAN, E64, E32, ROW_10000, ROW_256, ARTICLE_7 } from '../lib/curated.js';
import type { CuratedEntry } from '../types.js';

type Entry = CuratedEntry;

// ---------------------------------------------------------------------------------------
// row ops: softmax, log_softmax, logsumexp (same stress rows, op-specific extras)

const ROWS: Entry[] = [
  ['article-7', { logits: [ARTICLE_7] }, ['article', 'ties']],
  ['article-3', { logits: [[2, 3, 4]] }, ['article']],
  ['two-rows', { logits: [[-1, 0, 1], [0.5, 0.25, 0.125]] }, ['basic']],
  ['exp-limit-float64-over', { logits: [[E64.over, E64.over - 1, 0]] }, ['exp-limit-float64']],
  ['exp-limit-float64-over-ties', { logits: [[E64.over, E64.over, E64.over]] }, ['exp-limit-float64', 'ties']],
  ['exp-limit-float64-under', { logits: [[E64.under, E64.under - 0.5, E64.under - 3]] }, ['exp-limit-float64']],
  ['exp-limit-float64-span', { logits: [[E64.over, -E64.over, E64.under, 0]] }, ['exp-limit-float64']],
  ['exp-limit-float32-over', { logits: [[E32.over, f(E32.over - 1), 0]] }, ['exp-limit-float32']],
  ['exp-limit-float32-under', { logits: [[E32.under, f(E32.under - 0.5), f(E32.under - 3)]] }, ['exp-limit-float32']],
  ['exp-limit-float32-span', { logits: [[E32.over, -E32.over, E32.under, 0]] }, ['exp-limit-float32']],
  ['huge-1e308', { logits: [[1e308, -1e308, 0]] }, ['huge']],
  ['huge-1e308-ties', { logits: [[1e308, 1e308], [-1e308, -1e308]] }, ['huge', 'ties']],
  ['huge-max-double', { logits: [[1.7976931348623157e308, 1.7976931348623157e308, 1e308]] }, ['huge', 'ties']],
  ['ties-4', { logits: [[3, 3, 3, 3]] }, ['ties']],
  ['ties-3', { logits: [[0, 0, 0], [-2, 1, 1]] }, ['ties']],
  ['one-class', { logits: [[5]] }, ['one-class']],
  ['one-class-batch', { logits: [[-1e308], [0], [709.78]] }, ['one-class']],
  ['masked', { logits: [[0, -INF, 1, -INF]] }, ['masked']],
  ['masked-all-but-one', { logits: [[-INF, 2.5, -INF]] }, ['masked']],
  ['all-masked', { logits: [[-INF, -INF, -INF], [1, 2, 3]] }, ['all-masked', 'masked']],
  ['plus-infinity', { logits: [[INF, 0, -INF]] }, ['plus-infinity', 'masked']],
  ['plus-infinity-twice', { logits: [[INF, INF, 1]] }, ['plus-infinity']],
  ['nan', { logits: [[NAN, 1, 2], [1, 2, 3]] }, ['nan']],
  ['underflowing-exps', { logits: [[0, -708.5, -720, -740, -744.4]] }, ['exp-limit-float64']],
  ['underflow-edge', { logits: [[0, -745.1, -745.2, -745.14]] }, ['exp-limit-float64']],
  ['tiny', { logits: [[1e-300, -1e-300, 0, 5e-324]] }, ['tiny']],
  ['large-gap-40', { logits: [[0, -40, -3]] }, ['large-gap']],
  ['large-gap-100', { logits: [[100, 0]] }, ['large-gap']],
  ['large-gap-720', { logits: [[0, -720]] }, ['large-gap']],
  ['large-gap-800', { logits: [[0, -800]] }, ['large-gap']],
  ['scale-1e5', { logits: [[1e5, -1e5, 99999.5, 0]] }, ['large-gap']],
  ['float32-scale-30', { logits: [[f(12.3), f(-7.25), f(29.9), f(0.1), f(-30)]] }, ['basic']],
];

export const SOFTMAX: readonly Entry[] = [...ROWS, ['wide-row-256', { logits: [ROW_256] }, ['wide-row']]];

export const LOG_SOFTMAX: readonly Entry[] = [
  ...ROWS,
  ['large-gap-float32', { logits: [[0, f(-17.5), f(-103.97)]] }, ['large-gap', 'exp-limit-float32']],
];

export const LOGSUMEXP: readonly Entry[] = [
  ...ROWS,
  ['wide-row-10000', { logits: [ROW_10000] }, ['wide-row']],
  ['cancellation-near-zero', { logits: [[-0.6931471805599453, -0.6931471805599453]] }, ['cancellation']],
  ['cancellation-three', { logits: [[-1.0986122886681098, -1.0986122886681098, -1.0986122886681098]] }, ['cancellation']],
];

// ---------------------------------------------------------------------------------------
// row backward ops

export const ROWS_BACKWARD: readonly Entry[] = [
  ['article-3', { logits: [[2, 3, 4]], grad_output: [[1, 0, 0]] }, ['article', 'grad-output']],
  ['article-7', { logits: [ARTICLE_7], grad_output: [[0, 0, 1, 0, 0, 0, -1]] }, ['article', 'ties', 'grad-output']],
  ['ones', { logits: [[1, 2, 3], [-1, 0, 0.5]], grad_output: [[1, 1, 1], [1, 1, 1]] }, ['basic']],
  ['grad-output', { logits: [[0.5, -1.25, 2]], grad_output: [[3, -0.5, 0.125]] }, ['grad-output']],
  ['exp-limit-float64', { logits: [[E64.over, 0, E64.under]], grad_output: [[1, -2, 3]] }, ['exp-limit-float64', 'grad-output']],
  ['exp-limit-float32', { logits: [[E32.over, 0, E32.under]], grad_output: [[1, -2, 3]] }, ['exp-limit-float32', 'grad-output']],
  ['huge', { logits: [[1e308, -1e308, 0]], grad_output: [[1, 2, 3]] }, ['huge', 'grad-output']],
  ['huge-grad-output', { logits: [[0, 1]], grad_output: [[1e308, -1e308]] }, ['huge', 'grad-output']],
  ['ties', { logits: [[2, 2, 2, 2]], grad_output: [[1, 2, 3, 4]] }, ['ties', 'grad-output']],
  ['one-class', { logits: [[7], [-3]], grad_output: [[2], [-5]] }, ['one-class', 'grad-output']],
  ['masked', { logits: [[0, -INF, 1]], grad_output: [[1, 5, -1]] }, ['masked', 'grad-output']],
  ['all-masked', { logits: [[-INF, -INF], [0, 1]], grad_output: [[1, 2], [1, 2]] }, ['all-masked', 'masked', 'grad-output']],
  ['plus-infinity', { logits: [[INF, 0, 1]], grad_output: [[1, 2, 3]] }, ['plus-infinity', 'grad-output']],
  ['nan', { logits: [[NAN, 0], [0, 1]], grad_output: [[1, 1], [NAN, 1]] }, ['nan', 'grad-output']],
  ['subnormal-output', { logits: [[0, -720, -740]], grad_output: [[1, 2, -3]] }, ['grad-output']],
  ['large-gap', { logits: [[0, -40, -3]], grad_output: [[-1, 0.5, 2]] }, ['large-gap', 'grad-output']],
  ['tiny-grad-output', { logits: [[0, 1, -2]], grad_output: [[5e-324, 1e-310, -2e-310]] }, ['tiny', 'grad-output']],
  ['wide-row-256', { logits: [ROW_256], grad_output: [ROW_256.map((v, k) => (k % 2 === 0 ? 1 : -v))] }, ['wide-row', 'grad-output']],
];
