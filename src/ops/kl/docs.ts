/**
 * docs/ops.md sections of the kl_div ops (generated into docs/ops.md by scripts/ops-doc.mjs;
 * every example is evaluated by the reference when the page is generated).
 */
import type { OpDoc } from '../types.js';

export const KL_DIV_DOC: OpDoc = {
  args: '`input` [N][C], `target` [N][C], `reduction`?, `log_target`?',
  result: 'a number (`mean`, `sum`, `batchmean`) or [N][C] (`none`)',
  text: [
    "PyTorch's `F.kl_div(input, target, reduction, log_target)`: `input` holds log-probabilities",
    '`x`, `target` holds probabilities `t` (log-probabilities when `log_target` is true). Pointwise',
    '`ℓ = t·(log t − x)`, with `ℓ = 0` where `t = 0` (the zero-coefficient rule: `0·log 0 = 0`,',
    'whatever `x` is, `−Infinity` included); with `log_target`, `ℓ = e^t·(t − x)`, 0 where',
    '`t = −Infinity`. Reductions: `none` returns `[N][C]`; `sum` returns `Σ ℓ`; `mean` divides by',
    "every element, `N·C` (PyTorch's default, which is **not** the KL divergence of the rows);",
    '`batchmean` divides by `N` (the mathematical KL divergence averaged over the batch). Rows',
    'need not sum to 1.',
    '',
    'Special values: [kl_div](semantics.md#kl_div). Backward ops: [`kl_div_backward`](#kl_div_backward) (with respect to `input`),',
    '[`kl_div_target_backward`](#kl_div_target_backward) (with respect to `target`).',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| `input` | [N][C] | required | log-probabilities; any number (NaN, `±Infinity` accepted) |',
    '| `target` | [N][C] | required | probabilities `≥ 0` (`+Infinity` accepted; negative values and NaN rejected); with `log_target`, any number but NaN |',
    '| `reduction` | "mean" \\| "sum" \\| "none" \\| "batchmean" | `"mean"` |  |',
    '| `log_target` | boolean | `false` | `target` holds log-probabilities |',
    '',
    'Result: a number (`mean`, `sum`, `batchmean`) or [N][C] (`none`).',
  ].join('\n'),
  examples: [{ 'input': [[-1.5, -0.5, -2], [-0.25, -3, -1]], 'target': [[0.25, 0.5, 0.25], [0.75, 0.125, 0]], 'reduction': 'batchmean' }, {
    'input': [[-1.5, -0.5, -2], [-0.25, -3, -1]],
    'target': [[0.25, 0.5, 0.25], [0.75, 0.125, 0]],
    'reduction': 'none',
  }],
};

export const KL_DIV_BACKWARD_DOC: OpDoc = {
  args: "kl_div's args, `grad_output`?",
  result: '[N][C]',
  text: [
    '`−t·g/D` (with `log_target`: `−e^t·g/D`), where `g` is the grad_output (the number, or',
    "element `[n][c]` for `none`) and `D` the reduction's denominator (`N·C` for `mean`, `N` for",
    '`batchmean`, 1 for `sum` and `none`). Independent of `input`. Exactly 0 where `t = 0`',
    '(`e^t = 0`) or `g = 0`, whatever the other factor is.',
    '',
    'Special values: [kl_div](semantics.md#kl_div). Differentiates',
    '`kl_div` with respect to `input`.',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| … | | | every argument of `kl_div`, with the same defaults |',
    '| `grad_output` | number (`mean`, `sum`, `batchmean`) or [N][C] (`none`) | 1, or ones [N][C] |  |',
    '',
    'Result: [N][C]: d loss / d input.',
  ].join('\n'),
  examples: [{
    'input': [[-1.5, -0.5, -2], [-0.25, -3, -1]],
    'target': [[0.25, 0.5, 0.25], [0.75, 0.125, 0]],
    'reduction': 'batchmean',
    'grad_output': 2,
  }],
};

export const KL_DIV_TARGET_BACKWARD_DOC: OpDoc = {
  args: "kl_div's args, `grad_output`?",
  result: '[N][C]',
  text: [
    "`g·(log t + 1 − x)/D` for `t > 0` and exactly 0 at `t = 0` (PyTorch's own",
    '`kl_div_target_backward` masks `t = 0` to 0; the one-sided derivative there is `−∞`, see',
    'the table); with `log_target`: `g·e^t·(t + 1 − x)/D`, 0 at `t = −Infinity`.',
    '',
    'Special values: [kl_div](semantics.md#kl_div). Differentiates',
    '`kl_div` with respect to `target`.',
    '',
    '| argument | shape / type | default | notes |',
    '|---|---|---|---|',
    '| … | | | every argument of `kl_div`, with the same defaults |',
    '| `grad_output` | number (`mean`, `sum`, `batchmean`) or [N][C] (`none`) | 1, or ones [N][C] |  |',
    '',
    'Result: [N][C]: d loss / d target.',
  ].join('\n'),
  examples: [{ 'input': [[-1.5, -0.5, -2], [-0.25, -3, -1]], 'target': [[0.25, 0.5, 0.25], [0.75, 0.125, 0]], 'reduction': 'batchmean' }],
};
