/**
 * Generated cases for kl_div and its backward ops (fast-check arbitraries producing raw,
 * JSON-shaped args, as src/core/regimes.ts's regimesFor does for the other ops). Every
 * number is float32-representable for float32 implementations.
 *
 * Regimes (names say what they stress):
 *  - typical, <reduction>: input = log_softmax of random logits, target = softmax-like rows
 *    with some exact zeros; one regime per reduction so each is in the --quick set;
 *  - targets with zeros (and −∞ input there): the zero-coefficient convention 0·log 0 = 0,
 *    0·(−∞) = 0, on one-hot and sparse rows;
 *  - log_target: target as log-probabilities, −∞ entries included (e^−∞ = 0);
 *  - x ≈ log t: the loss near 0, where t·log t and t·x cancel;
 *  - huge and tiny x: |x| up to 1e308 (3e38 in float32) and down to subnormals, ±∞;
 *  - unnormalised targets: t up to 100 (PyTorch does not require rows to sum to 1);
 *  - log_target near the exp limits: t around ±709 (±88 in float32), where e^t over/underflows.
 */
import fc from 'fast-check';
import { numAt, type Dtype, type RawArgs, type Regime } from '../../core/regimes.js';
import { KL_REDUCTIONS, type KlOpName, type KlReduction } from './args.js';

const rounder = (dtype: Dtype) => (dtype === 'float32' ? Math.fround : (x: number) => x);

/** [N][C] with N in rows, C in cols, entries from el */
function matrixOf(el: fc.Arbitrary<number>, rows: [number, number], cols: [number, number]): fc.Arbitrary<number[][]> {
  return fc
    .tuple(fc.integer({ min: rows[0], max: rows[1] }), fc.integer({ min: cols[0], max: cols[1] }))
    .chain(([n, c]) => fc.array(fc.array(el, { minLength: c, maxLength: c }), { minLength: n, maxLength: n }));
}

/** a matrix of the given shape */
function shaped(el: fc.Arbitrary<number>, n: number, c: number): fc.Arbitrary<number[][]> {
  return fc.array(fc.array(el, { minLength: c, maxLength: c }), { minLength: n, maxLength: n });
}

/** log_softmax of a row in float64 (shifted, log of the shifted sum), rounded to the dtype */
function logSoftmaxRow(l: number[], dtype: Dtype): number[] {
  const m = Math.max(...l);
  const s = l.reduce((acc, v) => acc + Math.exp(v - m), 0);
  const L = Math.log(s);
  return l.map((v) => rounder(dtype)(v - m - L));
}

/** probability rows: integer weights over their sum (exact zeros where the weight is 0) */
function probRows(n: number, c: number, dtype: Dtype, zeros: 'some' | 'many'): fc.Arbitrary<number[][]> {
  const w = zeros === 'many'
    ? fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }) })
    : fc.integer({ min: 0, max: 1000 });
  return shaped(w, n, c).map((rows) =>
    rows.map((r) => {
      const s = r.reduce((a, b) => a + b, 0);
      return s === 0 ? r.map((_, j) => (j === 0 ? 1 : 0)) : r.map((v) => rounder(dtype)(v / s));
    })
  );
}

/** log-probability inputs: log_softmax of logits at scale 5 */
function logProbInputs(dtype: Dtype, rows: [number, number], cols: [number, number]): fc.Arbitrary<number[][]> {
  return matrixOf(numAt(5, dtype), rows, cols).map((m) => m.map((r) => logSoftmaxRow(r, dtype)));
}

interface Parts {
  input: number[][];
  target: number[][];
  log_target?: boolean;
}

/** add reduction (fixed, or any of the four) and, for backward ops, grad_output */
function finish(parts: fc.Arbitrary<Parts>, backward: boolean, dtype: Dtype, red?: KlReduction): fc.Arbitrary<RawArgs> {
  const reds = red ? fc.constant(red) : fc.constantFrom(...KL_REDUCTIONS);
  return parts.chain((p) =>
    reds.chain((reduction) => {
      const n = p.input.length;
      const c = p.input[0].length;
      const g: fc.Arbitrary<unknown> = !backward
        ? fc.constant(undefined)
        : reduction === 'none'
        ? fc.oneof(fc.constant(undefined), shaped(numAt(3, dtype), n, c))
        : fc.oneof(fc.constant(undefined), numAt(3, dtype));
      return g.map((grad) => {
        const args: RawArgs = { input: p.input, target: p.target, reduction };
        if (p.log_target) args.log_target = true;
        if (grad !== undefined) args.grad_output = grad;
        return args;
      });
    })
  );
}

