/**
 * The curated golden cases: the data behind oracles/<op>.json. Each entry is a case of the
 * fixture format without its expectations (id, op, args exactly as the catalog takes them,
 * tags); scripts/generate-oracles.mjs only evaluates the reference on each of them.
 *
 * Ids are "<op>/<name>" and never change once published (consumers pin them). Tags name what
 * a case stresses; the generator adds "curated", and computes "float32-inputs" (every number
 * in args is exactly a float32), "reduction:<r>" (loss ops) and "subnormal-output" /
 * "subnormal-output-float32" (from the expectations). Vocabulary: docs/fixtures.md.
 *
 * Size: every case here is small except the two rows of 10^4 logits (logsumexp/wide-row-10000
 * and cross_entropy/wide-row-10000): ops with a scalar result per row, so the files stay
 * small (the expectations of a 10^4-wide softmax would add ~1.3 MB).
 */
import type { OpName } from '../core/catalog.js';

export interface CuratedCase {
  id: string;
  op: OpName;
  args: Record<string, unknown>;
  tags: string[];
}

const f = Math.fround;
const INF = Infinity;
const NAN = NaN;

/** float64 exp limits: exp overflows above ~709.78, underflows to 0 below ~-745.13 */
const E64 = { over: 709.78, under: -745.13 };
/** float32 exp limits, as float32 values */
const E32 = { over: f(88.72), under: f(-103.97) };

const LN9 = Math.log(9); // logit of 0.9

/** 10^4 logits: multiples of 1/16 in [-62.5, 62.5] (short to write, float32-exact) */
const ROW_10000 = Array.from({ length: 10000 }, (_, k) => (((k * 7919) % 2001) - 1000) / 16);
/** 256 logits: a smooth spread, multiples of 1/64 */
const ROW_256 = Array.from({ length: 256 }, (_, k) => (((k * 37) % 257) - 128) / 64);

const ARTICLE_7 = [1, 5, 6, 4, 2, 2.6, 6];

type Entry = [name: string, args: Record<string, unknown>, tags: string[]];

function group(op: OpName, entries: Entry[]): CuratedCase[] {
  return entries.map(([name, args, tags]) => ({ id: `${op}/${name}`, op, args, tags }));
}

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

const SOFTMAX: Entry[] = [...ROWS, ['wide-row-256', { logits: [ROW_256] }, ['wide-row']]];

const LOG_SOFTMAX: Entry[] = [
  ...ROWS,
  ['large-gap-float32', { logits: [[0, f(-17.5), f(-103.97)]] }, ['large-gap', 'exp-limit-float32']],
];

const LOGSUMEXP: Entry[] = [
  ...ROWS,
  ['wide-row-10000', { logits: [ROW_10000] }, ['wide-row']],
  ['cancellation-near-zero', { logits: [[-0.6931471805599453, -0.6931471805599453]] }, ['cancellation']],
  ['cancellation-three', { logits: [[-1.0986122886681098, -1.0986122886681098, -1.0986122886681098]] }, ['cancellation']],
];

// ---------------------------------------------------------------------------------------
// elementwise ops

const ELEMENTS: Entry[] = [
  ['basic', { x: [0, 1, -1, 2, -2.5] }, ['basic']],
  ['negative-zero', { x: [-0, 0] }, ['negative-zero']],
  ['saturation', { x: [16.6, -16.6, 36.7, -36.7, 37, 40, -40] }, ['saturation']],
  ['exp-limit-float64', { x: [E64.over, -E64.over, 745.13, E64.under, 746, -746] }, ['exp-limit-float64']],
  ['exp-limit-float32', { x: [E32.over, -E32.over, f(103.97), E32.under, f(104.5), f(-104.5)] }, ['exp-limit-float32']],
  ['huge', { x: [1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308] }, ['huge']],
  ['infinities', { x: [INF, -INF] }, ['plus-infinity', 'masked']],
  ['nan', { x: [NAN, 0.5] }, ['nan']],
  ['tiny', { x: [5e-324, -5e-324, 1e-300, -1e-300, f(1e-45), f(1e-38)] }, ['tiny']],
  ['subnormal-output', { x: [-709, -720, -740, -744.4, -745.1, 720, 740] }, ['exp-limit-float64']],
  ['large-gap', { x: [40, 100, 800, -40, -100, -800] }, ['large-gap']],
];

