/**
 * The self-test's implementation objects: the correct base (examples/adapters/correct.mjs)
 * with some ops replaced, and the entry type of the kill matrix. Shared by bugs.ts (the
 * registry's planted entries) and bugs-range.ts (top-of-range bugs).
 */
import { baseOps } from '../../examples/adapters/correct.mjs';
import type { Dtype } from '../core/dtype.js';
import type { OpName } from '../ops/registry.js';
import type { OpFn } from '../ops/types.js';
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
