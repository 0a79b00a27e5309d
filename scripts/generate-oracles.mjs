#!/usr/bin/env node
// Regenerate the committed golden fixtures oracles/<op>.json from the curated cases
// (each op record's `curated`, src/ops/<family>/curated.ts) with the BUILT package (dist/; run `npm run build` first, as
// `npm run oracles:update` does). The files are never edited by hand.
//
//   node scripts/generate-oracles.mjs            rewrite oracles/ (stale oracles/*.json removed)
//   node scripts/generate-oracles.mjs --check    regenerate into a temporary directory and
//                                                 compare byte for byte; exit 1 on any
//                                                 difference (the reproducibility guard)
//   node scripts/generate-oracles.mjs --out DIR  write somewhere else
//
// It is `xent-oracle fixtures --out DIR --cases 0` (curated cases only, 40 digits) run in a
// child process; --jobs N splits the ops over N processes (each op is its own file). The
// whole set takes ~5 s with one process, so the default is 1.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'dist/cli/bin.js');
const ORACLES = join(ROOT, 'oracles');

function usage(msg) {
  process.stderr.write(`generate-oracles: ${msg}\nusage: node scripts/generate-oracles.mjs [--check] [--out DIR] [--jobs N]\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let check = false;
let out = ORACLES;
let jobs = 1;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--check') check = true;
  else if (a === '--out') out = resolve(argv[++i] ?? usage('--out needs a directory'));
  else if (a === '--jobs') {
    jobs = Number(argv[++i]);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) usage(`--jobs = ${JSON.stringify(argv[i])} must be an integer from 1 to 64`);
  } else usage(`unknown argument ${JSON.stringify(a)}`);
}
if (!existsSync(BIN)) usage(`${BIN} is missing: run npm run build first`);

const { OP_NAMES } = await import(join(ROOT, 'dist/ops/registry.js'));
const { curatedFor } = await import(join(ROOT, 'dist/ops/evaluate.js'));
const CURATED = OP_NAMES.flatMap((op) => curatedFor(op));

/** Split the ops into `n` groups of similar cost (cost ~ number of logits). */
function partition(n) {
  const cost = new Map(OP_NAMES.map((op) => [op, 0]));
  for (const c of CURATED) cost.set(c.op, cost.get(c.op) + 20 + JSON.stringify(c.args).length / 8);
  const groups = Array.from({ length: n }, () => ({ ops: /** @type {string[]} */ ([]), cost: 0 }));
  for (const op of [...OP_NAMES].sort((a, b) => cost.get(b) - cost.get(a) || (a < b ? -1 : 1))) {
    const g = groups.reduce((m, x) => (x.cost < m.cost ? x : m));
    g.ops.push(op);
    g.cost += cost.get(op);
  }
  return groups.filter((g) => g.ops.length > 0).map((g) => g.ops);
}

/**
 * @param {string} dir
 * @param {string[]} ops
 * @returns {Promise<void>}
 */
function run(dir, ops) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, 'fixtures', '--out', dir, '--cases', '0', '--ops', ops.join(',')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CI: '1' }, // no progress bars from parallel workers
    });
    child.on('error', reject);
    child.on(
      'exit',
      (code) => (code === 0 ? resolveRun() : reject(new Error(`xent-oracle fixtures --ops ${ops.join(',')} exited with ${code}`))),
    );
  });
}

async function generate(dir) {
  await Promise.all(partition(jobs).map((ops) => run(dir, ops)));
}

const started = Date.now();
if (check) {
  const tmp = mkdtempSync(join(tmpdir(), 'xent-oracles-check-'));
  try {
    await generate(tmp);
    const want = readdirSync(tmp).filter((f) => f.endsWith('.json')).sort();
    const have = existsSync(ORACLES) ? readdirSync(ORACLES).filter((f) => f.endsWith('.json')).sort() : [];
    const problems = [];
    for (const f of want) {
      if (!have.includes(f)) {
        problems.push(`${f}: missing from oracles/`);
        continue;
      }
      const a = readFileSync(join(ORACLES, f), 'utf8');
      const b = readFileSync(join(tmp, f), 'utf8');
      if (a !== b) {
        const la = a.split('\n');
        const lb = b.split('\n');
        let i = 0;
        while (i < la.length && la[i] === lb[i]) i++;
        problems.push(
          `${f}: differs from line ${i + 1}\n  committed:   ${(la[i] ?? '<end of file>').slice(0, 160)}\n  regenerated: ${
            (lb[i] ?? '<end of file>').slice(0, 160)
          }`,
        );
      }
    }
    for (const f of have) if (!want.includes(f)) problems.push(`${f}: in oracles/ but not generated (stale)`);
    if (problems.length > 0) {
      process.stderr.write(
        `oracles/ is not what scripts/generate-oracles.mjs produces (run npm run oracles:update and review the diff):\n${
          problems.join('\n')
        }\n`,
      );
      process.exitCode = 1;
    } else {
      process.stdout.write(`oracles/ reproduced byte for byte (${want.length} files, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  await generate(out);
  const produced = new Set(OP_NAMES.map((op) => `${op}.json`));
  // oracles/ holds exactly the generated files: remove stale ones (never in another --out)
  if (out === ORACLES) { for (const f of readdirSync(out)) if (f.endsWith('.json') && !produced.has(f)) rmSync(join(out, f)); }
  process.stdout.write(`wrote ${produced.size} files to ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
