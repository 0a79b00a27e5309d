/**
 * Planted bugs at the top of the floating-point range, and the probes that reach it.
 *
 * The verdict once allowed an infinite error where K_COND·κ + K_SUM·(n + 8)·|y| overflowed
 * (|y| ≈ 3.3e307): any answer passed there. These entries keep that class caught: each is the
 * correct base (or the float32 base) except for inputs at |x| ≥ 1e307 (float32: ≥ 1e38),
 * where it answers a constant, the wrong sign or twice the value. Correct elsewhere, they are
 * caught only by cases at the top of the range: the "huge" quick regimes and the probes below.
 * (Registered in bugs.ts and probes.ts with one line each.)
 */
import type { Dtype } from '../core/dtype.js';
import type { OpName } from '../ops/registry.js';
import type { FixedCase } from '../verify/run.js';
import { baseOps, type Matrix, type Ops, type Vector } from '../../examples/adapters/correct.mjs';
import { float32Ops } from '../ops/lib/float32.js';
import { withOps, type MatrixEntry } from './impl.js';

const TOP64 = 1e307;
const TOP32 = 1e38;

/** the base op `f`, except that inputs whose largest magnitude reaches `top` get `wrong(exact)` */
function atTop<A extends { x?: Vector; logits?: Matrix }>(f: (a: A) => unknown, top: number, wrong: (v: number) => number) {
  return (a: A): unknown => {
    const xs = a.x ?? a.logits!.flat();
    const good = f(a);
    if (!xs.some((v) => Number.isFinite(v) && Math.abs(v) >= top)) return good;
    const map = (v: unknown): unknown => (Array.isArray(v) ? v.map(map) : wrong(v as number));
    return map(good);
  };
}

/** per element for elementwise ops: only the elements at the top are wrong */
function elementsAtTop(f: (a: { x: Vector }) => Vector, top: number, wrong: (v: number, x: number) => number) {
  return (a: { x: Vector }): Vector => f(a).map((v, i) => (Number.isFinite(a.x[i]) && Math.abs(a.x[i]) >= top ? wrong(v, a.x[i]) : v));
}

function rangeEntry(id: string, ops: OpName[], description: string, overrides: Ops, dtype: Dtype = 'float64'): MatrixEntry {
  // only the planted op is replaced (float32 entries declare float32; verify runs their op only)
  const impl = withOps(id, overrides, dtype);
  return { id, bugClass: 'bug', ops, description, impl };
}

const F = Math.fround;

export const RANGE_BUGS: MatrixEntry[] = [
  rangeEntry(
    'softplus-top-constant',
    ['softplus'],
    'softplus answers 0.5 at |x| ≥ 1e307 (an allowance that overflowed to Infinity passed it)',
    {
      softplus: elementsAtTop((a) => baseOps.softplus(a), TOP64, () => 0.5),
    },
  ),
  rangeEntry('log-sigmoid-top-sign', ['log_sigmoid'], 'log_sigmoid with the wrong sign at |x| ≥ 1e307 (x instead of −x below −1e307)', {
    log_sigmoid: elementsAtTop((a) => baseOps.log_sigmoid(a), TOP64, (v) => -v),
  }),
  rangeEntry(
    'logsumexp-top-half',
    ['logsumexp'],
    'logsumexp halved when a logit reaches |x| ≥ 1e307 (a factor-2 error at the top of the range)',
    {
      logsumexp: atTop((a) => baseOps.logsumexp(a), TOP64, (v) => v / 2),
    },
  ),
  rangeEntry('cross-entropy-top-double', ['cross_entropy'], 'cross_entropy doubled when a logit reaches |x| ≥ 1e307', {
    cross_entropy: atTop((a) => baseOps.cross_entropy(a), TOP64, (v) => 2 * v),
  }),
  rangeEntry(
    'bce-logits-top-constant',
    ['binary_cross_entropy_with_logits'],
    'binary_cross_entropy_with_logits answers 0.5 when a logit reaches |x| ≥ 1e307',
    {
      binary_cross_entropy_with_logits: atTop((a) => baseOps.binary_cross_entropy_with_logits(a), TOP64, () => 0.5),
    },
  ),
  rangeEntry(
    'softplus-float32-top-double',
    ['softplus'],
    'float32 softplus doubled at |x| ≥ 1e38 (declared float32)',
    { softplus: elementsAtTop((a) => float32Ops.softplus(a), TOP32, (v) => F(2 * v)) },
    'float32',
  ),
  rangeEntry(
    'logsumexp-float32-top-sign',
    ['logsumexp'],
    'float32 logsumexp with the wrong sign when a logit reaches |x| ≥ 1e38 (declared float32)',
    { logsumexp: atTop((a) => float32Ops.logsumexp(a), TOP32, (v) => -v) },
    'float32',
  ),
];

const X64 = [3.333333333333333e307, -3.333333333333333e307, 1e308, -1.5e308];
const X32 = [3e38, -3e38, 1e38, -2e38].map(F);

/** Fixed cases at the top of the range for `op` (the reproductions among them). */
export function rangeProbesFor(op: OpName, dtype: Dtype): FixedCase[] {
  const xs = dtype === 'float64' ? X64 : X32;
  const id = 'probe/top of the range';
  switch (op) {
    case 'sigmoid':
    case 'log_sigmoid':
    case 'softplus':
      return [{ id, op, args: { x: xs } }];
    case 'logsumexp':
    case 'softmax':
    case 'log_softmax':
      return [{ id, op, args: { logits: [[xs[0], xs[1], 1], [xs[2], 0.5, -1]] } }];
    case 'cross_entropy':
      return ['none', 'sum'].map((reduction) => ({
        id: `${id}, ${reduction}`,
        op,
        args: { logits: [[xs[0], 0.150271]], target: [1], reduction },
      }));
    case 'binary_cross_entropy_with_logits':
      return [{ id, op, args: { logits: xs, target: [1, 0, 0, 1], reduction: 'none' } }];
    default:
      return [];
  }
}
