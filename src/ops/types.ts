/**
 * The shape of one op's record (PyTorch OpInfo style): everything the product knows about an
 * op, in one object. Every field is required — an op whose record misses one does not
 * compile — and where a part does not apply the record says so explicitly (`null`, `[]`),
 * never by omission. verify, audit, selftest, gradcheck, fixtures, the CLI, the fixture
 * schema's op enum and docs/ops.md enumerate the registry (registry.ts) and hold no per-op
 * switch.
 *
 * Layering: this folder sits above core, reference and fast (it joins their kernels per op)
 * and below gradcheck, oracles, verify, audit, selftest, vitest and cli (which enumerate it).
 */
import type { OpResult } from '../core/args.js';
import type { Dtype } from '../core/dtype.js';
import type { RawArgs, Regime } from '../core/regimes.js';
import type { ResultShape } from '../core/shape.js';
import type { Ctx } from '../reference/interval.js';
import type { IvNest, Profile } from '../reference/ops.js';
import type { FloatsNest } from '../reference/certified/index.js';

export type { RawArgs, Regime } from '../core/regimes.js';

/** The tolerance-policy facts verify needs about an op (docs/verdicts.md). */
export interface OpPolicy<A> {
  /** output row n depends only on row n of every array argument */
  rowwise: boolean;
  /** number of terms a sound algorithm sums to produce an output */
  sumLength(args: A): number;
  /**
   * The absolute floor magnitude M per output (flattened in result order): the size of the
   * terms a standard formula (PyTorch's, SciPy's) cancels or takes the log of; 0 where
   * standard algorithms are accurate in relative terms.
   */
  floor(args: A): number[] | number;
  /** argument names that are real-valued inputs (perturbed for κ); others are indices/options */
  realArgs(args: A): string[];
}

/**
 * Closed-form condition numbers κ_i = Σ_j |x_j ∂f_i/∂x_j| (first order), used for rows too
 * wide for central differences (O(C²) per row).
 */
export interface ClosedFormKappa<A> {
  /** can the closed form handle these normalised args? */
  applies(args: A): boolean;
  /** κ per output, flattened in result order */
  values(args: A): number[];
}

export type AuditDtype = Dtype;

export type SweepId =
  | 'scale'
  | 'spread'
  | 'width'
  | 'masked'
  | 'target-p-low'
  | 'target-p-high'
  | 'x-pos'
  | 'x-neg'
  | 'p-low'
  | 'p-high'
  | 'logit-scale'
  | 'pos-weight'
  | 'kl-x-scale'
  | 'kl-target-low';

/** One audit sweep: a one-parameter family of raw args, walked as its stress grows. */
export interface Sweep {
  id: SweepId;
  /** a short title: "logit scale" */
  title: string;
  /** what the parameter is, for axis titles: "top logit s" */
  paramName: string;
  /** one line: how a point is built from the parameter */
  definition: string;
  /** the stress grows as the parameter grows ('up') or shrinks ('down') */
  direction: 'up' | 'down';
  /** positive real parameter on a log axis (bisection possible) or a discrete one */
  continuous: boolean;
  /** the grid, in the order in which the stress grows */
  grid: number[];
  /** the raw args at a parameter value (deterministic) */
  build(param: number): RawArgs;
  /** "logit 709.78" (significant digits: 5 by default) */
  describe(param: number, digits?: number): string;
}

export interface SweepOptions {
  seed: number;
  quick: boolean;
  dtype: AuditDtype;
}

/** Where the audit checks a backward op against finite differences of the forward op. */
export interface GradientPoint {
  sweep: SweepId;
  param: number;
}

/**
 * What a backward op differentiates: the forward op, the argument, and how the forward's
 * outputs are laid out (for the cotangent grad_output).
 *  - 'same-as-wrt': the forward maps args[wrt] (a matrix or vector) to an array of its shape
 *  - 'loss': the forward is a loss; reduction 'none' gives one output per sample, otherwise a scalar
 *  - 'elementwise-loss': a loss whose reduction 'none' keeps args[wrt]'s shape (kl_div), otherwise a scalar
 */
export interface GradientSpec {
  forward: string;
  wrt: string;
  layout: 'same-as-wrt' | 'loss' | 'elementwise-loss';
  /** where args[wrt] may move (probabilities stay in (0, 1), targets of kl_div above 0) */
  domain: 'real' | 'open-unit' | 'positive';
  /** audit points checked against finite differences of the implementation's forward */
  auditPoints(quick: boolean): GradientPoint[];
}