function withTargets(
  inputs: fc.Arbitrary<number[][]>,
  target: (n: number, c: number) => fc.Arbitrary<number[][]>,
  logTarget = false,
): fc.Arbitrary<Parts> {
  return inputs.chain((input) => target(input.length, input[0].length).map((t) => ({ input, target: t, log_target: logTarget })));
}

/** Every regime of a kl op, for implementations of the given dtype. */
export function regimes(op: KlOpName, dtype: Dtype): Regime[] {
  const back = op !== 'kl_div';
  const f = rounder(dtype);
  const huge = dtype === 'float32' ? 3e38 : 1e308;
  const tiny = dtype === 'float32' ? 1e-45 : 5e-324;
  const expLim = dtype === 'float32' ? 88.72 : 709.78;
  const typical = withTargets(logProbInputs(dtype, [1, 4], [1, 8]), (n, c) => probRows(n, c, dtype, 'some'));
  const out: Regime[] = KL_REDUCTIONS.map((red) => ({ name: `typical, ${red}`, quick: true, arb: finish(typical, back, dtype, red) }));
  // zero targets with −∞ (or anything) in the input there: the zero-coefficient convention
  const zeros = withTargets(logProbInputs(dtype, [1, 3], [2, 6]), (n, c) => probRows(n, c, dtype, 'many')).map((p) => ({
    ...p,
    input: p.input.map((r, i) => r.map((x, j) => (p.target[i][j] === 0 && (i + j) % 2 === 0 ? -Infinity : x))),
  }));
  out.push({ name: 'targets with zeros (0·log 0 = 0, −∞ input there)', quick: true, arb: finish(zeros, back, dtype) });
  const logT = withTargets(
    logProbInputs(dtype, [1, 3], [1, 6]),
    (n, c) => probRows(n, c, dtype, 'some').map((rows) => rows.map((r) => r.map((t) => (t === 0 ? -Infinity : f(Math.log(t)))))),
    true,
  );
  out.push({ name: 'log_target', quick: true, arb: finish(logT, back, dtype) });
  // x within a few ulp-scaled steps of log t: the loss is near 0 and t·log t, t·x cancel
  const near = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 6 })).chain(([n, c]) =>
    probRows(n, c, dtype, 'some').chain((t) =>
      shaped(fc.integer({ min: -4, max: 4 }), n, c).map((k) => ({
        target: t,
        input: t.map((r, i) => r.map((v, j) => (v === 0 ? f(-3) : f(Math.log(v) * (1 + k[i][j] * 2 ** -30))))),
      }))
    )
  );
  out.push({ name: 'x ≈ log t (loss near 0)', quick: true, arb: finish(near, back, dtype) });
  const extremes = fc.constantFrom(-huge, -huge / 3, -1e5, -1e-300, -tiny, 0, 1e-300, 1e5, huge, -Infinity, Infinity).map(f);
  const hugeX = withTargets(matrixOf(fc.oneof(extremes, numAt(3, dtype)), [1, 2], [1, 5]), (n, c) => probRows(n, c, dtype, 'some'));
  out.push({ name: 'huge and tiny x (±1e308 / ±3e38, subnormal, ±∞)', quick: false, arb: finish(hugeX, back, dtype) });
  const unnorm = withTargets(
    logProbInputs(dtype, [1, 3], [1, 6]),
    (n, c) => shaped(fc.integer({ min: 0, max: 10000 }).map((k) => f(k / 100)), n, c),
  );
  out.push({ name: 'unnormalised targets (t up to 100)', quick: false, arb: finish(unnorm, back, dtype) });
  const nearLim = fc.oneof(...[expLim, -expLim, -expLim - 40].map((c) => fc.double({ min: c - 1, max: c + 1, noNaN: true }).map(f)));
  const logLim = withTargets(matrixOf(numAt(3, dtype), [1, 2], [1, 5]), (n, c) => shaped(nearLim, n, c), true);
  out.push({ name: 'log_target near the exp limits', quick: false, arb: finish(logLim, back, dtype) });
  return out;
}
