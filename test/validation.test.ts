/**
 * Argument validation (src/core/args.ts, reached through reference()): every error names the
 * argument and the offending value, and these messages are part of the public contract (the
 * CLI prints them verbatim, the JSON-lines protocol returns them), so they are asserted as
 * exact strings. Also the normalised defaults every implementation receives.
 */
import { describe, expect, it } from 'vitest';
import { getSpec, OP_NAMES, type OpName } from '../src/ops/registry.js';
import { ArgumentError } from '../src/core/errors.js';
import { reference } from '../src/ops/evaluate.js';

/** reference(op, raw) must throw an ArgumentError with exactly this message. */
function rejects(op: string, raw: unknown, message: string, opts?: { digits?: unknown }): void {
  let err: unknown;
  try {
    reference(op, raw, opts as { digits?: number });
  } catch (e) {
    err = e;
  }
  expect(err, `${op} ${JSON.stringify(raw)} should throw`).toBeInstanceOf(ArgumentError);
  expect((err as Error).message).toBe(message);
}

const L = [[1, 2, 3], [4, 5, 6]]; // valid [2][3] logits

describe('the args object', () => {
  it('must be a JSON object', () => {
    rejects('softmax', null, 'args must be a JSON object, got null');
    rejects('softmax', [1, 2], 'args must be a JSON object, got [1,2]');
    rejects('softmax', 5, 'args must be a JSON object, got 5');
    rejects('softmax', 'logits', 'args must be a JSON object, got "logits"');
    rejects('softmax', undefined, 'args must be a JSON object, got undefined');
  });

  it('unknown arguments are rejected, listing the expected ones of the op', () => {
    const expected: Record<OpName, string> = {
      softmax: 'logits',
      log_softmax: 'logits',
      logsumexp: 'logits',
      sigmoid: 'x',
      log_sigmoid: 'x',
      softplus: 'x',
      cross_entropy: 'logits, target, weight, ignore_index, reduction, label_smoothing',
      nll_loss: 'log_probs, target, weight, ignore_index, reduction',
      binary_cross_entropy: 'probs, target, weight, reduction',
      binary_cross_entropy_with_logits: 'logits, target, weight, pos_weight, reduction',
      softmax_backward: 'logits, grad_output',
      log_softmax_backward: 'logits, grad_output',
      sigmoid_backward: 'x, grad_output',
      cross_entropy_backward: 'logits, target, weight, ignore_index, reduction, label_smoothing, grad_output',
      binary_cross_entropy_backward: 'probs, target, weight, reduction, grad_output',
      binary_cross_entropy_with_logits_backward: 'logits, target, weight, pos_weight, reduction, grad_output',
      kl_div: 'input, target, reduction, log_target',
      kl_div_backward: 'input, target, reduction, log_target, grad_output',
      kl_div_target_backward: 'input, target, reduction, log_target, grad_output',
    };
    for (const op of OP_NAMES) rejects(op, { lgoits: [[1]] }, `${op}: unknown argument "lgoits" (expected ${expected[op]})`);
    rejects(
      'cross_entropy',
      { logits: L, target: [0, 1], pos_weight: 2 },
      'cross_entropy: unknown argument "pos_weight" (expected logits, target, weight, ignore_index, reduction, label_smoothing)',
    );
  });

  it('unknown op and bad digits (reference options)', () => {
    rejects('soft_max', { logits: [[1]] }, `unknown op "soft_max" (known: ${OP_NAMES.join(', ')})`);
    for (const d of [0, 1001, 1.5, -1, NaN]) {
      rejects('softmax', { logits: [[1]] }, `digits = ${d} must be an integer from 1 to 1000`, { digits: d });
    }
    rejects('softmax', { logits: [[1]] }, 'digits = "40" must be an integer from 1 to 1000', { digits: '40' });
  });
});

