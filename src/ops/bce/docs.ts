/**
 * docs/ops.md sections of the bce ops (generated into docs/ops.md by scripts/ops-doc.mjs;
 * every example is evaluated by the reference when the page is generated).
 */
import type { OpDoc } from '../types.js';

export const BINARY_CROSS_ENTROPY_DOC: OpDoc = {
  args: '`probs` [N], `target` [N], `weight`?, `reduction`?, `grad_output`?',
  result: 'a number (`mean`, `sum`) or [N] (`none`)',
  text: [
    '`ℓ_n = −w_n·(t_n·log p_n + (1 − t_n)·log(1 − p_n))`; `mean` divides by `N`. No clamping of the logarithms (PyTorch clamps them at −100): `p = 0, t > 0` gives `+Infinity`.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Backward op: [`binary_cross_entropy_backward`](#binary_cross_entropy_backward).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `probs` | [N] | required | probabilities in `[0, 1]` (NaN rejected) |',
    '| `target` | [N] | required | in `[0, 1]` |',
    '| `weight` | [N] | all 1 | per-sample weights, finite and ≥ 0 |',
    '| `reduction` | "mean" \\| "sum" \\| "none" | `"mean"` |  |',
    '| `grad_output` | number or [N] | — | accepted and validated, not used |',
    '',
    'Result: a number (`mean`, `sum`) or [N] (`none`).',
  ].join('\n'),
  examples: [{ 'probs': [0.9, 0.5, 0.1, 0], 'target': [1, 1, 1, 0], 'reduction': 'none' }],
};

export const BINARY_CROSS_ENTROPY_WITH_LOGITS_DOC: OpDoc = {
  args: '`logits` [N], `target` [N], `weight`?, `pos_weight`?, `reduction`?, `grad_output`?',
  result: 'a number (`mean`, `sum`) or [N] (`none`)',
  text: [
    '`ℓ_n = −w_n·(pw·t_n·log σ(x_n) + (1 − t_n)·log σ(−x_n))`; `mean` divides by `N`.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Backward op: [`binary_cross_entropy_with_logits_backward`](#binary_cross_entropy_with_logits_backward).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `logits` | [N] | required |  |',
    '| `target` | [N] | required | in `[0, 1]` |',
    '| `weight` | [N] | all 1 | per-sample weights, finite and ≥ 0 |',
    '| `pos_weight` | number | `1` | one finite number ≥ 0 (not a per-class vector) |',
    '| `reduction` | "mean" \\| "sum" \\| "none" | `"mean"` |  |',
    '| `grad_output` | number or [N] | — | accepted and validated, not used |',
    '',
    'Result: a number (`mean`, `sum`) or [N] (`none`).',
  ].join('\n'),
  examples: [{ 'logits': [0.5, -2, 30], 'target': [1, 0, 0.25], 'pos_weight': 2, 'reduction': 'none' }],
};

export const BINARY_CROSS_ENTROPY_BACKWARD_DOC: OpDoc = {
  args: "binary_cross_entropy's args, `grad_output`?",
  result: '[N]',
  text: [
    '`g_n·w_n·(−t_n/p_n + (1 − t_n)/(1 − p_n)) / D` (`D = N` for `mean`, else 1), with the zero-coefficient rule at `p ∈ {0, 1}`.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Differentiates `binary_cross_entropy` with respect to `probs`.',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| … | | | every argument of `binary_cross_entropy`, with the same defaults |',
    '| `grad_output` | number (`mean`, `sum`) or [N] (`none`) | 1 (`mean`, `sum`), ones `[N]` (`none`) |  |',
    '',
    'Result: [N]: d loss / d probs.',
  ].join('\n'),
  examples: [{ 'probs': [0.9, 0.5, 0], 'target': [1, 0.25, 0], 'reduction': 'sum' }],
};

export const BINARY_CROSS_ENTROPY_WITH_LOGITS_BACKWARD_DOC: OpDoc = {
  args: "binary_cross_entropy_with_logits's args, `grad_output`?",
  result: '[N]',
  text: [
    '`g_n·w_n·(σ(x_n)·(pw·t_n + 1 − t_n) − pw·t_n) / D` (`D = N` for `mean`, else 1).',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Differentiates `binary_cross_entropy_with_logits` with respect to `logits`.',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| … | | | every argument of `binary_cross_entropy_with_logits`, with the same defaults |',
    '| `grad_output` | number (`mean`, `sum`) or [N] (`none`) | 1 (`mean`, `sum`), ones `[N]` (`none`) |  |',
    '',
    'Result: [N]: d loss / d logits.',
  ].join('\n'),
  examples: [{ 'logits': [0.5, -2, 30], 'target': [1, 0, 0.25], 'pos_weight': 2, 'reduction': 'none', 'grad_output': [1, 1, 0.5] }],
};
