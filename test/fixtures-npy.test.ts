/**
 * `xent-oracle fixtures --format npy`: .npy v1.0 pools and the JSON manifest
 * (docs/fixtures.md). Checked in JS (headers, float16 / bfloat16 bit patterns, arguments
 * read back) and with python3 + numpy: every pool loaded by np.load and compared bit for
 * bit with the JSON fixtures of the same run (skipped, with the reason printed, when
 * python3 or numpy is missing).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP_NAMES } from '../src/ops/registry.js';
import { FORMATS, fromOrdinal } from '../src/core/floats.js';
import { parseJson } from '../src/core/json.js';
import { bfloat16Bits, float16Bits, flatten, npyHeader } from '../src/oracles/npy.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist/cli/bin.js');
let tmp = '';
let JSON_DIR = '';
let NPY_DIR = '';
const RUN = [
  '--cases',
  '12',
  '--seed',
  '9',
  '--curated',
  '--ops',
  OP_NAMES.filter((op) => op !== 'logsumexp' && op !== 'cross_entropy').join(','),
];

function gen(dir: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, 'fixtures', '--out', dir, ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fixtures ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
}

beforeAll(() => {
  // dist/ is built once by the e2e project's global setup (test/helpers/build-once.ts)
  tmp = mkdtempSync(join(tmpdir(), 'xent-npy-'));
  JSON_DIR = join(tmp, 'json');
  NPY_DIR = join(tmp, 'npy');
  gen(JSON_DIR, ...RUN);
  gen(NPY_DIR, ...RUN, '--format', 'npy');
  // logsumexp and cross_entropy: their 10^4-logit curated rows, in one cheap extra run each
  gen(JSON_DIR, '--cases', '0', '--ops', 'logsumexp,cross_entropy');
  gen(NPY_DIR, '--cases', '0', '--ops', 'logsumexp,cross_entropy', '--format', 'npy');
}, 240_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Ref {
  array: string;
  offset: number;
  shape: number[];
}
interface Manifest {
  schema: string;
  generator: Record<string, unknown>;
  cases: {
    id: string;
    op: string;
    args: Record<string, unknown>;
    expected: { offset: number; shape: number[]; decimal: unknown };
    tags: string[];
  }[];
  arrays: Record<string, { file: string; dtype: string; length: number }>;
}

function readNpy(path: string): { descr: string; shape: number[]; data: Buffer; headerBytes: number } {
  const buf = readFileSync(path);
  expect(buf.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  expect([buf[6], buf[7]]).toEqual([1, 0]);
  const len = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + len).toString('latin1');
  expect((10 + len) % 64).toBe(0);
  expect(header.endsWith('\n')).toBe(true);
  const m = /^\{'descr': '([<>|][a-z]\d)', 'fortran_order': False, 'shape': \((\d+),\), \} *\n$/.exec(header);
  expect(m, header).not.toBeNull();
  return { descr: m![1], shape: [Number(m![2])], data: buf.subarray(10 + len), headerBytes: 10 + len };
}

describe('npy encoding', () => {
  it('headers are v1.0, 128 bytes, 1-D', () => {
    const h = npyHeader('<f2', 12345);
    expect(h.length).toBe(128);
    expect(h.subarray(10).toString('latin1')).toMatch(/^\{'descr': '<f2', 'fortran_order': False, 'shape': \(12345,\), \} +\n$/);
  });

  it('float16 bits of every float16 value are its IEEE binary16 encoding', () => {
    const F16 = FORMATS.float16;
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(2 ** -14)).toBe(0x0400);
    expect(float16Bits(2 ** -24)).toBe(0x0001);
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16Bits(0)).toBe(0);
    expect(float16Bits(Infinity)).toBe(0x7c00);
    expect(float16Bits(-Infinity)).toBe(0xfc00);
    expect(float16Bits(NaN)).toBe(0x7e00);
    // every positive finite float16: ordinal k has bits k
    for (let k = 1; k < 0x7c00; k++) expect(float16Bits(fromOrdinal(BigInt(k), F16))).toBe(k);
    expect(() => float16Bits(1 + 2 ** -20)).toThrow(/not a float16/);
  });

  it('bfloat16 bits are the upper half of the float32', () => {
    expect(bfloat16Bits(1)).toBe(0x3f80);
    expect(bfloat16Bits(-2)).toBe(0xc000);
    expect(bfloat16Bits(-0)).toBe(0x8000);
    expect(bfloat16Bits(Infinity)).toBe(0x7f80);
    expect(bfloat16Bits(NaN)).toBe(0x7fc0);
    expect(bfloat16Bits(2 ** -133)).toBe(0x0001);
    expect(() => bfloat16Bits(1 + 2 ** -10)).toThrow(/not a bfloat16/);
  });

  it('flatten is row-major with the shape', () => {
    expect(flatten([[1, 2, 3], [4, 5, 6]])).toEqual({ values: [1, 2, 3, 4, 5, 6], shape: [2, 3] });
    expect(flatten([1, 2])).toEqual({ values: [1, 2], shape: [2] });
    expect(flatten(7)).toEqual({ values: [7], shape: [] });
  });
});

describe('fixtures --format npy', () => {
  it('writes a manifest and pools per op; arguments and float64 expectations read back exactly', () => {
    for (const op of OP_NAMES) {
      const m = JSON.parse(readFileSync(join(NPY_DIR, `${op}.manifest.json`), 'utf8')) as Manifest;
      const j = parseJson(readFileSync(join(JSON_DIR, `${op}.json`), 'utf8')) as {
        generator: unknown;
        cases: { id: string; args: Record<string, unknown>; expected: Record<string, unknown>; tags: string[] }[];
      };
      expect(m.schema).toBe('xent-oracle/fixture-npy@1');
      expect(m.generator).toEqual(j.generator);
      expect(m.cases.map((c) => c.id)).toEqual(j.cases.map((c) => c.id));
      const pools = new Map<string, Float64Array>();
      for (const [key, a] of Object.entries(m.arrays)) {
        const npy = readNpy(join(NPY_DIR, a.file));
        expect(npy.descr).toBe(a.dtype);
        expect(npy.shape).toEqual([a.length]);
        expect(npy.headerBytes).toBe(128);
        if (a.dtype === '<f8') {
          expect(npy.data.length).toBe(8 * a.length);
          const f = new Float64Array(a.length);
          for (let i = 0; i < a.length; i++) f[i] = npy.data.readDoubleLE(8 * i);
          pools.set(key, f);
        }
      }
      const slice = (key: string, offset: number, shape: number[]) => {
        const size = shape.reduce((s, d) => s * d, 1);
        const flat = Array.from(pools.get(key)!.subarray(offset, offset + size));
        if (shape.length === 0) return flat[0];
        if (shape.length === 1) return flat;
        return Array.from({ length: shape[0] }, (_, r) => flat.slice(r * shape[1], (r + 1) * shape[1]));
      };
      m.cases.forEach((c, i) => {
        const want = j.cases[i];
        const args: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(c.args)) {
          args[k] = v && typeof v === 'object' && 'array' in v
            ? slice((v as Ref).array, (v as Ref).offset, (v as Ref).shape)
            : parseJson(JSON.stringify(v));
        }
        expect(args, c.id).toEqual(want.args);
        expect(slice('expected.float64', c.expected.offset, c.expected.shape), c.id).toEqual(want.expected.float64);
        expect(parseJson(JSON.stringify(c.expected.decimal))).toEqual(want.expected.decimal);
        expect(c.tags).toEqual(want.tags);
      });
    }
    expect(readdirSync(NPY_DIR).filter((f) => !f.endsWith('.npy') && !f.endsWith('.manifest.json'))).toEqual([]);
  });

  it('python3 + numpy: np.load reads every pool, bit for bit equal to the JSON expectations', (ctx) => {
    const probe = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      const reason = probe.error ? 'python3 is not installed' : `numpy is not importable (${probe.stderr.trim().split('\n').pop()})`;
      console.log(`skipped the numpy comparison: ${reason}`);
      ctx.skip();
      return;
    }
    const r = spawnSync('python3', ['-c', PY_COMPARE, JSON_DIR, NPY_DIR, ...OP_NAMES], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^checked \d+ cases, \d+ values bit for bit\n$/);
  }, 120_000);
});

/** argv: json_dir npy_dir ops... — compares every case of <op>.json with the npy pools */
const PY_COMPARE = String.raw`
import json, sys
import numpy as np

json_dir, npy_dir, ops = sys.argv[1], sys.argv[2], sys.argv[3:]
NF = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}

def revive(v):
    if isinstance(v, str):
        return NF.get(v, v)
    if isinstance(v, list):
        return [revive(x) for x in v]
    return v

def flat(v):
    if isinstance(v, list):
        return [y for x in v for y in flat(x)]
    return [v]

def shape(v):
    if not isinstance(v, list):
        return []
    return [len(v)] + shape(v[0])

def bits(values, dtype):
    a = np.array([float(x) for x in values], dtype=np.float64)
    if dtype == "<f8":
        return a.view(np.uint64)
    if dtype == "<f4":
        f = a.astype(np.float32)
        assert np.array_equal(f.astype(np.float64), a, equal_nan=True), "not float32 values"
        return f.view(np.uint32)
    if dtype == "<f2":
        f = a.astype(np.float16)
        assert np.array_equal(f.astype(np.float64), a, equal_nan=True), "not float16 values"
        return f.view(np.uint16)
    if dtype == "<u2":  # bfloat16: the upper half of the float32
        u = a.astype(np.float32).view(np.uint32)
        assert not (u[~np.isnan(a)] & 0xFFFF).any(), "not bfloat16 values"
        return np.where(np.isnan(a), np.uint32(0x7FC00000), u) >> 16
    raise ValueError(dtype)

cases_checked = values_checked = 0
for op in ops:
    with open(f"{json_dir}/{op}.json") as f:
        fixture = json.load(f)
    with open(f"{npy_dir}/{op}.manifest.json") as f:
        manifest = json.load(f)
    arrays = {}
    for key, a in manifest["arrays"].items():
        arr = np.load(f"{npy_dir}/{a['file']}")
        assert arr.dtype.str == a["dtype"], (key, arr.dtype.str, a["dtype"])
        assert arr.shape == (a["length"],), (key, arr.shape)
        arrays[key] = arr
    assert [c["id"] for c in manifest["cases"]] == [c["id"] for c in fixture["cases"]]
    for c, m in zip(fixture["cases"], manifest["cases"]):
        def part(key, off, shp):
            n = int(np.prod(shp, dtype=np.int64))
            return arrays[key][off:off + n]
        for name, v in c["args"].items():
            ref = m["args"][name]
            if isinstance(ref, dict):
                got = part(ref["array"], ref["offset"], ref["shape"])
                assert list(ref["shape"]) == shape(v), (c["id"], name)
                want = bits(flat(revive(v)), "<f8")
                assert np.array_equal(got.view(np.uint64), want), (c["id"], name)
                values_checked += got.size
            else:
                assert ref == v, (c["id"], name)
        e = m["expected"]
        for fmt, dtype in (("float64", "<f8"), ("float32", "<f4"), ("float16", "<f2"), ("bfloat16", "<u2")):
            want = revive(c["expected"][fmt])
            assert list(e["shape"]) == shape(want), (c["id"], fmt)
            got = part(f"expected.{fmt}", e["offset"], e["shape"])
            raw = got.view({"<f8": np.uint64, "<f4": np.uint32, "<f2": np.uint16, "<u2": np.uint16}[dtype])
            exp = bits(flat(want), dtype)
            if not np.array_equal(raw.astype(np.uint64), exp.astype(np.uint64)):
                print(c["id"], fmt, raw, exp, file=sys.stderr)
                sys.exit(1)
            values_checked += got.size
        assert e["decimal"] == c["expected"]["decimal"], c["id"]
        cases_checked += 1
print(f"checked {cases_checked} cases, {values_checked} values bit for bit")
`;
