/**
 * docs/ops.md sections of the elementwise ops (generated into docs/ops.md by scripts/ops-doc.mjs;
 * every example is evaluated by the reference when the page is generated).
 */
import type { OpDoc } from '../types.js';

export const SIGMOID_DOC: OpDoc = {
  args: '`x` [N]',
  result: '[N]',
  text: [
    '`σ(x) = 1 / (1 + exp(−x))` elementwise.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Backward op: [`sigmoid_backward`](#sigmoid_backward).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `x` | [N] | required |  |',
    '',
    'Result: [N].',
  ].join('\n'),
  examples: [{ 'x': [-2, 0, 3, 'Infinity'] }],
};

export const LOG_SIGMOID_DOC: OpDoc = {
  args: '`x` [N]',
  result: '[N]',
  text: [
    '`log σ(x) = −softplus(−x)` elementwise.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `x` | [N] | required |  |',
    '',
    'Result: [N].',
  ].join('\n'),
  examples: [{ 'x': [-2, 0, 3] }],
};

export const SOFTPLUS_DOC: OpDoc = {
  args: '`x` [N]',
  result: '[N]',
  text: [
    '`log(1 + exp(x))` elementwise (β = 1, no threshold).',
    '',
    'Special values: [special inputs](semantics.md#special-inputs).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `x` | [N] | required |  |',
    '',
    'Result: [N].',
  ].join('\n'),
  examples: [{ 'x': [-2, 0, 3] }],
};

export const SIGMOID_BACKWARD_DOC: OpDoc = {
  args: '`x` [N], `grad_output` [N]',
  result: '[N]',
  text: [
    '`g · σ(x)·(1 − σ(x))` elementwise.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Differentiates `sigmoid` with respect to `x`.',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `x` | [N] | required |  |',
    '| `grad_output` | [N] | required |  |',
    '',
    'Result: [N].',
  ].join('\n'),
  examples: [{ 'x': [-2, 0, 3], 'grad_output': [1, 1, -2] }],
};
