/**
 * Sample regimes for every op: small composable fast-check arbitraries producing raw,
 * JSON-shaped args (exactly what the CLI and the JSON-lines protocol carry). verify, the
 * property tests and audit enumerate `regimesFor(op)`; a regime's name says what it
 * stresses ("scale 700", "masked", "all ignored"), so failures read as "softmax / scale 700".
 *
 * For float32 implementations every generated number is float32-representable (Math.fround),
 * so the reference is computed at the very inputs the implementation sees.
 */
import fc from 'fast-check';
import type { Dtype } from './dtype.js';

export type { Dtype } from './dtype.js';
export type RawArgs = Record<string, unknown>;

export interface Regime {
  name: string;
  /** part of the --quick set */
  quick: boolean;
  arb: fc.Arbitrary<RawArgs>;
}

// ---------------------------------------------------------------------------------------
// building blocks

/** Numbers at a scale: uniform-ish values in [−s, s] plus small integers and exact zeros. */
export function numAt(scale: number, dtype: Dtype): fc.Arbitrary<number> {
  const f = dtype === 'float32' ? Math.fround : (x: number) => x;
  return fc
    .oneof(
      { weight: 6, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }).map((k) => (k / 1_000_000) * scale) },
      { weight: 3, arbitrary: fc.double({ min: -scale, max: scale, noNaN: true, noDefaultInfinity: true }) },
      { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }).map((k) => Math.min(scale, Math.max(-scale, k))) },
    )
    .map((x) => (x === 0 ? 0 : f(x)));
}

function matrixOf(el: fc.Arbitrary<number>, rows: [number, number], cols: [number, number]): fc.Arbitrary<number[][]> {
  return fc
    .tuple(fc.integer({ min: rows[0], max: rows[1] }), fc.integer({ min: cols[0], max: cols[1] }))
    .chain(([n, c]) => fc.array(fc.array(el, { minLength: c, maxLength: c }), { minLength: n, maxLength: n }));
}

/** Replace some entries by a special value (at least one when `atLeastOne`). */
function sprinkle(m: fc.Arbitrary<number[][]>, value: number, atLeastOne: boolean): fc.Arbitrary<number[][]> {
  return m.chain((rows) =>
    fc
      .array(fc.array(fc.boolean(), { minLength: rows[0].length, maxLength: rows[0].length }), {
        minLength: rows.length,
        maxLength: rows.length,
      })
      .map((mask) => {
        const out = rows.map((r, i) => r.map((v, j) => (mask[i][j] ? value : v)));
        if (atLeastOne) out[0][0] = value;
        return out;
      })
  );
}

const tieRows = (scale: number, dtype: Dtype) =>
  matrixOf(fc.integer({ min: -2, max: 2 }).map((k) => (dtype === 'float32' ? Math.fround(k * scale) : k * scale)), [1, 3], [2, 6]);

/** Logit matrices for the row regimes shared by softmax-family ops and cross-entropy. */
export function logitRegimes(dtype: Dtype): { name: string; quick: boolean; arb: fc.Arbitrary<number[][]> }[] {
  const f = dtype === 'float32' ? Math.fround : (x: number) => x;
  const expLimit = dtype === 'float32' ? 88.72 : 709.78;
  const underLimit = dtype === 'float32' ? -103.97 : -745.13;
  const huge = dtype === 'float32' ? 3e38 : 1e308;
  const near = (c: number) => fc.double({ min: c - 2, max: c + 2, noNaN: true }).map(f);
  return [
    { name: 'scale 1e-3', quick: true, arb: matrixOf(numAt(1e-3, dtype), [1, 3], [1, 8]) },
    { name: 'scale 1', quick: true, arb: matrixOf(numAt(1, dtype), [1, 4], [1, 10]) },
    { name: 'scale 30', quick: true, arb: matrixOf(numAt(30, dtype), [1, 3], [2, 10]) },
    { name: 'spread 300', quick: false, arb: matrixOf(numAt(300, dtype), [1, 3], [2, 10]) },
    {
      name: 'near the exp limits',
      quick: true,
      arb: matrixOf(fc.oneof(near(expLimit), near(-expLimit), near(underLimit), near(0)), [1, 2], [2, 6]),
    },
    { name: 'scale 1e5', quick: false, arb: matrixOf(numAt(1e5, dtype), [1, 2], [2, 6]) },
    {
      name: 'huge (±1e308 / ±3e38)',
      quick: true,
      arb: matrixOf(fc.oneof(fc.constantFrom(f(huge), f(-huge), f(huge / 3)), numAt(1, dtype)), [1, 2], [2, 5]),
    },
    { name: 'ties', quick: false, arb: tieRows(1, dtype) },
    {
      name: 'masked (-Infinity)',
      quick: true,
      arb: sprinkle(matrixOf(numAt(10, dtype), [1, 3], [2, 8]), -Infinity, true).map(keepOneFinite),
    },
    {
      name: 'all masked row',
      quick: false,
      arb: matrixOf(numAt(5, dtype), [1, 3], [1, 5]).map((rows) => rows.map((r, i) => (i === 0 ? r.map(() => -Infinity) : r))),
    },
    { name: '+Infinity logit', quick: false, arb: sprinkle(matrixOf(numAt(5, dtype), [1, 2], [2, 5]), Infinity, true) },
    { name: 'one class (C = 1)', quick: false, arb: matrixOf(numAt(50, dtype), [1, 4], [1, 1]) },
    { name: 'wide row (C = 1000)', quick: false, arb: matrixOf(numAt(20, dtype), [1, 1], [1000, 1000]) },
  ];
}

