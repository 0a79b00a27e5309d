/** Turn the four analytic forms into the two operations the checkers need. */
import { GradcheckError } from './errors.js';
import { describe, type GradInput } from './format.js';
import type { Analytic } from './types.js';

export interface AnalyticOps {
  label: string;
  /** J restricted to the checked inputs: rows[o][q] = d out[o] / d x[mask[q]] */
  block(mask: readonly number[]): Float64Array[];
  /** Jᵀu (all inputs), when the form gives it cheaply */
  vjp?(u: Float64Array): Float64Array;
  /** J·v */
  jvp?(v: Float64Array): Float64Array;
}

function vec(v: unknown, len: number, what: string, shapeNote: string): Float64Array {
  if (!(Array.isArray(v) || v instanceof Float64Array || v instanceof Float32Array)) {
    throw new GradcheckError(`${what} must return an array of numbers, got ${describe(v)}`);
  }
  const a = v as ArrayLike<unknown>;
  if (a.length !== len) {
    throw new GradcheckError(`shape mismatch: ${what} returned ${a.length} entries, expected ${len} (${shapeNote})`);
  }
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const x = a[i];
    if (typeof x !== 'number') throw new GradcheckError(`${what}[${i}] = ${describe(x)} is not a number`);
    out[i] = x;
  }
  return out;
}

export interface AnalyticLabels {
  jacobian?: string;
  vjp?: string;
  jvp?: string;
  gradient?: string;
}

export function analyticOps<X extends GradInput>(
  analytic: Analytic<X>,
  x: () => X,
  m: number,
  n: number,
  labels: AnalyticLabels = {},
): AnalyticOps {
  if (analytic === null || typeof analytic !== 'object') {
    throw new GradcheckError('analytic must be { jacobian }, { vjp }, { jvp } or { gradient }');
  }
  const note = `the numeric Jacobian is ${m} output${m === 1 ? '' : 's'} × ${n} input${n === 1 ? '' : 's'}`;
  const keys = ['jacobian', 'vjp', 'jvp', 'gradient'].filter((k) => k in analytic);
  if (keys.length !== 1) {
    throw new GradcheckError(
      `analytic must have exactly one of jacobian, vjp, jvp, gradient; got ${keys.length ? keys.join(', ') : 'none'}`,
    );
  }
  if ('jacobian' in analytic) {
    const label = labels.jacobian ?? 'analytic jacobian';
    let cached: Float64Array[] | undefined;
    const full = (): Float64Array[] => {
      if (cached) return cached;
      const src = analytic.jacobian;
      const J: unknown = typeof src === 'function' ? src(x()) : src;
      if (!J || typeof (J as ArrayLike<unknown>).length !== 'number') {
        throw new GradcheckError(`${label} must be a matrix (rows = outputs), got ${describe(J)}`);
      }
      const rows = J as ArrayLike<unknown>;
      if (m === 1 && rows.length === n && typeof rows[0] === 'number') {
        cached = [vec(rows, n, label, note)];
        return cached;
      }
      if (rows.length !== m) throw new GradcheckError(`shape mismatch: ${label} has ${rows.length} rows, expected ${m} (${note})`);
      cached = Array.from({ length: m }, (_, o) => vec(rows[o], n, `${label}[${o}]`, note));
      return cached;
    };
    return {
      label,
      block: (mask) => full().map((r) => Float64Array.from(mask, (i) => r[i])),
      vjp: (u) => {
        const J = full();
        const w = new Float64Array(n);
        for (let o = 0; o < m; o++) for (let i = 0; i < n; i++) w[i] += u[o] * J[o][i];
        return w;
      },
    };
  }
  if ('gradient' in analytic) {
    const label = labels.gradient ?? 'analytic gradient';
    if (m !== 1) {
      throw new GradcheckError(`shape mismatch: { gradient } needs a scalar f, but f returns ${m} outputs; use { vjp } or { jacobian }`);
    }
    let cached: Float64Array | undefined;
    const g = () => (cached ??= vec(analytic.gradient(x()), n, label, note));
    return {
      label,
      block: (mask) => [Float64Array.from(mask, (i) => g()[i])],
      vjp: (u) => g().map((v) => v * u[0]),
    };
  }
  if ('vjp' in analytic) {
    const label = labels.vjp ?? 'analytic vjp';
    const vjp = (u: Float64Array) => vec(analytic.vjp(x(), Array.from(u)), n, label, note);
    return {
      label,
      block: (mask) =>
        Array.from({ length: m }, (_, o) => {
          const e = new Float64Array(m);
          e[o] = 1;
          const r = vjp(e);
          return Float64Array.from(mask, (i) => r[i]);
        }),
      vjp,
    };
  }
  if ('jvp' in analytic) {
    const label = labels.jvp ?? 'analytic jvp';
    const jvp = (v: Float64Array) => vec(analytic.jvp(x(), Array.from(v)), m, label, note);
    return {
      label,
      block: (mask) => {
        const rows = Array.from({ length: m }, () => new Float64Array(mask.length));
        mask.forEach((i, q) => {
          const e = new Float64Array(n);
          e[i] = 1;
          const c = jvp(e);
          for (let o = 0; o < m; o++) rows[o][q] = c[o];
        });
        return rows;
      },
      jvp,
    };
  }
  throw new GradcheckError('analytic must be { jacobian }, { vjp }, { jvp } or { gradient }');
}
