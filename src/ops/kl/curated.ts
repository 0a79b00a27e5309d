/**
 * Curated golden cases for kl_div and its backward ops: data only (id, op, args exactly as
 * ./args.ts validates them, tags), in the format of the other records' curated lists (src/ops/lib/curated.ts); the fixture
 * generator evaluates the reference on each. Ids are "<op>/<name>" and never change once
 * published. Tags: the vocabulary of docs/fixtures.md plus "zero-target" (the 0·log 0 = 0
 * convention), "log-target", "batchmean".
 */
import type { KlOpName } from './args.js';

export interface KlCuratedCase {
  id: string;
  op: KlOpName;
  args: Record<string, unknown>;
  tags: string[];
}

const INF = Infinity;
const NAN = NaN;

/** log-probabilities (not exactly normalised: kl_div does not require it) and two target rows */
const X = [
  [-1.5, -0.5, -2],
  [-0.25, -3, -1],
];
const T = [
  [0.25, 0.5, 0.25],
  [0.75, 0.125, 0.125],
];
/** the same targets as log-probabilities (the doubles nearest log 0.25, log 0.5, …) */
const LOG_T = [
  [-1.3862943611198906, -0.6931471805599453, -1.3862943611198906],
  [-0.2876820724517809, -2.0794415416798357, -2.0794415416798357],
];

type Entry = [name: string, args: Record<string, unknown>, tags: string[]];

function group(op: KlOpName, entries: readonly Entry[]): KlCuratedCase[] {
  return entries.map(([name, args, tags]) => ({ id: `${op}/${name}`, op, args, tags }));
}

export const FORWARD: readonly Entry[] = [
  ['subnormal-output', { input: [[0, -1]], target: [[1e-320, 1]], reduction: 'none' }, ['tiny']],
  ['basic-mean', { input: X, target: T }, ['basic']],
  ['basic-batchmean', { input: X, target: T, reduction: 'batchmean' }, ['basic', 'batchmean']],
  ['basic-sum', { input: X, target: T, reduction: 'sum' }, ['basic']],
  ['basic-none', { input: X, target: T, reduction: 'none' }, ['basic']],
  // batchmean = C · mean: the planted bug "mean where batchmean is meant" differs by a factor C
  ['batchmean-wide', {
    input: [[-3, -2, -1, -0.5, -4, -2.5, -1.5, -5]],
    target: [[0.125, 0.125, 0.25, 0.25, 0.0625, 0.0625, 0.0625, 0.0625]],
    reduction: 'batchmean',
  }, ['batchmean']],
  ['zero-target', { input: [[-1, -2, -0.5]], target: [[0.5, 0, 0.5]], reduction: 'none' }, ['zero-target']],
  ['zero-target-minus-infinity-input', { input: [[-0.5, -INF, -1]], target: [[0.5, 0, 0.5]], reduction: 'sum' }, ['zero-target', 'masked']],
  ['zero-target-nan-input', { input: [[-0.5, NAN]], target: [[1, 0]], reduction: 'sum' }, ['zero-target', 'nan']],
  ['one-hot-target', { input: [[-0.1, -2.5, -3], [-4, -0.05, -3.5]], target: [[1, 0, 0], [0, 1, 0]], reduction: 'batchmean' }, [
    'zero-target',
    'batchmean',
  ]],
  ['all-zero-target', { input: [[-INF, -1]], target: [[0, 0]], reduction: 'mean' }, ['zero-target']],
  ['positive-target-minus-infinity-input', { input: [[-INF, -1]], target: [[0.5, 0.5]], reduction: 'none' }, ['masked']],
  ['plus-infinity-input', { input: [[INF, -1]], target: [[0.5, 0.5]], reduction: 'none' }, ['plus-infinity']],
  ['opposite-infinities', { input: [[INF, -INF]], target: [[0.5, 0.5]], reduction: 'sum' }, ['plus-infinity', 'masked']],
  ['infinite-target', { input: [[-1, INF]], target: [[INF, INF]], reduction: 'none' }, ['plus-infinity']],
  ['nan-input', { input: [[NAN, -1], [-1, -1]], target: [[0.5, 0.5], [0.5, 0.5]], reduction: 'none' }, ['nan']],
  ['exact-zero', { input: [[0]], target: [[1]], reduction: 'sum' }, ['basic']],
  ['equal-distributions', { input: [[-0.6931471805599453, -0.6931471805599453]], target: [[0.5, 0.5]], reduction: 'sum' }, [
    'cancellation',
  ]],
  ['x-near-log-t', { input: LOG_T, target: T, reduction: 'batchmean' }, ['cancellation', 'batchmean']],
  ['unnormalised-target', { input: [[-1, -0.5]], target: [[2, 0.5]], reduction: 'sum' }, ['basic']],
  ['tiny-target', { input: [[-700, -0.0001]], target: [[5e-324, 1e-300]], reduction: 'none' }, ['tiny']],
  ['huge-input', { input: [[-1e308, 1e308]], target: [[0.5, 0.25]], reduction: 'none' }, ['huge']],
  ['huge-cancelling', { input: [[1e300, -1e300]], target: [[2, 2]], reduction: 'sum' }, ['huge', 'cancellation']],
  ['log-target-mean', { input: X, target: LOG_T, log_target: true }, ['log-target']],
  ['log-target-batchmean', { input: X, target: LOG_T, log_target: true, reduction: 'batchmean' }, ['log-target', 'batchmean']],
  ['log-target-none', { input: X, target: LOG_T, log_target: true, reduction: 'none' }, ['log-target']],
  ['log-target-minus-infinity', { input: [[-INF, -1, NAN]], target: [[-INF, -0.5, -INF]], log_target: true, reduction: 'none' }, [
    'log-target',
    'zero-target',
    'masked',
  ]],
  ['log-target-equal', { input: [[-0.5, -3]], target: [[-0.5, -3]], log_target: true, reduction: 'sum' }, ['log-target', 'basic']],
  ['log-target-exp-limits', { input: [[-1, -1, -1]], target: [[709.78, 710, -746]], log_target: true, reduction: 'none' }, [
    'log-target',
    'exp-limit-float64',
  ]],
  ['log-target-exp-limits-float32', { input: [[-1, -1]], target: [[88.72000122070313, -104]], log_target: true, reduction: 'none' }, [
    'log-target',
    'exp-limit-float32',
  ]],
];