/** keep at least one finite entry per row (the masked regime; all-masked rows are their own regime) */
function keepOneFinite(rows: number[][]): number[][] {
  return rows.map((r) => (r.every((v) => v === -Infinity) ? r.map((v, j) => (j === r.length - 1 ? 0 : v)) : r));
}

export function elementRegimes(dtype: Dtype): { name: string; quick: boolean; arb: fc.Arbitrary<number[]> }[] {
  const f = dtype === 'float32' ? Math.fround : (x: number) => x;
  const vec = (el: fc.Arbitrary<number>) => fc.array(el, { minLength: 1, maxLength: 8 });
  const lim = dtype === 'float32' ? [88.72, 103.97, 16.6] : [709.78, 745.13, 36.7];
  return [
    { name: 'scale 1', quick: true, arb: vec(numAt(4, dtype)) },
    { name: 'scale 1e-3', quick: false, arb: vec(numAt(1e-3, dtype)) },
    { name: 'scale 40 (saturation)', quick: true, arb: vec(numAt(40, dtype)) },
    {
      name: 'near the exp limits',
      quick: true,
      arb: vec(fc.oneof(...lim.flatMap((c) => [c, -c]).map((c) => fc.double({ min: c - 1, max: c + 1, noNaN: true }).map(f)))),
    },
    { name: 'tiny (1e-300 / 1e-38)', quick: false, arb: vec(fc.constantFrom(1e-300, -1e-300, 5e-324, 1e-38, -1e-45).map(f)) },
    {
      name: 'huge and infinite',
      quick: true,
      arb: vec(fc.constantFrom(1e308, -1e308, Infinity, -Infinity, 3e38, -3e38, 1e5, -1e5).map(f)),
    },
  ];
}

/** A probability row: softmax-like with exact zeros and ones mixed in. */
function probRow(C: number, dtype: Dtype): fc.Arbitrary<number[]> {
  const f = dtype === 'float32' ? Math.fround : (x: number) => x;
  return fc.oneof(
    fc.integer({ min: 0, max: C - 1 }).map((y) => Array.from({ length: C }, (_, c) => (c === y ? 1 : 0))),
    fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: C, maxLength: C }).map((w) => {
      const s = w.reduce((a, b) => a + b, 0) || 1;
      return w.map((v) => f(v / s));
    }),
  );
}

const reductions = fc.constantFrom('mean', 'sum', 'none');
const f32 = (dtype: Dtype) => (dtype === 'float32' ? Math.fround : (x: number) => x);

/** Weights: ones, positive, or with zeros. */
function weights(n: number, dtype: Dtype): fc.Arbitrary<number[] | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    fc.array(fc.integer({ min: 0, max: 40 }).map((k) => f32(dtype)(k / 8)), { minLength: n, maxLength: n }),
  );
}

function gradOutputFor(red: unknown, n: number, dtype: Dtype): fc.Arbitrary<number | number[] | undefined> {
  if (red === 'none') return fc.oneof(fc.constant(undefined), fc.array(numAt(3, dtype), { minLength: n, maxLength: n }));
  return fc.oneof(fc.constant(undefined), numAt(3, dtype));
}

