/**
 * Forward/backward consistency on every special-value row (docs/semantics.md, "Backward at
 * special rows"): for each backward op, on its record's probes, its forward op's probes and
 * the extra rows below,
 *  - at ±∞ inputs the expected value is the limit along EVERY path: the test replaces each
 *    ±∞ by ±(M + d) with M beyond every finite entry (1000 more: e^−1000 is 0 in float64, so
 *    the finite stand-ins give the limit's value exactly) and path-dependent offsets d; the
 *    reference's float64 result at the stand-ins must be the same on all paths for a limit to
 *    exist (then the special row must give exactly it), else the special row gives NaN;
 *  - at a NaN input the backward is 0 when the forward's output(s) of that row / element are
 *    the same for every value of the NaN (a zero-coefficient row: the loss is identically
 *    constant), NaN otherwise;
 *  - reference, fast path and the example implementation (examples/adapters/correct.mjs, the
 *    self-test's base) give these values;
 *  - on the finite rows / elements of the same probes the backward agrees with finite
 *    differences of the forward (gradcheckOp: Ridders with derived tolerances).
 */
import { describe, expect, it } from 'vitest';
import correct from '../examples/adapters/correct.mjs';
import { BACKWARD_OPS, type BackwardOp, gradcheckOp } from '../src/gradcheck/catalog.js';
import { fastEvaluate, reference } from '../src/ops/evaluate.js';
import { getRecord, gradientOf, type OpName } from '../src/ops/registry.js';

const I = Infinity;
type Raw = Record<string, unknown>;

/** rows beyond the records' probes: the two verdicts of issue 11 and the neighbouring cases */
const EXTRA: Record<BackwardOp, [string, Raw][]> = {
  softmax_backward: [
    ['two +∞, g equal on them', { logits: [[I, I, 0]], grad_output: [[2, 2, 5]] }],
    ['two +∞, g differs on them', { logits: [[I, I, 0]], grad_output: [[1, 2, 3]] }],
    ['all masked, g constant', { logits: [[-I, -I, -I]], grad_output: [[3, 3, 3]] }],
    ['all masked, g not constant', { logits: [[-I, -I]], grad_output: [[3, 1]] }],
    ['[−∞], C = 1', { logits: [[-I]], grad_output: [[4]] }],
  ],
  log_softmax_backward: [
    ['issue 11: two +∞, Σg = 0', { logits: [[I, I, 0]], grad_output: [[1, -4, 3]] }],
    ['two +∞, Σg ≠ 0', { logits: [[I, I, 0]], grad_output: [[1, -4, 4]] }],
    ['all masked, Σg = 0', { logits: [[-I, -I, -I]], grad_output: [[1, 2, -3]] }],
    ['all masked, Σg ≠ 0', { logits: [[-I, -I]], grad_output: [[1, 2]] }],
    ['[−∞], C = 1', { logits: [[-I]], grad_output: [[2]] }],
    ['NaN row, Σg = 0 (NaN has no derivative)', { logits: [[NaN, 0]], grad_output: [[1, -1]] }],
  ],
  sigmoid_backward: [['grad_output 0 at ±∞ and NaN', { x: [I, -I, NaN, 2], grad_output: [0, 0, 0, 0] }]],
  cross_entropy_backward: [
    ['issue 11: two +∞, zero-weight target, sum', { logits: [[I, I, 0]], target: [2], weight: [1, 1, 0], reduction: 'sum' }],
    ['two +∞, target on one of them', { logits: [[I, I, 0]], target: [0], reduction: 'sum' }],
    ['two +∞, grad_output 0', { logits: [[I, I, 0], [1, 2, 3]], target: [0, 1], reduction: 'none', grad_output: [0, 1.5] }],
    ['probability target 0 on every weighted class', { logits: [[I, I, 0]], target: [[0, 0, 1]], weight: [1, 1, 0], reduction: 'mean' }],
    ['NaN row, zero-weight target', { logits: [[NaN, 1], [0, 2]], target: [0, 1], weight: [0, 1], reduction: 'mean' }],
    ['NaN row, grad_output 0', { logits: [[NaN, 1], [0, 2]], target: [1, 1], reduction: 'none', grad_output: [0, 2] }],
    ['D = 0, no smoothing', { logits: [[1, 2], [I, 0]], target: [0, 0], weight: [0, 1], reduction: 'mean' }],
    ['D = 0 with label smoothing', { logits: [[1, 2], [3, 0]], target: [0, 0], weight: [0, 1], label_smoothing: 0.2, reduction: 'mean' }],
    ['[−∞], C = 1', { logits: [[-I], [2]], target: [0, 0], reduction: 'sum' }],
    ['all masked, smoothing', { logits: [[-I, -I, -I]], target: [1], label_smoothing: 0.3, reduction: 'sum' }],
  ],
  binary_cross_entropy_backward: [['grad_output 0 at p ∈ {0, 1}', {
    probs: [0, 1, 0.25],
    target: [0.5, 0.5, 1],
    reduction: 'none',
    grad_output: [0, 0, 2],
  }]],
  binary_cross_entropy_with_logits_backward: [
    ['NaN logit, weight 0', { logits: [NaN, 1, I], target: [0.5, 0.5, 0.5], weight: [0, 1, 2], reduction: 'sum' }],
    ['NaN logit, t = 1 and pos_weight 0', { logits: [NaN, -I], target: [1, 1], pos_weight: 0, reduction: 'none' }],
    ['NaN logit, grad_output 0', { logits: [NaN, 3], target: [0.5, 0.5], reduction: 'none', grad_output: [0, 1] }],
  ],
  kl_div_backward: [['log_target: target −∞ (probability 0)', {
    input: [[-1, -2]],
    target: [[-I, 0]],
    log_target: true,
    reduction: 'sum',
  }]],
  kl_div_target_backward: [['log_target: target −∞ (probability 0)', {
    input: [[-1, -2]],
    target: [[-I, 0]],
    log_target: true,
    reduction: 'sum',
  }]],
};

