/**
 * docs/ops.md sections of the cross_entropy ops (generated into docs/ops.md by scripts/ops-doc.mjs;
 * every example is evaluated by the reference when the page is generated).
 */
import type { OpDoc } from '../types.js';

export const CROSS_ENTROPY_DOC: OpDoc = {
  args: '`logits` [N][C], `target` [N] or [N][C], `weight`?, `ignore_index`?, `reduction`?, `label_smoothing`?, `grad_output`?',
  result: 'a number (`mean`, `sum`) or [N] (`none`)',
  text: [
    "`ℓ_n = Σ_c a_{n,c} · (−log softmax(x_n)_c)` with `a_{n,c} = w_c·((1 − ε)·[c = y_n] + ε/C)` for class indices, `a_{n,c} = w_c·((1 − ε)·t_{n,c} + ε/C)` for probabilities; `ℓ_n = 0` for an ignored sample. `mean` divides the sum by `Σ_{n not ignored} w_{y_n}` for class indices (PyTorch's weighted mean) and by `N` for probability targets.",
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Backward op: [`cross_entropy_backward`](#cross_entropy_backward).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `logits` | [N][C] | required |  |',
    '| `target` | [N] or [N][C] | required | class indices (integers in `[0, C)` or `ignore_index`), or probabilities in `[0, 1]` (rows need not sum to 1) |',
    '| `weight` | [C] | all 1 | class weights, finite and ≥ 0 |',
    '| `ignore_index` | integer | `-100` | class-index targets only (an error with probability targets) |',
    '| `reduction` | "mean" \\| "sum" \\| "none" | `"mean"` |  |',
    '| `label_smoothing` | number in [0, 1] | `0` |  |',
    '| `grad_output` | number or [N] | — | accepted and validated as for `cross_entropy_backward`, not used |',
    '',
    'Result: a number (`mean`, `sum`) or [N] (`none`).',
  ].join('\n'),
  examples: [{ 'logits': [[1, 2, 3], [1, 2, 3]], 'target': [2, -100], 'reduction': 'none' }, {
    'logits': [[1, 2, 3], [0.5, 0, -1]],
    'target': [[0, 0.25, 0.75], [1, 0, 0]],
    'weight': [1, 2, 0.5],
    'label_smoothing': 0.1,
  }],
};

export const NLL_LOSS_DOC: OpDoc = {
  args: '`log_probs` [N][C], `target` [N], `weight`?, `ignore_index`?, `reduction`?, `grad_output`?',
  result: 'a number (`mean`, `sum`) or [N] (`none`)',
  text: [
    '`ℓ_n = −w_{y_n} · log_probs[n][y_n]`, `ℓ_n = 0` when ignored; `mean` divides by `Σ_{n not ignored} w_{y_n}`.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `log_probs` | [N][C] | required | log-probabilities: every entry ≤ 0 (or NaN, `-Infinity`) |',
    '| `target` | [N] | required | class indices in `[0, C)` or `ignore_index` |',
    '| `weight` | [C] | all 1 | finite and ≥ 0 |',
    '| `ignore_index` | integer | `-100` |  |',
    '| `reduction` | "mean" \\| "sum" \\| "none" | `"mean"` |  |',
    '| `grad_output` | number or [N] | — | accepted and validated, not used |',
    '',
    'Result: a number (`mean`, `sum`) or [N] (`none`).',
  ].join('\n'),
  examples: [{ 'log_probs': [[-0.5, -1], [-2, -0.125]], 'target': [0, 1], 'weight': [1, 3] }],
};

export const CROSS_ENTROPY_BACKWARD_DOC: OpDoc = {
  args: "cross_entropy's args, `grad_output`?",
  result: '[N][C]',
  text: [
    '`(p_{n,·}·A_n − a_{n,·}) · g_n / D` with `A_n = Σ_c a_{n,c}`, `g_n` the grad_output (the number, or element n for `none`) and `D` the mean denominator (1 for `sum` and `none`); zero rows for ignored samples.',
    '',
    'Special values: [special inputs](semantics.md#special-inputs). Differentiates `cross_entropy` with respect to `logits`.',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| … | | | every argument of `cross_entropy`, with the same defaults |',
    '| `grad_output` | number (`mean`, `sum`) or [N] (`none`) | 1 (`mean`, `sum`), ones `[N]` (`none`) |  |',
    '',
    'Result: [N][C]: d loss / d logits.',
  ].join('\n'),
  examples: [{ 'logits': [[1, 2, 3], [1, 2, 3]], 'target': [2, -100] }],
};
