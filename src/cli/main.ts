/**
 * xent-oracle command line. Each subcommand lives in its own module; this file only wires
 * them into commander and maps errors to exit codes (2: usage or input error).
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { OP_SPECS } from '../ops/registry.js';
import { reference } from '../ops/evaluate.js';
import { isUserError, parseIntOption, printJsonSigned, readJsonArg, UsageError } from './io.js';
import { registerVerify } from './verify.js';
import { registerSelftest } from './selftest.js';
import { registerFixtures } from './fixtures.js';
import { registerAudit } from './audit.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('xent-oracle')
    .description('Test oracle for softmax / cross-entropy implementations')
    .version(pkg.version)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) })
    .showHelpAfterError('(run xent-oracle --help for usage)');

  program
    .command('reference')
    .description('correctly rounded value of an op: decimal and float64/float32/float16/bfloat16')
    .argument('<op>', `one of: ${OP_SPECS.map((s) => s.name).join(', ')}`)
    .requiredOption('--args <json>', "the op's arguments as JSON, or @file.json")
    .option('--digits <n>', 'significant digits of the decimal result', '40')
    .option('--pretty', 'indent the JSON output')
    .action((op: string, opts: { args: string; digits: string; pretty?: boolean }) => {
      const digits = parseIntOption(opts.digits, '--digits', 1, 1000);
      const r = reference(op, readJsonArg(opts.args), { digits });
      // the sign of a zero is part of a correctly rounded value: written as -0.0
      printJsonSigned(
        {
          op: r.op,
          digits: r.digits,
          decimal: r.decimal,
          float64: r.float64,
          float32: r.float32,
          float16: r.float16,
          bfloat16: r.bfloat16,
        },
        opts.pretty,
      );
    });

  registerVerify(program);
  registerSelftest(program);
  registerFixtures(program);
  registerAudit(program);

  program
    .command('ops')
    .description('list the ops of the catalog with their arguments')
    .action(() => {
      for (const s of OP_SPECS) process.stdout.write(`${s.name.padEnd(44)} ${s.signature}\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isUserError(e)) {
      process.stderr.write(`xent-oracle: ${(e as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`xent-oracle: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 3;
  }
}

export { UsageError };
