/**
 * vitest integration (`xent-oracle/vitest`): run `xent-oracle verify` inside a user's test
 * suite, and judge single results with the same tolerance policy.
 *
 *   import { describeOracle, installOracleMatchers } from 'xent-oracle/vitest';
 *   import { expect, it } from 'vitest';
 *   import impl from '../src/my-softmax.mjs';      // { name, dtype, ops: { softmax(args) {…} } }
 *
 *   describeOracle(impl, { ops: ['softmax'], module: 'src/my-softmax.mjs' });
 *
 *   installOracleMatchers();
 *   it('one value', () => {
 *     const args = { logits: [[1000, 0]] };
 *     expect(impl.ops.softmax(args)).toMatchOracle('softmax', args);
 *   });
 *
 * describeOracle registers one vitest test per op and regime (plus one for the committed
 * golden cases): each plays verify's generated cases for that regime (the seed, the shrinking
 * to a minimal counterexample, the classes and the messages are verify's) and fails with the
 * same text as the CLI, replay command included. Tiny-absolute and edge-overflow results pass
 * (they fail with `strict: true`) and are attached to the test as annotations.
 *
 * toMatchOracle(op, args, { dtype, strict, profile }) judges one result: the correctly rounded
 * reference, κ from the float64 fast path and judgeResult, exactly as verify judges a case.
 *
 * This module is the only one that imports vitest; vitest is a peer dependency.
 */
import { describe, expect, it } from 'vitest';
import { getSpec, isOpName, OP_NAMES, type OpName } from '../ops/registry.js';
import { fastEvaluator, reference, regimesFor } from '../ops/evaluate.js';
import { loadOracleCases } from '../oracles/load.js';
import { type ConventionProfile as Profile, judgeWithProfile } from '../verify/profiles.js';
import { inProcessAdapter } from '../verify/adapter-inprocess.js';
import { conditionNumbers } from '../verify/condition.js';
import { formatFailureBlock, replayCommand, type ReplaySpec } from '../verify/report.js';
import { runVerify, type CaseFailure, type VerifyReport } from '../verify/run.js';
import type { Dtype, Judgement } from '../verify/verdict.js';

/**
 * An implementation object `{ name, dtype, ops }` (the contract of a module for
 * `xent-oracle verify`). Ops take the op's args object; their parameter types are up to you.
 */
export interface OracleImplementation {
  name?: string;
  dtype: Dtype;
  // `any`: each op's parameter type is the user's (`({ logits }: { logits: number[][] }) => …`);
  // a function type can accept them all only with an `any` parameter (`unknown` rejects them)
  // oxlint-disable-next-line typescript/no-explicit-any
  ops: { [op: string]: ((args: any) => unknown) | undefined };
}

export interface DescribeOracleOptions {
  /** ops to verify (default: every catalog op the implementation offers) */
  ops?: OpName[];
  /** seed of the generated cases (default 1, as the CLI) */
  seed?: number;
  /** generated cases per regime (default 5 with quick, 25 without, as the CLI) */
  runs?: number;
  /** only the quick regimes (default true: the pre-commit set; false plays every regime) */
  quick?: boolean;
  /** tiny-absolute and edge-overflow results fail too (default false) */
  strict?: boolean;
  /** also play the committed golden cases of oracles/ (default true, as the CLI) */
  oracles?: boolean;
  /** conventions of the expected values (default 'exact') */
  profile?: Profile;
  /** the module path shown in replay commands (default "<your-module.mjs>") */
  module?: string;
  /** per-test timeout in ms (default 120 000: the first test of an op runs verify for it) */
  timeout?: number;
  /** per-call timeout of the implementation in ms (default 10 000) */
  callTimeoutMs?: number;
}

/** The "FAIL op / group [class]" block of the CLI's terminal report, for one failure (the same function the CLI uses). */
export function formatFailure(f: CaseFailure, spec: ReplaySpec, strict: boolean): string {
  return formatFailureBlock(f, spec, strict);
}

