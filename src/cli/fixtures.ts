/**
 * `xent-oracle fixtures --out DIR [--ops a,b] [--cases N] [--curated] [--seed S] [--digits D]
 * [--format json|npy] [--shard i/n]`: golden fixture files (docs/fixtures.md).
 *
 * Every argument is checked before anything is written; a bad one exits 2 with a message
 * naming the option and the value. Files appear only when the whole run succeeded
 * (temporary files + rename; an interrupted run removes its temporary files). A progress bar
 * on a TTY, nothing on stdout or stderr otherwise.
 */
import { type Command, Option } from 'commander';
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OP_NAMES, type OpName } from '../ops/registry.js';
import type { Shard } from '../oracles/generate.js';
import { AbortedError, writeFixtures, type FixtureFormat } from '../oracles/write.js';
import { parseIntOption, UsageError } from './io.js';
import { progressReporter } from './progress.js';
import { parseOps } from './verify.js';

interface FixturesCliOptions {
  out: string;
  ops?: string;
  cases: string;
  curated?: boolean;
  seed: string;
  digits: string;
  format: string;
  shard?: string;
}

export const DEFAULT_CASES = 100;
export const MAX_CASES = 1_000_000;

export function parseShard(value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1 && count <= 100_000) || !(index < count)) {
    throw new UsageError(`--shard = ${JSON.stringify(value)} must be i/n with 0 <= i < n <= 100000 (e.g. 0/4 ... 3/4)`);
  }
  return { index, count };
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync never returns for some paths
 * (e.g. under /proc), this one fails with the error of the first level it cannot create.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.unshift(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const m of missing) mkdirSync(m);
}

/** Create --out if needed and check that files can be created in it (probe file, removed). */
export function prepareOutDir(out: string): void {
  try {
    const st = statSync(out, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new UsageError(`--out = ${JSON.stringify(out)} is not a directory`);
    if (!st) makeDirs(out);
    accessSync(out, constants.W_OK);
    const probe = join(out, `.xent-oracle-probe.${process.pid}.tmp`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--out = ${JSON.stringify(out)} is not writable: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function registerFixtures(program: Command): void {
  program
    .command('fixtures')
    .description('write golden fixtures (xent-oracle/fixture@1): reference values for random and curated cases')
    .requiredOption('--out <dir>', 'output directory (created if missing); one file per op')
    .option('--ops <list>', 'comma-separated ops (default: every op)')
    .option('--cases <n>', `random cases per op; 0 writes the curated cases only`, String(DEFAULT_CASES))
    .option('--curated', 'also write the curated cases (the committed oracles/), before the random ones')
    .option('--seed <n>', 'seed of the random cases', '1')
    .option('--digits <n>', 'significant digits of the decimal expectations', '40')
    .addOption(
      new Option('--format <format>', 'json: fixture@1 files; npy: .npy arrays and a JSON manifest per op').choices(['json', 'npy'])
        .default('json'),
    )
    .option('--shard <i/n>', 'write shard i of n (0-based): case k of each op goes to shard k mod n')
    .action(async (o: FixturesCliOptions) => {
      process.exitCode = await fixturesCommand(o);
    });
}

async function fixturesCommand(o: FixturesCliOptions): Promise<number> {
  const ops: OpName[] = [...new Set(parseOps(o.ops) ?? OP_NAMES)];
  const cases = parseIntOption(o.cases, '--cases', 0, MAX_CASES);
  const seed = parseIntOption(o.seed, '--seed', 0, 2 ** 31 - 1);
  const digits = parseIntOption(o.digits, '--digits', 1, 1000);
  const shard = parseShard(o.shard);
  const format = o.format as FixtureFormat;
  if (format !== 'json' && format !== 'npy') throw new UsageError(`--format = ${JSON.stringify(o.format)} must be json or npy`);
  prepareOutDir(o.out);

  const signal = { aborted: false };
  const onSignal = () => {
    signal.aborted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressReporter('fixtures');
  // printed after the progress bar is gone
  const warnings: string[] = [];
  try {
    const onSkip = (id: string, reason: string) =>
      warnings.push(`xent-oracle: warning: case ${id} left out: ${reason.replace(/^case \S+: /, '')}\n`);
    const summary = await writeFixtures({
      out: o.out,
      ops,
      cases,
      seed,
      curated: cases === 0 || !!o.curated,
      digits,
      format,
      shard,
      onProgress: progress.update,
      onSkip,
      signal,
    });
    progress.stop();
    if (process.stderr.isTTY && !process.env.CI) {
      const left = summary.skipped.length > 0 ? `, ${summary.skipped.length} left out` : '';
      process.stderr.write(`wrote ${summary.files.length} files (${summary.cases} cases${left}) to ${o.out}\n`);
    }
    return 0;
  } catch (e) {
    progress.stop();
    if (e instanceof AbortedError) {
      process.stderr.write('xent-oracle: fixtures interrupted, nothing written\n');
      return 130;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new UsageError(`--out = ${JSON.stringify(o.out)}: cannot write: ${code}`);
    throw e;
  } finally {
    for (const w of warnings) process.stderr.write(w);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
