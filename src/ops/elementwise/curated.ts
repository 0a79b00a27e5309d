/**
 * Curated golden cases of the elementwise ops (oracles/<op>.json; conventions in src/ops/lib/curated.ts).
 */
import { f, INF, NAN, E64, E32 } from '../lib/curated.js';
import type { CuratedEntry } from '../types.js';

type Entry = CuratedEntry;

// ---------------------------------------------------------------------------------------
// elementwise ops

export const ELEMENTS: readonly Entry[] = [
  ['basic', { x: [0, 1, -1, 2, -2.5] }, ['basic']],
  ['negative-zero', { x: [-0, 0] }, ['negative-zero']],
  ['saturation', { x: [16.6, -16.6, 36.7, -36.7, 37, 40, -40] }, ['saturation']],
  ['exp-limit-float64', { x: [E64.over, -E64.over, 745.13, E64.under, 746, -746] }, ['exp-limit-float64']],
  ['exp-limit-float32', { x: [E32.over, -E32.over, f(103.97), E32.under, f(104.5), f(-104.5)] }, ['exp-limit-float32']],
  ['huge', { x: [1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308] }, ['huge']],
  ['infinities', { x: [INF, -INF] }, ['plus-infinity', 'masked']],
  ['nan', { x: [NAN, 0.5] }, ['nan']],
  ['tiny', { x: [5e-324, -5e-324, 1e-300, -1e-300, f(1e-45), f(1e-38)] }, ['tiny']],
  ['subnormal-output', { x: [-709, -720, -740, -744.4, -745.1, 720, 740] }, ['exp-limit-float64']],
  ['large-gap', { x: [40, 100, 800, -40, -100, -800] }, ['large-gap']],
];

export const SIGMOID_BACKWARD: readonly Entry[] = [
  ['basic', { x: [0, 1, -1, 2], grad_output: [1, 1, 1, 1] }, ['basic']],
  ['grad-output', { x: [0, 1, -1, 2, -2.5], grad_output: [2, -0.5, 3, 1e-3, -7] }, ['grad-output']],
  ['negative-zero', { x: [-0, 0, 3], grad_output: [-0, 0, -0] }, ['negative-zero', 'grad-output']],
  ['saturation', { x: [16.6, -16.6, 36.7, -36.7, 40, -40], grad_output: [1, -1, 2, -2, 0.5, -0.5] }, ['saturation', 'grad-output']],
  ['exp-limit-float64', { x: [E64.over, -E64.over, 745.13, E64.under], grad_output: [1, 2, -3, 0.25] }, [
    'exp-limit-float64',
    'grad-output',
  ]],
  ['exp-limit-float32', { x: [E32.over, -E32.over, f(103.97), E32.under], grad_output: [1, f(0.1), -3, 0.25] }, [
    'exp-limit-float32',
    'grad-output',
  ]],
  ['huge', { x: [1e308, -1e308, 0], grad_output: [2, -3, 1e308] }, ['huge', 'grad-output']],
  ['huge-grad-output', { x: [800, -800, 40], grad_output: [1e308, -1e308, 1.7976931348623157e308] }, ['huge', 'grad-output']],
  ['infinities', { x: [INF, -INF, 1], grad_output: [2, -2, INF] }, ['plus-infinity', 'grad-output']],
  ['nan', { x: [NAN, 1], grad_output: [1, NAN] }, ['nan', 'grad-output']],
  ['subnormal-output', { x: [-720, -740, 720, 744], grad_output: [1, 3, -1, 0.5] }, ['grad-output']],
  ['tiny', { x: [5e-324, -1e-300], grad_output: [1e-300, 5e-324] }, ['tiny', 'grad-output']],
];
