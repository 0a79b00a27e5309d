/**
 * Curated golden cases of the cross-entropy / NLL ops (oracles/<op>.json; conventions in src/ops/lib/curated.ts).
 */
import { f, INF, NAN, E64, E32, ROW_10000, ARTICLE_7 } from '../lib/curated.js';
import type { CuratedEntry } from '../types.js';

type Entry = CuratedEntry;

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
  ['ignore-index-custom', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [1, 0], ignore_index: 1, weight: [2, 3, 4] }, [
    'ignore-index',
    'class-weights',
  ]],
  ['all-ignored-mean', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [-100, -100] }, ['ignore-index', 'all-ignored', 'nan']],
  ['all-ignored-sum', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [-100, -100], reduction: 'sum' }, ['ignore-index', 'all-ignored']],
  ['all-ignored-none', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [-100, -100], reduction: 'none' }, ['ignore-index', 'all-ignored']],
  ['label-smoothing', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [2, 0], label_smoothing: 0.1 }, ['label-smoothing']],
  ['label-smoothing-weights-none', {
    logits: [[1, 2, 3], [0.5, -1, 2]],
    target: [2, 0],
    label_smoothing: 0.25,
    weight: [1, 0, 3],
    reduction: 'none',
  }, ['label-smoothing', 'class-weights']],
  ['label-smoothing-1', { logits: [[1, 2, 3]], target: [0], label_smoothing: 1 }, ['label-smoothing']],
  ['label-smoothing-ignore', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [2, -100], label_smoothing: 0.1, reduction: 'sum' }, [
    'label-smoothing',
    'ignore-index',
  ]],
  ['label-smoothing-masked', { logits: [[0, -INF, 1]], target: [2], label_smoothing: 0.1 }, ['label-smoothing', 'masked']],
  ['probability-targets', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [[0.1, 0.2, 0.7], [0.5, 0.5, 0]] }, ['probability-targets']],
  ['probability-targets-one-hot-sum', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [[0, 0, 1], [1, 0, 0]], reduction: 'sum' }, [
    'probability-targets',
    'zero-log',
  ]],
  ['probability-targets-weights-none', {
    logits: [[1, 2, 3], [0.5, -1, 2]],
    target: [[0.25, 0.25, 0.5], [0, 1, 0]],
    weight: [2, 1, 0.5],
    reduction: 'none',
  }, ['probability-targets', 'class-weights']],
  ['probability-targets-smoothing', { logits: [[1, 2, 3]], target: [[0.1, 0.2, 0.7]], label_smoothing: 0.2 }, [
    'probability-targets',
    'label-smoothing',
  ]],
  ['probability-targets-masked-zero', { logits: [[0, -INF, 1]], target: [[0.5, 0, 0.5]] }, ['probability-targets', 'masked', 'zero-log']],
  ['probability-targets-masked-positive', { logits: [[0, -INF, 1]], target: [[0.5, 0.25, 0.25]] }, ['probability-targets', 'masked']],
  ['masked-target-class', { logits: [[0, -INF, 1]], target: [1], reduction: 'none' }, ['masked']],
  ['masked-other-class', { logits: [[0, -INF, 1], [-INF, 2, 2]], target: [2, 1], reduction: 'none' }, ['masked', 'ties']],
  ['all-masked-row', { logits: [[-INF, -INF], [0, 1]], target: [0, 1], reduction: 'none' }, ['all-masked', 'masked']],
  ['plus-infinity', { logits: [[INF, 0], [INF, 0]], target: [0, 1], reduction: 'none' }, ['plus-infinity']],
  ['nan', { logits: [[NAN, 0], [0, 1]], target: [0, 1], reduction: 'none' }, ['nan']],
  ['exp-limit-float64', {
    logits: [[E64.over, E64.under, 0], [E64.under, E64.under - 1, E64.under - 2]],
    target: [1, 0],
    reduction: 'none',
  }, ['exp-limit-float64']],
  ['exp-limit-float32', {
    logits: [[E32.over, E32.under, 0], [E32.under, f(E32.under - 1), f(E32.under - 2)]],
    target: [1, 0],
    reduction: 'none',
  }, ['exp-limit-float32']],
  ['huge', { logits: [[1e308, -1e308], [1e308, -1e308]], target: [0, 1], reduction: 'none' }, ['huge']],
  ['huge-sum-overflow', { logits: [[1e308, -1e308], [1e308, -1e308]], target: [1, 1], reduction: 'sum' }, ['huge']],
  ['one-class', { logits: [[3.5], [-1e308]], target: [0, 0], reduction: 'none' }, ['one-class']],
  ['ties', { logits: [[1, 1, 1, 1]], target: [3] }, ['ties']],
  ['large-gap', { logits: [[0, -40, -3], [0, -720, -800]], target: [0, 0], reduction: 'none' }, ['large-gap']],
  ['subnormal-output-sum', { logits: [[0, -720], [0, -730]], target: [0, 0], reduction: 'sum' }, ['large-gap']],
];

