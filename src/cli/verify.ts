/**
 * `xent-oracle verify <module> | --cmd "…"`: run the verifier against an implementation and
 * print the verdict; exit 0 when everything passes, 1 on wrong answers over a complete
 * session, 2 when the adapter broke (at describe or mid-session), the run was invalid or
 * vacuous, or on usage errors (exitCodeOf, docs/protocol.md "Outcomes and exit codes").
 * Report files are written atomically (temporary file + rename).
 */
import { type Command, Option } from 'commander';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { getSpec, isOpName, OP_NAMES, type OpName } from '../ops/registry.js';
import { ArgumentError } from '../core/errors.js';
import { JsonDepthError, parseJson } from '../core/json.js';
import { fastEvaluator, regimesFor } from '../ops/evaluate.js';
import { formatJson, formatJUnit, formatTerminal, listSome, type ReplaySpec } from '../verify/report.js';
import { runVerify, type FixedCase, type VerifyReport } from '../verify/run.js';
import { applyExpectations, ExpectFileError, parseExpectFile, unknownGroups, type ExpectEntry } from '../verify/expect.js';
import { stderrTail } from '../verify/protocol.js';
import { loadOracleCases } from '../oracles/load.js';
import { parseIntOption, UsageError } from './io.js';
import { type ConventionProfile, PROFILES } from '../verify/profiles.js';
import { checkImplementationArgs, interruptedBy, withAdapter } from './adapter.js';
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
  timeout?: string;
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
    .option(
      '--browser-path <file>',
      'the Chromium / Chrome executable for --browser (default: $XENT_ORACLE_BROWSER, then chromium-headless-shell, chromium, google-chrome on PATH)',
    )
    .option('--seed <n>', 'seed of the generated cases', '1')
    .option('--runs <n>', 'generated cases per regime (default 25, 5 with --quick)')
    .option('--ops <list>', 'comma-separated ops to verify (default: every op the implementation offers)')
    .option('--quick', 'a small, fast set (pre-commit hooks)')
    .option('--strict', 'fail tiny-absolute accuracy losses too')
    .addOption(
      new Option(
        '--profile <name>',
        "conventions accepted besides the exact values: one framework's table of documented deviations (docs/profiles.md)",
      ).choices([...PROFILES]).default('exact'),
    )
    .option('--json <file>', 'write the machine-readable report (xent-oracle/verify-report@2, schema/verify-report-2.schema.json)')
    .option('--junit <file>', 'write a JUnit XML report (one testcase per op and case group, docs/reports.md)')
    .option('--max-failures <n>', 'failure blocks printed in full; the rest are counted (all are in --json / --junit)', '5')
    .option(
      '--expect <file>',
      'known failures with reasons (xent-oracle/expect@1): reported as expected; the run fails if one passes (docs/reports.md)',
    )
    .option('--timeout <ms>', 'timeout of each request, describe included (default: 10000 per request, 30000 for describe)')
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
  // an explicit --timeout bounds describe too (a hung or endless describe reply must not
  // outlast it); by default describe gets longer, for slow imports
  const timeoutMs = o.timeout !== undefined ? parseIntOption(o.timeout, '--timeout', 1, 3_600_000) : undefined;
  const ops = parseOps(o.ops);
  const maxFailures = parseIntOption(o.maxFailures, '--max-failures', 0, 1_000_000);
  const expectations = o.expect !== undefined ? readExpectFile(o.expect) : undefined;
  let single: FixedCase | undefined;
  if (o.case !== undefined) single = parseCase(o.case);
  const profile = o.profile as ConventionProfile;
  const spec: ReplaySpec = {
    adapterArgs: [
      ...(module ? [...(o.browser ? ['--browser'] : []), module] : ['--cmd', o.cmd!]),
      ...(profile !== 'exact' ? ['--profile', profile] : []),
    ],
  };
  return withAdapter(module, o.cmd, { timeoutMs, describeTimeoutMs: timeoutMs }, async (adapter) => {
    const offered = adapter.info.ops;
    if (single && !offered.includes(single.op)) {
      throw new UsageError(`--case: the implementation does not offer ${single.op} (it offers ${offered.join(', ') || 'nothing'})`);
    }
    // a run that verifies nothing is not a pass
    if (offered.length === 0) {
      throw new UsageError(
        `nothing to verify: the implementation ${adapter.info.name} declares no catalog op`
          + (adapter.info.unknownOps.length ? ` (it declares only unknown names: ${listSome(adapter.info.unknownOps, 10)})` : ''),
      );
    }
    if (ops && !ops.some((op) => offered.includes(op))) {
      throw new UsageError(
        `nothing to verify: --ops ${ops.join(',')} names none of the ops the implementation offers (${offered.join(', ')})`,
      );
    }
    const fixedCases = single ? [single] : o.oracles ? loadOracleCases() : [];
    if (expectations) {
      const groupsOf = (
        op: OpName,
      ) => [
        ...regimesFor(op, adapter.info.dtype).map((r) => r.name),
        ...loadOracleCases().filter((c) => c.op === op).map((c) => `oracle:${c.id}`),
      ];
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
    // Ctrl-C / SIGTERM: the process is exiting (130 / 143); no verdict, no report files
    if (interruptedBy()) return 2;
    const report = expectations ? applyExpectations(played, expectations) : played;
    process.stdout.write(formatTerminal(report, spec, { color: process.stdout.isTTY, maxFailures, jsonPath: o.json }));
    if (o.json) writeAtomic(o.json, formatJson(report, spec));
    if (o.junit) writeAtomic(o.junit, formatJUnit(report, spec));
    return exitCodeOf(report, adapter.stderr());
  }, o);
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
  if (text.startsWith('oracle:')) {
    const id = text.slice('oracle:'.length);
    const all = loadOracleCases();
    const c = all.find((x) => x.id === id);
    if (!c) {
      const near = all.filter((x) => x.id.startsWith(id.split('/')[0] + '/')).map((x) => x.id);
      throw new UsageError(
        `--case oracle:${id}: no golden case has this id${
          near.length
            ? ` (cases of ${id.split('/')[0]}: ${near.slice(0, 8).join(', ')}${near.length > 8 ? ', …' : ''})`
            : ' (ids are "<op>/<name>", listed in oracles/<op>.json)'
        }`,
      );
    }
    return c;
  }
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
    throw new UsageError(
      `--case must be {"op": <a catalog op>, "args": {...}}, got ${text.length > 80 ? text.slice(0, 77) + '...' : text}`,
    );
  }
  // the same validation as `xent-oracle reference`: an invalid case is a usage error, never
  // a skipped (and so passing) run
  try {
    getSpec(o.op).validate(o.args);
  } catch (e) {
    if (e instanceof ArgumentError) throw new UsageError(`--case: ${e.message}`);
    throw e;
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
