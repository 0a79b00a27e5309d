/**
 * The audit's sweeps: for every op, a few one-parameter families of raw args (logit scale,
 * spread between the top logits, row width, masked entries, probability of the target near 0
 * and 1, pos_weight), each walked in the order in which the stress grows. Every point is
 * built deterministically from (seed, sweep, parameter): the base patterns come from a
 * seeded PRNG, so a point is reproducible from its parameter alone, and bisection can build
 * points between grid values. For float32 implementations every number is rounded to float32
 * (Math.fround) so the reference is computed at the very inputs the implementation sees.
 * docs/audit.md describes each sweep.
 */
import { SeededRandom } from '../../core/prng.js';
import type { AuditDtype, GradientPoint, RawArgs, Sweep, SweepId, SweepOptions } from '../types.js';

export type { AuditDtype, Sweep, SweepId, SweepOptions } from '../types.js';

// ---------------------------------------------------------------------------------------
// grids

const F64_MAX_SCALE = 1e308;
const F32_MAX_SCALE = 3e38;

/** 10^e for each exponent, deduplicated, in order. */
function pow10(exps: number[]): number[] {
  const out: number[] = [];
  for (const e of exps) {
    const v = Number((10 ** e).toPrecision(15));
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

function range(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let k = 0; lo + k * step <= hi + 1e-9; k++) out.push(Number((lo + k * step).toFixed(6)));
  return out;
}

/**
 * Logit scales (also spreads and pos_weight), log-spaced from 1e-3 to 1e308 (float32: 3e38):
 * dense where exp over- and underflows (1 … 1e4), sparser above.
 */
export function scaleGrid(dtype: AuditDtype, quick: boolean): number[] {
  const max = dtype === 'float32' ? F32_MAX_SCALE : F64_MAX_SCALE;
  const maxExp = Math.log10(max);
  const exps = quick
    ? [...range(-3, 4, 0.5), 5, 6, 8, 10, 12, 16, 20, 25, 30, 38, 50, 75, 100, 154, 200, 250, 300, 307]
    : [...range(-3, 4, 0.125), ...range(4.5, 40, 0.5), ...range(44, 304, 4), 306, 307];
  const grid = pow10(exps.filter((e) => e < maxExp));
  grid.push(max);
  return grid;
}

/** δ = 10^-k: the probability of the target (or 1 − p) approaching 0; float32 stops at its subnormals. */
export function deltaGrid(dtype: AuditDtype, quick: boolean, maxK: { float64: number; float32: number }): number[] {
  const top = maxK[dtype];
  const ks = quick
    ? [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 30, 38, 45, 50, 100, 150, 200, 250, 300, 307, 310, 320]
    : [...range(1, 20, 0.25), ...range(22, 300, 2), 305, 307, 310, 315, 320, 323];
  return pow10(ks.filter((k) => k <= top).map((k) => -k));
}

export function widthGrid(quick: boolean): number[] {
  return quick ? [1, 10, 100, 1000] : [1, 10, 100, 1000, 10_000];
}

const MASK_C = 16;

function maskedGrid(quick: boolean): number[] {
  return quick ? [0, 1, 4, 8, 12, 15, 16] : range(0, MASK_C, 1);
}

// ---------------------------------------------------------------------------------------
// deterministic base patterns

/** A PRNG for one (seed, label) pair: the same label always yields the same pattern. */
export function rngFor(seed: number, label: string): SeededRandom {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 2654435761) >>> 0;
  return new SeededRandom(h >>> 0);
}

/** uniform in [lo, hi), rounded to 6 significant digits so patterns read well in JSON */
export function uniform(r: SeededRandom, lo: number, hi: number): number {
  return Number((lo + (hi - lo) * r.uniform()).toPrecision(6));
}

export function sig(x: number, digits = 5): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(digits)));
}

export const formatParam = sig;

type Round = (x: number) => number;

export const roundFor = (dtype: AuditDtype): Round => (dtype === 'float32' ? (x) => (x === 0 ? 0 : Math.fround(x)) : (x) => x);