export function crossEntropyRegimes(dtype: Dtype, backward: boolean): Regime[] {
  const withOptions = (logits: fc.Arbitrary<number[][]>, opts: { probs?: boolean; ignore?: 'some' | 'all'; smoothing?: boolean }) =>
    logits.chain((L) => {
      const N = L.length;
      const C = L[0].length;
      const target: fc.Arbitrary<unknown> = opts.probs
        ? fc.array(probRow(C, dtype), { minLength: N, maxLength: N })
        : fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: N, maxLength: N }).chain((t) =>
          opts.ignore
            ? fc.array(fc.boolean(), { minLength: N, maxLength: N }).map((m) => t.map((y, i) => (opts.ignore === 'all' || m[i] ? -100 : y)))
            : fc.constant(t)
        );
      return fc
        .record({
          target,
          weight: weights(C, dtype),
          reduction: reductions,
          label_smoothing: opts.smoothing ? fc.constantFrom(0.1, 0.25, 1, 0.5).map(f32(dtype)) : fc.constant(0),
        })
        .chain((r) =>
          (backward ? gradOutputFor(r.reduction, N, dtype) : fc.constant(undefined)).map((g) => {
            const args: RawArgs = { logits: L, target: r.target, reduction: r.reduction };
            if (r.weight) args.weight = r.weight;
            if (r.label_smoothing) args.label_smoothing = r.label_smoothing;
            if (g !== undefined) args.grad_output = g;
            return args;
          })
        );
    });
  const rows = logitRegimes(dtype).filter((r) => r.name !== 'wide row (C = 1000)');
  return [
    ...rows.map((r) => ({ name: `${r.name}, class targets`, quick: r.quick, arb: withOptions(r.arb, {}) })),
    { name: 'probability targets', quick: true, arb: withOptions(logitRegimes(dtype)[1].arb, { probs: true }) },
    { name: 'probability targets, masked logits', quick: false, arb: withOptions(logitRegimes(dtype)[8].arb, { probs: true }) },
    { name: 'ignore_index', quick: true, arb: withOptions(logitRegimes(dtype)[1].arb, { ignore: 'some' }) },
    { name: 'every target ignored', quick: false, arb: withOptions(logitRegimes(dtype)[1].arb, { ignore: 'all' }) },
    { name: 'label smoothing', quick: true, arb: withOptions(logitRegimes(dtype)[2].arb, { smoothing: true }) },
    {
      name: 'label smoothing, probability targets',
      quick: false,
      arb: withOptions(logitRegimes(dtype)[1].arb, { probs: true, smoothing: true }),
    },
  ];
}

export function bceRegimes(dtype: Dtype, backward: boolean): Regime[] {
  const f = f32(dtype);
  const vecN = (el: fc.Arbitrary<number>) => fc.integer({ min: 1, max: 8 }).chain((n) => fc.array(el, { minLength: n, maxLength: n }));
  const build = (probs: fc.Arbitrary<number>, target: fc.Arbitrary<number>) =>
    vecN(probs).chain((p) =>
      fc.record({
        target: fc.array(target, { minLength: p.length, maxLength: p.length }),
        weight: weights(p.length, dtype),
        reduction: reductions,
      }).chain((r) =>
        (backward ? gradOutputFor(r.reduction, p.length, dtype) : fc.constant(undefined)).map((g) => {
          const args: RawArgs = { probs: p, target: r.target, reduction: r.reduction };
          if (r.weight) args.weight = r.weight;
          if (g !== undefined) args.grad_output = g;
          return args;
        })
      )
    );
  const unit = fc.integer({ min: 0, max: 1000 }).map((k) => f(k / 1000));
  const hard = fc.constantFrom(0, 1);
  const nearEdges = fc.constantFrom(1e-300, 1e-20, 1e-8, 1 - 2 ** -53, 1 - 1e-9, 0, 1, 1e-45).map(f);
  return [
    { name: 'probabilities in (0, 1), soft targets', quick: true, arb: build(unit.filter((p) => p > 0 && p < 1), unit) },
    { name: 'hard 0/1 targets', quick: true, arb: build(unit, hard) },
    { name: 'probabilities near 0 and 1', quick: true, arb: build(nearEdges, fc.oneof(hard, unit)) },
  ];
}

