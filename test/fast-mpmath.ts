/**
 * Test helper for the fast path: correctly rounded expected values from the shared oracle
 * test/helpers/oracle.py (python3 + mpmath; exact inputs, a Ziv loop, correct rounding to
 * float64 or float32, subnormals and overflow included), with its "mpf" engine: the exact
 * engine costs ~3.7x the CPU time on this file's 788,734 outputs (measured; see the engine's
 * comment in oracle.py, which also lists where the two engines differ). All jobs of a test file go to ONE python
 * subprocess (mpBatch). When python3 or mpmath is missing,
 * mpmathStatus() says why and the tests skip with that reason.
 *
 * Also: ULP distances (googletest AlmostEquals mapping) and a seeded RNG.
 */
import { fromPy, pythonStatus, runOracle, type MpField } from './helpers/mpmath.js';

export type Dtype = 'float64' | 'float32';
export type Job = { op: string; dtype: Dtype; [k: string]: unknown };
export type MpResult = number | number[] | number[][];

/** Is python3 (XENT_PYTHON) with mpmath available? */
export function mpmathStatus(): { ok: boolean; reason: string } {
  return pythonStatus();
}

/**
 * Evaluate every job in one python3 subprocess; results correctly rounded to each job's
 * dtype, flattened row-major (the tests compare flat()). An output the oracle could not
 * decide is an error, never a guess.
 */
export function mpBatch(jobs: Job[]): MpResult[] {
  const field: Record<Dtype, MpField> = { float64: 'f64', float32: 'f32' };
  const out = runOracle(
    jobs.map(({ op, dtype, ...args }) => ({
      op,
      args: Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)),
      formats: [field[dtype]],
      engine: 'mpf',
    })),
  );
  return out.map((leaves, i) =>
    leaves.map((l, k) => {
      if (l.undecided) throw new Error(`the oracle could not decide ${jobs[i].op} output ${k} (≈ ${l.approx})`);
      return fromPy(l[field[jobs[i].dtype]]);
    })
  );
}

// ---------------------------------------------------------------------------------------
// ULP distances

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

function biased64(x: number): bigint {
  f64[0] = x;
  const b = i64[0];
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}

/** ULP distance between two doubles (+0/-0 are 0 apart, two NaN are 0 apart, NaN vs number is Infinity). */
export function ulp64(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const d = biased64(a) - biased64(b);
  return Number(d < 0n ? -d : d);
}

function biased32(x: number): number {
  f32[0] = x;
  const b = i32[0];
  return b < 0 ? -(b & 0x7fffffff) : b;
}

export function ulp32(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  return Math.abs(biased32(a) - biased32(b));
}

export function ulp(dtype: Dtype, a: number, b: number): number {
  return dtype === 'float64' ? ulp64(a, b) : ulp32(a, b);
}

export function flat(v: MpResult | ArrayLike<number>): number[] {
  if (typeof v === 'number') return [v];
  const a = Array.from(v as ArrayLike<number | number[]>);
  return a.flatMap((x) => (Array.isArray(x) ? x : [x]));
}

/** max ULP distance of two results and the index where it occurs */
export function maxUlp(dtype: Dtype, got: MpResult | ArrayLike<number>, want: MpResult): { max: number; at: number } {
  const g = flat(got);
  const w = flat(want);
  if (g.length !== w.length) throw new Error(`length mismatch: got ${g.length}, want ${w.length}`);
  let max = 0;
  let at = -1;
  for (let i = 0; i < g.length; i++) {
    const d = ulp(dtype, g[i], w[i]);
    if (d > max) {
      max = d;
      at = i;
    }
  }
  return { max, at };
}

// ---------------------------------------------------------------------------------------
// deterministic RNG (mulberry32) and normal samples

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(r: () => number): number {
  const u = r() || 1e-12;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}