const SIGMOID_BACKWARD: Entry[] = [
  ['basic', { x: [0, 1, -1, 2], grad_output: [1, 1, 1, 1] }, ['basic']],
  ['grad-output', { x: [0, 1, -1, 2, -2.5], grad_output: [2, -0.5, 3, 1e-3, -7] }, ['grad-output']],
  ['negative-zero', { x: [-0, 0, 3], grad_output: [-0, 0, -0] }, ['negative-zero', 'grad-output']],
  ['saturation', { x: [16.6, -16.6, 36.7, -36.7, 40, -40], grad_output: [1, -1, 2, -2, 0.5, -0.5] }, ['saturation', 'grad-output']],
  ['exp-limit-float64', { x: [E64.over, -E64.over, 745.13, E64.under], grad_output: [1, 2, -3, 0.25] }, ['exp-limit-float64', 'grad-output']],
  ['exp-limit-float32', { x: [E32.over, -E32.over, f(103.97), E32.under], grad_output: [1, f(0.1), -3, 0.25] }, ['exp-limit-float32', 'grad-output']],
  ['huge', { x: [1e308, -1e308, 0], grad_output: [2, -3, 1e308] }, ['huge', 'grad-output']],
  ['huge-grad-output', { x: [800, -800, 40], grad_output: [1e308, -1e308, 1.7976931348623157e308] }, ['huge', 'grad-output']],
  ['infinities', { x: [INF, -INF, 1], grad_output: [2, -2, INF] }, ['plus-infinity', 'grad-output']],
  ['nan', { x: [NAN, 1], grad_output: [1, NAN] }, ['nan', 'grad-output']],
  ['subnormal-output', { x: [-720, -740, 720, 744], grad_output: [1, 3, -1, 0.5] }, ['grad-output']],
  ['tiny', { x: [5e-324, -1e-300], grad_output: [1e-300, 5e-324] }, ['tiny', 'grad-output']],
];

// ---------------------------------------------------------------------------------------
// row backward ops

