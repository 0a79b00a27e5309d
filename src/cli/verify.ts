/**
 * `xent-oracle verify <module> | --cmd "…"`: run the verifier against an implementation and
 * print the verdict; exit 0 when everything passes, 1 on failures, 2 on usage or protocol
 * errors. Report files are written atomically (temporary file + rename).
 */
import { Command, Option } from 'commander';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { isOpName, OP_NAMES, type OpName } from '../ops/registry.js';
import { parseJson } from '../core/json.js';
import { fastEvaluator } from '../ops/evaluate.js';
import type { Float64Evaluator } from '../verify/condition.js';
import { formatJson, formatJUnit, formatTerminal, type ReplaySpec } from '../verify/report.js';
import { runVerify, type FixedCase } from '../verify/run.js';
import { loadOracleCases } from '../oracles/load.js';
import { parseIntOption, UsageError } from './io.js';
import { type ConventionProfile, PROFILES } from '../verify/profiles.js';
import { checkImplementationArgs, withAdapter } from './adapter.js';
import { progressReporter } from './progress.js';

export { fastEvaluator } from '../ops/evaluate.js';

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
  timeout: string;
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
    .addOption(new Option('--profile <name>', "conventions accepted besides the exact values: one framework's table of documented deviations (docs/profiles.md)").choices([...PROFILES]).default('exact'))
    .option('--json <file>', 'write the machine-readable report (xent-oracle/verify-report@1)')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--timeout <ms>', 'per-request timeout of the implementation', '10000')
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
  const timeoutMs = parseIntOption(o.timeout, '--timeout', 1, 3_600_000);
  const ops = parseOps(o.ops);
  let single: FixedCase | undefined;
  if (o.case !== undefined) single = parseCase(o.case);
  const profile = o.profile as ConventionProfile;
  const spec: ReplaySpec = { adapterArgs: [...(module ? [module] : ['--cmd', o.cmd!]), ...(profile !== 'exact' ? ['--profile', profile] : [])] };
  return withAdapter(module, o.cmd, timeoutMs, async (adapter) => {
    if (single && !adapter.info.ops.includes(single.op)) {
      throw new UsageError(`--case: the implementation does not offer ${single.op} (it offers ${adapter.info.ops.join(', ') || 'nothing'})`);
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
    process.stdout.write(formatTerminal(report, spec, process.stdout.isTTY === true));
    if (o.json) writeAtomic(o.json, formatJson(report, spec));
    if (o.junit) writeAtomic(o.junit, formatJUnit(report, spec));
    const protocolBroken = report.ops.some((r) => r.failures.some((f) => f.cls === 'protocol'));
    if (protocolBroken) {
      const stderr = adapter.stderr().trim();
      if (stderr) process.stderr.write(`implementation stderr (last lines):\n${stderr.split('\n').slice(-20).join('\n')}\n`);
      return 2;
    }
    if (report.status === 'fail') {
      const stderr = adapter.stderr().trim();
      if (stderr && report.ended) process.stderr.write(`implementation stderr (last lines):\n${stderr.split('\n').slice(-20).join('\n')}\n`);
      return 1;
    }
    return 0;
  });
}

function parseCase(text: string): FixedCase {
  let v: unknown;
  try {
    v = parseJson(text.startsWith('@') ? readFileText(text.slice(1)) : text);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--case: not valid JSON (${(e as Error).message})`);
  }
  const o = v as { op?: unknown; args?: unknown };
  if (!o || typeof o !== 'object' || typeof o.op !== 'string' || !isOpName(o.op) || typeof o.args !== 'object' || o.args === null) {
    throw new UsageError(`--case must be {"op": <a catalog op>, "args": {...}}, got ${text.length > 80 ? text.slice(0, 77) + '...' : text}`);
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
