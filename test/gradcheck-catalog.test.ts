/**
 * Every backward op of the catalog against finite differences of its forward op
 * (src/gradcheck/catalog.ts), across the regimes of regimesFor(B, 'float64').
 *
 * Per op B (forward F and differentiated argument wrt from the record's gradient spec), per case:
 *  - analytic sides: the reference backward (correctly rounded float64 of reference(B, …))
 *    and the fast backward FAST[B](…, 'float64');
 *  - cotangents: 'basis' (the full Jacobian: B with grad_output = every unit vector e_o) and
 *    'given' (the gradient of ⟨g, F⟩ against B at the case's own grad_output g — the only way
 *    a backward that ignores a non-unit grad_output of a reduced loss is seen);
 *  - numeric sides: Ridders on the float64 fast forward (gradcheck's defaults), and the
 *    decimal mode (the reference forward's enclosures at 50 digits, exact power-of-two steps,
 *    two Richardson steps; tolerance a few float64 ulps).
 * All 2 × 2 × 2 checks must pass. Then a planted error: the fast backward with one entry (its
 * largest) multiplied by 1 + 1e-8, on the well-conditioned cases (logits at scale 1 / 4,
 * probabilities in (0, 1)), must fail in both numeric modes, naming that entry.
 *
 * What is skipped, and why:
 *  - cases with a non-finite input (the regimes "masked (-Infinity)", "all masked row",
 *    "+Infinity logit", "probability targets, masked logits", and the ±Infinity draws of "huge
 *    and infinite" / "near the exp limits and infinite"): a derivative needs a finite point and
 *    x ± h is not defined at ±∞;
 *  - cases whose forward is not finite at the point: log_softmax of a row holding both ±1e308
 *    (−∞ outputs), cross_entropy 'mean' with every target ignored or zero target weights
 *    (0/0 = NaN), binary_cross_entropy at p ∈ {0, 1} against a target that makes it +∞;
 *  - binary_cross_entropy at p = 0 or 1 exactly (the boundary of its domain: no two-sided
 *    derivative); probabilities so close to 1 that no step fits inside (0, 1) (p = 1 − 2^-53:
 *    p + ulp = 1) are left out of the mask (reported by decimalNumeric.skipped);
 *  - kinks: none of these forward ops has one at a finite interior point (softmax, log_softmax,
 *    cross_entropy, sigmoid, softplus-based BCE-with-logits and BCE on (0, 1) are analytic there;
 *    ties of the row max are an implementation detail, not a kink — the "ties" regime is checked);
 *  - logits so large that a step of a few ulps exceeds 2^-20 of their length scale
 *    max(1, log1p|x|) (|x| ≳ 2e10: the "huge" regimes' ±1e308, ±3e38) are left out of the mask
 *    in both modes: no double step can see their derivative (two tied logits at 3.3e307 have
 *    ∂p/∂x = 1/4, but the smallest step is ~1e292). The other inputs of those cases are checked;
 *  - Ridders only: probabilities with min(p, 1 − p) ≤ 1e-140 (p = 1e-300): Ridders' Neville
 *    tableau extrapolates in h², which underflows for steps below ~1e-154 (and overflows above
 *    ~1e154); the decimal mode checks them;
 *  - "wide row (C = 1000)": the basis check would call the reference backward 1000 times, so
 *    only the 'given' cotangent is checked, on 6 inputs (the row max and 5 seeded others);
 *  - the reference backward where reference() throws a PrecisionError (its Ziv loop is capped
 *    at 1000 digits here; see PRECISION_LIMITED); the fast backward is still checked there;
 *  - Ridders with the 'given' cotangent where ⟨g, F(x)⟩ overflows in float64 (log_softmax of a
 *    row holding −1e308); the decimal mode checks it;
 *  - the planted check's 'given' cotangent when the case's grad_output is subnormal (the planted
 *    relative 1e-8 vanishes in the rounding of a subnormal gradient).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradientOf } from '../src/ops/registry.js';
import { PrecisionError } from '../src/core/errors.js';
import { fastEvaluate, regimesFor } from '../src/ops/evaluate.js';
import {
  BACKWARD_OPS,
  type BackwardFn,
  type BackwardOp,
  backwardFunction,
  catalogForward,
  checkDecimal,
  decimalNumeric,
  type DecimalNumeric,
  gradcheckOp,
  lengthScale,
  normalizeOpArgs,
  opAnalytic,
  opProblem,
  planSteps,
  referenceBackward,
} from '../src/gradcheck/catalog.js';
import { type GradcheckReport, SeededRandom } from '../src/gradcheck/index.js';
// the runnable example imports the built package: `npm run build` first (npm test does)
import { run as runCatalogExample } from '../examples/gradcheck/catalog-ops.mjs';

const SEED = 0x5eed;
/** cases per regime; `XENT_DEEP=1` (npm run test:deep) checks 5× more */
const PER_REGIME = process.env.XENT_DEEP ? 15 : 3;
const PLANT = 1e-8;
/** regimes whose logits / probabilities are well conditioned: the planted error must be caught there */
const WELL_CONDITIONED: Record<BackwardOp, string[]> = {
  softmax_backward: ['scale 1'],
  log_softmax_backward: ['scale 1'],
  sigmoid_backward: ['scale 1'],
  cross_entropy_backward: ['scale 1, class targets', 'probability targets', 'ignore_index', 'label smoothing, probability targets'],
  binary_cross_entropy_backward: ['probabilities in (0, 1), soft targets', 'hard 0/1 targets'],
  binary_cross_entropy_with_logits_backward: ['scale 4', 'pos_weight'],
  kl_div_backward: ['typical, mean', 'typical, sum', 'typical, batchmean', 'log_target'],
  kl_div_target_backward: ['typical, mean', 'typical, sum', 'typical, batchmean', 'log_target'],
};