const ROWS_BACKWARD: Entry[] = [
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

// ---------------------------------------------------------------------------------------
// cross_entropy (forward and backward share the cases; backward adds grad_output ones)

const CE: Entry[] = [
  ['article-3', { logits: [[2, 3, 4]], target: [1] }, ['article']],
  ['article-7', { logits: [ARTICLE_7], target: [2] }, ['article', 'ties']],
  ['mean', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], reduction: 'mean' }, ['basic']],
  ['sum', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], reduction: 'sum' }, ['basic']],
  ['none', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], reduction: 'none' }, ['basic']],
  ['class-weights-mean', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], weight: [0.5, 2, 1] }, ['class-weights']],
  ['class-weights-none', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [2, 0], weight: [0.5, 2, 1], reduction: 'none' }, ['class-weights']],
  ['class-weights-zero-mean', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [2, 2], weight: [1, 1, 0] }, ['class-weights', 'nan']],
  ['ignore-index-mean', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, -100, 1] }, ['ignore-index']],
  ['ignore-index-sum', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, -100, 1], reduction: 'sum' }, ['ignore-index']],
  ['ignore-index-none', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, -100, 1], reduction: 'none' }, ['ignore-index']],
  ['ignore-index-custom', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [1, 0], ignore_index: 1, weight: [2, 3, 4] }, ['ignore-index', 'class-weights']],
  ['all-ignored-mean', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [-100, -100] }, ['ignore-index', 'all-ignored', 'nan']],
  ['all-ignored-sum', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [-100, -100], reduction: 'sum' }, ['ignore-index', 'all-ignored']],
  ['all-ignored-none', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [-100, -100], reduction: 'none' }, ['ignore-index', 'all-ignored']],
  ['label-smoothing', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [2, 0], label_smoothing: 0.1 }, ['label-smoothing']],
  ['label-smoothing-weights-none', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [2, 0], label_smoothing: 0.25, weight: [1, 0, 3], reduction: 'none' }, ['label-smoothing', 'class-weights']],
  ['label-smoothing-1', { logits: [[1, 2, 3]], target: [0], label_smoothing: 1 }, ['label-smoothing']],
  ['label-smoothing-ignore', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [2, -100], label_smoothing: 0.1, reduction: 'sum' }, ['label-smoothing', 'ignore-index']],
  ['label-smoothing-masked', { logits: [[0, -INF, 1]], target: [2], label_smoothing: 0.1 }, ['label-smoothing', 'masked']],
  ['probability-targets', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [[0.1, 0.2, 0.7], [0.5, 0.5, 0]] }, ['probability-targets']],
  ['probability-targets-one-hot-sum', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [[0, 0, 1], [1, 0, 0]], reduction: 'sum' }, ['probability-targets', 'zero-log']],
  ['probability-targets-weights-none', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [[0.25, 0.25, 0.5], [0, 1, 0]], weight: [2, 1, 0.5], reduction: 'none' }, ['probability-targets', 'class-weights']],
  ['probability-targets-smoothing', { logits: [[1, 2, 3]], target: [[0.1, 0.2, 0.7]], label_smoothing: 0.2 }, ['probability-targets', 'label-smoothing']],
  ['probability-targets-masked-zero', { logits: [[0, -INF, 1]], target: [[0.5, 0, 0.5]] }, ['probability-targets', 'masked', 'zero-log']],
  ['probability-targets-masked-positive', { logits: [[0, -INF, 1]], target: [[0.5, 0.25, 0.25]] }, ['probability-targets', 'masked']],
  ['masked-target-class', { logits: [[0, -INF, 1]], target: [1], reduction: 'none' }, ['masked']],
  ['masked-other-class', { logits: [[0, -INF, 1], [-INF, 2, 2]], target: [2, 1], reduction: 'none' }, ['masked', 'ties']],
  ['all-masked-row', { logits: [[-INF, -INF], [0, 1]], target: [0, 1], reduction: 'none' }, ['all-masked', 'masked']],
  ['plus-infinity', { logits: [[INF, 0], [INF, 0]], target: [0, 1], reduction: 'none' }, ['plus-infinity']],
  ['nan', { logits: [[NAN, 0], [0, 1]], target: [0, 1], reduction: 'none' }, ['nan']],
  ['exp-limit-float64', { logits: [[E64.over, E64.under, 0], [E64.under, E64.under - 1, E64.under - 2]], target: [1, 0], reduction: 'none' }, ['exp-limit-float64']],
  ['exp-limit-float32', { logits: [[E32.over, E32.under, 0], [E32.under, f(E32.under - 1), f(E32.under - 2)]], target: [1, 0], reduction: 'none' }, ['exp-limit-float32']],
  ['huge', { logits: [[1e308, -1e308], [1e308, -1e308]], target: [0, 1], reduction: 'none' }, ['huge']],
  ['huge-sum-overflow', { logits: [[1e308, -1e308], [1e308, -1e308]], target: [1, 1], reduction: 'sum' }, ['huge']],
  ['one-class', { logits: [[3.5], [-1e308]], target: [0, 0], reduction: 'none' }, ['one-class']],
  ['ties', { logits: [[1, 1, 1, 1]], target: [3] }, ['ties']],
  ['large-gap', { logits: [[0, -40, -3], [0, -720, -800]], target: [0, 0], reduction: 'none' }, ['large-gap']],
  ['subnormal-output-sum', { logits: [[0, -720], [0, -730]], target: [0, 0], reduction: 'sum' }, ['large-gap']],
];

/** forward only: the backward of a 10^4 row is a 10^4-entry result */
const CE_FORWARD: Entry[] = [...CE, ['wide-row-10000', { logits: [ROW_10000], target: [4321] }, ['wide-row']]];

