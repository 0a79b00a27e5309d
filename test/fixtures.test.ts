/**
 * `xent-oracle fixtures` (docs/fixtures.md), run as a child process on the built CLI:
 * schema-valid files, correct expectations, deterministic bytes, shards whose union is the
 * unsharded run case by case and byte for byte, --ops/--cases/--curated never changing a
 * case, --cases 0 reproducing oracles/, usage errors (exit 2, message naming the option and
 * the value, nothing written), quiet output off a TTY, and atomic writes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSpec, OP_NAMES, shapeMismatch } from '../src/ops/registry.js';
import { parseJson, reviveNonFinite } from '../src/core/json.js';
import { reference } from '../src/ops/evaluate.js';
import { formatFixtureFile, hasFloat32Inputs, splitCaseBlocks, type FixtureCase, type Generator } from '../src/oracles/format.js';
import { hashSeed, padDecimal, planOp, randomCases, shardCases, significantDigits } from '../src/oracles/generate.js';
import { ORACLES_DIR } from '../src/oracles/load.js';
import { fixtureProblems } from '../src/oracles/schema.js';
import { AbortedError, writeFixtures } from '../src/oracles/write.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist/cli/bin.js');
let tmp = '';

interface Doc {
  schema: string;
  generator: Generator;
  cases: FixtureCase[];
}

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** run `fixtures` into tmp/<name> and expect success with no output at all (not a TTY) */
function gen(name: string, ...args: string[]): string {
  const out = join(tmp, name);
  const r = cli('fixtures', '--out', out, ...args);
  expect(r.stderr, `stderr of fixtures ${args.join(' ')}`).toBe('');
  expect(r.stdout).toBe('');
  expect(r.code).toBe(0);
  return out;
}

/** "800.000" -> "800", "1.50e-3" -> "1.5e-3" */
const stripZeros = (s: string) => s.replace(/^(-?\d+\.\d*?)0+(e.*)?$/, '$1$2').replace(/\.(e|$)/, '$1');

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const doc = (dir: string, file: string) => JSON.parse(read(dir, file)) as Doc;

const RUN = ['--cases', '10', '--seed', '5'];
let A = '';

