/**
 * Writing fixture files: xent-oracle/fixture@1 JSON, or .npy pools with a JSON manifest
 * (xent-oracle/fixture-npy@1). Every file is written to a temporary file in the target
 * directory (".<name>.<pid>.tmp") and renamed only when every file of the run is complete,
 * so a failed or interrupted run leaves the directory as it was (temporary files are
 * removed). Cases are evaluated one at a time and streamed to disk: memory stays flat for
 * large runs. Random cases the reference cannot decide are left out (onSkip).
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { OpName } from '../ops/registry.js';
import { PrecisionError } from '../core/errors.js';
import { caseSeparator, fileHead, fileTail, formatCase, formatGenerator, formatValue, type FixtureCase } from './format.js';
import { evaluateCase, fileStem, generatorInfo, planOp, shardCases, type PlannedCase, type Shard } from './generate.js';
import { flatten, NpyPool, type NpyDtype } from './npy.js';

export const NPY_MANIFEST_SCHEMA = 'xent-oracle/fixture-npy@1';

export type FixtureFormat = 'json' | 'npy';

export interface FixturesOptions {
  out: string;
  ops: readonly OpName[];
  /** random cases per op */
  cases: number;
  seed: number;
  /** include the curated cases */
  curated: boolean;
  digits: number;
  format: FixtureFormat;
  shard?: Shard;
  onProgress?: (done: number, total: number, label: string) => void;
  /**
   * A random case the reference cannot round within its precision cap (PrecisionError: the
   * exact value is astronomically close to a rounding boundary) is left out and reported
   * here; the run goes on. For a curated case the error ends the run.
   */
  onSkip?: (id: string, reason: string) => void;
  /** set to true (e.g. from a SIGINT handler) to stop between cases; the run then throws */
  signal?: { aborted: boolean };
}

export interface FixturesSummary {
  /** final paths written, in write order */
  files: string[];
  cases: number;
  /** ids of the random cases left out (see onSkip) */
  skipped: string[];
}

export class AbortedError extends Error {
  override name = 'AbortedError';
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Temporary files of one run, renamed together at the end or removed on failure. */
class Staging {
  private entries: { tmp: string; final: string }[] = [];
  constructor(private dir: string) {}

  path(name: string): string {
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    this.entries.push({ tmp, final: join(this.dir, name) });
    return tmp;
  }

  commit(): string[] {
    for (const e of this.entries) renameSync(e.tmp, e.final);
    return this.entries.map((e) => e.final);
  }

  discard(): void {
    for (const e of this.entries) rmSync(e.tmp, { force: true });
  }
}

class TextFile {
  private fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(s: string): void {
    writeSync(this.fd, s);
  }
  close(): void {
    closeSync(this.fd);
  }
}

interface OpWriter {
  add(c: FixtureCase): void;
  finish(): void;
  abandon(): void;
}

function jsonWriter(staging: Staging, stem: string, head: string): OpWriter {
  const file = new TextFile(staging.path(`${stem}.json`));
  file.write(head);
  let n = 0;
  return {
    add(c) {
      file.write(caseSeparator(n) + formatCase(c));
      n += 1;
    },
    finish() {
      file.write(fileTail(n));
      file.close();
    },
    abandon() {
      try {
        file.close();
      } catch {
        /* closed */
      }
    },
  };
}

const EXPECTED_POOLS: [format: 'float64' | 'float32' | 'float16' | 'bfloat16', dtype: NpyDtype][] = [
  ['float64', '<f8'],
  ['float32', '<f4'],
  ['float16', '<f2'],
  ['bfloat16', '<u2'],
];

function npyWriter(staging: Staging, stem: string, generator: string): OpWriter {
  const manifest = new TextFile(staging.path(`${stem}.manifest.json`));
  manifest.write(`{\n  "schema": ${JSON.stringify(NPY_MANIFEST_SCHEMA)},\n  "generator": ${generator},\n  "cases": [`);
  const pools = new Map<string, { file: string; pool: NpyPool }>();
  const pool = (key: string, dtype: NpyDtype) => {
    let p = pools.get(key);
    if (!p) {
      const file = `${stem}.${key}.npy`;
      p = { file, pool: new NpyPool(staging.path(file), dtype) };
      pools.set(key, p);
    }
    return p.pool;
  };
  for (const [fmt, dtype] of EXPECTED_POOLS) pool(`expected.${fmt}`, dtype);
  let n = 0;
  return {
    add(c) {
      const args: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.args)) {
        if (Array.isArray(v)) {
          const { values, shape } = flatten(v);
          args[k] = { array: `args.${k}`, offset: pool(`args.${k}`, '<f8').append(values), shape };
        } else args[k] = v;
      }
      let offset = -1;
      let shape: number[] = [];
      for (const [fmt, dtype] of EXPECTED_POOLS) {
        const fl = flatten(c.expected[fmt]);
        const off = pool(`expected.${fmt}`, dtype).append(fl.values);
        if (offset >= 0 && off !== offset) throw new Error('internal: expected pools out of step');
        offset = off;
        shape = fl.shape;
      }
      const entry = { id: c.id, op: c.op, args, expected: { offset, shape, decimal: c.expected.decimal }, tags: c.tags };
      manifest.write(`${caseSeparator(n)}    ${formatValue(entry)}`);
      n += 1;
    },
    finish() {
      for (const p of pools.values()) p.pool.close();
      const arrays: Record<string, unknown> = {};
      for (const [key, p] of pools) arrays[key] = { file: p.file, dtype: p.pool.dtype, length: p.pool.size };
      manifest.write(`${fileTail(n).replace(/\n}\n$/, '')},\n  "arrays": ${formatValue(arrays)}\n}\n`);
      manifest.close();
    },
    abandon() {
      for (const p of pools.values()) p.pool.abandon();
      try {
        manifest.close();
      } catch {
        /* closed */
      }
    },
  };
}

/** Plan, evaluate and write the fixture files of a run (see docs/fixtures.md). */
export async function writeFixtures(o: FixturesOptions): Promise<FixturesSummary> {
  const plans: [OpName, PlannedCase[]][] = o.ops.map((op) => [op, shardCases(planOp(op, o), o.shard)]);
  const total = plans.reduce((s, [, p]) => s + p.length, 0);
  const generator = generatorInfo({ ...o });
  const staging = new Staging(o.out);
  let writer: OpWriter | undefined;
  let done = 0;
  const skipped: string[] = [];
  try {
    for (const [op, cases] of plans) {
      const stem = fileStem(op, o.shard);
      writer = o.format === 'json' ? jsonWriter(staging, stem, fileHead(generator)) : npyWriter(staging, stem, formatGenerator(generator));
      for (const p of cases) {
        o.onProgress?.(done, total, p.id);
        await tick();
        if (o.signal?.aborted) throw new AbortedError('interrupted');
        let c: FixtureCase;
        try {
          c = evaluateCase(p, o.digits);
        } catch (e) {
          if (!(e instanceof PrecisionError) || p.tags[0] !== 'random') throw e;
          skipped.push(p.id);
          o.onSkip?.(p.id, e.message);
          done += 1;
          continue;
        }
        writer.add(c);
        done += 1;
      }
      writer.finish();
      writer = undefined;
    }
    o.onProgress?.(done, total, 'done');
    return { files: staging.commit(), cases: done - skipped.length, skipped };
  } catch (e) {
    writer?.abandon();
    staging.discard();
    throw e;
  }
}
