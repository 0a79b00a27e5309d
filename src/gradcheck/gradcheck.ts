/**
 * gradcheck: compare an analytic derivative (Jacobian, VJP, JVP or gradient) with numeric
 * derivatives computed independently by Ridders' method (default) or a central difference,
 * with per-entry tolerances derived from the numeric side's own error estimate and the
 * measured rounding noise of f. See docs/gradcheck.md for the derivation of every default.
 */
import { analyticOps, type AnalyticLabels, type AnalyticOps } from './analytic.js';
import { GradcheckError } from './errors.js';
import { flattenOutput, type FloatFormat, type GradInput, makePoint, type Point, realiseStep, resolveMask, scaleOf } from './format.js';
import { ECNOISE_POINTS, ecnoiseOutputs } from './noise.js';
import { DEFAULT_SEED, SeededRandom } from '../core/prng.js';
import { centralDifference, NonFiniteStep, ridders, RIDDERS_CON, RIDDERS_NTAB, type RiddersResult, type SecantRow } from './ridders.js';
import { entry, summarize, verdictMessage } from './report.js';
import type { Analytic, EntryCheck, FnOutput, GradcheckOptions, GradcheckReport } from './types.js';

/** Defaults; see docs/gradcheck.md ("How the defaults are derived"). */
export const GRADCHECK_DEFAULTS = {
  /** safety factor on the numeric error estimate + noise */
  k: 4,
  /** rtol = rtolUlps·u·max(1, max|x|): the analytic value's own rounding, a few dozen roundings deep, times the condition of exp-type intermediates */
  rtolUlps: 32,
  /** atol = atolUlps·u·max_i |numeric[o][i]|: cancellation at the scale of the output's gradient row */
  atolUlps: 32,
  projections: 1,
  seed: DEFAULT_SEED,
  maxFailures: 20,
} as const;

/** Central difference step factor: h = u^(1/3)·s_i (s_i the input's length scale, format.ts scaleOf) balances h² truncation and u/h rounding. */
export function centralStepFactor(u: number): number {
  return Math.cbrt(u);
}

/**
 * Ridders' first step factor: the fourth-order extrapolated entries are optimal near
 * h* = u^(1/7)·scale (truncation h⁶ against rounding u/h); the tableau starts CON^((NTAB-1)/2)
 * above h* so that its rows straddle h*.
 */
export function riddersStepFactor(u: number): number {
  return Math.pow(u, 1 / 7) * Math.pow(RIDDERS_CON, (RIDDERS_NTAB - 1) / 2);
}

/** Spacing of the noise probe (ECnoise): u^(3/8), small enough that 3rd+ differences of smooth f vanish. */
export function noiseProbeFactor(u: number): number {
  return Math.pow(u, 3 / 8);
}

interface Resolved {
  k: number;
  rtol: number;
  atol: number | undefined;
  seed: number;
  maxFailures: number;
  method: 'ridders' | 'central';
  projections: number;
}

function resolveOptions(o: GradcheckOptions, fmt: FloatFormat, xmax: number): Resolved {
  const posNum = (v: unknown, name: string, allowZero = true): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      throw new GradcheckError(`option ${name} = ${String(v)} must be a finite number ${allowZero ? '≥ 0' : '> 0'}`);
    }
    return v;
  };
  const k = o.k === undefined ? GRADCHECK_DEFAULTS.k : posNum(o.k, 'k');
  const rtol = o.rtol === undefined ? GRADCHECK_DEFAULTS.rtolUlps * fmt.u * Math.max(1, xmax) : posNum(o.rtol, 'rtol');
  const atol = o.atol === undefined ? undefined : posNum(o.atol, 'atol');
  const seed = o.seed ?? GRADCHECK_DEFAULTS.seed;
  if (!Number.isInteger(seed)) throw new GradcheckError(`option seed = ${String(seed)} must be an integer`);
  const method = o.method ?? 'ridders';
  if (method !== 'ridders' && method !== 'central') {
    throw new GradcheckError(`option method = ${JSON.stringify(method)} must be "ridders" or "central"`);
  }
  const projections = o.projections ?? GRADCHECK_DEFAULTS.projections;
  if (!Number.isInteger(projections) || projections < 1) {
    throw new GradcheckError(`option projections = ${String(projections)} must be an integer ≥ 1`);
  }
  const maxFailures = o.maxFailures ?? GRADCHECK_DEFAULTS.maxFailures;
  return { k, rtol, atol, seed, maxFailures, method, projections };
}

