/**
 * Shared test helper: the bridge to the independent, correctly rounded oracle
 * test/helpers/oracle.py (python3 + mpmath, every op of the registry, written from
 * docs/semantics.md, NOT from src/; its module docstring says how it decides each output:
 * exact Fraction inputs, exact + mpmath values, a Ziv loop, exact roundings to the 40-digit
 * decimal and float64 / float32 / float16 / bfloat16), plus a few exact utilities (exact
 * decimal expansion of a double, exact rounding of a rational to a binary format) for
 * closed-form expectations.
 *
 * One python process per batch (`runOracle`), JSON lines on stdin / stdout; detection of the
 * interpreter (XENT_PYTHON, default python3) + mpmath once per process.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';

/** the interpreter: XENT_PYTHON, default python3 */
const PYTHON = process.env.XENT_PYTHON || 'python3';
/** the oracle module, by absolute path (tests may run from any directory) */
export const ORACLE_PY = fileURLToPath(new URL('./oracle.py', import.meta.url));

// ---------------------------------------------------------------------------------------
// availability

let status: { ok: boolean; reason: string } | undefined;

/** Is python3 with mpmath available? Detected once per process. */
export function pythonStatus(): { ok: boolean; reason: string } {
  if (status) return status;
  const r = spawnSync(PYTHON, ['-c', 'import mpmath, fractions; print(mpmath.__version__)'], { encoding: 'utf8' });
  if (r.error) status = { ok: false, reason: `${PYTHON} is not available (${r.error.message})` };
  else if (r.status !== 0) status = { ok: false, reason: `${PYTHON} cannot import mpmath: ${r.stderr.trim().split('\n').pop()}` };
  else status = { ok: true, reason: `mpmath ${r.stdout.trim()}` };
  return status;
}

/**
 * `it` for python-backed checks. Without python3 + mpmath the test is skipped (it.skipIf) and
 * a console.warn names the test and the reason, so a skip is never silent.
 */
export function itPy(name: string, fn: () => void | Promise<void>, timeout?: number): void {
  const s = pythonStatus();
  if (!s.ok) console.warn(`SKIPPED "${name}": ${s.reason} (needed for the independent mpmath oracle)`);
  // oxlint-disable-next-line vitest/expect-expect -- a wrapper: the assertions are in the caller's fn
  it.skipIf(!s.ok)(s.ok ? name : `${name} [skipped: ${s.reason}]`, fn, timeout);
}

// ---------------------------------------------------------------------------------------
// doubles <-> python

/** A double as a string python's float() reads back exactly (shortest round trip; keeps -0). */
export function pyNum(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return Object.is(x, -0) ? '-0.0' : String(x);
}

/** Parse python's repr of a float (shortest round-trip digits, read exactly by Number()). */
export function fromPy(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  return Number(s);
}

/** Deep-map the numbers of an args object to pyNum strings (strings such as reduction stay). */
export function encodeArgs(v: unknown): unknown {
  if (typeof v === 'number') return pyNum(v);
  if (Array.isArray(v)) return v.map(encodeArgs);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, encodeArgs);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeArgs(x)]));
  return v;
}

// ---------------------------------------------------------------------------------------
// exact utilities (independent of src/)

const dv = new DataView(new ArrayBuffer(8));

/** |x| = mant * 2^exp for a finite double, from its bits. */
function bitsOf(x: number): { neg: boolean; mant: bigint; exp: number } {
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const neg = hi >>> 31 === 1;
  if (biased === 0) return { neg, mant: frac, exp: -1074 };
  return { neg, mant: frac | (1n << 52n), exp: biased - 1075 };
}

/** The exact decimal expansion of a finite double (as a plain decimal string, for decimal.js). */
export function exactDecimal(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`exactDecimal(${x})`);
  const { neg, mant, exp } = bitsOf(x);
  if (mant === 0n) return '0';
  let s: string;
  if (exp >= 0) s = (mant << BigInt(exp)).toString();
  else {
    const k = -exp; // mant / 2^k = mant * 5^k / 10^k
    const digits = (mant * 5n ** BigInt(k)).toString().padStart(k + 1, '0');
    s = `${digits.slice(0, digits.length - k)}.${digits.slice(digits.length - k)}`.replace(/\.?0+$/, '');
  }
  return neg ? `-${s}` : s;
}