/** exact equality of float64 results; NaN equals NaN, −0 equals +0 */
const same = (a: number, b: number) => (Number.isNaN(a) ? Number.isNaN(b) : a === b);
const flat = (v: unknown): number[] => (typeof v === 'number' ? [v] : (v as unknown[]).flat(2) as number[]);
const show = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));

interface Layout {
  wrt: string;
  /** number of units (rows or elements) of args[wrt] */
  units: number;
  /** entries per unit */
  width: number;
}

function layoutOf(op: BackwardOp, raw: Raw): Layout {
  const wrt = gradientOf(op)!.wrt;
  const w = raw[wrt] as number[] | number[][];
  return { wrt, units: w.length, width: Array.isArray(w[0]) ? w[0].length : 1 };
}

/** args[wrt] as a flat list of units */
const unitsOf = (raw: Raw, wrt: string): number[][] => (raw[wrt] as (number | number[])[]).map((u) => (Array.isArray(u) ? u : [u]));

function withUnits(raw: Raw, wrt: string, units: number[][]): Raw {
  const matrix = Array.isArray((raw[wrt] as unknown[])[0]);
  return { ...raw, [wrt]: matrix ? units : units.map((u) => u[0]) };
}

/** the probe restricted to the units `keep` (per-unit arguments sliced; class weights kept) */
function subArgs(op: BackwardOp, raw: Raw, keep: number[]): Raw {
  const { wrt, units } = layoutOf(op, raw);
  const out: Raw = { ...raw };
  for (const [k, v] of Object.entries(raw)) {
    const perUnit = k === wrt || k === 'target' || k === 'grad_output' || (k === 'weight' && getRecord(op).family === 'bce');
    if (perUnit && Array.isArray(v) && v.length === units) out[k] = keep.map((i) => v[i]);
  }
  return out;
}

const ref64 = (op: OpName, raw: Raw): number[] => flat(reference(op, raw).float64);

/** ±∞ → ±(M + d): M = 1000 + the largest finite magnitude in the unit, d per path and entry */
const OFFSETS = [
  (_i: number) => 0,
  (i: number) => (i % 3) * 1.25,
  (i: number) => -((i + 1) % 3) * 0.75,
  (i: number) => ((i * 7 + 3) % 5) / 2,
];
function standIn(unit: number[], path: number): number[] {
  const M = 1000 + Math.max(0, ...unit.filter(Number.isFinite).map(Math.abs));
  return unit.map((v, i) => (v === I ? M + OFFSETS[path](i) : v === -I ? -M + OFFSETS[path](i) : v));
}

