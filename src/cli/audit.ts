/**
 * `xent-oracle audit <module> | --cmd "…" [--html F] [--json F] [--quick]`: sweep every op the
 * implementation offers across regimes and report where it breaks (docs/audit.md). An audit
 * reports, it does not judge: exit 0 whenever the audit ran, 2 on usage errors (bad options,
 * a module that cannot be loaded, an unknown op, an unwritable output). Report files are
 * written atomically, after the audit, so nothing is ever half-written.
 */
import { type Command, Option } from 'commander';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatAuditTerminal, runAudit } from '../audit/run.js';
import { stringifyJson } from '../core/json.js';
import { parseIntOption, UsageError } from './io.js';
import { type ConventionProfile, PROFILES } from '../verify/profiles.js';
import { checkImplementationArgs, interruptedBy, withAdapter } from './adapter.js';
import { stderrTail } from '../verify/protocol.js';
import { progressReporter } from './progress.js';
import { fastEvaluator } from '../ops/evaluate.js';
import { parseOps, writeAtomic } from './verify.js';

interface AuditCliOptions {
  cmd?: string;
  browser?: boolean;
  browserPath?: string;
  html?: string;
  json?: string;
  quick?: boolean;
  seed: string;
  ops?: string;
  timeout: string;
  profile: string;
  strict?: boolean;
  hugeRow: boolean;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description(
      'numerical-stability audit: sweep regimes (logit scale, spread, width, masking, probabilities near 0 and 1, pos_weight) and report where an implementation breaks',
    )
    .argument('[module]', 'a JS module whose default export is { name, dtype, ops }')
    .option('--cmd <command>', 'a command speaking JSON-lines protocol v1 on stdin/stdout (docs/protocol.md)')
    .option('--browser', 'run the module in a page of headless Chromium with WebGPU (docs/browser.md)')
    .option(
      '--browser-path <file>',
      'the Chromium / Chrome executable for --browser (default: $XENT_ORACLE_BROWSER, then chromium-headless-shell, chromium, google-chrome on PATH)',
    )
    .option('--html <file>', 'write the self-contained HTML report (charts, NaN/Infinity map, replay commands)')
    .option('--json <file>', 'write the machine-readable report (xent-oracle/audit-report@1)')
    .option('--quick', 'coarse sweeps, widths up to 1000 (seconds; for CI)')
    .option('--seed <n>', 'seed of the sweep patterns', '1')
    .option('--ops <list>', 'comma-separated ops to audit (default: every op the implementation offers)')
    .option('--timeout <ms>', 'per-request timeout of the implementation', '10000')
    .addOption(
      new Option(
        '--profile <name>',
        "conventions accepted besides the exact values: one framework's table of documented deviations (docs/profiles.md)",
      ).choices([...PROFILES]).default('exact'),
    )
    .option('--strict', 'count tiny-absolute and edge-overflow results as broken')
    .option('--no-huge-row', 'full mode: leave out the row of 10^5 classes')
    .action(async (module: string | undefined, o: AuditCliOptions) => {
      process.exitCode = await auditCommand(module, o);
    });
}

/** Fail early (exit 2) when an output file cannot be written, before a long audit. */
function checkWritable(path: string, option: string): void {
  const abs = resolve(path);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    // does not exist yet: fine
  }
  if (isDir) throw new UsageError(`${option} ${path}: is a directory`);
  try {
    accessSync(dirname(abs), constants.W_OK);
  } catch (e) {
    throw new UsageError(`${option} ${path}: cannot write there (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

async function auditCommand(module: string | undefined, o: AuditCliOptions): Promise<number> {
  checkImplementationArgs('audit', module, o.cmd, o);
  const seed = parseIntOption(o.seed, '--seed', 0, 2 ** 31 - 1);
  const timeoutMs = parseIntOption(o.timeout, '--timeout', 1, 3_600_000);
  const ops = parseOps(o.ops);
  if (o.html) checkWritable(o.html, '--html');
  if (o.json) checkWritable(o.json, '--json');
  if (o.html && o.json && resolve(o.html) === resolve(o.json)) throw new UsageError('--html and --json name the same file');
  const profile = o.profile as ConventionProfile;
  const adapterArgs = module ? [...(o.browser ? ['--browser'] : []), module] : ['--cmd', o.cmd!];
  return withAdapter(module, o.cmd, timeoutMs, async (adapter) => {
    if (ops) {
      const missing = ops.filter((op) => !adapter.info.ops.includes(op));
      if (missing.length) {
        throw new UsageError(
          `--ops: the implementation does not offer ${missing.join(', ')} (it offers ${adapter.info.ops.join(', ') || 'nothing'})`,
        );
      }
    }
    const progress = progressReporter('audit', { beat: true });
    const report = await runAudit(adapter, {
      ops,
      seed,
      quick: !!o.quick,
      strict: !!o.strict,
      profile,
      adapterArgs,
      evaluator: fastEvaluator,
      hugeRow: o.hugeRow,
      onProgress: progress.update,
    });
    progress.stop();
    // Ctrl-C / SIGTERM: the process is exiting (130 / 143); no report files
    if (interruptedBy()) return 2;
    // render everything first, then write: a rendering error leaves no file behind
    // loaded here, not at the top: vega (the charts) takes a few hundred ms to import, and every
    // other command (and audit without --html) would pay for it at start-up
    const html = o.html ? await (await import('../audit/html.js')).formatAuditHtml(report) : undefined;
    const json = o.json ? stringifyJson(report) + '\n' : undefined;
    process.stdout.write(formatAuditTerminal(report, Boolean(process.stdout.isTTY)));
    if (o.json) writeAtomic(o.json, json!);
    if (o.html) writeAtomic(o.html, html!);
    for (const f of [o.json, o.html].filter(Boolean)) process.stdout.write(`wrote ${f}\n`);
    if (report.ended) {
      // quoted behind "  | ", control characters visible: it cannot pass for our output
      const tail = stderrTail(adapter.stderr());
      if (tail) process.stderr.write(`implementation stderr (last lines):\n${tail}\n`);
    }
    return 0;
  }, o);
}