describe('arrays: logits, x, probs, log_probs', () => {
  it('rows of logits: array of rows, non-empty batch, non-empty rows, equal lengths, numbers', () => {
    rejects('softmax', {}, 'logits must be an array of rows, got undefined');
    rejects('softmax', { logits: 'abc' }, 'logits must be an array of rows, got "abc"');
    rejects('softmax', { logits: [] }, 'logits is empty: the batch needs at least one row');
    rejects('softmax', { logits: [1, 2] }, 'logits[0] must be a row (an array of numbers), got 1');
    rejects('softmax', { logits: [[1], 2] }, 'logits[1] must be a row (an array of numbers), got 2');
    rejects('log_softmax', { logits: [[]] }, 'logits[0] is an empty row: every row needs at least one class');
    rejects('logsumexp', { logits: [[1, 2, 3], [4, 5]] }, 'logits is ragged: logits[1] has 2 entries but logits[0] has 3');
    rejects('softmax', { logits: [[1, 2], [3, 4], [5, 6, 7]] }, 'logits is ragged: logits[2] has 3 entries but logits[0] has 2');
    rejects('softmax', { logits: [[1, 'a']] }, 'logits[0][1] = "a" is not a number');
    rejects('softmax', { logits: [[1, 2], [3, null]] }, 'logits[1][1] = null is not a number');
    rejects('softmax', { logits: [[true]] }, 'logits[0][0] = true is not a number');
    rejects('softmax', { logits: [['nan']] }, 'logits[0][0] = "nan" is not a number'); // only NaN / Infinity / -Infinity are revived
  });

  it('element vectors: array of numbers, non-empty', () => {
    rejects('sigmoid', {}, 'x must be an array of numbers, got undefined');
    rejects('sigmoid', { x: 3 }, 'x must be an array of numbers, got 3');
    rejects('softplus', { x: [] }, 'x is empty: the batch needs at least one element');
    rejects('log_sigmoid', { x: [1, '2'] }, 'x[1] = "2" is not a number');
    rejects('sigmoid', { x: [[1]] }, 'x[0] = [1] is not a number');
  });

  it('nll_loss: log_probs must be <= 0', () => {
    rejects('nll_loss', { log_probs: [[-1, 0.5]], target: [0] }, 'log_probs[0][1] = 0.5 is positive: a log-probability is <= 0');
    rejects(
      'nll_loss',
      { log_probs: [[-1, -2], [-3, 'Infinity']], target: [0, 0] },
      'log_probs[1][1] = Infinity is positive: a log-probability is <= 0',
    );
  });

  it('binary_cross_entropy: probs and target in [0, 1], NaN rejected', () => {
    rejects('binary_cross_entropy', { probs: [0.5, 0.5, 1.5], target: [1, 1, 1] }, 'probs[2] = 1.5 is outside [0, 1]');
    rejects('binary_cross_entropy', { probs: [-0.25], target: [1] }, 'probs[0] = -0.25 is outside [0, 1]');
    rejects('binary_cross_entropy', { probs: ['NaN'], target: [1] }, 'probs[0] = NaN is outside [0, 1]');
    rejects('binary_cross_entropy_backward', { probs: [0.5], target: [2] }, 'target[0] = 2 is outside [0, 1]');
    rejects('binary_cross_entropy', { probs: [0.5], target: ['NaN'] }, 'target[0] = NaN is outside [0, 1]');
    rejects('binary_cross_entropy_with_logits', { logits: [0.5], target: [-1] }, 'target[0] = -1 is outside [0, 1]');
    rejects('binary_cross_entropy_with_logits', { logits: [0.5, 1], target: [1, 'Infinity'] }, 'target[1] = Infinity is outside [0, 1]');
  });
});