/** the logit of δ (log(δ/(1 − δ))), accurate for tiny δ */
function logit(delta: number): number {
  return Math.log(delta) - Math.log1p(-delta);
}

// ---------------------------------------------------------------------------------------
// row patterns (softmax family, cross-entropy)

interface RowCase {
  logits: number[][];
  /** class index per row for cross_entropy (and nll_loss) */
  target: number[];
}

const SCALE_C = 8;

/**
 * Scale: two rows of 8 logits. Row 0 is s·b with b_0 = 1 (the top logit is exactly s) and the
 * other b_j in [−1, 0.9]; row 1 is s·c with c_0 = −1/4, c_1 = −1/2 and the others in
 * (−1/2, −1/4) (every logit negative, the top one −s/4). Targets: the top class of row 0 and
 * the lowest (class 1) of row 1. The loss of row 1 is s/4 plus an exponentially small term:
 * s/4 is exact, so the exact loss never sits on a rounding midpoint that only a reference
 * working with millions of digits could decide.
 */
function scaleRows(seed: number, round: Round): (s: number) => RowCase {
  const r = rngFor(seed, 'rows/scale');
  const b = [1, ...Array.from({ length: SCALE_C - 1 }, () => uniform(r, -1, 0.9))];
  const c = [-0.25, -0.5, ...Array.from({ length: SCALE_C - 2 }, () => uniform(r, -0.499, -0.251))];
  return (s) => ({ logits: [b.map((v) => round(s * v)), c.map((v) => round(s * v))], target: [0, 1] });
}

/**
 * Spread: one row of 8 logits, the top one 0, the second −d, the others below it:
 * −d − w_j·min(d, 5) with w_j in [0.1, 1]. Target: the second class (its loss grows with d).
 */
function spreadRows(seed: number, round: Round): (d: number) => RowCase {
  const r = rngFor(seed, 'rows/spread');
  const w = Array.from({ length: SCALE_C - 2 }, () => uniform(r, 0.1, 1));
  return (d) => ({ logits: [[0, round(-d), ...w.map((v) => round(-d - v * Math.min(d, 5)))]], target: [1] });
}

/** Width: one row of C logits uniform in [−4, 4] (a fresh pattern per width); target a seeded class. */
function widthRows(seed: number, round: Round): (C: number) => RowCase {
  return (C) => {
    const r = rngFor(seed, `rows/width/${C}`);
    const row = Array.from({ length: C }, () => round(uniform(r, -4, 4)));
    return { logits: [row], target: [r.int(C)] };
  };
}

/**
 * Masked: one row of 16 logits uniform in [−4, 4]; k of them (in a seeded order) set to
 * −Infinity. Target: the last unmasked class in that order (for k = 16, a masked class).
 */