/** Everything a check needs about f at x. */
interface Problem {
  point: Point;
  fmt: FloatFormat;
  n: number;
  m: number;
  f0: Float64Array;
  mask: number[];
  evalAt(values: Float64Array, where: () => string): Float64Array;
  /** nominal step for input i (user's, or derived) */
  stepFor(i: number): number;
  /** the length scale of input i (format.ts scaleOf) */
  scale(i: number): number;
  /** max |x_i|: the magnitude of input-derived intermediates (noise floor) */
  xmax: number;
  userStep: boolean;
}

function setup<X extends GradInput>(f: (x: X) => FnOutput, x: X, options: GradcheckOptions, method: 'ridders' | 'central'): Problem {
  if (typeof f !== 'function') throw new GradcheckError('f must be a function of the input vector');
  const point = makePoint(x, options.dtype);
  const fmt = point.format;
  const n = point.values.length;
  const mask = resolveMask(options.mask, n);
  let m = -1;
  const evalAt = (values: Float64Array, where: () => string): Float64Array => {
    const y = flattenOutput(f(point.make(values) as X), 'f');
    if (m >= 0 && y.length !== m) throw new GradcheckError(`f returned ${y.length} outputs at ${where()} but ${m} at x`);
    return y;
  };
  const f0 = evalAt(point.values, () => 'x');
  m = f0.length;
  if (m === 0) throw new GradcheckError('f(x) returned an empty array: there is nothing to differentiate');
  for (let o = 0; o < m; o++) {
    if (!Number.isFinite(f0[o])) {
      throw new GradcheckError(`f(x) is not finite: output ${o} = ${f0[o]}; derivatives are not defined at this point`);
    }
  }
  const mode = options.stepScale ?? 'log';
  if (mode !== 'log' && mode !== 'relative') {
    throw new GradcheckError(`option stepScale = ${JSON.stringify(mode)} must be "log" or "relative"`);
  }
  const scale = (i: number) => scaleOf(point.values[i], mode, fmt.u);
  const s = options.step;
  let stepFor: (i: number) => number;
  const factor = method === 'ridders' ? riddersStepFactor(fmt.u) : centralStepFactor(fmt.u);
  if (s === undefined) {
    stepFor = (i) => factor * scale(i);
  } else if (typeof s === 'number') {
    if (!(s > 0 && Number.isFinite(s))) throw new GradcheckError(`option step = ${s} must be a finite number > 0`);
    stepFor = () => s;
  } else {
    if (s.length !== n) throw new GradcheckError(`option step has ${s.length} entries but x has ${n} inputs`);
    for (let i = 0; i < n; i++) {
      if (!(s[i] > 0 && Number.isFinite(s[i]))) throw new GradcheckError(`option step[${i}] = ${s[i]} must be a finite number > 0`);
    }
    stepFor = (i) => s[i];
  }
  let xmax = 0;
  for (const v of point.values) xmax = Math.max(xmax, Math.abs(v));
  return { point, fmt, n, m, f0, mask, evalAt, stepFor, scale, xmax, userStep: s !== undefined };
}

function nonFinite(y: Float64Array): number {
  for (let o = 0; o < y.length; o++) if (!Number.isFinite(y[o])) return o;
  return -1;
}

/**
 * Evaluate f at a perturbed point. An exception thrown by f there (an argument validator
 * rejecting a probability outside [0, 1], say) means f is not defined at that step: like a
 * non-finite value, it makes Ridders restart with smaller steps, and is reported with the
 * input and step if even the smallest step fails.
 */
