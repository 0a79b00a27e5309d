/**
 * docs/ops.md sections of the rows ops (generated into docs/ops.md by scripts/ops-doc.mjs;
 * every example is evaluated by the reference when the page is generated).
 */
import type { OpDoc } from '../types.js';

export const SOFTMAX_DOC: OpDoc = {
  args: '`logits` [N][C]',
  result: '[N][C]',
  text: [
    '`p_j = exp(x_j) / Σ_k exp(x_k)` over each row (the last axis).',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Backward op: [`softmax_backward`](#softmax_backward).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `logits` | [N][C] | required | numbers; `-Infinity` masks an entry |',
    '',
    'Result: [N][C].',
  ].join('\n'),
  examples: [{ 'logits': [[1, 2, 3], [0, 0, '-Infinity']] }],
};

export const LOG_SOFTMAX_DOC: OpDoc = {
  args: '`logits` [N][C]',
  result: '[N][C]',
  text: [
    '`x_j − logsumexp(x)` over each row.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Backward op: [`log_softmax_backward`](#log_softmax_backward).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `logits` | [N][C] | required |  |',
    '',
    'Result: [N][C].',
  ].join('\n'),
  examples: [{ 'logits': [[1, 2, 3]] }],
};

export const LOGSUMEXP_DOC: OpDoc = {
  args: '`logits` [N][C]',
  result: '[N]',
  text: [
    '`log Σ_k exp(x_k)` of each row.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `logits` | [N][C] | required |  |',
    '',
    'Result: [N].',
  ].join('\n'),
  examples: [{ 'logits': [[1, 2, 3], [0, 0, 0]] }],
};

export const SOFTMAX_BACKWARD_DOC: OpDoc = {
  args: '`logits` [N][C], `grad_output` [N][C]',
  result: '[N][C]',
  text: [
    'The vector-Jacobian product of softmax: `p ⊙ (g − ⟨g, p⟩)` per row, `p = softmax(logits)`, `g = grad_output`.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Differentiates `softmax` with respect to `logits`.',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `logits` | [N][C] | required |  |',
    '| `grad_output` | [N][C] | required | same shape as logits |',
    '',
    'Result: [N][C].',
  ].join('\n'),
  examples: [{ 'logits': [[1, 2, 3]], 'grad_output': [[1, 0, 0]] }],
};

export const LOG_SOFTMAX_BACKWARD_DOC: OpDoc = {
  args: '`logits` [N][C], `grad_output` [N][C]',
  result: '[N][C]',
  text: [
    '`g − p · Σ_j g_j` per row.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Differentiates `log_softmax` with respect to `logits`.',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `logits` | [N][C] | required |  |',
    '| `grad_output` | [N][C] | required | same shape as logits |',
    '',
    'Result: [N][C].',
  ].join('\n'),
  examples: [{ 'logits': [[1, 2, 3]], 'grad_output': [[1, 0, 0]] }],
};
