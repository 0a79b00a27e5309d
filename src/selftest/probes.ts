/**
 * Semantic probes: one fixed case per row of the special-input table of docs/semantics.md
 * (all-masked rows, +Infinity logits, every target ignored, hard BCE targets, …) plus a few
 * accuracy probes: rows that separate log1p from log (the maximum is 0 and the other entries
 * are far below it) and a small loss at large logits (where logsumexp(x) − x_y cancels). The quick regimes of verify do not generate these rows (the "all masked
 * row" and "+Infinity logit" regimes are not quick, and oracles/ ships no golden cases yet),
 * so the self-test plays them as fixed cases, exactly as verify plays the committed oracles.
 */
import type { OpName } from '../core/catalog.js';
import type { FixedCase } from '../verify/run.js';
import { rangeProbesFor } from './bugs-range.js';

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

function rowProbes(op: OpName, backward: boolean): FixedCase[] {
  return Object.entries(ROWS).map(([name, logits]) => ({
    id: `probe/${name}`,
    op,
    args: backward ? { logits, grad_output: grad(logits) } : { logits },
  }));
}

function ceProbes(op: OpName): FixedCase[] {
  const cases: [string, Record<string, unknown>][] = [
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
  return cases.map(([name, args]) => ({ id: `probe/${name}`, op, args }));
}

/** The probes of an op (empty for ops without special inputs worth probing). */
export function probesFor(op: OpName): FixedCase[] {
  switch (op) {
    case 'softmax':
    case 'log_softmax':
    case 'logsumexp':
      return rowProbes(op, false);
    case 'softmax_backward':
    case 'log_softmax_backward':
      return rowProbes(op, true);
    case 'sigmoid':
    case 'log_sigmoid':
    case 'softplus':
      return [{ id: 'probe/special elements', op, args: { x: ELEMENTS } }];
    case 'sigmoid_backward':
      return [{ id: 'probe/special elements', op, args: { x: ELEMENTS, grad_output: ELEMENTS.map((_, i) => (i % 2 ? -1.5 : 2)) } }];
    case 'cross_entropy':
    case 'cross_entropy_backward':
      return ceProbes(op);
    case 'nll_loss':
      return [
        { id: 'probe/every target ignored, mean', op, args: { log_probs: [[-1, -2]], target: [-100], reduction: 'mean' } },
        { id: 'probe/-Infinity log-probability', op, args: { log_probs: [[-I, -1], [-2, -3]], target: [0, 1], reduction: 'none' } },
      ];
    case 'binary_cross_entropy':
    case 'binary_cross_entropy_backward':
      return [{ id: 'probe/hard targets at p = 0 and 1', op, args: { probs: [0, 1, 0, 1, 0.5], target: [0, 1, 1, 0, 0.5], reduction: 'none' } }];
    case 'binary_cross_entropy_with_logits':
    case 'binary_cross_entropy_with_logits_backward':
      return [{ id: 'probe/infinite logits', op, args: { logits: [I, -I, I, -I, 800, -800], target: [1, 0, 0, 1, 1, 0], reduction: 'none' } }];
  }
}

/** Round every number of a case to float32 (for float32 implementations, which see float32 inputs). */
function fround<T>(v: T): T {
  if (typeof v === 'number') return Math.fround(v) as T;
  if (Array.isArray(v)) return v.map(fround) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fround(x)])) as T;
  return v;
}

export function probesForOps(ops: readonly OpName[], dtype: 'float64' | 'float32' = 'float64'): FixedCase[] {
  const cases = ops.flatMap((op) => [...probesFor(op), ...rangeProbesFor(op, dtype)]);
  return dtype === 'float32' ? cases.map((c) => ({ ...c, args: fround(c.args) })) : cases;
}