type Args = Record<string, unknown>;

const allFinite = (v: unknown): boolean => (Array.isArray(v) ? v.every(allFinite) : typeof v !== 'number' || Number.isFinite(v));
const flat = (v: unknown): number[] => (typeof v === 'number' ? [v] : ((v as unknown[]).flat() as number[]));

/** Why a case cannot be checked at all (null: it can). */
function skipReason(op: BackwardOp, args: Args): string | null {
  const wrt = gradientOf(op)!.wrt;
  if (!allFinite(args[wrt])) return 'non-finite input';
  if (wrt === 'probs' && !(args.probs as number[]).every((p) => p > 0 && p < 1)) return 'probability at 0 or 1';
  const x = flat(args[wrt]);
  const f = catalogForward(op, args)(x);
  if (!f.every(Number.isFinite)) return 'forward not finite';
  const inside = wrt === 'probs' ? (v: number) => v > 0 && v < 1 : Number.isFinite;
  if (x.every((v) => !planSteps(v, lengthScale(op, v, args), inside))) return 'no input with a usable step';
  // Ridders' extrapolation combines difference quotients as (4^k·D_k − D_{k−1})/(4^k − 1): with
  // derivatives near 1e308 (kl_div's d/d target = log t + 1 − x at x = ±1e308) that overflows
  // (at unit cotangents, as the basis checks use them)
  const ones = (v: unknown): unknown => (Array.isArray(v) ? v.map(ones) : 1);
  const g = flat(fastEvaluate(op, { ...args, grad_output: ones(args.grad_output) }, 'float64'));
  if (g.some((v) => Math.abs(v) > 1e300)) return 'a derivative beyond 1e300 (Ridders overflows)';
  return null;
}

/** Memoise a backward on grad_output: the analytic side is only ever called at x itself. */
function memo(fn: BackwardFn): BackwardFn {
  const cache = new Map<string, unknown>();
  return (a) => {
    const key = JSON.stringify(a.grad_output);
    if (!cache.has(key)) {
      try {
        cache.set(key, fn(a));
      } catch (e) {
        cache.set(key, e);
      }
    }
    const v = cache.get(key);
    if (v instanceof Error) throw v;
    return v;
  };
}

/** The fast backward with entry q of its (flattened) result multiplied by 1 + δ. */
function planted(op: BackwardOp, q: number, delta: number): BackwardFn {
  const fast = backwardFunction(op, 'fast');
  return (a) => {
    const r = fast(a) as number | number[] | number[][];
    if (Array.isArray(r) && Array.isArray(r[0])) {
      const cols = r[0].length;
      const m = (r as number[][]).map((row) => row.slice());
      m[Math.floor(q / cols)][q % cols] *= 1 + delta;
      return m;
    }
    const v = (r as number[]).slice();
    v[q] *= 1 + delta;
    return v;
  };
}

interface Case {
  regime: string;
  raw: Args;
  args: Args;
  /** inputs checked by Ridders and the decimal mode (undefined: all) */
  mask?: number[];
  givenOnly: boolean;
}

