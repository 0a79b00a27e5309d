/**
 * `xent-oracle verify <module> | --cmd "…"`: run the verifier against an implementation and
 * print the verdict; exit 0 when everything passes, 1 on failures, 2 on usage or protocol
 * errors. Report files are written atomically (temporary file + rename).
 */
import { type Command, Option } from 'commander';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { isOpName, OP_NAMES, type OpName } from '../ops/registry.js';
import { parseJson } from '../core/json.js';
import { fastEvaluator } from '../ops/evaluate.js';
import { formatJson, formatJUnit, formatTerminal, type ReplaySpec } from '../verify/report.js';
import { runVerify, type FixedCase } from '../verify/run.js';
import { applyExpectations, ExpectFileError, parseExpectFile, unknownGroups, type ExpectEntry } from '../verify/expect.js';
import { regimesFor } from '../ops/evaluate.js';
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
  browser?: boolean;
  browserPath?: string;
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
  maxFailures: string;
  expect?: string;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify an implementation (a JS module, or a program speaking the JSON-lines protocol) against the reference')
    .argument('[module]', 'a JS module whose default export is { name, dtype, ops }')
    .option('--cmd <command>', 'a command speaking JSON-lines protocol v1 on stdin/stdout (docs/protocol.md)')
    .option('--browser', 'run the module in a page of headless Chromium with WebGPU (docs/browser.md)')
    .option('--browser-path <file>', 'the Chromium / Chrome executable for --browser (default: $XENT_ORACLE_BROWSER, then chromium-headless-shell, chromium, google-chrome on PATH)')
    .option('--seed <n>', 'seed of the generated cases', '1')
    .option('--runs <n>', 'generated cases per regime (default 25, 5 with --quick)')
    .option('--ops <list>', 'comma-separated ops to verify (default: every op the implementation offers)')
    .option('--quick', 'a small, fast set (pre-commit hooks)')
    .option('--strict', 'fail tiny-absolute accuracy losses too')
    .addOption(new Option('--profile <name>', "conventions accepted besides the exact values: one framework's table of documented deviations (docs/profiles.md)").choices([...PROFILES]).default('exact'))
    .option('--json <file>', 'write the machine-readable report (xent-oracle/verify-report@2, schema/verify-report-2.schema.json)')
    .option('--junit <file>', 'write a JUnit XML report (one testcase per op and case group, docs/reports.md)')
    .option('--max-failures <n>', 'failure blocks printed in full; the rest are counted (all are in --json / --junit)', '5')
    .option('--expect <file>', 'known failures with reasons (xent-oracle/expect@1): reported as expected; the run fails if one passes (docs/reports.md)')
    .option('--timeout <ms>', 'per-request timeout of the implementation', '10000')
    .option('--case <case>', 'run one case: oracle:<golden case id>, or {"op", "args"} as inline JSON or @file (what replay commands use)')
    .option('--no-oracles', 'do not include the committed golden cases')
    .action(async (module: string | undefined, o: VerifyCliOptions) => {
      process.exitCode = await verifyCommand(module, o);
    });
}

async function verifyCommand(module: string | undefined, o: VerifyCliOptions): Promise<number> {
  checkImplementationArgs('verify', module, o.cmd, o);
  const seed = parseIntOption(o.seed, '--seed', 0, 2 ** 31 - 1);
  const runs = o.runs !== undefined ? parseIntOption(o.runs, '--runs', 1, 100000) : o.quick ? 5 : 25;
  const timeoutMs = parseIntOption(o.timeout, '--timeout', 1, 3_600_000);
  const ops = parseOps(o.ops);
  const maxFailures = parseIntOption(o.maxFailures, '--max-failures', 0, 1_000_000);
  const expectations = o.expect !== undefined ? readExpectFile(o.expect) : undefined;
  let single: FixedCase | undefined;
  if (o.case !== undefined) single = parseCase(o.case);
  const profile = o.profile as ConventionProfile;
  const spec: ReplaySpec = { adapterArgs: [...(module ? [...(o.browser ? ['--browser'] : []), module] : ['--cmd', o.cmd!]), ...(profile !== 'exact' ? ['--profile', profile] : [])] };
  return withAdapter(module, o.cmd, timeoutMs, async (adapter) => {
    if (single && !adapter.info.ops.includes(single.op)) {
      throw new UsageError(`--case: the implementation does not offer ${single.op} (it offers ${adapter.info.ops.join(', ') || 'nothing'})`);
    }
    const fixedCases = single ? [single] : o.oracles ? loadOracleCases() : [];
    if (expectations) {
      const groupsOf = (op: OpName) => [...regimesFor(op, adapter.info.dtype).map((r) => r.name), ...loadOracleCases().filter((c) => c.op === op).map((c) => `oracle:${c.id}`)];
      const bad = unknownGroups(expectations, groupsOf);
      if (bad.length) throw new UsageError(`--expect ${o.expect}: ${bad.join('; ')}`);
    }
    const progress = progressReporter('verify', { beat: true });
    const played = await runVerify(adapter, {
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
    const report = expectations ? applyExpectations(played, expectations) : played;
    process.stdout.write(formatTerminal(report, spec, { color:  process.stdout.isTTY, maxFailures, jsonPath: o.json }));
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
  }, o);
}

function parseCase(text: string): FixedCase {
  if (text.startsWith('oracle:')) {
    const id = text.slice('oracle:'.length);
    const all = loadOracleCases();
    const c = all.find((x) => x.id === id);
    if (!c) {
      const near = all.filter((x) => x.id.startsWith(id.split('/')[0] + '/')).map((x) => x.id);
      throw new UsageError(`--case oracle:${id}: no golden case has this id${near.length ? ` (cases of ${id.split('/')[0]}: ${near.slice(0, 8).join(', ')}${near.length > 8 ? ', …' : ''})` : ' (ids are "<op>/<name>", listed in oracles/<op>.json)'}`);
    }
    return c;
  }
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
  return { id: 'case', group: 'case', op: o.op, args: o.args as Record<string, unknown> };
}

function readExpectFile(path: string): ExpectEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--expect ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return parseExpectFile(text, `--expect ${path}`);
  } catch (e) {
    if (e instanceof ExpectFileError) throw new UsageError(e.message);
    throw e;
  }
}

function readFileText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--case @${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