/** A special-value row or accuracy probe: a fixed case the self-test always plays. */
export type Probe = readonly [name: string, args: RawArgs];

/** A curated golden case: [name, raw args, tags]; its id is `<op>/<name>`. */
export type CuratedEntry = readonly [name: string, args: RawArgs, tags: readonly string[]];

/** One op of an implementation object: user-visible args in, nested arrays / a number out. */
// oxlint-disable-next-line typescript/no-explicit-any -- an implementation receives any op's raw, user-visible args, typed by each implementation
export type OpFn = (args: any) => unknown;

/**
 * A planted bug or a correct variant for the self-test: the correct base with the ops in
 * `overrides` replaced. The op whose record holds the entry is its primary op.
 */
export interface PlantedEntry {
  id: string;
  kind: 'bug' | 'correct';
  description: string;
  /** replacement ops (one op, or a forward/backward pair) */
  overrides: Record<string, OpFn>;
  /** declared dtype of the implementation (default float64) */
  dtype?: Dtype;
  /**
   * For bugs: the verdict the tolerance policy gives without --strict: 'fail' (the default)
   * or 'tiny' where the error is within the tiny-absolute floor (the lost-log1p family).
   */
  expect?: 'fail' | 'tiny';
  /** issue-tracker threads where this bug class was reported in a real framework or library */
  seenIn?: string[];
}

/** docs/ops.md's section of the op (scripts/ops-doc.mjs assembles the page from the records). */
export interface OpDoc {
  /** the summary table's "arguments" cell (Markdown) */
  args: string;
  /** the summary table's "result" cell */
  result: string;
  /** the section's body: definition, special values, argument table, result (Markdown) */
  text: string;
  /** examples whose reference output the page shows (at least one) */
  examples: readonly RawArgs[];
}

/** A JSON Schema (draft-07) of an op's raw args, under a definition name shared by ops with the same args. */
export interface ArgsSchema {
  /** the definition's name in schema/fixture-1.schema.json, e.g. "argsRows" */
  name: string;
  schema: Record<string, unknown>;
}

/**
 * The certified fast path of the reference (src/reference/certified, CORE-MATH's method):
 * floats decided in double-double with a proven bound, units it cannot decide recomputed by
 * the Ziv loop alone, so the result is always the decimal path's.
 */
export interface CertifiedSpec<A> {
  /** the four float nests, with the undecided units listed */
  floats(args: A): FloatsNest;
  /** the raw args of unit i (a row or an element) alone */
  unit(args: A, i: number): RawArgs;
  /** (softmax) a row's decimal strings in BigInt fixed point, or null if undecided */
  rowDecimals?: (row: number[], digits: number) => string[] | null;
}

export type Family = 'rows' | 'elementwise' | 'cross_entropy' | 'bce' | 'kl';

/** The record of one op. `A` is the op's normalised argument type. */
export interface OpRecord<Name extends string = string, A = unknown> {
  name: Name;
  family: Family;
  kind: 'forward' | 'backward';
  /** the backward op of a forward op, the forward op of a backward op; null if none */
  pair: string | null;
  /** one line for --help and docs */
  summary: string;
  /** argument list as documented in docs/ops.md */
  signature: string;
  /** raw JSON-shaped args → normalised args, or throws ArgumentError naming the argument and value */
  validate(raw: unknown): A;
  /** the args' JSON Schema (the fixture schema is generated from these) */
  argsSchema: ArgsSchema;
  resultShape(args: A): ResultShape;
  /** enclosures of the exact result (docs/semantics.md), for the Ziv loop of the reference */
  reference(ctx: Ctx, args: A, profile: Profile): IvNest;
  /** the accurate float64 / float32 fast path */
  fast(args: A, dtype: Dtype): OpResult;
  /** the reference's certified double-double path, or null (the Ziv loop only) */
  certified: CertifiedSpec<A> | null;
  policy: OpPolicy<A>;
  /** closed-form condition numbers, or null (central differences of the fast path only) */
  kappa: ClosedFormKappa<A> | null;
  /** generated-case families for verify and the property tests */
  regimes(dtype: Dtype): Regime[];
  /** special-value rows and accuracy probes, played as fixed cases by the self-test */
  probes: readonly Probe[];
  /** the audit's sweeps */
  sweeps(o: SweepOptions): Sweep[];
  /** backward ops: what is differentiated; forward ops: null */
  gradient: GradientSpec | null;
  /** the golden cases of oracles/<op>.json */
  curated: readonly CuratedEntry[];
  /** planted bugs and correct variants whose primary op this is */
  planted: readonly PlantedEntry[];
  doc: OpDoc;
}
