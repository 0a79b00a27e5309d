/**
 * `xent-oracle selftest`: the kill matrix. Plays every planted-bug implementation and every
 * correct variant of src/selftest/bugs.ts through verify (in process, quick regimes, fixed
 * seed, plus the semantic probes) by default and with --strict, prints the verdicts with
 * each minimal counterexample and, for comparison, what torch.testing.assert_close's and
 * tfjs's expectArraysClose's default rules say on the same cases. Exit 0 when every bug is
 * caught and every correct variant passes, 1 otherwise, 2 on usage errors.
 */
import type { Command } from 'commander';
import { stringifyJson } from '../core/json.js';
import { loadOracleCases } from '../oracles/load.js';
import { MATRIX_ENTRIES } from '../selftest/bugs.js';
import { formatMatrix } from '../selftest/format.js';
import { runMatrix } from '../selftest/matrix.js';
import { parseIntOption, UsageError } from './io.js';
import { progressReporter } from './progress.js';
import { writeAtomic } from './verify.js';

interface SelftestCliOptions {
  seed: string;
  runs: string;
  only?: string;
  oracles?: boolean;
  probes: boolean;
  baselines: boolean;
  json?: string;
  list?: boolean;
}

export function registerSelftest(program: Command): void {
  program
    .command('selftest')
    .description('kill matrix: verify planted-bug implementations (must fail) and correct variants (must pass)')
    .option('--seed <n>', 'seed of the generated cases', '1')
    .option('--runs <n>', 'generated cases per quick regime', '5')
    .option('--only <ids>', 'comma-separated entry ids (see --list)')
    .option('--oracles', 'also play the committed golden cases (oracles/*.json), as verify does; slow')
    .option('--no-probes', 'do not play the semantic probes (special values of docs/semantics.md)')
    .option('--no-baselines', 'do not compare with the torch / tfjs default tolerance rules')
    .option('--json <file>', 'write the matrix as JSON (xent-oracle/selftest@1)')
    .option('--list', 'list the entries and exit')
    .action(async (o: SelftestCliOptions) => {
      process.exitCode = await selftestCommand(o);
    });
}

async function selftestCommand(o: SelftestCliOptions): Promise<number> {
  if (o.list) {
    for (const e of MATRIX_ENTRIES) {
      process.stdout.write(`${e.id.padEnd(42)} ${e.bugClass.padEnd(8)} ${e.ops.join(',')}\n    ${e.description}\n`);
      if (e.seenIn) process.stdout.write(`    seen in: ${e.seenIn.join(', ')}\n`);
    }
    return 0;
  }
  const seed = parseIntOption(o.seed, '--seed', 0, 2 ** 31 - 1);
  const runs = parseIntOption(o.runs, '--runs', 1, 10000);
  let entries = MATRIX_ENTRIES;
  if (o.only !== undefined) {
    const ids = o.only.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = ids.filter((id) => !MATRIX_ENTRIES.some((e) => e.id === id));
    if (unknown.length) {
      throw new UsageError(`--only: unknown entr${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')} (xent-oracle selftest --list)`);
    }
    if (!ids.length) throw new UsageError('--only is empty');
    entries = MATRIX_ENTRIES.filter((e) => ids.includes(e.id));
  }
  const progress = progressReporter('selftest');
  const res = await runMatrix(entries, {
    seed,
    runs,
    probes: o.probes,
    oracles: o.oracles ? loadOracleCases() : [],
    baselines: o.baselines,
    onRow: (row, done, total) => progress.update(done, total, row.id),
  });
  progress.stop();
  process.stdout.write(formatMatrix(res));
  if (o.json) writeAtomic(o.json, stringifyJson(res, 2) + '\n');
  return res.ok ? 0 : 1;
}