describe('targets of cross_entropy and nll_loss', () => {
  it('class indices: integers in [0, C) or ignore_index', () => {
    rejects(
      'cross_entropy',
      { logits: [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]], target: [0, 1, 2, 7] },
      'target[3] = 7 is out of range for 5 classes',
    );
    rejects('cross_entropy', { logits: L, target: [0, -1] }, 'target[1] = -1 is out of range for 3 classes');
    rejects('cross_entropy', { logits: L, target: [3, 0] }, 'target[0] = 3 is out of range for 3 classes');
    rejects('cross_entropy', { logits: L, target: [0.5, 1] }, 'target[0] = 0.5 is not an integer class index');
    rejects('cross_entropy_backward', { logits: L, target: [1, 'NaN'] }, 'target[1] = NaN is not an integer class index');
    rejects('nll_loss', { log_probs: [[-1, -2]], target: [2] }, 'target[0] = 2 is out of range for 2 classes');
    rejects('nll_loss', { log_probs: [[-1, -2]], target: [1.25] }, 'target[0] = 1.25 is not an integer class index');
    // -100 (the default ignore_index) is accepted, another value only when it is ignore_index
    expect(() => reference('cross_entropy', { logits: L, target: [-100, 0] })).not.toThrow();
    rejects('cross_entropy', { logits: L, target: [-100, 0], ignore_index: -1 }, 'target[0] = -100 is out of range for 3 classes');
    expect(() => reference('cross_entropy', { logits: L, target: [-1, 0], ignore_index: -1 })).not.toThrow();
  });

  it('target shape: [N] indices or [N][C] probabilities matching logits', () => {
    rejects('cross_entropy', { logits: L, target: [0] }, 'target has 1 entries but the batch has 2');
    rejects('cross_entropy', { logits: L }, 'target must be [N] class indices or [N][C] probabilities, got undefined');
    rejects('cross_entropy', { logits: L, target: 1 }, 'target must be [N] class indices or [N][C] probabilities, got 1');
    rejects('cross_entropy', { logits: L, target: [] }, 'target is empty: the batch needs at least one element');
    rejects('cross_entropy', { logits: L, target: [[0.5, 0.5]] }, 'target is [1][2] but logits is [2][3]');
    rejects('cross_entropy', { logits: L, target: [[0.5, 0.5], [0.5, 0.5]] }, 'target is [2][2] but logits is [2][3]');
    rejects(
      'cross_entropy',
      { logits: L, target: [[0.5, 0.5, 0], [0.5, 0.5]] },
      'target is ragged: target[1] has 2 entries but target[0] has 3',
    );
    rejects('cross_entropy', { logits: L, target: [[0.5, 0.5, 0], 1] }, 'target[1] must be a row (an array of numbers), got 1');
    rejects('nll_loss', { log_probs: [[-1]], target: [0, 0] }, 'target has 2 entries but the batch has 1');
    rejects('nll_loss', { log_probs: [[-1]] }, 'target must be an array of numbers, got undefined');
  });

  it('probability targets: finite numbers in [0, 1] (rows need not sum to 1), no ignore_index', () => {
    rejects('cross_entropy', { logits: L, target: [[0.5, 0.5, 0], [0, 1.5, 0]] }, 'target[1][1] = 1.5 is outside [0, 1]');
    rejects('cross_entropy', { logits: L, target: [[0.5, -0.5, 0], [0, 1, 0]] }, 'target[0][1] = -0.5 is outside [0, 1]');
    rejects('cross_entropy', { logits: L, target: [['NaN', 0, 0], [0, 1, 0]] }, 'target[0][0] = NaN is outside [0, 1]');
    rejects('cross_entropy', { logits: L, target: [[0, 0, 'Infinity'], [0, 1, 0]] }, 'target[0][2] = Infinity is outside [0, 1]');
    rejects(
      'cross_entropy',
      { logits: L, target: [[1, 0, 0], [0, 1, 0]], ignore_index: 0 },
      'ignore_index applies to class-index targets only, but target holds probabilities',
    );
    expect(() => reference('cross_entropy', { logits: L, target: [[1, 1, 1], [0, 0, 0]] })).not.toThrow();
  });

  it('ignore_index must be an integer', () => {
    rejects('cross_entropy', { logits: L, target: [0, 1], ignore_index: 1.5 }, 'ignore_index = 1.5 must be an integer');
    rejects('nll_loss', { log_probs: [[-1]], target: [0], ignore_index: '-100' }, 'ignore_index = "-100" must be an integer');
    rejects('cross_entropy', { logits: L, target: [0, 1], ignore_index: 'Infinity' }, 'ignore_index = Infinity must be an integer');
  });
});