const CE_BACKWARD: Entry[] = [
  ...CE,
  ['grad-output-mean', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], grad_output: 0.5 }, ['grad-output']],
  ['grad-output-sum', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], reduction: 'sum', grad_output: -2 }, ['grad-output']],
  ['grad-output-none', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], reduction: 'none', grad_output: [1, -0.5, 3] }, ['grad-output']],
  ['grad-output-weights-ignore', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, -100, 1], weight: [0.5, 2, 1], grad_output: 3 }, ['grad-output', 'class-weights', 'ignore-index']],
  ['grad-output-smoothing-none', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [2, 0], label_smoothing: 0.1, reduction: 'none', grad_output: [-1, 0.25] }, ['grad-output', 'label-smoothing']],
  ['grad-output-probability-targets', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [[0.1, 0.2, 0.7], [0.5, 0.5, 0]], grad_output: 1e-3 }, ['grad-output', 'probability-targets']],
  ['grad-output-huge', { logits: [[0, 1]], target: [0], reduction: 'sum', grad_output: 1e308 }, ['grad-output', 'huge']],
  ['grad-output-zero', { logits: [[0, 1], [INF, 0]], target: [0, 1], reduction: 'none', grad_output: [0, 0] }, ['grad-output', 'plus-infinity']],
];

// ---------------------------------------------------------------------------------------
// nll_loss

const NLL: Entry[] = [
  ['article-3', { log_probs: [[-2.40760596444438, -1.40760596444438, -0.40760596444438]], target: [1] }, ['article']],
  ['mean', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25]], target: [0, 2] }, ['basic']],
  ['sum', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25]], target: [0, 2], reduction: 'sum' }, ['basic']],
  ['none', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25]], target: [0, 2], reduction: 'none' }, ['basic']],
  ['class-weights-mean', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25], [-1, -1, -1]], target: [0, 2, 1], weight: [0.3, 0.7, 1.1] }, ['class-weights']],
  ['class-weights-zero-mean', { log_probs: [[-0.5, -1, -2]], target: [2], weight: [1, 1, 0] }, ['class-weights', 'nan']],
  ['ignore-index', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25], [-1, -1, -1]], target: [0, -100, 1] }, ['ignore-index']],
  ['ignore-index-custom-none', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25]], target: [0, 2], ignore_index: 2, reduction: 'none' }, ['ignore-index']],
  ['all-ignored-mean', { log_probs: [[-0.5, -1, -2]], target: [-100] }, ['ignore-index', 'all-ignored', 'nan']],
  ['all-ignored-sum', { log_probs: [[-0.5, -1, -2], [-1, -1, -1]], target: [-100, -100], reduction: 'sum' }, ['ignore-index', 'all-ignored']],
  ['all-ignored-none', { log_probs: [[-0.5, -1, -2], [-1, -1, -1]], target: [-100, -100], reduction: 'none' }, ['ignore-index', 'all-ignored']],
  ['zero-log', { log_probs: [[0, -INF], [-INF, 0]], target: [0, 1], reduction: 'none' }, ['zero-log', 'masked']],
  ['masked-target', { log_probs: [[0, -INF], [-1, -2]], target: [1, 0] }, ['masked', 'zero-log']],
  ['masked-target-zero-weight', { log_probs: [[0, -INF], [-1, -2]], target: [1, 0], weight: [1, 0], reduction: 'sum' }, ['masked', 'class-weights', 'zero-log']],
  ['huge', { log_probs: [[-1e308, -1], [-1e308, -2]], target: [0, 0], reduction: 'sum' }, ['huge']],
  ['huge-mean', { log_probs: [[-1e308, -1], [-1e308, -2]], target: [0, 0] }, ['huge']],
  ['nan', { log_probs: [[NAN, -1], [-1, -2]], target: [0, 1], reduction: 'none' }, ['nan']],
  ['one-class', { log_probs: [[0], [-1.5]], target: [0, 0] }, ['one-class']],
  ['tiny', { log_probs: [[-5e-324, -1], [-1e-300, -2]], target: [0, 0], reduction: 'sum' }, ['tiny']],
];

