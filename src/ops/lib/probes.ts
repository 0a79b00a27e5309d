/**
 * Semantic probes: one fixed case per row of the special-input table of docs/semantics.md
 * (all-masked rows, +Infinity logits, every target ignored, hard BCE targets, …) plus a few
 * accuracy probes: rows that separate log1p from log (the maximum is 0 and the other entries
 * are far below it) and a small loss at large logits (where logsumexp(x) − x_y cancels). The quick regimes of verify do not generate these rows (the "all masked
 * row" and "+Infinity logit" regimes are not quick, and oracles/ ships no golden cases yet),
 * so the self-test plays them as fixed cases, exactly as verify plays the committed oracles.
 */
import type { Probe } from '../types.js';

const I = Infinity;

const ROWS: Record<string, number[][]> = {
  'all masked row': [[-I, -I, -I], [0, 1, 2]],
  'one +Infinity': [[I, 0, -1, -I]],
  'two +Infinity': [[I, I, 0]],
  'NaN logit': [[NaN, 0, 1], [1, 2, 3]],
  'one class': [[5], [-1e308]],
  'masked, logits below -1e4': [[-I, -20000, -20001]],
  'max 0, others far below (log1p)': [[0, -30, -35], [-36, 0, -40]],
  'spread 600': [[-300, 0, 300, 299]],
};

const grad = (rows: number[][]) => rows.map((r) => r.map((_, j) => [0.5, -1.25, 2, -0.75][j % 4]));

const ELEMENTS = [I, -I, NaN, 0, -800, 800, 1e-300, -40, 40];

/** softmax, log_softmax, logsumexp */
export const ROW_PROBES: readonly Probe[] = Object.entries(ROWS).map(([name, logits]) => [name, { logits }] as const);

/** softmax_backward, log_softmax_backward */
export const ROW_BACKWARD_PROBES: readonly Probe[] = Object.entries(ROWS).map(([name, logits]) =>
  [name, { logits, grad_output: grad(logits) }] as const
);

/** sigmoid, log_sigmoid, softplus */
export const ELEMENT_PROBES: readonly Probe[] = [['special elements', { x: ELEMENTS }]];

export const SIGMOID_BACKWARD_PROBES: readonly Probe[] = [
  ['special elements', { x: ELEMENTS, grad_output: ELEMENTS.map((_, i) => (i % 2 ? -1.5 : 2)) }],
];

/** cross_entropy, cross_entropy_backward */
export const CE_PROBES: readonly Probe[] = [
  ['every target ignored, mean', { logits: [[1, 2], [3, 4]], target: [-100, -100], reduction: 'mean' }],
  ['masked target class', { logits: [[-I, 0], [1, 2]], target: [0, 1], reduction: 'none' }],
  ['probability target 0 on a masked class', { logits: [[-I, 0, 1]], target: [[0, 0.5, 0.5]], reduction: 'sum' }],
  ['all masked row', { logits: [[-I, -I], [0, 1]], target: [0, 1], reduction: 'none' }],
  ['+Infinity logit', { logits: [[I, 0], [I, 0]], target: [0, 1], reduction: 'none' }],
  ['zero weights, mean', { logits: [[1, 2]], target: [0], weight: [0, 1], reduction: 'mean' }],
  ['label smoothing with a masked class', { logits: [[-I, 0, 1]], target: [1], label_smoothing: 0.1, reduction: 'sum' }],
  ['confident prediction (log1p)', { logits: [[0, -40, -45], [0, -30, -31]], target: [0, 0], reduction: 'none' }],
  ['small loss at large logits (lse − x_y cancels)', { logits: [[709.78, 700], [300, 290]], target: [0, 0], reduction: 'none' }],
  ['one class', { logits: [[3], [-7]], target: [0, 0], reduction: 'none' }],
];

export const NLL_PROBES: readonly Probe[] = [
  ['every target ignored, mean', { log_probs: [[-1, -2]], target: [-100], reduction: 'mean' }],
  ['-Infinity log-probability', { log_probs: [[-I, -1], [-2, -3]], target: [0, 1], reduction: 'none' }],
];

/** binary_cross_entropy and its backward */
export const BCE_PROBES: readonly Probe[] = [['hard targets at p = 0 and 1', {
  probs: [0, 1, 0, 1, 0.5],
  target: [0, 1, 1, 0, 0.5],
  reduction: 'none',
}]];

/** binary_cross_entropy_with_logits and its backward */
export const BCE_LOGITS_PROBES: readonly Probe[] = [
  ['infinite logits', { logits: [I, -I, I, -I, 800, -800], target: [1, 0, 0, 1, 1, 0], reduction: 'none' }],
];