/** forward only: the backward of a 10^4 row is a 10^4-entry result */
export const CE_FORWARD: readonly Entry[] = [...CE, ['wide-row-10000', { logits: [ROW_10000], target: [4321] }, ['wide-row']]];

export const CE_BACKWARD: readonly Entry[] = [
  ...CE,
  ['grad-output-mean', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], grad_output: 0.5 }, ['grad-output']],
  ['grad-output-sum', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], reduction: 'sum', grad_output: -2 }, [
    'grad-output',
  ]],
  ['grad-output-none', { logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]], target: [2, 0, 1], reduction: 'none', grad_output: [1, -0.5, 3] }, [
    'grad-output',
  ]],
  ['grad-output-weights-ignore', {
    logits: [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]],
    target: [2, -100, 1],
    weight: [0.5, 2, 1],
    grad_output: 3,
  }, ['grad-output', 'class-weights', 'ignore-index']],
  ['grad-output-smoothing-none', {
    logits: [[1, 2, 3], [0.5, -1, 2]],
    target: [2, 0],
    label_smoothing: 0.1,
    reduction: 'none',
    grad_output: [-1, 0.25],
  }, ['grad-output', 'label-smoothing']],
  ['grad-output-probability-targets', { logits: [[1, 2, 3], [0.5, -1, 2]], target: [[0.1, 0.2, 0.7], [0.5, 0.5, 0]], grad_output: 1e-3 }, [
    'grad-output',
    'probability-targets',
  ]],
  ['grad-output-huge', { logits: [[0, 1]], target: [0], reduction: 'sum', grad_output: 1e308 }, ['grad-output', 'huge']],
  ['grad-output-zero', { logits: [[0, 1], [INF, 0]], target: [0, 1], reduction: 'none', grad_output: [0, 0] }, [
    'grad-output',
    'plus-infinity',
  ]],
];

// ---------------------------------------------------------------------------------------
// nll_loss

export const NLL: readonly Entry[] = [
  ['article-3', { log_probs: [[-2.40760596444438, -1.40760596444438, -0.40760596444438]], target: [1] }, ['article']],
  ['mean', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25]], target: [0, 2] }, ['basic']],
  ['sum', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25]], target: [0, 2], reduction: 'sum' }, ['basic']],
  ['none', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25]], target: [0, 2], reduction: 'none' }, ['basic']],
  ['class-weights-mean', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25], [-1, -1, -1]], target: [0, 2, 1], weight: [0.3, 0.7, 1.1] }, [
    'class-weights',
  ]],
  ['class-weights-zero-mean', { log_probs: [[-0.5, -1, -2]], target: [2], weight: [1, 1, 0] }, ['class-weights', 'nan']],
  ['ignore-index', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25], [-1, -1, -1]], target: [0, -100, 1] }, ['ignore-index']],
  ['ignore-index-custom-none', { log_probs: [[-0.5, -1, -2], [-3, -0.1, -0.25]], target: [0, 2], ignore_index: 2, reduction: 'none' }, [
    'ignore-index',
  ]],
  ['all-ignored-mean', { log_probs: [[-0.5, -1, -2]], target: [-100] }, ['ignore-index', 'all-ignored', 'nan']],
  ['all-ignored-sum', { log_probs: [[-0.5, -1, -2], [-1, -1, -1]], target: [-100, -100], reduction: 'sum' }, [
    'ignore-index',
    'all-ignored',
  ]],
  ['all-ignored-none', { log_probs: [[-0.5, -1, -2], [-1, -1, -1]], target: [-100, -100], reduction: 'none' }, [
    'ignore-index',
    'all-ignored',
  ]],
  ['zero-log', { log_probs: [[0, -INF], [-INF, 0]], target: [0, 1], reduction: 'none' }, ['zero-log', 'masked']],
  ['masked-target', { log_probs: [[0, -INF], [-1, -2]], target: [1, 0] }, ['masked', 'zero-log']],
  ['masked-target-zero-weight', { log_probs: [[0, -INF], [-1, -2]], target: [1, 0], weight: [1, 0], reduction: 'sum' }, [
    'masked',
    'class-weights',
    'zero-log',
  ]],
  ['huge', { log_probs: [[-1e308, -1], [-1e308, -2]], target: [0, 0], reduction: 'sum' }, ['huge']],
  ['huge-mean', { log_probs: [[-1e308, -1], [-1e308, -2]], target: [0, 0] }, ['huge']],
  ['nan', { log_probs: [[NAN, -1], [-1, -2]], target: [0, 1], reduction: 'none' }, ['nan']],
  ['one-class', { log_probs: [[0], [-1.5]], target: [0, 0] }, ['one-class']],
  ['tiny', { log_probs: [[-5e-324, -1], [-1e-300, -2]], target: [0, 0], reduction: 'sum' }, ['tiny']],
];