/** the forward's per-unit outputs at raw args (reduction 'none' for losses), without grad_output */
function forwardUnits(op: BackwardOp, raw: Raw): unknown[] {
  const fwd = gradientOf(op)!.forward;
  const { grad_output: _g, ...rest } = raw;
  const args = gradientOf(op)!.layout === 'loss' ? { ...rest, reduction: 'none' } : rest;
  return reference(fwd, args).float64 as unknown[];
}

/** the expected backward entries by limits (see the module comment) */
function expectedByLimits(op: BackwardOp, raw: Raw): (number | undefined)[] {
  const { wrt, width } = layoutOf(op, raw);
  const units = unitsOf(raw, wrt);
  const hasNaN = units.map((u) => u.some(Number.isNaN));
  const hasInf = units.map((u) => !u.some(Number.isNaN) && u.some((v) => !Number.isFinite(v)));
  // ±∞ units: the reference at finite stand-ins, one evaluation per path
  const paths = OFFSETS.map((_, k) => ref64(op, withUnits(raw, wrt, units.map((u, n) => (hasInf[n] ? standIn(u, k) : u)))));
  // NaN units: is the forward's unit output the same for every value of the NaN?
  const nanValues = [-3, 0.5, 7];
  const fwds = nanValues.map((v) => forwardUnits(op, withUnits(raw, wrt, units.map((u) => u.map((x) => (Number.isNaN(x) ? v : x))))));
  const out: (number | undefined)[] = [];
  units.forEach((_, n) => {
    for (let j = 0; j < width; j++) {
      const i = n * width + j;
      if (hasNaN[n]) {
        const f = fwds.map((fw) => show(fw[n]));
        out.push(f.every((s) => s === f[0]) ? 0 : NaN);
      } else if (hasInf[n]) {
        const v = paths.map((p) => p[i]);
        out.push(v.every((x) => same(x, v[0])) ? v[0] : NaN);
      } else out.push(undefined); // finite unit: checked against finite differences
    }
  });
  return out;
}

function casesFor(op: BackwardOp): [string, Raw][] {
  const rec = getRecord(op);
  const fwd = getRecord(gradientOf(op)!.forward);
  const own = rec.probes.map(([n, a]) => [n, a] as [string, Raw]);
  // the forward's probes (without grad_output: the backward's default, or ones for rows ops)
  const fromForward = fwd.probes.map(([n, a]): [string, Raw] => {
    const r = a;
    if (rec.family !== 'rows' && op !== 'sigmoid_backward') return [`forward probe: ${n}`, r];
    const w = r[gradientOf(op)!.wrt] as unknown[];
    const g = Array.isArray(w[0])
      ? (w as number[][]).map((row) => row.map((_, j) => [1.5, -0.5, 2][j % 3]))
      : w.map((_, j) => [1.5, -0.5][j % 2]);
    return [`forward probe: ${n}`, { ...r, grad_output: g }];
  });
  return [...own, ...fromForward, ...EXTRA[op]];
}

/**
 * [name, evaluate, ulps]: NaN, ±∞ and 0 must match exactly; other values within `ulps` of
 * the limit — 0 for the correctly rounded reference, 1 for the fast path (its measured bound,
 * test/fast.test.ts), 4 for correct.mjs (compensated float64 formulas, "a few ulps").
 */
const impls: [string, (op: BackwardOp, raw: Raw) => number[], number][] = [
  ['reference', (op, raw) => ref64(op, raw), 0],
  ['fast', (op, raw) => flat(fastEvaluate(op, getRecord(op).validate(raw), 'float64')), 1],
  ['examples/adapters/correct.mjs', (op, raw) => flat((correct.ops as unknown as Record<string, (a: Raw) => unknown>)[op](raw)), 4],
];

const ulpOf = (x: number) => {
  const a = Math.abs(x);
  if (a < 2 ** -1022) return 2 ** -1074;
  return 2 ** (Math.floor(Math.log2(a)) - 52);
};
/** got is want, or both finite, nonzero, of one sign and within `ulps` ulps of want */
const close = (got: number, want: number, ulps: number) =>
  same(got, want)
  || (Number.isFinite(got) && Number.isFinite(want) && got !== 0 && want !== 0 && Math.sign(got) === Math.sign(want)
    && Math.abs(got - want) <= ulps * ulpOf(want));