export function bceLogitsRegimes(dtype: Dtype, backward: boolean): Regime[] {
  const f = f32(dtype);
  const build = (logit: fc.Arbitrary<number>, pw: fc.Arbitrary<number | undefined>) =>
    fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc
        .record({
          logits: fc.array(logit, { minLength: n, maxLength: n }),
          target: fc.array(fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 100 }).map((k) => f(k / 100))), {
            minLength: n,
            maxLength: n,
          }),
          weight: weights(n, dtype),
          pos_weight: pw,
          reduction: reductions,
        })
        .chain((r) =>
          (backward ? gradOutputFor(r.reduction, n, dtype) : fc.constant(undefined)).map((g) => {
            const args: RawArgs = { logits: r.logits, target: r.target, reduction: r.reduction };
            if (r.weight) args.weight = r.weight;
            if (r.pos_weight !== undefined) args.pos_weight = r.pos_weight;
            if (g !== undefined) args.grad_output = g;
            return args;
          })
        )
    );
  const lim = dtype === 'float32' ? 88.72 : 709.78;
  return [
    { name: 'scale 4', quick: true, arb: build(numAt(4, dtype), fc.constant(undefined)) },
    { name: 'scale 40 (saturation)', quick: true, arb: build(numAt(40, dtype), fc.constant(undefined)) },
    {
      name: 'near the exp limits and infinite',
      quick: true,
      arb: build(fc.constantFrom(lim, -lim, 800, -800, 1e308, -1e308, Infinity, -Infinity).map(f), fc.constant(undefined)),
    },
    { name: 'pos_weight', quick: true, arb: build(numAt(10, dtype), fc.constantFrom(0, 0.5, 3, 1000).map(f)) },
  ];
}

export function nllRegimes(dtype: Dtype): Regime[] {
  const lp = fc.oneof(numAt(20, dtype).map((v) => -Math.abs(v)), fc.constant(-Infinity));
  const build = (ignore: boolean) =>
    matrixOf(lp, [1, 4], [1, 6]).chain((L) =>
      fc
        .record({
          target: fc.array(fc.integer({ min: ignore ? -1 : 0, max: L[0].length - 1 }), { minLength: L.length, maxLength: L.length }).map((
            t,
          ) => t.map((y) => (y < 0 ? -100 : y))),
          weight: weights(L[0].length, dtype),
          reduction: reductions,
        })
        .map((r) => {
          const args: RawArgs = { log_probs: L, target: r.target, reduction: r.reduction };
          if (r.weight) args.weight = r.weight;
          return args;
        })
    );
  return [
    { name: 'log-probabilities', quick: true, arb: build(false) },
    { name: 'ignore_index', quick: true, arb: build(true) },
  ];
}

// ---------------------------------------------------------------------------------------
// the regimes of each op family (the ops' records in src/ops pick theirs)

/** softmax, log_softmax, logsumexp: { logits } */
export function rowRegimes(dtype: Dtype): Regime[] {
  return logitRegimes(dtype).map((r) => ({ ...r, arb: r.arb.map((logits) => ({ logits })) }));
}

/** softmax_backward, log_softmax_backward: { logits, grad_output } */
export function rowBackwardRegimes(dtype: Dtype): Regime[] {
  return logitRegimes(dtype).map((r) => ({
    ...r,
    arb: r.arb.chain((logits) =>
      fc
        .array(fc.array(numAt(3, dtype), { minLength: logits[0].length, maxLength: logits[0].length }), {
          minLength: logits.length,
          maxLength: logits.length,
        })
        .map((g) => ({ logits, grad_output: g }))
    ),
  }));
}

/** sigmoid, log_sigmoid, softplus: { x } */
export function elementwiseRegimes(dtype: Dtype): Regime[] {
  return elementRegimes(dtype).map((r) => ({ ...r, arb: r.arb.map((x) => ({ x })) }));
}

/** sigmoid_backward: { x, grad_output } */
export function elementwiseBackwardRegimes(dtype: Dtype): Regime[] {
  return elementRegimes(dtype).map((r) => ({
    ...r,
    arb: r.arb.chain((x) => fc.array(numAt(3, dtype), { minLength: x.length, maxLength: x.length }).map((g) => ({ x, grad_output: g }))),
  }));
}