beforeAll(() => {
  // dist/ is built once by the e2e project's global setup (test/helpers/build-once.ts)
  tmp = mkdtempSync(join(tmpdir(), 'xent-fixtures-'));
  A = gen('A', ...RUN);
}, 240_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('fixtures --cases 10 --seed 5 (every op)', () => {
  it('writes one schema-valid fixture@1 file per op, nothing else', () => {
    expect(readdirSync(A).sort()).toEqual(OP_NAMES.map((op) => `${op}.json`).sort());
    for (const op of OP_NAMES) {
      const d = doc(A, `${op}.json`);
      expect(fixtureProblems(d), op).toEqual([]);
      expect(d.generator).toEqual({ package: 'xent-oracle', version: expect.any(String), digits: 40, seed: 5, cases: 10, curated: false });
      expect(d.cases.map((c) => c.id)).toEqual(Array.from({ length: 10 }, (_, k) => `${op}/seed-5/${k}`));
    }
  });

  it('cases come from the regimes, float64 and float32 interleaved, tagged truthfully', () => {
    for (const op of OP_NAMES) {
      const d = doc(A, `${op}.json`);
      d.cases.forEach((c, k) => {
        expect(c.tags.slice(0, 3)).toEqual([
          'random',
          expect.stringMatching(/^regime:/),
          k % 2 === 0 ? 'sampled:float64' : 'sampled:float32',
        ]);
        expect(c.tags.includes('float32-inputs'), c.id).toBe(hasFloat32Inputs(reviveNonFinite(c.args) as Record<string, unknown>));
      });
      // what the library plans is what was written
      expect(d.cases.map((c) => reviveNonFinite(c.args))).toEqual(planOp(op, { cases: 10, seed: 5, curated: false }).map((p) => p.args));
    }
  });

  it('expectations are the reference at the written inputs, nested like the result', () => {
    for (const op of OP_NAMES) {
      const d = parseJson(read(A, `${op}.json`)) as Doc;
      for (const c of d.cases.filter((_, k) => k % 3 === 0)) {
        const r = reference(op, c.args);
        const { decimal, ...floats } = c.expected;
        expect(floats, c.id).toEqual({ float64: r.float64, float32: r.float32, float16: r.float16, bfloat16: r.bfloat16 });
        // the reference drops trailing zeros; fixtures keep them for inexact values
        const dec = [decimal].flat(2) as (string | number)[];
        expect(dec.map((v) => (typeof v === 'string' ? stripZeros(v) : v)), c.id).toEqual([reviveNonFinite(r.decimal)].flat(2));
        for (const v of dec) if (typeof v === 'string' && v !== '0') expect(significantDigits(v)).toBeLessThanOrEqual(40);
        const spec = getSpec(op);
        expect(shapeMismatch(spec.resultShape(spec.validate(c.args) as never), c.expected.float64)).toBeNull();
      }
    }
  });

  it('numbers are written in the stable form: re-formatting the parsed files gives the same bytes', () => {
    for (const op of OP_NAMES) {
      const d = doc(A, `${op}.json`);
      expect(formatFixtureFile(d.generator, d.cases)).toBe(read(A, `${op}.json`));
    }
  });

  it('is deterministic: the same arguments give byte-identical files', () => {
    const B = gen('A-again', ...RUN);
    for (const op of OP_NAMES) expect(read(B, `${op}.json`) === read(A, `${op}.json`), op).toBe(true);
  });
});

describe('decimal strings', () => {
  it('inexact values keep all their digits, exact ones are written exactly', () => {
    expect(significantDigits('-0.00120')).toBe(3);
    expect(significantDigits('1.5e-300')).toBe(2);
    expect(padDecimal('-800', 40)).toBe('-800.' + '0'.repeat(37));
    expect(padDecimal('1.5e-300', 5)).toBe('1.5000e-300');
    expect(padDecimal('0.00012', 4)).toBe('0.0001200');
    expect(padDecimal('0', 40)).toBe('0');
    expect(padDecimal('-Infinity', 40)).toBe('-Infinity');
    expect(padDecimal('0.125', 2)).toBe('0.125');
    expect(stripZeros('-800.000')).toBe('-800');
    expect(stripZeros('1.50e-3')).toBe('1.5e-3');
    expect(stripZeros('0.25')).toBe('0.25');
  });
});

describe('sharding', () => {
  it('the shards of --shard i/3 together hold exactly the unsharded cases, byte for byte', () => {
    const S = [0, 1, 2].map((i) => gen(`shard-${i}`, ...RUN, '--shard', `${i}/3`));
    for (const op of OP_NAMES) {
      const whole = splitCaseBlocks(read(A, `${op}.json`));
      expect(whole.length).toBe(10);
      const parts = S.map((dir, i) => {
        const name = `${op}.shard-${i}-of-3.json`;
        const d = doc(dir, name);
        expect(fixtureProblems(d)).toEqual([]);
        expect(d.generator.shard).toBe(`${i}/3`);
        return splitCaseBlocks(read(dir, name));
      });
      // case k went to shard k mod 3, at position floor(k / 3)
      whole.forEach((block, k) => expect(parts[k % 3][Math.floor(k / 3)] === block, `${op} case ${k}`).toBe(true));
      expect(parts.flat().sort()).toEqual([...whole].sort());
    }
    for (const [i, dir] of S.entries()) expect(readdirSync(dir).sort()).toEqual(OP_NAMES.map((op) => `${op}.shard-${i}-of-3.json`).sort());
  });

  it('more shards than cases: empty but valid files', () => {
    const dir = gen('shard-many', '--ops', 'sigmoid', '--cases', '2', '--seed', '5', '--shard', '7/9');
    const d = doc(dir, 'sigmoid.shard-7-of-9.json');
    expect(d.cases).toEqual([]);
    expect(fixtureProblems(d)).toEqual([]);
    expect(read(dir, 'sigmoid.shard-7-of-9.json').endsWith('"cases": []\n}\n')).toBe(true);
  });

  it('shardCases and case ids do not depend on the shard', () => {
    const all = planOp('softmax', { cases: 25, seed: 3, curated: true });
    const parts = [0, 1, 2, 3].map((index) => shardCases(all, { index, count: 4 }));
    expect(parts.flat().map((c) => c.id).sort()).toEqual(all.map((c) => c.id).sort());
    expect(parts[1][0]).toBe(all[1]);
  });
});

describe('--ops, --cases, --curated choose cases, never change one', () => {
  it('a smaller --cases is a prefix, --ops and --curated keep the random blocks', () => {
    const dir = gen('subset', '--ops', 'nll_loss,softmax_backward', '--cases', '4', '--seed', '5', '--curated');
    expect(readdirSync(dir).sort()).toEqual(['nll_loss.json', 'softmax_backward.json']);
    for (const op of ['nll_loss', 'softmax_backward']) {
      const blocks = splitCaseBlocks(read(dir, `${op}.json`));
      const curated = doc(dir, `${op}.json`).cases.filter((c) => c.tags[0] === 'curated').length;
      expect(curated).toBeGreaterThan(5);
      expect(blocks.slice(curated)).toEqual(splitCaseBlocks(read(A, `${op}.json`)).slice(0, 4));
      // curated blocks are the committed ones
      expect(blocks.slice(0, curated)).toEqual(splitCaseBlocks(readFileSync(join(ORACLES_DIR, `${op}.json`), 'utf8')));
    }
  });

  it('--cases 0 writes the curated cases only: exactly the committed oracles/ files', () => {
    const dir = gen('curated', '--cases', '0', '--ops', 'softmax,nll_loss,sigmoid_backward');
    for (const op of ['softmax', 'nll_loss', 'sigmoid_backward']) {
      expect(read(dir, `${op}.json`) === readFileSync(join(ORACLES_DIR, `${op}.json`), 'utf8'), op).toBe(true);
    }
  });

  it('--digits sets the decimal precision and generator.digits', () => {
    const dir = gen('digits', '--ops', 'softmax', '--cases', '2', '--seed', '5', '--digits', '60');
    const d = doc(dir, 'softmax.json');
    expect(d.generator.digits).toBe(60);
    const decimals = (d.cases[0].expected.decimal as string[][]).flat();
    expect(Math.max(...decimals.map((s) => s.replace(/^-?0\.0*|e.*$|[.-]/g, '').length))).toBeGreaterThan(45);
  });

  it('random case k depends on (seed, op, k) only', () => {
    const a = randomCases('cross_entropy', 30, 11);
    const b = randomCases('cross_entropy', 7, 11);
    expect(b).toEqual(a.slice(0, 7));
    expect(randomCases('cross_entropy', 7, 12).map((c) => c.args)).not.toEqual(b.map((c) => c.args));
    expect(hashSeed('a')).not.toBe(hashSeed('b'));
  });
});

describe('usage errors: exit 2, the option and the value named, nothing written', () => {
  const bad: [string[], RegExp][] = [
    [['--ops', 'softmax,nope'], /--ops.*"nope"/],
    [['--shard', '3/2'], /--shard.*"3\/2"/],
    [['--shard', 'x'], /--shard.*"x"/],
    [['--cases', '-1'], /--cases.*"-1"/],
    [['--cases', '1.5'], /--cases.*"1\.5"/],
    [['--seed', 'abc'], /--seed.*"abc"/],
    [['--digits', '0'], /--digits.*"0"/],
    [['--format', 'xml'], /--format.*'xml'/],
  ];
  it.each(bad)('fixtures %j', (args, message) => {
    const out = join(tmp, `bad-${args.join('_').replace(/[^a-z0-9]/gi, '')}`);
    const r = cli('fixtures', '--out', out, ...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('an unwritable --out', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const r1 = cli('fixtures', '--out', join(file, 'sub'), '--ops', 'sigmoid', '--cases', '1');
    expect(r1.code, r1.stderr).toBe(2); // stderr says why, should it ever differ
    expect(r1.stderr).toMatch(/--out = ".*a-file\/sub" is not writable: ENOTDIR/);
    const r2 = cli('fixtures', '--out', file, '--ops', 'sigmoid', '--cases', '1');
    expect(r2.code, r2.stderr).toBe(2); // stderr says why, should it ever differ
    expect(r2.stderr).toMatch(/--out = ".*a-file" is not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('x');
    const r3 = cli('fixtures', '--out', '/proc/xent-oracle-test/sub', '--ops', 'sigmoid', '--cases', '1');
    expect(r3.code, r3.stderr).toBe(2); // stderr says why, should it ever differ
    expect(r3.stderr).toMatch(/--out = "\/proc\/xent-oracle-test\/sub" is not writable/);
  });

  it('--out is required', () => {
    const r = cli('fixtures', '--cases', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out/);
  });
});

describe('random cases the reference cannot decide', () => {
  // log_softmax_backward/seed-1/62 (regime "scale 1e5"): an output lies within 1e-86857 of a
  // double, beyond the reference's 3000-digit cap (PrecisionError after ~5 s). Such a case is
  // left out with a warning, the run goes on. (Should the reference learn to decide it, the
  // case is simply written.)
  it('are left out with a warning naming them; exit 0', () => {
    const out = join(tmp, 'undecided');
    const r = cli('fixtures', '--out', out, '--ops', 'log_softmax_backward', '--cases', '63', '--seed', '1', '--shard', '62/63');
    expect(r.code).toBe(0);
    const d = doc(out, 'log_softmax_backward.shard-62-of-63.json');
    expect(fixtureProblems(d)).toEqual([]);
    if (d.cases.length === 0) {
      expect(r.stderr).toMatch(/^xent-oracle: warning: case log_softmax_backward\/seed-1\/62 left out: .*could not be rounded correctly/);
    } else {
      expect(d.cases.map((c) => c.id)).toEqual(['log_softmax_backward/seed-1/62']);
      expect(r.stderr).toBe('');
    }
  }, 60_000);
});

describe('atomic writes', () => {
  it('an interrupted run leaves the directory as it was (no file, no temporary file)', async () => {
    const dir = join(tmp, 'atomic');
    mkdirSync(dir);
    writeFileSync(join(dir, 'softmax.json'), 'old');
    const signal = { aborted: false };
    const run = writeFixtures({
      out: dir,
      ops: ['sigmoid', 'softmax'],
      cases: 5,
      seed: 1,
      curated: false,
      digits: 40,
      format: 'json',
      signal,
      onProgress: (done) => {
        if (done === 7) signal.aborted = true; // sigmoid is complete, softmax half written
      },
    });
    await expect(run).rejects.toBeInstanceOf(AbortedError);
    expect(readdirSync(dir)).toEqual(['softmax.json']);
    expect(readFileSync(join(dir, 'softmax.json'), 'utf8')).toBe('old');
  });

  it('a complete run replaces files of the same name and leaves other files alone', async () => {
    const dir = join(tmp, 'atomic-2');
    mkdirSync(dir);
    writeFileSync(join(dir, 'sigmoid.json'), 'old');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const s = await writeFixtures({ out: dir, ops: ['sigmoid'], cases: 2, seed: 5, curated: false, digits: 40, format: 'json' });
    expect(s).toEqual({ files: [join(dir, 'sigmoid.json')], cases: 2, skipped: [] });
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'sigmoid.json']);
    expect(splitCaseBlocks(read(dir, 'sigmoid.json'))).toEqual(splitCaseBlocks(read(A, 'sigmoid.json')).slice(0, 2));
  });
});
