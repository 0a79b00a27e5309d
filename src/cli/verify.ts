/**
 * `xent-oracle verify <module> | --cmd "…"`: run the verifier against an implementation and
 * print the verdict; exit 0 when everything passes, 1 on wrong answers over a complete
 * session, 2 when the adapter broke (at describe or mid-session), the run was invalid or
 * vacuous, or on usage errors (exitCodeOf, docs/protocol.md "Outcomes and exit codes").
 * Report files are written atomically (temporary file + rename).
 */
import { Command, Option } from 'commander';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { getSpec, isOpName, OP_NAMES, type OpName } from '../core/catalog.js';
import { ArgumentError } from '../core/errors.js';
import { JsonDepthError, parseJson } from '../core/json.js';
import { FAST } from '../fast/index.js';
import type { Float64Evaluator } from '../verify/condition.js';
import { formatJson, formatJUnit, formatTerminal, listSome, type ReplaySpec } from '../verify/report.js';
import { runVerify, type FixedCase, type VerifyReport } from '../verify/run.js';
import { stderrTail } from '../verify/protocol.js';
import { loadOracleCases } from '../oracles/load.js';
import { parseIntOption, UsageError } from './io.js';
import { checkImplementationArgs, interruptedBy, withAdapter } from './adapter.js';
import { progressReporter } from './progress.js';

export const fastEvaluator: Float64Evaluator = (op, args) => {
  const f = FAST[op] as ((a: unknown, d: 'float64') => ReturnType<Float64Evaluator>) | undefined;
  if (!f) throw new Error(`no fast path for ${op}`);
  return f(args, 'float64');
};

/** Write a file atomically: a crash or Ctrl-C never leaves a half-written report. */
export function writeAtomic(path: string, content: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function parseOps(value: string | undefined): OpName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!isOpName(n)) throw new UsageError(`--ops: unknown op "${n}" (known: ${OP_NAMES.join(', ')})`);
  if (names.length === 0) throw new UsageError('--ops is empty');
  return names as OpName[];
}

interface VerifyCliOptions {
  cmd?: string;
  seed: string;
  runs?: string;
  ops?: string;
  quick?: boolean;
  strict?: boolean;
  profile: string;
  json?: string;
  junit?: string;
  timeout?: string;
  case?: string;
  oracles: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify an implementation (a JS module, or a program speaking the JSON-lines protocol) against the reference')
    .argument('[module]', 'a JS module whose default export is { name, dtype, ops }')
    .option('--cmd <command>', 'a command speaking JSON-lines protocol v1 on stdin/stdout (docs/protocol.md)')
    .option('--seed <n>', 'seed of the generated cases', '1')
    .option('--runs <n>', 'generated cases per regime (default 25, 5 with --quick)')
    .option('--ops <list>', 'comma-separated ops to verify (default: every op the implementation offers)')
    .option('--quick', 'a small, fast set (pre-commit hooks)')
    .option('--strict', 'fail tiny-absolute accuracy losses too')
    .addOption(new Option('--profile <name>', 'conventions: exact mathematics, or PyTorch\'s (BCE log clamped at -100)').choices(['exact', 'pytorch']).default('exact'))
    .option('--json <file>', 'write the machine-readable report (xent-oracle/verify-report@1)')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--timeout <ms>', 'timeout of each request, describe included (default: 10000 per request, 30000 for describe)')
    .option('--case <json>', 'run one case {"op", "args"} (inline JSON or @file), e.g. a replay command')
    .option('--no-oracles', 'do not include the committed golden cases')
    .action(async (module: string | undefined, o: VerifyCliOptions) => {
      process.exitCode = await verifyCommand(module, o);
    });
}