describe('options: reduction, label_smoothing, pos_weight, weight', () => {
  it('reduction is one of "mean", "sum", "none"', () => {
    rejects('cross_entropy', { logits: L, target: [0, 1], reduction: 'avg' }, 'reduction = "avg" must be one of "mean", "sum", "none"');
    rejects('nll_loss', { log_probs: [[-1]], target: [0], reduction: 'MEAN' }, 'reduction = "MEAN" must be one of "mean", "sum", "none"');
    rejects('binary_cross_entropy', { probs: [0.5], target: [1], reduction: 1 }, 'reduction = 1 must be one of "mean", "sum", "none"');
    rejects(
      'binary_cross_entropy_with_logits',
      { logits: [0.5], target: [1], reduction: null },
      'reduction = null must be one of "mean", "sum", "none"',
    );
  });

  it('label_smoothing in [0, 1]', () => {
    rejects('cross_entropy', { logits: L, target: [0, 1], label_smoothing: 1.5 }, 'label_smoothing = 1.5 must be a number in [0, 1]');
    rejects('cross_entropy', { logits: L, target: [0, 1], label_smoothing: -0.1 }, 'label_smoothing = -0.1 must be a number in [0, 1]');
    rejects(
      'cross_entropy_backward',
      { logits: L, target: [0, 1], label_smoothing: 'NaN' },
      'label_smoothing = NaN must be a number in [0, 1]',
    );
    rejects('cross_entropy', { logits: L, target: [0, 1], label_smoothing: '0.1' }, 'label_smoothing = "0.1" must be a number in [0, 1]');
    expect(() => reference('cross_entropy', { logits: L, target: [0, 1], label_smoothing: 1 })).not.toThrow();
  });

  it('pos_weight finite and >= 0', () => {
    rejects(
      'binary_cross_entropy_with_logits',
      { logits: [0.5], target: [1], pos_weight: -1 },
      'pos_weight = -1 must be a number in [0, Infinity]',
    );
    rejects(
      'binary_cross_entropy_with_logits',
      { logits: [0.5], target: [1], pos_weight: 'Infinity' },
      'pos_weight = Infinity must be finite',
    );
    rejects(
      'binary_cross_entropy_with_logits_backward',
      { logits: [0.5], target: [1], pos_weight: 'NaN' },
      'pos_weight = NaN must be a number in [0, Infinity]',
    );
  });

  it('weight: [C] for cross_entropy / nll_loss, [N] for the BCE losses, finite and >= 0', () => {
    rejects('cross_entropy', { logits: L, target: [0, 1], weight: [1, 1] }, 'weight has 2 entries but the class axis has 3');
    rejects('nll_loss', { log_probs: [[-1, -2]], target: [0], weight: [1, 1, 1] }, 'weight has 3 entries but the class axis has 2');
    rejects('binary_cross_entropy', { probs: [0.5, 0.5], target: [1, 1], weight: [1] }, 'weight has 1 entries but probs has 2');
    rejects(
      'binary_cross_entropy_with_logits',
      { logits: [0.5, 0.5], target: [1, 1], weight: [1, 1, 1] },
      'weight has 3 entries but logits has 2',
    );
    rejects('cross_entropy', { logits: L, target: [0, 1], weight: [1, -1, 1] }, 'weight[1] = -1 must be finite and >= 0');
    rejects('cross_entropy', { logits: L, target: [0, 1], weight: [1, 1, 'Infinity'] }, 'weight[2] = Infinity must be finite and >= 0');
    rejects('nll_loss', { log_probs: [[-1]], target: [0], weight: ['NaN'] }, 'weight[0] = NaN must be finite and >= 0');
    rejects('binary_cross_entropy', { probs: [0.5], target: [1], weight: [-0.5] }, 'weight[0] = -0.5 must be finite and >= 0');
    rejects('cross_entropy', { logits: L, target: [0, 1], weight: [] }, 'weight is empty: the batch needs at least one element');
  });

  it('lengths of target against probs / logits (BCE losses)', () => {
    rejects('binary_cross_entropy', { probs: [0.5, 0.5], target: [1] }, 'target has 1 entries but probs has 2');
    rejects('binary_cross_entropy_with_logits', { logits: [0.5], target: [1, 0] }, 'target has 2 entries but logits has 1');
  });
});