// ---------------------------------------------------------------------------------------
// binary_cross_entropy (forward and backward)

const BCE: Entry[] = [
  ['article-table', { probs: [0.9, 0.5, 0.1], target: [1, 1, 1], reduction: 'none' }, ['article']],
  ['article-table-mean', { probs: [0.9, 0.5, 0.1], target: [1, 1, 1] }, ['article']],
  ['article-table-sum', { probs: [0.9, 0.5, 0.1], target: [1, 1, 1], reduction: 'sum' }, ['article']],
  ['soft-targets', { probs: [0.25, 0.5, 0.75], target: [0.5, 0.1, 0.9], reduction: 'none' }, ['basic']],
  ['weights', { probs: [0.25, 0.5, 0.75], target: [1, 0, 1], weight: [2, 0.5, 0] }, ['weights']],
  ['weights-none', { probs: [0.25, 0.5, 0.75], target: [1, 0, 1], weight: [2, 0.5, 0], reduction: 'none' }, ['weights']],
  ['zero-log', { probs: [0, 1, 0, 1], target: [0, 1, 0, 1], reduction: 'none' }, ['zero-log']],
  ['zero-log-infinite', { probs: [0, 1, 0, 1], target: [1, 0, 0.5, 0.5], reduction: 'none' }, ['zero-log']],
  ['zero-log-mean', { probs: [0, 1, 0.5], target: [0, 1, 1] }, ['zero-log']],
  ['zero-log-zero-weight', { probs: [0, 0.5], target: [1, 1], weight: [0, 1], reduction: 'sum' }, ['zero-log', 'weights']],
  ['near-edges', { probs: [1e-300, 1e-20, 1 - 2 ** -53, 1 - 1e-9, 5e-324], target: [1, 1, 0, 0, 1], reduction: 'none' }, ['tiny']],
  ['subnormal-output', { probs: [5e-324, 1e-310, 2e-308], target: [0, 0, 0], reduction: 'none' }, ['tiny']],
  ['float32-edges', { probs: [f(1e-45), f(1e-38), f(1 - 2 ** -24), f(0.1)], target: [0, 1, 0, 1], reduction: 'none' }, ['tiny']],
];

const BCE_BACKWARD: Entry[] = [
  ...BCE,
  ['grad-output-mean', { probs: [0.25, 0.5, 0.75], target: [1, 0, 0.5], grad_output: 0.5 }, ['grad-output']],
  ['grad-output-sum', { probs: [0.25, 0.5, 0.75], target: [1, 0, 0.5], reduction: 'sum', grad_output: -3 }, ['grad-output']],
  ['grad-output-none', { probs: [0.25, 0.5, 0.75], target: [1, 0, 0.5], reduction: 'none', grad_output: [2, -1, 1e-3] }, ['grad-output']],
  ['grad-output-weights', { probs: [0.25, 0.5, 0.75], target: [1, 0, 0.5], weight: [1, 2, 0], grad_output: 4 }, ['grad-output', 'weights']],
  ['grad-output-zero-log', { probs: [0, 1], target: [0, 1], reduction: 'none', grad_output: [3, -2] }, ['grad-output', 'zero-log']],
  ['grad-output-tiny', { probs: [0.5, 0.25], target: [0, 1], reduction: 'sum', grad_output: 1e-310 }, ['grad-output', 'tiny']],
];

// ---------------------------------------------------------------------------------------
// binary_cross_entropy_with_logits (forward and backward)