function casesFor(op: BackwardOp): { cases: Case[]; skipped: { regime: string; reason: string }[] } {
  const cases: Case[] = [];
  const skipped: { regime: string; reason: string }[] = [];
  for (const reg of regimesFor(op, 'float64')) {
    const wide = reg.name.startsWith('wide row');
    const want = wide ? 1 : PER_REGIME;
    let got = 0;
    const reasons = new Map<string, number>();
    for (const raw of fc.sample(reg.arb, { seed: SEED, numRuns: 20 * want })) {
      if (got >= want) break;
      const args = normalizeOpArgs(op, raw) as unknown as Args;
      const why = skipReason(op, args);
      if (why) {
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
        continue;
      }
      let mask: number[] | undefined;
      if (wide) {
        const x = flat(args[gradientOf(op)!.wrt]);
        const rng = new SeededRandom(SEED);
        const set = new Set([x.indexOf(Math.max(...x))]);
        while (set.size < 6) set.add(rng.int(x.length));
        mask = [...set].sort((a, b) => a - b);
      }
      cases.push({ regime: reg.name, raw, args, mask, givenOnly: wide });
      got++;
    }
    if (got < want) skipped.push({ regime: reg.name, reason: [...reasons].map(([r, n]) => `${n}× ${r}`).join(', ') || 'no sample' });
  }
  return { cases, skipped };
}

/**
 * Ridders' mask: the inputs the decimal mode differentiates (it leaves out those without a
 * usable step, see the header), without those whose Ridders steps would leave [1e-150, 1e150]:
 * its Neville tableau extrapolates in h², which overflows / underflows there (BCE at p = 1e-300).
 */
function riddersMask(op: BackwardOp, x: ArrayLike<number>, mask: number[]): number[] {
  const probs = gradientOf(op)!.wrt === 'probs';
  return mask.filter((i) => (probs ? Math.min(x[i], 1 - x[i]) > 1e-140 : Math.abs(x[i]) < 1e150));
}

/**
 * Where reference() may throw a PrecisionError (its Ziv loop capped at 1000 digits here), all
 * reported to the lead: the enclosure cannot be narrowed to a rounding decision.
 *  - log_softmax_backward: at the row max, S·g_j − e_j·Σg cancels (g_j = Σg with the unit
 *    cotangent e_j); needs ~gap/ln 10 digits, e.g. logits [[7000, 0]], grad_output [[1, 0]];
 *  - binary_cross_entropy_with_logits_backward: (1 − t − pw·t·e^−x)/(1 + e^−x) at large x when
 *    (1 − t)·w·g is a float64 midpoint, e.g. logits [5000] (or 1e308), target [0.18];
 *  - cross_entropy_backward: a subnormal grad_output that puts the gradient at a subnormal
 *    midpoint, off it by e^−1e308 (below decimal.js's range).
 */
const PRECISION_LIMITED: readonly BackwardOp[] = [
  'log_softmax_backward',
  'binary_cross_entropy_with_logits_backward',
  'cross_entropy_backward',
];

interface Tally {
  worst: Record<string, number>;
  checks: number;
  refSkipped: string[];
  tags: Set<string>;
  planted: { ridders: number; decimal: number; cases: number; minRatio: Record<string, number> };
}

function record(t: Tally, key: string, r: GradcheckReport, what: string) {
  expect(r.ok, `${what}: ${r.message}`).toBe(true);
  t.checks++;
  t.worst[key] = Math.max(t.worst[key] ?? 0, r.worst?.ratio ?? 0);
}

function tagsOf(args: Args): string[] {
  const tags: string[] = [];
  if (typeof args.reduction === 'string') tags.push(`reduction ${args.reduction}`);
  if (args.weight !== undefined) tags.push('weight');
  if (typeof args.label_smoothing === 'number' && args.label_smoothing > 0) tags.push('label smoothing');
  if (Array.isArray(args.target) && Array.isArray((args.target as unknown[])[0])) tags.push('probability targets');
  if (typeof args.pos_weight === 'number' && args.pos_weight !== 1) tags.push('pos_weight');
  if (Array.isArray(args.target) && (args.target as unknown[]).includes(-100)) tags.push('ignore_index');
  if (args.log_target === true) tags.push('log_target');
  return tags;
}

const summaries: string[] = [];