function maskedRows(seed: number, round: Round): (k: number) => RowCase {
  const r = rngFor(seed, 'rows/masked');
  const base = Array.from({ length: MASK_C }, () => round(uniform(r, -4, 4)));
  const order = Array.from({ length: MASK_C }, (_, i) => i);
  for (let i = MASK_C - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return (k) => {
    const row = base.slice();
    for (let i = 0; i < k; i++) row[order[i]] = -Infinity;
    return { logits: [row], target: [order[Math.min(k, MASK_C - 1)]] };
  };
}

/** Target probability δ (low) or 1 − δ (high): logits [z, 0] with z = ±logit(δ), target class 0. */
function targetProbRows(round: Round, high: boolean): (delta: number) => RowCase {
  return (delta) => ({ logits: [[round(high ? -logit(delta) : logit(delta)), 0]], target: [0] });
}

function gradRows(seed: number, label: string, logits: number[][], round: Round): number[][] {
  const r = rngFor(seed, `grad/${label}/${logits[0].length}`);
  return logits.map((row) => row.map(() => round(uniform(r, -1, 1))));
}

// ---------------------------------------------------------------------------------------
// sweeps per op

/** The shape of a row op's args: the logits alone, with a seeded grad_output, or with targets. */
export type RowSweepKind = 'forward' | 'backward' | 'cross_entropy';

/** softmax-family and cross-entropy sweeps: logit scale, spread, width, masked (+ target probability for CE) */
export function rowSweeps(kind: RowSweepKind, o: SweepOptions): Sweep[] {
  const round = roundFor(o.dtype);
  const sg = scaleGrid(o.dtype, o.quick);
  const maxLabel = o.dtype === 'float32' ? '3e38' : '1e308';
  const ce = kind === 'cross_entropy';
  const backward = kind === 'backward';
  const wrap = (label: string, rc: RowCase): RawArgs => {
    if (ce) return { logits: rc.logits, target: rc.target, reduction: 'none' };
    if (backward) return { logits: rc.logits, grad_output: gradRows(o.seed, label, rc.logits, round) };
    return { logits: rc.logits };
  };
  const gradNote = backward ? '; grad_output seeded uniform in [−1, 1]' : ce ? '; reduction none' : '';
  const scale = scaleRows(o.seed, round);
  const spread = spreadRows(o.seed, round);
  const width = widthRows(o.seed, round);
  const masked = maskedRows(o.seed, round);
  const sweeps: Sweep[] = [
    {
      id: 'scale',
      title: 'logit scale',
      paramName: 'top logit s',
      direction: 'up',
      continuous: true,
      grid: sg,
      definition:
        `2 rows of 8 logits: s·b (b₀ = 1, others in [−1, 0.9]) and s·c (c₀ = −¼, c₁ = −½, others in (−½, −¼)); s from 1e-3 to ${maxLabel}${
          ce ? '; targets: class 0 of row 0 (the top), class 1 of row 1 (the lowest)' : ''
        }${gradNote}`,
      build: (s) => wrap('scale', scale(s)),
      describe: (s, n) => `logit ${sig(s, n)}`,
    },
    {
      id: 'spread',
      title: 'spread of the top logits',
      paramName: 'gap d between the top two logits',
      direction: 'up',
      continuous: true,
      grid: sg,
      definition: `1 row of 8 logits: 0, −d, then −d − w·min(d, 5) (w in [0.1, 1]); d from 1e-3 to ${maxLabel}${
        ce ? '; target: the second class' : ''
      }${gradNote}`,
      build: (d) => wrap('spread', spread(d)),
      describe: (d, n) => `spread ${sig(d, n)}`,
    },
    {
      id: 'width',
      title: 'row width',
      paramName: 'classes C',
      direction: 'up',
      continuous: false,
      grid: widthGrid(o.quick),
      definition: `1 row of C logits uniform in [−4, 4]; C in ${widthGrid(o.quick).join(', ')}${
        ce ? '; target: a seeded class' : ''
      }${gradNote}`,
      build: (C) => wrap('width', width(C)),
      describe: (C) => `width ${C}`,
    },
    {
      id: 'masked',
      title: 'masked entries',
      paramName: 'masked entries k of 16',
      direction: 'up',
      continuous: false,
      grid: maskedGrid(o.quick),
      definition: `1 row of 16 logits uniform in [−4, 4], k of them −Infinity (k = 16: every entry)${
        ce ? '; target: an unmasked class (k = 16: a masked one)' : ''
      }${gradNote}`,
      build: (k) => wrap('masked', masked(k)),
      describe: (k) => `${k} of 16 masked`,
    },
  ];
  if (ce) {
    const lowK = { float64: 320, float32: 45 };
    sweeps.push(
      {
        id: 'target-p-low',
        title: 'target probability → 0',
        paramName: 'probability of the target δ',
        direction: 'down',
        continuous: true,
        grid: deltaGrid(o.dtype, o.quick, lowK),
        definition: 'logits [logit(δ), 0], target class 0 (the loss is −log δ); δ from 0.1 down',
        build: (d) => wrap('target-p-low', targetProbRows(round, false)(d)),
        describe: (d, n) => `p(target) = ${sig(d, n)}`,
      },
      {
        id: 'target-p-high',
        title: 'target probability → 1',
        paramName: '1 − probability of the target δ',
        direction: 'down',
        continuous: true,
        grid: deltaGrid(o.dtype, o.quick, lowK),
        definition: 'logits [−logit(δ), 0], target class 0 (the loss is −log(1 − δ) ≈ δ); δ from 0.1 down',
        build: (d) => wrap('target-p-high', targetProbRows(round, true)(d)),
        describe: (d, n) => `p(target) = 1 − ${sig(d, n)}`,
      },
    );
  }
  return sweeps;
}

/** nll_loss: the scale of the log-probabilities */
export function nllSweeps(o: SweepOptions): Sweep[] {
  const round = roundFor(o.dtype);
  const sg = scaleGrid(o.dtype, o.quick);
  const maxLabel = o.dtype === 'float32' ? '3e38' : '1e308';
  const r = rngFor(o.seed, 'nll/scale');
  const b = [1, ...Array.from({ length: SCALE_C - 1 }, () => uniform(r, 0.05, 1))];
  const c = Array.from({ length: SCALE_C }, () => uniform(r, 0.05, 1));
  return [
    {
      id: 'scale',
      title: 'log-probability scale',
      paramName: 'magnitude s of the log-probabilities',
      direction: 'up',
      continuous: true,
      grid: sg,
      definition: `2 rows of 8 log-probabilities −s·b (b in [0.05, 1], b₀ = 1), targets [0, 3], reduction mean; s from 1e-3 to ${maxLabel}`,
      build: (s) => ({ log_probs: [b.map((v) => round(-s * v)), c.map((v) => round(-s * v))], target: [0, 3], reduction: 'mean' }),
      describe: (s, n) => `log-probability −${sig(s, n)}`,
    },
  ];
}

/** sigmoid, log_sigmoid, softplus (backward: sigmoid_backward with grad_output 0.7): x → ±∞ */
export function elementwiseSweeps(backward: boolean, o: SweepOptions): Sweep[] {
  const round = roundFor(o.dtype);
  const sg = scaleGrid(o.dtype, o.quick);
  const maxLabel = o.dtype === 'float32' ? '3e38' : '1e308';
  const g = round(0.7);
  const wrap = (x: number): RawArgs => (backward ? { x: [x], grad_output: [g] } : { x: [x] });
  return [
    {
      id: 'x-pos',
      title: 'x → +∞',
      paramName: 'x',
      direction: 'up',
      continuous: true,
      grid: sg,
      definition: `x = [s], s from 1e-3 to ${maxLabel}${backward ? '; grad_output [0.7]' : ''}`,
      build: (s) => wrap(round(s)),
      describe: (s, n) => `x = ${sig(s, n)}`,
    },
    {
      id: 'x-neg',
      title: 'x → −∞',
      paramName: '−x',
      direction: 'up',
      continuous: true,
      grid: sg,
      definition: `x = [−s], s from 1e-3 to ${maxLabel}${backward ? '; grad_output [0.7]' : ''}`,
      build: (s) => wrap(-round(s)),
      describe: (s, n) => `x = −${sig(s, n)}`,
    },
  ];
}

/** binary_cross_entropy (and its backward): p → 0 and p → 1 */
export function bceSweeps(o: SweepOptions): Sweep[] {
  const round = roundFor(o.dtype);
  return [
    {
      id: 'p-low',
      title: 'p → 0',
      paramName: 'probability p',
      direction: 'down',
      continuous: true,
      grid: deltaGrid(o.dtype, o.quick, { float64: 320, float32: 45 }),
      definition: 'probs [p, p], targets [1, 0] (losses −log p and −log(1 − p) ≈ p), reduction none; p from 0.1 down to the subnormals',
      build: (p) => ({ probs: [round(p), round(p)], target: [1, 0], reduction: 'none' }),
      describe: (p, n) => `p = ${sig(p, n)}`,
    },
    {
      id: 'p-high',
      title: 'p → 1',
      paramName: '1 − p',
      direction: 'down',
      continuous: true,
      grid: deltaGrid(o.dtype, o.quick, { float64: 16, float32: 7 }),
      definition:
        `probs [1 − δ, 1 − δ] (rounded to ${o.dtype}), targets [0, 1] (losses −log δ and ≈ δ), reduction none; δ from 0.1 down to the last probability below 1`,
      build: (d) => {
        const p = round(1 - d);
        return { probs: [p, p], target: [0, 1], reduction: 'none' };
      },
      describe: (d, n) => `p = 1 − ${sig(d, n)}`,
    },
  ];
}

/** binary_cross_entropy_with_logits (and its backward): logit scale, pos_weight */
export function bceLogitsSweeps(o: SweepOptions): Sweep[] {
  const round = roundFor(o.dtype);
  const sg = scaleGrid(o.dtype, o.quick);
  const maxLabel = o.dtype === 'float32' ? '3e38' : '1e308';
  const r = rngFor(o.seed, 'bce-logits/pos-weight');
  const xs = [uniform(r, -4, -1), uniform(r, -0.5, 0.5), uniform(r, 1, 4)].map(round);
  return [
    {
      id: 'logit-scale',
      title: 'logit scale',
      paramName: 'logit magnitude s',
      direction: 'up',
      continuous: true,
      grid: sg,
      definition:
        `logits [s, −s, s, −s], targets [0, 1, 1, 0] (two confidently wrong, two confidently right), reduction none; s from 1e-3 to ${maxLabel}`,
      build: (s) => ({ logits: [round(s), -round(s), round(s), -round(s)], target: [0, 1, 1, 0], reduction: 'none' }),
      describe: (s, n) => `logit ±${sig(s, n)}`,
    },
    {
      id: 'pos-weight',
      title: 'pos_weight',
      paramName: 'pos_weight',
      direction: 'up',
      continuous: true,
      grid: sg,
      definition: `logits [${xs.join(', ')}], targets [1, 0.25, 1], reduction none; pos_weight from 1e-3 to ${maxLabel}`,
      build: (w) => ({ logits: xs, target: [1, 0.25, 1], pos_weight: round(w), reduction: 'none' }),
      describe: (w, n) => `pos_weight ${sig(w, n)}`,
    },
  ];
}

export const pts = (sweep: SweepId, params: number[]): GradientPoint[] => params.map((param) => ({ sweep, param }));

/** Audit points of the row backward ops (softmax, log_softmax, cross_entropy). */
export function rowGradientPoints(quick: boolean): GradientPoint[] {
  return quick
    ? [...pts('scale', [1, 30]), ...pts('masked', [4])]
    : [...pts('scale', [0.01, 1, 30, 300, 700]), ...pts('spread', [10]), ...pts('width', [100]), ...pts('masked', [4])];
}

export function sigmoidGradientPoints(quick: boolean): GradientPoint[] {
  return quick ? [...pts('x-pos', [1, 10]), ...pts('x-neg', [10])] : [...pts('x-pos', [0.01, 1, 10, 30]), ...pts('x-neg', [1, 10, 30])];
}

export function bceGradientPoints(quick: boolean): GradientPoint[] {
  return quick
    ? [...pts('p-low', [0.1, 0.001]), ...pts('p-high', [0.01])]
    : [...pts('p-low', [0.1, 0.01, 1e-4, 1e-8]), ...pts('p-high', [0.1, 1e-3, 1e-6])];
}

export function bceLogitsGradientPoints(quick: boolean): GradientPoint[] {
  return quick
    ? [...pts('logit-scale', [1, 10]), ...pts('pos-weight', [3])]
    : [...pts('logit-scale', [0.01, 1, 10, 30]), ...pts('pos-weight', [0.01, 3, 1000])];
}
