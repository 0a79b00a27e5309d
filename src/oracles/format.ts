/**
 * The text of xent-oracle/fixture@1 files (docs/fixtures.md): a deterministic JSON layout,
 * byte for byte the same for the same cases. One case is one self-contained block of lines
 * whose text does not depend on its position, its neighbours or the shard it is written to,
 * so the union of shard files equals the unsharded file case by case, byte for byte.
 *
 * Numbers: the shortest round-trip form of the double (ECMAScript Number::toString, the form
 * JSON.stringify writes), except that negative zero is written -0.0 (a valid JSON number
 * that keeps its sign in JS, Python and most other parsers) and NaN / Infinity / -Infinity
 * are the strings "NaN", "Infinity", "-Infinity".
 */
import { FORMATS, isRepresentable } from '../core/floats.js';
import { getRecord, isOpName } from '../ops/registry.js';

export const FIXTURE_SCHEMA = 'xent-oracle/fixture@1';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json | undefined };

export interface Expected {
  decimal: Json;
  float64: Json;
  float32: Json;
  float16: Json;
  bfloat16: Json;
}

export interface FixtureCase {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Expected;
  tags: string[];
}

export interface Generator {
  package: string;
  version: string;
  digits: number;
  /** seed of the random cases; null when the file holds curated cases only */
  seed: number | null;
  /** random cases per op requested (--cases) */
  cases: number;
  /** whether the curated cases are included */
  curated: boolean;
  /** "i/n" when the file is shard i of n */
  shard?: string;
}

/** A number as fixture@1 writes it. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  if (Object.is(x, -0)) return '-0.0';
  return String(x);
}

/** Compact, single-line JSON with ", " / ": " separators; object keys in insertion order. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return formatValue(Array.from(v as unknown as ArrayLike<number>));
  if (typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x !== undefined) parts.push(`${JSON.stringify(k)}: ${formatValue(x)}`);
    }
    return `{${parts.join(', ')}}`;
  }
  // every object was handled above: v is a bigint, symbol, function or undefined here
  // oxlint-disable-next-line typescript/no-base-to-string
  throw new TypeError(`cannot write ${String(v)} in a fixture`);
}

const EXPECTED_KEYS = ['decimal', 'float64', 'float32', 'float16', 'bfloat16'] as const;

/** One case as a block of lines indented for the "cases" array (no trailing comma or newline). */
export function formatCase(c: FixtureCase): string {
  const I = '    ';
  const lines = [
    `${I}{`,
    `${I}  "id": ${JSON.stringify(c.id)},`,
    `${I}  "op": ${JSON.stringify(c.op)},`,
    `${I}  "args": ${formatValue(c.args)},`,
    `${I}  "expected": {`,
    ...EXPECTED_KEYS.map((k, i) => `${I}    ${JSON.stringify(k)}: ${formatValue(c.expected[k])}${i < EXPECTED_KEYS.length - 1 ? ',' : ''}`),
    `${I}  },`,
    `${I}  "tags": ${formatValue(c.tags)}`,
    `${I}}`,
  ];
  return lines.join('\n');
}

export function formatGenerator(g: Generator): string {
  return formatValue({
    package: g.package,
    version: g.version,
    digits: g.digits,
    seed: g.seed,
    cases: g.cases,
    curated: g.curated,
    shard: g.shard,
  });
}

/** The opening of a fixture file, up to and including `"cases": [` . */
export function fileHead(g: Generator): string {
  return `{\n  "schema": ${JSON.stringify(FIXTURE_SCHEMA)},\n  "generator": ${formatGenerator(g)},\n  "cases": [`;
}

/** Joins case blocks: the separator written before case number `index` (0-based). */
export function caseSeparator(index: number): string {
  return index === 0 ? '\n' : ',\n';
}

/** The end of a fixture file holding `count` cases. */
export function fileTail(count: number): string {
  return count === 0 ? ']\n}\n' : '\n  ]\n}\n';
}

/** A whole fixture file (the streaming writer produces the same bytes). */
export function formatFixtureFile(g: Generator, cases: readonly FixtureCase[]): string {
  return fileHead(g) + cases.map((c, i) => caseSeparator(i) + formatCase(c)).join('') + fileTail(cases.length);
}

/**
 * Split a fixture file's text into its case blocks (exactly the strings formatCase wrote).
 * For tests and tools that compare files case by case.
 */
export function splitCaseBlocks(text: string): string[] {
  const blocks: string[] = [];
  let cur: string[] | null = null;
  for (const line of text.split('\n')) {
    if (cur === null) {
      if (line === '    {') cur = [line];
    } else if (line === '    }' || line === '    },') {
      cur.push('    }');
      blocks.push(cur.join('\n'));
      cur = null;
    } else cur.push(line);
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------
// tags computed from the args

function numbersIn(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) { for (const x of v) numbersIn(x, out); }
  else if (v && typeof v === 'object') { for (const x of Object.values(v)) numbersIn(x, out); }
  return out;
}

/** Every number in args is exactly a float32 (NaN and ±Infinity count as float32 values). */
export function hasFloat32Inputs(args: Record<string, unknown>): boolean {
  return numbersIn(args).every((x) => !Number.isFinite(x) || isRepresentable(x, FORMATS.float32));
}

/** Loss ops (forward or backward) are those whose arguments have a `reduction` (from the record's args schema). */
function isLoss(op: string): boolean {
  if (!isOpName(op)) return false;
  const props = getRecord(op).argsSchema.schema.properties as Record<string, unknown> | undefined;
  return props !== undefined && 'reduction' in props;
}

/** Tags every case gets from its op and args: "float32-inputs", "reduction:<r>". */
export function computedTags(op: string, args: Record<string, unknown>): string[] {
  const tags: string[] = [];
  if (hasFloat32Inputs(args)) tags.push('float32-inputs');
  if (isLoss(op)) tags.push(`reduction:${typeof args.reduction === 'string' ? args.reduction : 'mean'}`);
  return tags;
}

/** Merge tag lists: first occurrence wins, order kept. */
export function mergeTags(...lists: readonly string[][]): string[] {
  const out: string[] = [];
  for (const l of lists) for (const t of l) if (!out.includes(t)) out.push(t);
  return out;
}

function leafNumbers(v: Json): number[] {
  return numbersIn(v);
}

/** Tags read off the expectations: "subnormal-output" (float64), "subnormal-output-float32". */
export function outputTags(expected: Expected): string[] {
  const tags: string[] = [];
  const sub = (v: number, min: number) => v !== 0 && Number.isFinite(v) && Math.abs(v) < min;
  if (leafNumbers(expected.float64).some((v) => sub(v, 2 ** -1022))) tags.push('subnormal-output');
  if (leafNumbers(expected.float32).some((v) => sub(v, 2 ** -126))) tags.push('subnormal-output-float32');
  return tags;
}