describe('the two verdicts of issue 11', () => {
  it('log_softmax_backward at [∞, ∞, 0] with g = [1, −4, 3] (Σg = 0) is g itself', () => {
    const raw = { logits: [[I, I, 0]], grad_output: [[1, -4, 3]] };
    for (const [name, f] of impls) expect(f('log_softmax_backward', raw), name).toEqual([1, -4, 3]);
  });
  it('cross_entropy_backward at [∞, ∞, 0], target 2, weight [1, 1, 0], sum is 0, as the loss is identically 0', () => {
    const raw = { logits: [[I, I, 0]], target: [2], weight: [1, 1, 0], reduction: 'sum' };
    expect(reference('cross_entropy', raw).float64).toBe(0);
    for (const [name, f] of impls) expect(f('cross_entropy_backward', raw).map((v) => v + 0), name).toEqual([0, 0, 0]);
  });
});

describe('binary_cross_entropy_backward at the ends of [0, 1]', () => {
  it('grad_output 0 against the infinite derivative at p ∈ {0, 1} is 0; an identically-0 term (t = 0 at p = 0) has the one-sided limit w/D', () => {
    const raw = { probs: [0, 1, 0.25, 0], target: [0.5, 0.5, 1, 0], reduction: 'none', grad_output: [0, 0, 2, 3] };
    for (const [name, f] of impls) expect(f('binary_cross_entropy_backward', raw), name).toEqual([0, 0, -8, 3]);
  });
});

/**
 * The limit derivation below treats a row (or an element of a vector) as the unit a NaN or an
 * infinity spreads over. kl_div's losses are elementwise over [N][C] (layout
 * 'elementwise-loss'): their special values are checked entry by entry against an independent
 * mpmath oracle in test/kl-div.test.ts instead.
 */
const ROW_UNIT_OPS = BACKWARD_OPS.filter((op) => gradientOf(op)!.layout !== 'elementwise-loss');
const skipped = BACKWARD_OPS.filter((op) => !ROW_UNIT_OPS.includes(op));
if (skipped.length) {
  console.warn(
    `semantics.test: ${skipped.join(', ')} not derived here (elementwise losses: test/kl-div.test.ts checks their special values)`,
  );
}

describe.each(ROW_UNIT_OPS.map((op) => [op]))('%s on special-value rows', (op: BackwardOp) => {
  const cases = casesFor(op);

  it('expects the limit along every path where it exists (0 where the forward is constant), NaN elsewhere; reference, fast and correct.mjs agree', () => {
    let special = 0;
    for (const [name, raw] of cases) {
      const want = expectedByLimits(op, raw);
      for (const [impl, f, ulps] of impls) {
        const got = f(op, raw);
        want.forEach((w, i) => {
          if (w === undefined) return;
          special++;
          expect(
            close(got[i], w, ulps),
            `${op} / ${name} / ${impl}: entry ${i} is ${got[i]}, the limit rule gives ${w} (args ${show(raw)})`,
          ).toBe(true);
        });
      }
    }
    // binary_cross_entropy_backward has no non-finite inputs (p ∈ [0, 1]): see below
    if (op !== 'binary_cross_entropy_backward') expect(special).toBeGreaterThan(0);
  });

  it('agrees with finite differences of the forward on the finite rows / elements of the same cases', () => {
    let checked = 0;
    for (const [name, raw] of cases) {
      const { wrt } = layoutOf(op, raw);
      const open = gradientOf(op)!.domain === 'open-unit';
      const fw = forwardUnits(op, raw);
      // |x| > 2e10: no double step is small against the function's length scale there (see
      // lengthScale in src/gradcheck/catalog.ts), so such rows are not differenced
      const keep = unitsOf(raw, wrt).flatMap((u, n) =>
        u.every((v) => Math.abs(v) <= 2e10) && (!open || u.every((v) => v > 0 && v < 1)) && flat(fw[n]).every(Number.isFinite) ? [n] : []
      );
      if (keep.length === 0) continue;
      const sub = getRecord(op).validate(subArgs(op, raw, keep)) as Raw;
      const { grad_output: _g, ...fargs } = subArgs(op, raw, keep);
      const whole = flat(reference(gradientOf(op)!.forward, fargs).float64);
      if (!whole.every(Number.isFinite)) continue; // e.g. a mean over D = 0: no function to difference
      for (const backward of ['reference', 'fast'] as const) {
        const r = gradcheckOp(op, sub, { backward });
        expect(r.ok, `${op} / ${name} (${backward}): ${r.message}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
