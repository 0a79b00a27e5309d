/**
 * kl_div (PyTorch's F.kl_div) and its vector-Jacobian products with respect to input and
 * target: the three records of this folder. Everything the ops need is here (args, reference
 * enclosures, fast kernels, policy, regimes, curated cases, planted bugs, docs); the registry
 * adds one line per op. Definition and special values: README.md and docs/semantics.md#kl_div.
 */
import type { Dtype } from '../../core/dtype.js';
import { pts, roundFor, scaleGrid, deltaGrid, sig } from '../lib/sweeps.js';
import type { CuratedEntry, OpDoc, OpRecord, PlantedEntry, Probe, Sweep, SweepOptions } from '../types.js';
import { resultShape, validate, type KlDivArgs, type KlOpName } from './args.js';
import { KL_MATRIX_ENTRIES } from './bugs.js';
import { BACKWARD, FORWARD, TARGET_BACKWARD } from './curated.js';
import { KL_DIV_BACKWARD_DOC, KL_DIV_DOC, KL_DIV_TARGET_BACKWARD_DOC } from './docs.js';
import { FAST_KL } from './fast.js';
import { POLICY } from './policy.js';
import { REFERENCE } from './reference.js';
import { regimes } from './regimes.js';
import { KL_ARGS_SCHEMA } from './schema.js';

const I = Infinity;

/** special-value rows (docs/semantics.md#kl_div) and accuracy probes */
const PROBES: readonly Probe[] = [
  ['zero targets against -Infinity and NaN input', { input: [[-I, NaN, -1]], target: [[0, 0, 1]], reduction: 'none' }],
  ['positive target against -Infinity input', { input: [[-I, -1]], target: [[0.5, 0.5]], reduction: 'sum' }],
  ['log_target -Infinity', { input: [[-1, -I]], target: [[-I, -I]], log_target: true, reduction: 'sum' }],
  ['x ≈ log t (cancelling terms)', { input: [[Math.log(0.3), Math.log(0.7)]], target: [[0.3, 0.7]], reduction: 'batchmean' }],
  ['huge input', { input: [[-1e308, 1e308]], target: [[0.5, 0.5]], reduction: 'none' }],
];

/** grad_output for the backward probes: the forward's output shape (none) or a number */
const withGrad = (p: Probe): Probe => {
  const a = p[1] as { input: number[][]; reduction?: string };
  const g = a.reduction === 'none' ? a.input.map((r) => r.map((_, j) => [0.5, -1.25, 2][j % 3])) : 1.5;
  return [p[0], { ...p[1], grad_output: g }];
};
const BACKWARD_PROBES: readonly Probe[] = PROBES.map(withGrad);

/** the audit's sweeps: input magnitude, and the target going to 0 (log t → −∞) */
function klSweeps(backward: boolean, o: SweepOptions): Sweep[] {
  const round = roundFor(o.dtype);
  const maxLabel = o.dtype === 'float32' ? '3e38' : '1e308';
  const grad = backward ? { grad_output: round(0.7) } : {};
  return [
    {
      id: 'kl-x-scale',
      title: 'input scale',
      paramName: 'magnitude s of the log-probabilities',
      direction: 'up',
      continuous: true,
      grid: scaleGrid(o.dtype, o.quick),
      definition: `input [[−s, −s/2], [−s/4, −2s]], target [[0.25, 0.75], [0.5, 0.5]], reduction batchmean; s from 1e-3 to ${maxLabel}${
        backward ? '; grad_output 0.7' : ''
      }`,
      build: (s) => ({
        input: [[round(-s), round(-s / 2)], [round(-s / 4), round(-2 * s)]],
        target: [[0.25, 0.75], [0.5, 0.5]],
        reduction: 'batchmean',
        ...grad,
      }),
      describe: (s, n) => `input −${sig(s, n)}`,
    },
    {
      id: 'kl-target-low',
      title: 'target → 0',
      paramName: 'target probability δ',
      direction: 'down',
      continuous: true,
      grid: deltaGrid(o.dtype, o.quick, { float64: 320, float32: 45 }),
      definition: `input [[−1, −0.5]], target [[δ, 1 − δ]] (rounded to ${o.dtype}), reduction sum; δ from 0.1 down${
        backward ? '; grad_output 0.7' : ''
      }`,
      build: (d) => ({ input: [[-1, -0.5]], target: [[round(d), round(1 - d)]], reduction: 'sum', ...grad }),
      describe: (d, n) => `target ${sig(d, n)}`,
    },
  ];
}

