/**
 * Backward ops against finite differences of the implementation's own forward op.
 *
 * gradcheck (src/gradcheck, Ridders' method, fast mode: a random projection uᵀJv, the full
 * Jacobian when it fails) is synchronous, while adapter calls are asynchronous. So it runs in
 * record-and-replay passes: a pass runs gradcheck against a cache of the implementation's
 * answers, recording every point the cache cannot answer (answering with the value at x, a
 * placeholder); the recorded points are then evaluated through the adapter and the pass is
 * repeated. gradcheck is deterministic given the answers, so once a pass needs nothing new its
 * report is exactly what gradcheck would say with synchronous calls.
 *
 * Only finite inputs are differentiated (masked −Infinity logits stay fixed) and only finite
 * outputs are compared (log_softmax is −Infinity at a masked entry).
 */
import type { OpName } from '../ops/registry.js';
import { gradientOf } from '../ops/registry.js';
import type { RawArgs } from '../core/regimes.js';
import { gradcheck, GradcheckError, type GradcheckReport } from '../gradcheck/index.js';
import type { Adapter } from '../verify/adapter.js';
import type { Dtype } from '../verify/verdict.js';

export interface FdResult {
  ok: boolean;
  /** the worst error / tolerance ratio of gradcheck (> 1 fails) */
  ratio: number | null;
  mode: GradcheckReport['mode'];
  checked: number;
  message: string;
  /** adapter calls the check needed (forward + backward) */
  calls: number;
}

function flatNums(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.flatMap((x) => flatNums(x));
  return [NaN];
}

type Shape = { kind: 'scalar' } | { kind: 'vector'; n: number } | { kind: 'matrix'; rows: number; cols: number };

function shapeOf(v: unknown): Shape {
  if (typeof v === 'number') return { kind: 'scalar' };
  const a = v as unknown[];
  if (a.length > 0 && Array.isArray(a[0])) return { kind: 'matrix', rows: a.length, cols: (a[0] as unknown[]).length };
  return { kind: 'vector', n: a.length };
}

function reshape(flat: number[], s: Shape): unknown {
  if (s.kind === 'scalar') return flat[0];
  if (s.kind === 'vector') return flat;
  return Array.from({ length: s.rows }, (_, r) => flat.slice(r * s.cols, (r + 1) * s.cols));
}

function withFlat(args: RawArgs, name: string, flat: number[]): RawArgs {
  const a = args[name] as unknown[];
  if (Array.isArray(a[0])) {
    const cols = (a[0] as unknown[]).length;
    return { ...args, [name]: Array.from({ length: a.length }, (_, r) => flat.slice(r * cols, (r + 1) * cols)) };
  }
  return { ...args, [name]: flat };
}

const key = (xs: ArrayLike<number>) => Array.from(xs, (v) => (Object.is(v, -0) ? '-0' : String(v))).join(',');

export class FdSkip extends Error {}

/**
 * Check `backward` (with respect to its `wrt` argument) against finite differences of the
 * implementation's `forward` at raw args (grad_output, if any, is ignored: gradcheck chooses
 * the cotangents). Throws FdSkip when the check cannot be carried out at this point.
 */