const GOLDEN = 'golden cases (oracles/)';

/**
 * Register vitest tests that verify `impl` (an implementation object `{ name, dtype, ops }`,
 * the same contract as a module for `xent-oracle verify`). Call it at the top level of a test
 * file or inside a describe block.
 */
export function describeOracle(implementation: OracleImplementation, opts: DescribeOracleOptions = {}): void {
  const impl = implementation;
  const quick = opts.quick ?? true;
  const strict = opts.strict ?? false;
  const runs = opts.runs ?? (quick ? 5 : 25);
  const seed = opts.seed ?? 1;
  const timeout = opts.timeout ?? 120_000;
  const dtype = impl?.dtype;
  const offered = Object.keys(impl?.ops ?? {}).filter((k) => typeof impl.ops[k] === 'function');
  for (const op of opts.ops ?? []) {
    // opts.ops may come from untyped JavaScript: checked at run time, as a plain string
    const name: string = op;
    if (!isOpName(name)) throw new Error(`describeOracle: unknown op "${name}" (known: ${OP_NAMES.join(', ')})`);
    if (!offered.includes(op)) {
      throw new Error(`describeOracle: the implementation does not offer ${op} (it offers ${offered.join(', ') || 'nothing'})`);
    }
  }
  const ops = opts.ops ?? offered.filter(isOpName);
  const spec: ReplaySpec = {
    adapterArgs: [opts.module ?? '<your-module.mjs>', ...(opts.profile && opts.profile !== 'exact' ? ['--profile', opts.profile] : [])],
  };
  const golden = opts.oracles === false ? [] : loadOracleCases();

  // one verify run per op, shared by that op's tests (started by the first one that runs)
  const started = new Map<OpName, Promise<VerifyReport>>();
  const reportFor = (op: OpName): Promise<VerifyReport> => {
    let p = started.get(op);
    if (!p) {
      p = (async () => {
        const adapter = inProcessAdapter(impl, { timeoutMs: opts.callTimeoutMs });
        try {
          return await runVerify(adapter, {
            ops: [op],
            seed,
            runs,
            quick,
            strict,
            profile: opts.profile,
            evaluator: fastEvaluator,
            fixedCases: golden,
          });
        } finally {
          await adapter.close();
        }
      })();
      started.set(op, p);
    }
    return p;
  };

  describe(`xent-oracle verify: ${impl?.name ?? 'implementation'} (${dtype})`, () => {
    if (dtype !== 'float64' && dtype !== 'float32') {
      it('declares its dtype', () => {
        throw new Error(`dtype must be "float64" or "float32", got ${JSON.stringify(dtype)}`);
      });
      return;
    }
    const unknown = offered.filter((k) => !isOpName(k));
    if (unknown.length && !opts.ops) {
      it('declares only catalog ops', () => {
        throw new Error(`declared ops that are not in the catalog (unsupported op claimed): ${unknown.join(', ')}`);
      });
    }
    for (const op of ops) {
      describe(op, () => {
        const groups = regimesFor(op, dtype).filter((r) => !quick || r.quick).map((r) => r.name);
        const hasGolden = golden.some((c) => c.op === op);
        for (const group of hasGolden ? [GOLDEN, ...groups] : groups) {
          it(
            group,
            async (ctx) => {
              const rep = await reportFor(op);
              const o = rep.ops.find((x) => x.op === op)!;
              const mine = (f: CaseFailure) => (group === GOLDEN ? f.source.startsWith('oracle:') : f.source === group);
              const failures = o.failures.filter(mine);
              for (const t of o.tinyExamples.filter(mine)) {
                await ctx.annotate(`tiny ${op} / ${t.source} [${t.cls}: passes unless strict] ${t.message}`, 'notice');
              }
              if (failures.length) throw new OracleFailure(failures.map((f) => formatFailure(f, spec, strict)).join('\n\n'));
              // after a crash / timeout verify stops: the groups it did not reach are not a pass
              if (rep.ended) throw new OracleFailure(`incomplete: the implementation ended during this op's verify run: ${rep.ended}`);
            },
            timeout,
          );
        }
      });
    }
  });
}