export const BACKWARD: readonly Entry[] = [
  ['subnormal-output', { input: [[0, -1]], target: [[1e-320, 1]], reduction: 'none' }, ['tiny']],
  ['basic-mean', { input: X, target: T }, ['basic']],
  ['basic-batchmean', { input: X, target: T, reduction: 'batchmean' }, ['basic', 'batchmean']],
  ['basic-sum', { input: X, target: T, reduction: 'sum' }, ['basic']],
  ['grad-output-mean', { input: X, target: T, grad_output: 2.5 }, ['grad-output']],
  ['grad-output-batchmean', { input: X, target: T, reduction: 'batchmean', grad_output: -0.75 }, ['grad-output', 'batchmean']],
  ['grad-output-none', { input: X, target: T, reduction: 'none', grad_output: [[1, -2, 0.5], [0, 3, -1]] }, ['grad-output']],
  ['zero-target', { input: [[-0.5, -INF, -1]], target: [[0.5, 0, 0.5]], reduction: 'sum' }, ['zero-target', 'masked']],
  ['log-target', { input: X, target: LOG_T, log_target: true, reduction: 'batchmean' }, ['log-target', 'batchmean']],
  ['log-target-minus-infinity', { input: [[-1, -2]], target: [[-INF, -0.5]], log_target: true, reduction: 'sum', grad_output: 3 }, [
    'log-target',
    'zero-target',
    'grad-output',
  ]],
  ['infinite-grad-output', { input: [[-1, -2]], target: [[0, 0.5]], reduction: 'sum', grad_output: INF }, [
    'grad-output',
    'plus-infinity',
    'zero-target',
  ]],
  ['nan-grad-output', { input: [[-1, -2], [-1, -2]], target: [[0, 0.5], [0.5, 0]], reduction: 'none', grad_output: [[NAN, NAN], [1, 1]] }, [
    'grad-output',
    'nan',
    'zero-target',
  ]],
];

export const TARGET_BACKWARD: readonly Entry[] = [
  ['subnormal-output', { input: [[0, -1]], target: [[0.5, 1]], reduction: 'none', grad_output: [[1e-320, 3e-321]] }, [
    'tiny',
    'grad-output',
  ]],
  ['basic-mean', { input: X, target: T }, ['basic']],
  ['basic-batchmean', { input: X, target: T, reduction: 'batchmean' }, ['basic', 'batchmean']],
  ['grad-output-none', { input: X, target: T, reduction: 'none', grad_output: [[1, -2, 0.5], [0, 3, -1]] }, ['grad-output']],
  ['zero-target', { input: [[-0.5, -2, -INF]], target: [[0.5, 0, 0]], reduction: 'sum' }, ['zero-target', 'masked']],
  ['exact-zero', { input: [[1]], target: [[1]], reduction: 'sum' }, ['basic']],
  ['infinite-input', { input: [[-INF, INF]], target: [[0.5, 0.5]], reduction: 'sum' }, ['masked', 'plus-infinity']],
  ['log-target', { input: X, target: LOG_T, log_target: true, reduction: 'batchmean', grad_output: 2 }, [
    'log-target',
    'batchmean',
    'grad-output',
  ]],
  ['log-target-minus-infinity', { input: [[-1, -INF]], target: [[-INF, -INF]], log_target: true, reduction: 'sum' }, [
    'log-target',
    'zero-target',
    'masked',
  ]],
  ['nan-grad-output', { input: [[-1, -2], [-1, -2]], target: [[0, 0.5], [0.5, 0]], reduction: 'none', grad_output: [[NAN, NAN], [1, 1]] }, [
    'grad-output',
    'nan',
    'zero-target',
  ]],
];

export const CURATED: readonly KlCuratedCase[] = [
  ...group('kl_div', FORWARD),
  ...group('kl_div_backward', BACKWARD),
  ...group('kl_div_target_backward', TARGET_BACKWARD),
];