describe.each(BACKWARD_OPS.map((op) => [op]))('%s', (op: BackwardOp) => {
  const { cases, skipped } = casesFor(op);
  const tally: Tally = {
    worst: {},
    checks: 0,
    refSkipped: [],
    tags: new Set(),
    planted: { ridders: 0, decimal: 0, cases: 0, minRatio: {} },
  };

  it('reference and fast backward agree with Ridders (float64) and the decimal mode across regimes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
    for (const c of cases) {
      const p = opProblem(op, c.args);
      const where = `${op} / ${c.regime} / ${JSON.stringify(c.raw).slice(0, 200)}`;
      for (const t of tagsOf(c.args)) tally.tags.add(t);
      const impls: [string, BackwardFn][] = [
        ['reference', memo(referenceBackward(op, { maxDigits: 1000 }))],
        ['fast', memo(backwardFunction(op, 'fast'))],
      ];
      let num: DecimalNumeric;
      try {
        num = decimalNumeric(op, c.args, { mask: c.mask });
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
      const rMask = riddersMask(op, p.x, num.mask);
      // ⟨g, F(x)⟩ in float64 can overflow where F holds ±1e308-sized outputs (log_softmax of a row
      // with −1e308): Ridders then has no finite function to differentiate; the decimal mode does
      const f0 = catalogForward(op, c.args)(p.x);
      const givenFinite = Number.isFinite(p.cotangent.reduce((acc, g, o) => acc + g * f0[o], 0));
      for (const [name, impl] of impls) {
        for (const cot of c.givenOnly ? (['given'] as const) : (['basis', 'given'] as const)) {
          let rid: GradcheckReport | undefined;
          let dec: GradcheckReport;
          try {
            if (rMask.length && (cot === 'basis' || givenFinite)) {
              rid = gradcheckOp(op, c.args, { backward: impl, cotangent: cot, mask: rMask });
            }
            dec = checkDecimal(num, opAnalytic(op, c.args, impl, cot), { cotangent: cot === 'given' ? p.cotangent : undefined });
          } catch (e) {
            if (name === 'reference' && e instanceof PrecisionError) {
              tally.refSkipped.push(`${c.regime} (${cot}): ${JSON.stringify(c.raw).slice(0, 120)}`);
              continue;
            }
            throw new Error(`${where} (${name}, ${cot}): ${(e as Error).message}`);
          }
          if (rid) record(tally, `ridders ${name}`, rid, `${where} (${name}, ${cot}, ridders)`);
          record(tally, `decimal ${name}`, dec, `${where} (${name}, ${cot}, decimal)`);
        }
      }
    }
    if (!PRECISION_LIMITED.includes(op)) expect(tally.refSkipped).toEqual([]);
    const w = Object.entries(tally.worst)
      .map(([k, v]) => `${k} ${v.toPrecision(2)}`)
      .join(', ');
    summaries.push(
      `${op}: ${cases.length} cases, ${tally.checks} checks; worst error/tolerance: ${w}`
        + (skipped.length ? `; regimes without a checkable case: ${skipped.map((s) => `${s.regime} (${s.reason})`).join('; ')}` : '')
        + (tally.refSkipped.length ? `; reference PrecisionError (skipped): ${tally.refSkipped.length}` : ''),
    );
  });

  it('the regimes exercise every option of the op', () => {
    const want: Record<BackwardOp, string[]> = {
      softmax_backward: [],
      log_softmax_backward: [],
      sigmoid_backward: [],
      cross_entropy_backward: [
        'label smoothing',
        'weight',
        'probability targets',
        'ignore_index',
        'reduction mean',
        'reduction sum',
        'reduction none',
      ],
      binary_cross_entropy_backward: ['weight', 'reduction mean', 'reduction sum', 'reduction none'],
      binary_cross_entropy_with_logits_backward: ['weight', 'pos_weight', 'reduction mean', 'reduction sum', 'reduction none'],
      kl_div_backward: ['log_target', 'reduction mean', 'reduction sum', 'reduction none', 'reduction batchmean'],
      kl_div_target_backward: ['log_target', 'reduction mean', 'reduction sum', 'reduction none', 'reduction batchmean'],
    };
    const tags = new Set(cases.flatMap((c) => tagsOf(c.args)));
    for (const t of want[op]) expect([...tags], `${op} has no checked case with ${t}`).toContain(t);
  });

  it(`a planted relative error of ${PLANT} in one entry of the fast backward is caught on well-conditioned cases`, () => {
    const wc = cases.filter((c) => WELL_CONDITIONED[op].includes(c.regime));
    expect(wc.length).toBeGreaterThanOrEqual(2);
    for (const c of wc) {
      const p = opProblem(op, c.args);
      const where = `${op} / ${c.regime} / ${JSON.stringify(c.raw).slice(0, 200)}`;
      // the planted entry: the largest |entry| of the gradient at the case's grad_output
      const g = flat(fastEvaluate(op, c.args, 'float64'));
      let q = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[q])) q = i;
      if (g[q] === 0) continue; // nothing to plant into (e.g. every weight 0)
      tally.planted.cases++;
      const bad = planted(op, q, PLANT);
      const num = decimalNumeric(op, c.args, { mask: c.mask });
      const rMask = riddersMask(op, p.x, num.mask);
      expect(rMask).toContain(q);
      // with a subnormal grad_output the planted 1e-8 vanishes in the rounding of the given-cotangent gradient
      const cots = Math.abs(g[q]) > 1e-290 ? (['basis', 'given'] as const) : (['basis'] as const);
      for (const cot of cots) {
        const rid = gradcheckOp(op, c.args, { backward: bad, cotangent: cot, mask: rMask });
        const dec = checkDecimal(num, opAnalytic(op, c.args, bad, cot), { cotangent: cot === 'given' ? p.cotangent : undefined });
        for (const [mode, r] of [['ridders', rid], ['decimal', dec]] as const) {
          expect(r.ok, `${where}: planted error not caught (${mode}, ${cot}): ${r.message}`).toBe(false);
          expect(r.failures.some((f) => f.input === q)).toBe(true);
          tally.planted[mode]++;
          tally.planted.minRatio[mode] = Math.min(tally.planted.minRatio[mode] ?? Infinity, r.worst!.ratio);
        }
      }
    }
    expect(tally.planted.cases).toBeGreaterThanOrEqual(2);
    const mr = tally.planted.minRatio;
    summaries.push(
      `${op}: planted ${PLANT} caught in ${tally.planted.cases} cases, basis and given cotangents (ridders ${tally.planted.ridders}, decimal ${tally.planted.decimal}); `
        + `smallest worst error/tolerance of a planted check: ridders ${mr.ridders?.toPrecision(3)}, decimal ${mr.decimal?.toPrecision(3)}`,
    );
  });
});