const curated = (entries: readonly (readonly [string, Record<string, unknown>, string[]])[]): readonly CuratedEntry[] => entries;

/** the self-test entries whose primary op (first listed) is `op` */
function planted(op: KlOpName): PlantedEntry[] {
  return KL_MATRIX_ENTRIES.filter((e) => e.ops[0] === op).map((e) => ({
    id: e.id,
    kind: e.bugClass,
    description: e.description,
    overrides: e.impl as PlantedEntry['overrides'],
    ...(e.expect ? { expect: e.expect } : {}),
  }));
}

function record<N extends KlOpName>(
  name: N,
  parts: Pick<OpRecord<N, KlDivArgs>, 'kind' | 'pair' | 'summary' | 'signature' | 'sweeps' | 'gradient' | 'curated' | 'probes'> & {
    doc: OpDoc;
  },
): OpRecord<N, KlDivArgs> {
  return {
    name,
    family: 'kl',
    ...parts,
    validate: validate[name],
    argsSchema: KL_ARGS_SCHEMA,
    resultShape: resultShape[name],
    reference: (ctx, a) => REFERENCE[name](ctx, a),
    fast: (a, dt: Dtype) => FAST_KL[name](a, dt),
    certified: null,
    policy: POLICY[name],
    kappa: null,
    regimes: (dt) => regimes(name, dt),
    planted: planted(name),
  };
}

const KL_AUDIT_POINTS = (
  quick: boolean,
) => (quick ? pts('kl-x-scale', [1, 30]) : [...pts('kl-x-scale', [0.01, 1, 30, 300]), ...pts('kl-target-low', [1e-3, 1e-8])]);

export const klDivRecord = record('kl_div', {
  kind: 'forward',
  pair: 'kl_div_backward',
  summary: 'Kullback-Leibler divergence of log-probabilities (PyTorch F.kl_div)',
  signature: 'input [N][C]; target [N][C]; reduction? (mean, sum, none, batchmean); log_target?',
  sweeps: (o) => klSweeps(false, o),
  gradient: null,
  curated: curated(FORWARD),
  probes: PROBES,
  doc: KL_DIV_DOC,
});

export const klDivBackwardRecord = record('kl_div_backward', {
  kind: 'backward',
  pair: 'kl_div',
  summary: 'd loss / d input of kl_div',
  signature: "kl_div's args; grad_output? (number, or [N][C] for none)",
  sweeps: (o) => klSweeps(true, o),
  gradient: { forward: 'kl_div', wrt: 'input', layout: 'elementwise-loss', domain: 'real', auditPoints: KL_AUDIT_POINTS },
  curated: curated(BACKWARD),
  probes: BACKWARD_PROBES,
  doc: KL_DIV_BACKWARD_DOC,
});

export const klDivTargetBackwardRecord = record('kl_div_target_backward', {
  kind: 'backward',
  pair: 'kl_div',
  summary: 'd loss / d target of kl_div',
  signature: "kl_div's args; grad_output? (number, or [N][C] for none)",
  sweeps: (o) => klSweeps(true, o),
  gradient: { forward: 'kl_div', wrt: 'target', layout: 'elementwise-loss', domain: 'positive', auditPoints: KL_AUDIT_POINTS },
  curated: curated(TARGET_BACKWARD),
  probes: BACKWARD_PROBES,
  doc: KL_DIV_TARGET_BACKWARD_DOC,
});
