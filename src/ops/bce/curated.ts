/**
 * Curated golden cases of the binary cross-entropy ops (oracles/<op>.json; conventions in src/ops/lib/curated.ts).
 */
import { f, INF, NAN, E64, E32, LN9 } from '../lib/curated.js';
import type { CuratedEntry } from '../types.js';

type Entry = CuratedEntry;

// ---------------------------------------------------------------------------------------
// binary_cross_entropy (forward and backward)

export const BCE: readonly Entry[] = [
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

export const BCE_BACKWARD: readonly Entry[] = [
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

export const BCEL: readonly Entry[] = [
  ['article-table', { logits: [LN9, 0, -LN9], target: [1, 1, 1], reduction: 'none' }, ['article']],
  ['basic-mean', { logits: [0.5, -1, 2, 0], target: [1, 0, 0.25, 0.5] }, ['basic']],
  ['sum', { logits: [0.5, -1, 2, 0], target: [1, 0, 0.25, 0.5], reduction: 'sum' }, ['basic']],
  ['weights-none', { logits: [0.5, -1, 2], target: [1, 0, 0.25], weight: [2, 0, 0.5], reduction: 'none' }, ['weights']],
  ['pos-weight', { logits: [0.5, -1, 2], target: [1, 0, 0.25], pos_weight: 3, reduction: 'none' }, ['pos-weight']],
  ['pos-weight-zero', { logits: [0.5, -1, 2], target: [1, 0, 0.25], pos_weight: 0, reduction: 'none' }, ['pos-weight']],
  ['pos-weight-large-mean', { logits: [0.5, -1, 2], target: [1, 0, 0.25], pos_weight: 1000, weight: [1, 2, 3] }, ['pos-weight', 'weights']],
  ['saturation', { logits: [36.7, -36.7, 40, -40], target: [1, 0, 0, 1], reduction: 'none' }, ['saturation', 'large-gap']],
  [
    'exp-limit-float64',
    { logits: [E64.over, -E64.over, 745.13, E64.under, 800, -800], target: [1, 0, 1, 0, 0.5, 0.5], reduction: 'none' },
    ['exp-limit-float64'],
  ],
  ['exp-limit-float32', { logits: [E32.over, -E32.over, f(103.97), E32.under], target: [1, 0, 0, 1], reduction: 'none' }, [
    'exp-limit-float32',
  ]],
  ['huge', { logits: [1e308, -1e308, 1e308, -1e308], target: [1, 0, 0, 1], reduction: 'none' }, ['huge']],
  ['infinities', { logits: [INF, INF, -INF, -INF], target: [1, 0.5, 0, 0.5], reduction: 'none' }, ['plus-infinity', 'zero-log']],
  ['nan', { logits: [NAN, 1], target: [1, 0], reduction: 'none' }, ['nan']],
  ['subnormal-output', { logits: [-720, -740, 720], target: [0, 0, 1], reduction: 'none' }, ['large-gap']],
  ['zero-log', { logits: [0, 3], target: [0, 1], reduction: 'none' }, ['zero-log']],
];

export const BCEL_BACKWARD: readonly Entry[] = [
  ...BCEL,
  ['grad-output-mean', { logits: [0.5, -1, 2], target: [1, 0, 0.25], grad_output: 0.5 }, ['grad-output']],
  ['grad-output-sum-pos-weight', { logits: [0.5, -1, 2], target: [1, 0, 0.25], pos_weight: 3, reduction: 'sum', grad_output: -2 }, [
    'grad-output',
    'pos-weight',
  ]],
  ['grad-output-none', { logits: [0.5, -1, 2], target: [1, 0, 0.25], reduction: 'none', grad_output: [2, -1, 1e-3] }, ['grad-output']],
  ['grad-output-weights', { logits: [0.5, -1, 2], target: [1, 0, 0.25], weight: [1, 2, 0], grad_output: 4 }, ['grad-output', 'weights']],
];