describe('catalog helpers', () => {
  it('gradcheckOp in decimal mode and the one-call API agree with the two-step form', () => {
    const args = normalizeOpArgs('cross_entropy_backward', {
      logits: [[0.5, -1.25, 2], [3, 0.125, -0.75]],
      target: [2, 0],
      weight: [1, 0.5, 2],
      label_smoothing: 0.1,
      reduction: 'mean',
      grad_output: -1.5,
    });
    for (const cotangent of ['basis', 'given'] as const) {
      const r = gradcheckOp('cross_entropy_backward', args, { backward: 'fast', numeric: 'decimal', cotangent });
      expect(r, r.message).toMatchObject({ ok: true, mode: 'decimal' });
      const s = gradcheckOp('cross_entropy_backward', args, { backward: 'reference', cotangent });
      expect(s, s.message).toMatchObject({ ok: true, mode: 'full', method: 'ridders' });
    }
    // a backward that ignores grad_output (treats it as 1) passes the basis check and fails the given one
    const ignoresGrad: BackwardFn = (a) => fastEvaluate('cross_entropy_backward', { ...a, grad_output: 1 }, 'float64');
    expect(gradcheckOp('cross_entropy_backward', args, { backward: ignoresGrad, cotangent: 'basis' }).ok).toBe(true);
    expect(gradcheckOp('cross_entropy_backward', args, { backward: ignoresGrad, cotangent: 'given' }).ok).toBe(false);
  });

  it('examples/gradcheck/catalog-ops.mjs: the catalog passes, the planted 1e-8 fails in both modes', () => {
    const lines: string[] = [];
    const r = runCatalogExample((s: string) => lines.push(s));
    for (const rep of r.passing) expect(rep.ok, rep.message).toBe(true);
    expect(r.planted.map((rep) => [rep.ok, rep.mode, rep.worst?.input])).toEqual([
      [false, 'full', 2],
      [false, 'decimal', 2],
    ]);
    expect(lines.join('\n')).toContain('gradcheck FAILED');
  });

  it('prints the measured summary', () => {
    console.log(summaries.join('\n'));
    expect(summaries.length).toBeGreaterThan(0);
  });
});