const BCEL: Entry[] = [
  ['article-table', { logits: [LN9, 0, -LN9], target: [1, 1, 1], reduction: 'none' }, ['article']],
  ['basic-mean', { logits: [0.5, -1, 2, 0], target: [1, 0, 0.25, 0.5] }, ['basic']],
  ['sum', { logits: [0.5, -1, 2, 0], target: [1, 0, 0.25, 0.5], reduction: 'sum' }, ['basic']],
  ['weights-none', { logits: [0.5, -1, 2], target: [1, 0, 0.25], weight: [2, 0, 0.5], reduction: 'none' }, ['weights']],
  ['pos-weight', { logits: [0.5, -1, 2], target: [1, 0, 0.25], pos_weight: 3, reduction: 'none' }, ['pos-weight']],
  ['pos-weight-zero', { logits: [0.5, -1, 2], target: [1, 0, 0.25], pos_weight: 0, reduction: 'none' }, ['pos-weight']],
  ['pos-weight-large-mean', { logits: [0.5, -1, 2], target: [1, 0, 0.25], pos_weight: 1000, weight: [1, 2, 3] }, ['pos-weight', 'weights']],
  ['saturation', { logits: [36.7, -36.7, 40, -40], target: [1, 0, 0, 1], reduction: 'none' }, ['saturation', 'large-gap']],
  ['exp-limit-float64', { logits: [E64.over, -E64.over, 745.13, E64.under, 800, -800], target: [1, 0, 1, 0, 0.5, 0.5], reduction: 'none' }, ['exp-limit-float64']],
  ['exp-limit-float32', { logits: [E32.over, -E32.over, f(103.97), E32.under], target: [1, 0, 0, 1], reduction: 'none' }, ['exp-limit-float32']],
  ['huge', { logits: [1e308, -1e308, 1e308, -1e308], target: [1, 0, 0, 1], reduction: 'none' }, ['huge']],
  ['infinities', { logits: [INF, INF, -INF, -INF], target: [1, 0.5, 0, 0.5], reduction: 'none' }, ['plus-infinity', 'zero-log']],
  ['nan', { logits: [NAN, 1], target: [1, 0], reduction: 'none' }, ['nan']],
  ['subnormal-output', { logits: [-720, -740, 720], target: [0, 0, 1], reduction: 'none' }, ['large-gap']],
  ['zero-log', { logits: [0, 3], target: [0, 1], reduction: 'none' }, ['zero-log']],
];

const BCEL_BACKWARD: Entry[] = [
  ...BCEL,
  ['grad-output-mean', { logits: [0.5, -1, 2], target: [1, 0, 0.25], grad_output: 0.5 }, ['grad-output']],
  ['grad-output-sum-pos-weight', { logits: [0.5, -1, 2], target: [1, 0, 0.25], pos_weight: 3, reduction: 'sum', grad_output: -2 }, ['grad-output', 'pos-weight']],
  ['grad-output-none', { logits: [0.5, -1, 2], target: [1, 0, 0.25], reduction: 'none', grad_output: [2, -1, 1e-3] }, ['grad-output']],
  ['grad-output-weights', { logits: [0.5, -1, 2], target: [1, 0, 0.25], weight: [1, 2, 0], grad_output: 4 }, ['grad-output', 'weights']],
];

// ---------------------------------------------------------------------------------------

export const CURATED: readonly CuratedCase[] = [
  ...group('softmax', SOFTMAX),
  ...group('log_softmax', LOG_SOFTMAX),
  ...group('logsumexp', LOGSUMEXP),
  ...group('sigmoid', ELEMENTS),
  ...group('log_sigmoid', ELEMENTS),
  ...group('softplus', ELEMENTS),
  ...group('cross_entropy', CE_FORWARD),
  ...group('nll_loss', NLL),
  ...group('binary_cross_entropy', BCE),
  ...group('binary_cross_entropy_with_logits', BCEL),
  ...group('softmax_backward', ROWS_BACKWARD),
  ...group('log_softmax_backward', ROWS_BACKWARD),
  ...group('sigmoid_backward', SIGMOID_BACKWARD),
  ...group('cross_entropy_backward', CE_BACKWARD),
  ...group('binary_cross_entropy_backward', BCE_BACKWARD),
  ...group('binary_cross_entropy_with_logits_backward', BCEL_BACKWARD),
];

/** The curated cases of one op, in file order. */
export function curatedFor(op: OpName): CuratedCase[] {
  return CURATED.filter((c) => c.op === op);
}
