/**
 * The self-test plays each op's probes (its record's special-value rows and accuracy probes,
 * src/ops/lib/probes.ts) as fixed cases, exactly as verify plays the committed oracles: the
 * quick regimes of verify do not generate these rows.
 */
import { getRecord, type OpName } from '../ops/registry.js';
import type { Dtype } from '../core/dtype.js';
import type { FixedCase } from '../verify/run.js';
import { rangeProbesFor } from './bugs-range.js';

/** The probes of an op as fixed cases. */
export function probesFor(op: OpName): FixedCase[] {
  return getRecord(op).probes.map(([name, args]) => ({ id: `probe/${name}`, op, args }));
}

/** Round every number of a case to float32 (for float32 implementations, which see float32 inputs). */
function fround<T>(v: T): T {
  if (typeof v === 'number') return Math.fround(v) as T;
  if (Array.isArray(v)) return v.map(fround) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fround(x)])) as T;
  return v;
}

export function probesForOps(ops: readonly OpName[], dtype: Dtype = 'float64'): FixedCase[] {
  const cases = ops.flatMap((op) => [...probesFor(op), ...rangeProbesFor(op, dtype)]);
  return dtype === 'float32' ? cases.map((c) => ({ ...c, args: fround(c.args) })) : cases;
}
