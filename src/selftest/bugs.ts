/**
 * The kill matrix catalog: planted-bug implementations and correct variants.
 *
 * Every entry is the correct float64 base (examples/adapters/correct.mjs) with ONE op (or one
 * op pair) replaced; the entries themselves live in each op's record (`planted`).
 * Bugs are the classes that keep showing up in the issue trackers of real frameworks
 * (unshifted softmax, log of a softmax, epsilon and clamp hacks, lost log1p, wrong mean
 * denominators with weights / ignore_index, label-smoothing spreads, dropped Jacobian terms,
 * sign errors, float32 accumulation, special values); correct variants differ from the
 * reference by a few ULP only (other summation orders, no compensation, no division,
 * float32 declared as such). `xent-oracle selftest` and test/selftest*.test.ts play every
 * entry through verify and check that each bug is caught and each correct variant passes.
 */
import { baseOps } from '../../examples/adapters/correct.mjs';
import type { Dtype } from '../core/dtype.js';
import { float32Ops } from '../ops/lib/float32.js';
import { OP_NAMES, RECORDS, type OpName } from '../ops/registry.js';
import type { OpFn, PlantedEntry } from '../ops/types.js';
import type { Implementation } from '../verify/adapter-inprocess.js';

export type EntryKind = 'bug' | 'correct';

export interface MatrixEntry {
  id: string;
  description: string;
  bugClass: EntryKind;
  /** the op(s) the entry replaces; verify is restricted to them */
  ops: OpName[];
  impl: Implementation;
  /**
   * For bugs: the verdict the tolerance policy gives without --strict. 'fail' (the default)
   * or 'tiny' where the error is within the tiny-absolute floor of policy.ts (the lost-log1p
   * family): such a bug must then be reported as tiny by default and fail with --strict.
   */
  expect?: 'fail' | 'tiny';
  /** issue-tracker threads where this bug class was reported in a real framework or library */
  seenIn?: string[];
}

/** The base with some ops replaced: `{ name, dtype, ops }` for the in-process adapter. */
export function withOps(name: string, overrides: Record<string, OpFn>, dtype: Dtype = 'float64'): Implementation {
  return { name, dtype, ops: { ...baseOps, ...overrides } as Implementation['ops'] };
}

/** The base implementation object (examples/adapters/correct.mjs). */
export const baseImplementation: Implementation = withOps('selftest-base', {});

function fromPlanted(e: PlantedEntry): MatrixEntry {
  const ops = Object.keys(e.overrides) as OpName[];
  const out: MatrixEntry = { id: e.id, description: e.description, bugClass: e.kind, ops, impl: withOps(e.id, e.overrides, e.dtype) };
  if (e.expect) out.expect = e.expect;
  if (e.seenIn) out.seenIn = e.seenIn;
  return out;
}

const PLANTED: readonly PlantedEntry[] = RECORDS.flatMap((r) => r.planted);

/** Whole-implementation entries (not one op's): the base itself and a float32 implementation. */
const WHOLE: MatrixEntry[] = [
  { id: 'base', bugClass: 'correct', ops: [...OP_NAMES].filter((op) => op in baseOps), description: 'the correct float64 base itself (every op)', impl: baseImplementation },
  {
    id: 'float32-declared',
    bugClass: 'correct',
    ops: Object.keys(float32Ops) as OpName[],
    description: 'float32 arithmetic (Math.fround after every operation) declared as float32 (verify sends float32-representable inputs)',
    impl: withOps('float32-declared', float32Ops, 'float32'),
  },
];

/** Every planted bug (registry order), then the correct variants. */
export const MATRIX_ENTRIES: readonly MatrixEntry[] = [
  ...PLANTED.filter((e) => e.kind === 'bug').map(fromPlanted),
  WHOLE[0],
  ...PLANTED.filter((e) => e.kind === 'correct').map(fromPlanted),
  WHOLE[1],
];

export function findEntry(id: string): MatrixEntry | undefined {
  return MATRIX_ENTRIES.find((e) => e.id === id);
}
