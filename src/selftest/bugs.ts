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
import { float32Ops } from '../ops/lib/float32.js';
import { OP_NAMES, RECORDS, type OpName } from '../ops/registry.js';
import type { PlantedEntry } from '../ops/types.js';
import { RANGE_BUGS } from './bugs-range.js';
import { baseImplementation, withOps, type MatrixEntry } from './impl.js';

export { baseImplementation, withOps, type EntryKind, type MatrixEntry } from './impl.js';

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
  {
    id: 'base',
    bugClass: 'correct',
    ops: [...OP_NAMES].filter((op) => op in baseOps),
    description: 'the correct float64 base itself (every op)',
    impl: baseImplementation,
  },
  {
    id: 'float32-declared',
    bugClass: 'correct',
    ops: Object.keys(float32Ops) as OpName[],
    description: 'float32 arithmetic (Math.fround after every operation) declared as float32 (verify sends float32-representable inputs)',
    impl: withOps('float32-declared', float32Ops, 'float32'),
  },
];

/** Every planted bug (registry order, then the top-of-range bugs of bugs-range.ts), then the correct variants. */
export const MATRIX_ENTRIES: readonly MatrixEntry[] = [
  ...PLANTED.filter((e) => e.kind === 'bug').map(fromPlanted),
  ...RANGE_BUGS,
  WHOLE[0],
  ...PLANTED.filter((e) => e.kind === 'correct').map(fromPlanted),
  WHOLE[1],
];

export function findEntry(id: string): MatrixEntry | undefined {
  return MATRIX_ENTRIES.find((e) => e.id === id);
}