async function verifyCommand(module: string | undefined, o: VerifyCliOptions): Promise<number> {
  checkImplementationArgs('verify', module, o.cmd);
  const seed = parseIntOption(o.seed, '--seed', 0, 2 ** 31 - 1);
  const runs = o.runs !== undefined ? parseIntOption(o.runs, '--runs', 1, 100000) : o.quick ? 5 : 25;
  // an explicit --timeout bounds describe too (a hung or endless describe reply must not
  // outlast it); by default describe gets longer, for slow imports
  const timeoutMs = o.timeout !== undefined ? parseIntOption(o.timeout, '--timeout', 1, 3_600_000) : undefined;
  const ops = parseOps(o.ops);
  let single: FixedCase | undefined;
  if (o.case !== undefined) single = parseCase(o.case);
  const profile = o.profile as 'exact' | 'pytorch';
  const spec: ReplaySpec = { adapterArgs: [...(module ? [module] : ['--cmd', o.cmd!]), ...(profile !== 'exact' ? ['--profile', profile] : [])] };
  return withAdapter(module, o.cmd, { timeoutMs, describeTimeoutMs: timeoutMs }, async (adapter) => {
    const offered = adapter.info.ops;
    if (single && !offered.includes(single.op)) {
      throw new UsageError(`--case: the implementation does not offer ${single.op} (it offers ${offered.join(', ') || 'nothing'})`);
    }
    // a run that verifies nothing is not a pass
    if (offered.length === 0) {
      throw new UsageError(
        `nothing to verify: the implementation ${adapter.info.name} declares no catalog op` +
          (adapter.info.unknownOps.length ? ` (it declares only unknown names: ${listSome(adapter.info.unknownOps, 10)})` : ''),
      );
    }
    if (ops && !ops.some((op) => offered.includes(op))) {
      throw new UsageError(`nothing to verify: --ops ${ops.join(',')} names none of the ops the implementation offers (${offered.join(', ')})`);
    }
    const fixedCases = single ? [single] : o.oracles ? loadOracleCases() : [];
    const progress = progressReporter('verify');
    const report = await runVerify(adapter, {
      ops: single ? [single.op] : ops,
      seed,
      runs: single ? 0 : runs,
      quick: !!o.quick || !!single,
      strict: !!o.strict,
      profile,
      evaluator: fastEvaluator,
      fixedCases,
      onProgress: progress.update,
    });
    progress.stop();
    // Ctrl-C / SIGTERM: the process is exiting (130 / 143); no verdict, no report files
    if (interruptedBy()) return 2;
    process.stdout.write(formatTerminal(report, spec, process.stdout.isTTY === true));
    if (o.json) writeAtomic(o.json, formatJson(report, spec));
    if (o.junit) writeAtomic(o.junit, formatJUnit(report, spec));
    return exitCodeOf(report, adapter.stderr());
  });
}

/**
 * The exit code of a finished run (docs/protocol.md, "Outcomes and exit codes"): 0 for a
 * pass; 1 when every planned case was judged and some verdict failed (a wrong answer,
 * including error replies); 2 when the run is not a complete verdict because the
 * implementation broke: the session ended early (crash, timeout, a session-breaking
 * protocol error), a result was malformed, or fewer cases were judged than planned. A
 * broken adapter is not a wrong answer, whether it breaks at describe or mid-session.
 */
export function exitCodeOf(report: VerifyReport, stderr: string): 0 | 1 | 2 {
  const protocolBroken = report.ops.some((r) => r.failures.some((f) => f.cls === 'protocol'));
  const broken = protocolBroken || report.ended !== null || report.incomplete !== null;
  if (broken) {
    const tail = stderrTail(stderr);
    if (tail) process.stderr.write(`implementation stderr (last lines):\n${tail}\n`);
    return 2;
  }
  return report.status === 'fail' ? 1 : 0;
}

function parseCase(text: string): FixedCase {
  let v: unknown;
  try {
    v = parseJson(text.startsWith('@') ? readFileText(text.slice(1)) : text);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof JsonDepthError) throw new UsageError(`--case: ${e.message}`);
    throw new UsageError(`--case: not valid JSON (${(e as Error).message})`);
  }
  const o = v as { op?: unknown; args?: unknown };
  if (!o || typeof o !== 'object' || typeof o.op !== 'string' || !isOpName(o.op) || typeof o.args !== 'object' || o.args === null) {
    throw new UsageError(`--case must be {"op": <a catalog op>, "args": {...}}, got ${text.length > 80 ? text.slice(0, 77) + '...' : text}`);
  }
  // the same validation as `xent-oracle reference`: an invalid case is a usage error, never
  // a skipped (and so passing) run
  try {
    getSpec(o.op).validate(o.args as never);
  } catch (e) {
    if (e instanceof ArgumentError) throw new UsageError(`--case: ${e.message}`);
    throw e;
  }
  return { id: 'case', op: o.op, args: o.args as Record<string, unknown> };
}

function readFileText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--case @${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