export async function fdCheck(adapter: Adapter, backward: OpName, raw: RawArgs, dtype: Dtype, seed: number): Promise<FdResult> {
  const grad = gradientOf(backward);
  if (grad === null) throw new FdSkip(`${backward} is not a backward op`);
  const { forward, wrt } = grad;
  const { grad_output: _g, ...fwdArgs } = raw;
  const xFull = flatNums(fwdArgs[wrt]);
  const free = xFull.map((v, i) => (Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
  if (free.length === 0) throw new FdSkip('no finite input to differentiate');
  let calls = 0;
  const full = (xFree: ArrayLike<number>) => {
    const x = xFull.slice();
    free.forEach((i, q) => (x[i] = xFree[q]));
    return x;
  };
  const fwd0 = await adapter.call(forward, fwdArgs);
  calls++;
  if (fwd0.kind !== 'result') throw new FdSkip(`the forward op ${forward} did not return a result (${fwd0.kind})`);
  const outShape = shapeOf(fwd0.value);
  const f0Full = flatNums(fwd0.value);
  const bad = f0Full.find((v) => Number.isNaN(v) || v === Infinity);
  if (bad !== undefined) throw new FdSkip(`the forward op returns ${bad} at this point`);
  const keep = f0Full.map((v, i) => (Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
  if (keep.length === 0) throw new FdSkip('no finite output to differentiate');
  const f0 = keep.map((i) => f0Full[i]);

  const x0 = free.map((i) => xFull[i]);
  const fCache = new Map<string, number[] | Error>([[key(x0), f0]]);
  const vCache = new Map<string, number[] | Error>();
  const evalForward = async (x: number[]): Promise<number[] | Error> => {
    calls++;
    const r = await adapter.call(forward, withFlat(fwdArgs, wrt, full(x)));
    if (r.kind !== 'result') return new Error(`${forward} replied ${r.kind === 'error' ? `with an error: ${r.message}` : r.kind}`);
    const y = flatNums(r.value);
    return keep.map((i) => y[i]);
  };
  const evalVjp = async (x: number[], v: number[]): Promise<number[] | Error> => {
    calls++;
    const vFull = new Array<number>(f0Full.length).fill(0);
    keep.forEach((i, q) => (vFull[i] = v[q]));
    const args = { ...withFlat(raw, wrt, full(x)), grad_output: reshape(vFull, outShape) };
    const r = await adapter.call(backward, args);
    if (r.kind !== 'result') return new Error(`${backward} replied ${r.kind === 'error' ? `with an error: ${r.message}` : r.kind}`);
    const y = flatNums(r.value);
    return free.map((i) => y[i]);
  };
  // probabilities: steps that stay inside (0, 1)
  let step: number | undefined;
  if (wrt === 'probs') step = Math.min(...x0.map((p) => Math.min(p, 1 - p))) / 4;
  const options = { fastMode: true, dtype, seed, ...(step !== undefined && step > 0 ? { step } : {}) };

  for (let pass = 0; pass < 40; pass++) {
    const fMiss = new Map<string, number[]>();
    const vMiss = new Map<string, [number[], number[]]>();
    const f = (x: number[]) => {
      const k = key(x);
      const c = fCache.get(k);
      if (c instanceof Error) throw c;
      if (c) return c;
      fMiss.set(k, Array.from(x));
      return f0;
    };
    const vjp = (x: number[], v: number[]) => {
      const k = `${key(x)}|${key(v)}`;
      const c = vCache.get(k);
      if (c instanceof Error) throw c;
      if (c) return c;
      vMiss.set(k, [Array.from(x), Array.from(v)]);
      return new Array<number>(x.length).fill(0);
    };
    let report: GradcheckReport | undefined;
    let error: unknown;
    try {
      report = gradcheck(f, x0, { vjp }, options);
    } catch (e) {
      error = e;
    }
    if (fMiss.size === 0 && vMiss.size === 0) {
      if (report) {
        return {
          ok: report.ok,
          ratio: report.worst ? report.worst.ratio : null,
          mode: report.mode,
          checked: report.checked,
          message: report.message,
          calls,
        };
      }
      if (error instanceof GradcheckError) throw new FdSkip(error.message);
      if (error instanceof Error) throw new FdSkip(`the backward op could not be evaluated: ${error.message}`);
      throw error;
    }
    for (const [k, x] of fMiss) fCache.set(k, await evalForward(x));
    for (const [k, [x, v]] of vMiss) vCache.set(k, await evalVjp(x, v));
    if (adapter.ended) throw new FdSkip(`the implementation ended: ${adapter.ended}`);
  }
  throw new FdSkip('the finite differences did not settle within 40 passes');
}