function evalAtStep(p: Problem, v: Float64Array, where: () => string): Float64Array {
  try {
    return p.evalAt(v, where);
  } catch (e) {
    if (e instanceof GradcheckError) throw e;
    throw new NonFiniteStep(`f threw at ${where()}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The numeric column d f / d x_i. */
function numericColumn(p: Problem, i: number, method: 'ridders' | 'central'): RiddersResult {
  const base = p.point.values;
  const xi = base[i];
  const rowAt = (h: number): SecantRow => {
    const s = realiseStep(p.fmt, xi, h, i);
    const v = Float64Array.from(base);
    v[i] = s.xp;
    const fp = evalAtStep(p, v, () => `x[${i}] + h (x[${i}] = ${s.xp}, h = ${s.xp - xi})`);
    let bad = nonFinite(fp);
    if (bad >= 0) {
      throw new NonFiniteStep(`f is not finite at x[${i}] + h (x[${i}] = ${s.xp}, h = ${s.xp - xi}): output ${bad} = ${fp[bad]}`);
    }
    v[i] = s.xm;
    const fm = evalAtStep(p, v, () => `x[${i}] - h (x[${i}] = ${s.xm}, h = ${xi - s.xm})`);
    bad = nonFinite(fm);
    if (bad >= 0) {
      throw new NonFiniteStep(`f is not finite at x[${i}] - h (x[${i}] = ${s.xm}, h = ${xi - s.xm}): output ${bad} = ${fm[bad]}`);
    }
    const values = new Float64Array(p.m);
    const two = 2 * s.h;
    for (let o = 0; o < p.m; o++) values[o] = (fp[o] - fm[o]) / two;
    return { h: s.h, values };
  };
  const h = p.stepFor(i);
  if (method === 'central') return centralDifference(p.m, rowAt, h);
  const floor = Math.min(h, centralStepFactor(p.fmt.u) * p.scale(i));
  return ridders(p.m, rowAt, { h0: h, hFloor: floor });
}

/**
 * Noise level σ_o of every output along `dir`: ECnoise on f(x + j·δ·dir), j = -3..3, with
 * δ = u^(3/8) (dir is scaled per input), floored at one rounding u·|f_o| and at the
 * format's smallest subnormal (the quantum of any output). A probe that cannot decide is
 * repeated at 1/256 of the spacing, then falls back to the smallest high-order level
 * (conservative). Noise depends on the direction (e.g. exp(x_i - max) is noisy along x_i
 * but not along a direction that moves x_i and the max together), so full mode probes
 * each checked input's own axis and fast mode each projection's direction.
 */
function measureNoise(p: Problem, dir: Float64Array, combine?: (y: Float64Array) => number): Float64Array {
  const m = combine ? 1 : p.m;
  const base = p.point.values;
  const delta = noiseProbeFactor(p.fmt.u);
  const probe = (d: number, fallback: boolean): (number | undefined)[] | undefined => {
    const samples: Float64Array[] = [];
    const half = (ECNOISE_POINTS - 1) / 2;
    for (let j = 0; j < ECNOISE_POINTS; j++) {
      let y: Float64Array;
      if (j === half) y = p.f0;
      else {
        const v = Float64Array.from(base, (b, i) => (dir[i] === 0 ? b : p.fmt.round(b + (j - half) * d * dir[i])));
        try {
          y = p.evalAt(v, () => 'a noise-probe point');
        } catch (e) {
          if (e instanceof GradcheckError) throw e;
          return undefined; // f rejects a probe point: no measurement, the floors apply
        }
      }
      samples.push(combine ? Float64Array.of(combine(y)) : y);
    }
    if (samples.some((s) => nonFinite(s) >= 0)) return undefined;
    return ecnoiseOutputs(samples, m, fallback);
  };
  let est = probe(delta, false);
  if (est === undefined || est.some((s) => s === undefined || s === 0)) {
    const again = probe(delta / 256, true);
    if (again) est = est ? est.map((s, o) => (s === undefined || s === 0 ? again[o] : s)) : again;
  }
  const out = new Float64Array(m);
  let floorScale: Float64Array = p.f0.map(Math.abs);
  if (combine) floorScale = Float64Array.of(p.f0.reduce((s, v, o) => s + Math.abs(combine(unit(p.m, o)) * v), 0));
  // floor: one rounding of the output, and never below the format's smallest subnormal (the quantum of any output)
  const quantum = p.fmt.dtype === 'float32' ? 2 ** -149 : Number.MIN_VALUE;
  for (let o = 0; o < m; o++) out[o] = Math.max((est && est[o]) || 0, p.fmt.u * floorScale[o], quantum);
  return out;
}

/**
 * The input-rounding floor of f's noise for a derivative of size |d|: functions of logits form
 * input-sized intermediates (x_j - max x, w·x) whose rounding u·max|x| propagates with the
 * sensitivity |d| (e.g. exp(x_i - m) at |x_i - m| = 90 has relative noise ~90u). A probe along
 * an arithmetic progression can miss it (the rounding errors of x + j·δ are correlated), so
 * it is a floor under the measured level.
 */
function inputRoundingFloor(p: Problem, d: number): number {
  return p.fmt.u * p.xmax * Math.abs(d);
}

function unit(m: number, o: number): Float64Array {
  const e = new Float64Array(m);
  e[o] = 1;
  return e;
}

function fixedNoise(given: number | ArrayLike<number>, m: number): Float64Array {
  if (typeof given === 'number') {
    if (!(given >= 0 && Number.isFinite(given))) throw new GradcheckError(`option fNoise = ${given} must be a finite number ≥ 0`);
    return new Float64Array(m).fill(given);
  }
  if (given.length !== m) throw new GradcheckError(`option fNoise has ${given.length} entries but f has ${m} outputs`);
  return Float64Array.from(given, (v, o) => {
    if (!(v >= 0 && Number.isFinite(v))) throw new GradcheckError(`option fNoise[${o}] = ${v} must be a finite number ≥ 0`);
    return v;
  });
}

function fullCheck(p: Problem, ops: AnalyticOps, r: Resolved, options: GradcheckOptions): { entries: EntryCheck[]; noise: Float64Array } {
  const A = ops.block(p.mask);
  const given = options.fNoise !== undefined ? fixedNoise(options.fNoise, p.m) : undefined;
  const sigmas = p.mask.map((i) => {
    if (given) return given;
    const dir = new Float64Array(p.n);
    dir[i] = p.scale(i);
    return measureNoise(p, dir);
  });
  const sigma = new Float64Array(p.m);
  for (const s of sigmas) for (let o = 0; o < p.m; o++) sigma[o] = Math.max(sigma[o], s[o]);
  const cols = p.mask.map((i) => numericColumn(p, i, r.method));
  const entries: EntryCheck[] = [];
  for (let o = 0; o < p.m; o++) {
    let scale = 0;
    for (const c of cols) scale = Math.max(scale, Math.abs(c.value[o]));
    const atol = r.atol ?? GRADCHECK_DEFAULTS.atolUlps * p.fmt.u * scale;
    p.mask.forEach((i, q) => {
      const c = cols[q];
      const num = c.value[o];
      const noise = Math.max(sigmas[q][o], inputRoundingFloor(p, num)) * c.noiseFactor[o];
      const tol = r.k * (c.err[o] + noise) + r.rtol * Math.abs(num) + atol;
      entries.push(entry(o, i, A[o][q], num, c.err[o], noise, tol));
    });
  }
  return { entries, noise: sigma };
}

function fastCheck(
  p: Problem,
  ops: AnalyticOps,
  r: Resolved,
  options: GradcheckOptions,
  rng: SeededRandom,
): { entries: EntryCheck[]; noise: number[] } {
  if (options.step !== undefined && typeof options.step !== 'number') {
    throw new GradcheckError('fast mode takes one step (a number: the first step t along the scaled direction), not one per input');
  }
  const entries: EntryCheck[] = [];
  const noise: number[] = [];
  const base = p.point.values;
  for (let q = 0; q < r.projections; q++) {
    const u = new Float64Array(p.m);
    if (p.m === 1) u[0] = 1;
    else for (let o = 0; o < p.m; o++) u[o] = rng.normal();
    const z = new Float64Array(p.n);
    let zmax = 0;
    for (const i of p.mask) {
      z[i] = rng.normal();
      zmax = Math.max(zmax, Math.abs(z[i]));
    }
    const v = Float64Array.from(z, (zi, i) => (zi / zmax) * p.scale(i));
    // analytic projection and the scale of its final dot product
    let proj = 0;
    let dotScale = 0;
    let w: Float64Array | undefined;
    if (ops.vjp) {
      w = ops.vjp(u);
      for (let i = 0; i < p.n; i++) {
        proj += w[i] * v[i];
        dotScale += Math.abs(w[i] * v[i]);
      }
    } else {
      const y = ops.jvp!(v);
      for (let o = 0; o < p.m; o++) {
        proj += u[o] * y[o];
        dotScale += Math.abs(u[o] * y[o]);
      }
    }
    const gOf = (y: Float64Array) => {
      let s = 0;
      for (let o = 0; o < p.m; o++) s += u[o] * y[o];
      return s;
    };
    const rowAt = (t: number): SecantRow => {
      const xp = new Float64Array(p.n);
      const xm = new Float64Array(p.n);
      const ebar = new Float64Array(p.n);
      let moved = false;
      let anyE = false;
      for (let i = 0; i < p.n; i++) {
        xp[i] = p.fmt.round(base[i] + t * v[i]);
        xm[i] = p.fmt.round(base[i] - t * v[i]);
        if (v[i] !== 0) {
          if (xp[i] !== base[i]) moved = true;
          ebar[i] = (xp[i] - base[i] + (base[i] - xm[i])) / (2 * t) - v[i];
          if (ebar[i] !== 0) anyE = true;
        }
      }
      if (!moved) {
        throw new GradcheckError(
          `the step t = ${t} along the projection direction vanishes in ${p.fmt.dtype} (x + t·v == x for every input)`,
        );
      }
      const fp = evalAtStep(p, xp, () => `x + t·v (projection ${q}, t = ${t})`);
      let bad = nonFinite(fp);
      if (bad >= 0) throw new NonFiniteStep(`f is not finite at x + t·v (projection ${q}, t = ${t}): output ${bad} = ${fp[bad]}`);
      const fm = evalAtStep(p, xm, () => `x - t·v (projection ${q}, t = ${t})`);
      bad = nonFinite(fm);
      if (bad >= 0) throw new NonFiniteStep(`f is not finite at x - t·v (projection ${q}, t = ${t}): output ${bad} = ${fm[bad]}`);
      let sec = (gOf(fp) - gOf(fm)) / (2 * t);
      // the realised displacement differs from t·v by the rounding of x ± t·v (≤ u·|x_i|);
      // remove its first-order effect uᵀJ·ē (the analytic J is only used on this ~u/t-sized vector)
      if (anyE) {
        if (w) {
          let c = 0;
          for (let i = 0; i < p.n; i++) c += w[i] * ebar[i];
          sec -= c;
        } else sec -= gOf(ops.jvp!(ebar));
      }
      return { h: t, values: Float64Array.of(sec) };
    };
    let sigma: number;
    if (options.fNoise !== undefined) {
      const s = fixedNoise(options.fNoise, p.m);
      sigma = Math.sqrt(s.reduce((acc, so, o) => acc + (u[o] * so) ** 2, 0));
    } else sigma = measureNoise(p, v, gOf)[0];
    noise.push(sigma);
    const t0 = typeof options.step === 'number'
      ? options.step
      : r.method === 'ridders'
      ? riddersStepFactor(p.fmt.u)
      : centralStepFactor(p.fmt.u);
    const res = r.method === 'ridders'
      ? ridders(1, rowAt, { h0: t0, hFloor: Math.min(t0, centralStepFactor(p.fmt.u)) })
      : centralDifference(1, rowAt, t0);
    const num = res.value[0];
    // input-rounding floor along v: Σ_i |∂g/∂x_i|·u·max|x| (w = Jᵀu when known, else the dot scale)
    const wsum = w ? w.reduce((a, wi) => a + Math.abs(wi), 0) : dotScale;
    const nz = Math.max(sigma, p.fmt.u * p.xmax * wsum) * res.noiseFactor[0];
    let atol: number;
    if (r.atol !== undefined) {
      let su = 0;
      let sv = 0;
      for (let o = 0; o < p.m; o++) su += Math.abs(u[o]);
      for (let i = 0; i < p.n; i++) sv += Math.abs(v[i]);
      atol = r.atol * su * sv;
    } else atol = GRADCHECK_DEFAULTS.atolUlps * p.fmt.u * dotScale;
    const tol = r.k * (res.err[0] + nz) + r.rtol * Math.abs(num) + atol;
    const e = entry(-1, -1, proj, num, res.err[0], nz, tol);
    e.projection = q;
    entries.push(e);
  }
  return { entries, noise };
}

/** Shared driver of gradcheck, gradgradcheck and thirdOrderCheck. */
export function runCheck<X extends GradInput>(
  f: (x: X) => FnOutput,
  x: X,
  analytic: Analytic<X>,
  options: GradcheckOptions,
  order: 1 | 2 | 3,
  labels: AnalyticLabels,
  extraMessage = '',
): GradcheckReport {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new GradcheckError('options must be an object');
  const probe = makePoint(x, options.dtype);
  let xmax = 0;
  for (const v of probe.values) xmax = Math.max(xmax, Math.abs(v));
  const r = resolveOptions(options, probe.format, xmax);
  const p = setup(f, x, options, r.method);
  const rng = new SeededRandom(r.seed);
  const ops = analyticOps(analytic, () => p.point.make(p.point.values) as X, p.m, p.n, labels);
  const base = {
    seed: r.seed,
    method: r.method,
    dtype: p.fmt.dtype,
    order,
    shape: { outputs: p.m, inputs: p.n, checkedInputs: p.mask.length },
    settings: { k: r.k, rtol: r.rtol, atol: r.atol ?? ('derived' as const), u: p.fmt.u },
  };
  const note = (p.point.rounded ? '; x was rounded to float32' : '') + extraMessage;
  if (options.fastMode) {
    const fast = fastCheck(p, ops, r, options, rng);
    const s = summarize(fast.entries, r.maxFailures);
    if (s.failed === 0) {
      const rep = {
        ok: true,
        worst: s.worst,
        checked: fast.entries.length,
        failed: 0,
        failures: [],
        projections: fast.entries,
        mode: 'fast' as const,
        fNoise: fast.noise,
        ...base,
      };
      return { ...rep, message: verdictMessage(rep, note) };
    }
    // locate the failing entries with the full Jacobian
    const full = fullCheck(p, ops, r, options);
    const fs = summarize(full.entries, r.maxFailures);
    const confirm = fs.failed === 0
      ? `; the projection mismatch (ratio ${s.worst!.ratio.toPrecision(3)}) was not confirmed entrywise by the full Jacobian`
      : `; located with the full Jacobian after projection ${s.failures[0].projection} failed (ratio ${s.worst!.ratio.toPrecision(3)})`;
    const rep = {
      ok: fs.failed === 0,
      worst: fs.worst,
      checked: full.entries.length,
      failed: fs.failed,
      failures: fs.failures,
      projections: fast.entries,
      mode: 'fast+full' as const,
      fNoise: Array.from(full.noise),
      ...base,
      ...(options.keepEntries ? { entries: full.entries } : {}),
    };
    return { ...rep, message: verdictMessage(rep, note + confirm) };
  }
  const full = fullCheck(p, ops, r, options);
  const s = summarize(full.entries, r.maxFailures);
  const rep = {
    ok: s.failed === 0,
    worst: s.worst,
    checked: full.entries.length,
    failed: s.failed,
    failures: s.failures,
    mode: 'full' as const,
    fNoise: Array.from(full.noise),
    ...base,
    ...(options.keepEntries ? { entries: full.entries } : {}),
  };
  return { ...rep, message: verdictMessage(rep, note) };
}

/**
 * Check an analytic derivative of f at x against numeric derivatives.
 *
 * f maps the input vector (number[] | Float64Array | Float32Array, passed as a fresh copy of
 * the same kind) to a number, a vector or a matrix (flattened row-major). `analytic` is
 * { jacobian }, { vjp }, { jvp } or { gradient }. Returns a report; it throws a
 * GradcheckError only when the check cannot be carried out (shapes, non-finite values,
 * inputs that cannot hold x + h, bad options). Use assertGradcheck to throw on a failure.
 */
export function gradcheck<X extends GradInput>(
  f: (x: X) => FnOutput,
  x: X,
  analytic: Analytic<X>,
  options: GradcheckOptions = {},
): GradcheckReport {
  return runCheck(f, x, analytic, options, 1, {});
}