describe('grad_output', () => {
  it('softmax / log_softmax backward: [N][C] like logits', () => {
    rejects('softmax_backward', { logits: [[1, 2, 3]] }, 'grad_output must be an array of rows, got undefined');
    rejects('softmax_backward', { logits: [[1, 2, 3]], grad_output: [[1, 2]] }, 'grad_output is [1][2] but logits is [1][3]');
    rejects('log_softmax_backward', { logits: L, grad_output: [[1, 2, 3]] }, 'grad_output is [1][3] but logits is [2][3]');
    rejects(
      'log_softmax_backward',
      { logits: L, grad_output: [[1, 2, 3], [1, 2]] },
      'grad_output is ragged: grad_output[1] has 2 entries but grad_output[0] has 3',
    );
  });

  it('sigmoid_backward: [N] like x', () => {
    rejects('sigmoid_backward', { x: [1, 2] }, 'grad_output must be an array of numbers, got undefined');
    rejects('sigmoid_backward', { x: [1, 2], grad_output: [1] }, 'grad_output has 1 entries but x has 2');
  });

  it('loss backward ops: a number for mean / sum, [N] for none', () => {
    rejects(
      'cross_entropy_backward',
      { logits: L, target: [0, 1], grad_output: [1, 1] },
      'grad_output = [1,1] must be a number for reduction "mean"',
    );
    rejects(
      'binary_cross_entropy_backward',
      { probs: [0.5], target: [1], reduction: 'sum', grad_output: '1' },
      'grad_output = "1" must be a number for reduction "sum"',
    );
    rejects(
      'cross_entropy_backward',
      { logits: L, target: [0, 1], reduction: 'none', grad_output: [1] },
      'grad_output has 1 entries but the batch has 2 (reduction "none")',
    );
    rejects(
      'binary_cross_entropy_with_logits_backward',
      { logits: [0.5, 1], target: [1, 1], reduction: 'none', grad_output: 2 },
      'grad_output must be an array of numbers, got 2',
    );
    rejects(
      'binary_cross_entropy_backward',
      { probs: [0.5], target: [1], reduction: 'none', grad_output: ['x'] },
      'grad_output[0] = "x" is not a number',
    );
  });
});

describe('normalised arguments (defaults)', () => {
  it('cross_entropy: ignore_index -100, reduction mean, label_smoothing 0, grad_output 1 (or ones [N] for none)', () => {
    const a = getSpec('cross_entropy').validate({ logits: L, target: [0, 1] });
    expect(a).toEqual({
      logits: L,
      target: [0, 1],
      weight: undefined,
      ignore_index: -100,
      reduction: 'mean',
      label_smoothing: 0,
      grad_output: 1,
    });
    expect(getSpec('cross_entropy_backward').validate({ logits: L, target: [0, 1], reduction: 'none' }).grad_output).toEqual([1, 1]);
  });

  it('binary_cross_entropy_with_logits: pos_weight 1; non-finite strings and typed arrays are accepted', () => {
    const a = getSpec('binary_cross_entropy_with_logits').validate({ logits: new Float64Array([0.5, -1]), target: [1, 0] });
    expect(a).toEqual({ logits: [0.5, -1], target: [1, 0], weight: undefined, pos_weight: 1, reduction: 'mean', grad_output: 1 });
    const s = getSpec('softmax').validate({ logits: [['NaN', 'Infinity', '-Infinity'], new Float32Array([1, 2, 3])] }) as {
      logits: number[][];
    };
    expect(s.logits[0]).toEqual([NaN, Infinity, -Infinity]);
    expect(s.logits[1]).toEqual([1, 2, 3]);
  });
});