/** The error a describeOracle test throws: the CLI's failure text, without a stack trace. */
export class OracleFailure extends Error {
  override name = 'OracleFailure';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

// ---------------------------------------------------------------------------------------
// the matcher

export interface MatchOracleOptions {
  /** the implementation's format (default float64) */
  dtype?: Dtype;
  /** tiny-absolute and edge-overflow results fail too (default false) */
  strict?: boolean;
  profile?: Profile;
  /** the module path shown in the replay command */
  module?: string;
}

function toNested(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(toNested);
  return v;
}

/**
 * Judge one result exactly as verify judges a case: reference + κ (float64 fast path) +
 * judgeResult. Throws for an unknown op or arguments the op rejects (a mistake in the test).
 */
export function judgeOracle(
  op: OpName,
  args: Record<string, unknown>,
  result: unknown,
  opts: MatchOracleOptions = {},
): Judgement & { expected: unknown; expectedDecimal: unknown } {
  // the type says OpName; plain-JS callers can still pass any string
  if (!isOpName(op)) throw new Error(`toMatchOracle: unknown op "${String(op)}" (known: ${OP_NAMES.join(', ')})`);
  const dtype = opts.dtype ?? 'float64';
  const normalized = getSpec(op).validate(args);
  // the exact value; a profile adds its rows' alternatives (src/verify/profiles.ts)
  const ref = reference(op, args, { digits: 40 });
  const kappa = conditionNumbers(op, normalized, fastEvaluator);
  const j = judgeWithProfile(op, normalized, args, ref, toNested(result), dtype, kappa, { strict: !!opts.strict, profile: opts.profile });
  return { ...j, expected: ref[dtype], expectedDecimal: ref.decimal };
}

export interface OracleMatchers<R = unknown> {
  /** the result of `op` on `args` is within verify's tolerance of the correctly rounded value */
  toMatchOracle(op: OpName, args: Record<string, unknown>, opts?: MatchOracleOptions): R;
}

declare module 'vitest' {
  // declaration merging must repeat vitest's own type parameter, `T = any`, exactly
  // oxlint-disable-next-line typescript/no-explicit-any
  interface Matchers<T = any> extends OracleMatchers<T> {}
}

/** Install `expect(result).toMatchOracle(op, args, opts?)` (expect.extend). Idempotent. */
export function installOracleMatchers(): void {
  expect.extend({
    toMatchOracle(received: unknown, op: OpName, args: Record<string, unknown>, opts: MatchOracleOptions = {}) {
      const j = judgeOracle(op, args, received, opts);
      const pass = j.status !== 'fail';
      const f: CaseFailure = {
        op: op,
        source: 'toMatchOracle',
        cls: j.cls ?? 'wrong_value',
        message: j.message,
        args,
        got: toNested(received),
      };
      const spec: ReplaySpec = {
        adapterArgs: [opts.module ?? '<your-module.mjs>', ...(opts.profile && opts.profile !== 'exact' ? ['--profile', opts.profile] : [])],
      };
      f.expected = { decimal: j.expectedDecimal as never, rounded: j.expected as never };
      f.mismatch = j.mismatch;
      return {
        pass,
        // the CLI's failure block, word for word (report.ts)
        message: () =>
          pass
            ? `expected the ${op} result not to match the oracle, but it does (${j.status}): ${j.message}\n  replay:   ${
              replayCommand(f, spec, !!opts.strict)
            }`
            : formatFailureBlock(f, spec, !!opts.strict),
        actual: f.got,
        expected: j.expected,
      };
    },
  });
}