export type Fmt = 'float64' | 'float32' | 'float16' | 'bfloat16';
const FMT: Record<Fmt, { p: number; emin: number; emax: number }> = {
  float64: { p: 53, emin: -1022, emax: 1023 },
  float32: { p: 24, emin: -126, emax: 127 },
  float16: { p: 11, emin: -14, emax: 15 },
  bfloat16: { p: 8, emin: -126, emax: 127 },
};

function bitLen(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * The value of fmt nearest to (neg ? -1 : 1) * num/den (num >= 0, den > 0), ties to even,
 * gradual underflow, overflow to infinity: the IEEE 754 definition, with exact BigInt
 * arithmetic. Returned as the (exactly equal) double.
 */
export function roundRational(num: bigint, den: bigint, fmt: Fmt, neg = false): number {
  const { p, emin, emax } = FMT[fmt];
  if (num === 0n) return neg ? -0 : 0;
  let E = bitLen(num) - bitLen(den); // floor(log2 r) is E - 1 or E
  const gePow2 = (k: number) => (k >= 0 ? num >= den << BigInt(k) : num << BigInt(-k) >= den);
  if (!gePow2(E)) E -= 1;
  if (E > emax) return neg ? -Infinity : Infinity;
  if (E < emin - p - 1) return neg ? -0 : 0;
  const q = Math.max(E, emin) - p + 1;
  const N = q >= 0 ? num : num << BigInt(-q);
  const D = q >= 0 ? den << BigInt(q) : den;
  let m = N / D;
  const r2 = (N - m * D) * 2n;
  if (r2 > D || (r2 === D && (m & 1n) === 1n)) m += 1n;
  if (bitLen(m) - 1 + q > emax) return neg ? -Infinity : Infinity;
  // m <= 2^p is exact as a double; scale in two steps by powers of two that are normal
  // doubles, so only the (exact, representable) final value can be subnormal
  const v = q >= -1000 ? Number(m) * 2 ** q : Number(m) * 2 ** (q + 600) * 2 ** -600;
  return neg ? -v : v;
}

// ---------------------------------------------------------------------------------------
// the python oracle

/** The decimal and the binary formats test/helpers/oracle.py can decide. */
export type MpField = 'd' | 'f64' | 'f32' | 'f16' | 'bf16';

export interface MpCase {
  op: string;
  args: Record<string, unknown>;
  /** significant digits of the decimal (default 40) */
  digits?: number;
  /** which roundings to decide (default all); deciding fewer is cheaper */
  formats?: readonly MpField[];
  /** 'exact' (default) or 'mpf' (one of f64 / f32 only; the fast path's volume): see oracle.py */
  engine?: 'exact' | 'mpf';
}

/** One decided output: the decimal (decimal.js toString format) and python reprs of the floats. */
export type MpLeaf =
  | { d: string; f64: string; f32: string; f16: string; bf16: string; undecided?: undefined }
  | { undecided: true; approx: string };

/**
 * Run test/helpers/oracle.py on a batch of cases in ONE python process (JSON lines in and
 * out). Returns, per case, the outputs flattened in row-major order (the order of `leaves`
 * below). Only the requested `formats` are present in a leaf.
 */
export function runOracle(cases: readonly MpCase[]): MpLeaf[][] {
  if (cases.length === 0) return [];
  const input = cases
    .map((c) =>
      JSON.stringify({
        op: c.op,
        args: encodeArgs(c.args),
        digits: c.digits ?? 40,
        ...(c.formats ? { formats: c.formats } : {}),
        ...(c.engine ? { engine: c.engine } : {}),
      })
    )
    .join('\n');
  const r = spawnSync(PYTHON, [ORACLE_PY], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`${PYTHON} could not be started: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${PYTHON} ${ORACLE_PY} failed (exit ${r.status}):\n${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== cases.length) throw new Error(`the oracle answered ${lines.length} of ${cases.length} cases:\n${r.stderr}`);
  return lines.map((l) => JSON.parse(l) as MpLeaf[]);
}

/** Correctly rounded expectations for a batch of cases (every format): `runOracle`. */
export function mpmathReference(cases: MpCase[]): MpLeaf[][] {
  return runOracle(cases);
}

/** The leaves of a nested result (number | number[] | number[][]), row-major. */
export function leaves<T>(v: T | T[] | T[][]): T[] {
  if (!Array.isArray(v)) return [v];
  return (v as unknown[]).flatMap((x) => leaves(x as T | T[]));
}
