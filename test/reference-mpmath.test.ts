/**
 * The correctly rounded reference against an independent oracle: python3 + mpmath
 * (test/helpers/mpmath.ts), on seeded random inputs across regimes, for every forward and
 * every backward op of the catalog.
 *
 * For every output the decimal field must be exactly mpmath's value rounded half-even to 40
 * significant digits (written as decimal.js writes it), and float64 / float32 / float16 /
 * bfloat16 must be exactly the correctly rounded values (round-to-nearest-even, decided in
 * python with exact Fraction arithmetic, signed zeros compared with Object.is). The python
 * oracle evaluates each case at 80 and 120 digits (Ziv-style escalation to 160/200, ... when
 * an output is close to a rounding boundary), so a decision never rests on one precision.
 *
 * kl_div (and both its gradients) on log-probabilities against probability targets (some 0)
 * and log-targets, every reduction, special values and the exact zeros of its definition.
 *
 * Regimes: logits at scales 1e-3, 1, 30, 700, 1e5, with offsets (large offset + small spread,
 * which stresses the exact x − max), rows of 1, 2, 7 and 100 entries, masked (−∞) entries,
 * probabilities near 0 and 1 (2^-1074, 1e-300, 1 − 2^-53), weights, pos_weight, label
 * smoothing, ignore_index and every reduction. All inputs come from one seeded generator, so a
 * failure is reproducible; every python call of this file is ONE subprocess.
 */
import { beforeAll, describe, expect } from 'vitest';
import { OP_NAMES } from '../src/ops/registry.js';
import { reference } from '../src/ops/evaluate.js';
import { fromPy, itPy, leaves, mpmathReference, pythonStatus, type MpCase, type MpLeaf } from './helpers/mpmath.js';

// ---------------------------------------------------------------------------------------
// seeded generator (mulberry32)

function rng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return {
    next,
    normal,
    uniform: (lo: number, hi: number) => lo + (hi - lo) * next(),
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)],
    bool: (p = 0.5) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

const SCALES = [1e-3, 1, 30, 700, 1e5] as const;

/** A row of C logits at a scale; 'offset' puts a large common offset under a small spread. */
function logitRow(r: Rng, C: number, scale: number, offset = 0, masked = 0): number[] {
  const row = Array.from({ length: C }, () => offset + scale * r.normal());
  for (let k = 0; k < masked && k < C - 1; k++) row[r.int(C)] = -Infinity;
  return row;
}

function logitRows(r: Rng, N: number, C: number, scale: number, masked = 0): number[][] {
  const offsets = [0, scale * r.normal(), r.pick([1e4, -700, 0.5, 123.456])];
  return Array.from({ length: N }, (_, n) => logitRow(r, C, scale, offsets[n % offsets.length], masked));
}

const grad = (r: Rng, N: number, C: number) => Array.from({ length: N }, () => Array.from({ length: C }, () => r.normal()));

// ---------------------------------------------------------------------------------------
// the cases, per op

function buildCases(): Record<string, MpCase[]> {
  const r = rng(20240917);
  const cases: Record<string, MpCase[]> = Object.fromEntries(OP_NAMES.map((op) => [op, []]));
  const add = (op: string, args: Record<string, unknown>) => cases[op].push({ op, args });

  // softmax family: every scale x C in {1, 2, 7}, plus C = 100 rows and masked entries
  for (const op of ['softmax', 'log_softmax', 'logsumexp'] as const) {
    for (const s of SCALES) for (const C of [1, 2, 7]) add(op, { logits: logitRows(r, 2, C, s) });
    for (const s of [1, 30, 1e5]) add(op, { logits: logitRows(r, 1, 100, s) });
    add(op, { logits: logitRows(r, 2, 7, 3, 2) }); // masked entries
    add(op, { logits: [[1e5, 1e5 + 2 ** -36, 1e5 - 0.5], [-700.25, -700.5, -745.125]] }); // tiny spreads at large offsets
  }
  for (const op of ['softmax_backward', 'log_softmax_backward'] as const) {
    for (const s of SCALES) for (const C of [1, 2, 7]) add(op, { logits: logitRows(r, 2, C, s), grad_output: grad(r, 2, C) });
    add(op, { logits: logitRows(r, 1, 100, 1), grad_output: grad(r, 1, 100) });
    add(op, { logits: logitRows(r, 1, 100, 30), grad_output: grad(r, 1, 100) });
    add(op, { logits: logitRows(r, 2, 7, 3, 2), grad_output: grad(r, 2, 7) });
    add(op, { logits: [[0, -800, -40]], grad_output: [[1, 0, 0.5]] }); // p_0 = 1 − tiny
  }

  // elementwise: every scale, plus extremes
  const EXTREMES = [1e-300, -1e-300, 745, -745, 800, -800, 36.75, -36.75, 1e5, -1e5, 2 ** -1074, 0.5];
  for (const op of ['sigmoid', 'log_sigmoid', 'softplus'] as const) {
    for (const s of SCALES) add(op, { x: Array.from({ length: 8 }, () => s * r.normal()) });
    add(op, { x: EXTREMES });
  }
  for (const s of SCALES) {
    add('sigmoid_backward', {
      x: Array.from({ length: 8 }, () => s * r.normal()),
      grad_output: Array.from({ length: 8 }, () => r.normal()),
    });
  }
  add('sigmoid_backward', { x: EXTREMES, grad_output: EXTREMES.map(() => r.normal()) });

  // cross_entropy (+ backward): index targets with weights / ignore_index / smoothing, and
  // probability targets (some with 0 on a masked class), every reduction
  const ceCase = (withGrad: boolean) => {
    const out: Record<string, unknown>[] = [];
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const s of SCALES) {
        const C = r.pick([2, 7]);
        const N = 3;
        const a: Record<string, unknown> = { logits: logitRows(r, N, C, s), target: Array.from({ length: N }, () => r.int(C)), reduction };
        if (r.bool()) a.weight = Array.from({ length: C }, () => r.uniform(0, 3));
        if (r.bool(0.4)) (a.target as number[])[r.int(N)] = -100;
        if (r.bool(0.5)) a.label_smoothing = r.pick([0.1, 0.25, 1e-9, 1]);
        if (withGrad) a.grad_output = reduction === 'none' ? Array.from({ length: N }, () => r.normal()) : r.normal();
        out.push(a);
      }
      // probability targets (rows need not sum to 1), with a masked class carrying 0
      const C = 5;
      const logits = logitRows(r, 2, C, r.pick([1, 30]));
      logits[1][2] = -Infinity;
      const target = Array.from({ length: 2 }, () => Array.from({ length: C }, () => (r.bool(0.3) ? 0 : r.next())));
      target[1][2] = 0;
      const a: Record<string, unknown> = { logits, target, reduction, weight: Array.from({ length: C }, () => r.uniform(0.1, 2)) };
      if (withGrad) a.grad_output = reduction === 'none' ? [r.normal(), r.normal()] : r.normal();
      out.push(a);
      out.push({ logits, target, reduction, label_smoothing: 0 }); // no weight
    }
    out.push({ logits: logitRows(r, 1, 100, 1), target: [37] }); // C = 100
    out.push({ logits: [[0.75], [-3]], target: [0, 0], reduction: 'sum' }); // C = 1
    out.push({ logits: [[0, -800, -40], [5, 5, 5]], target: [0, 1], label_smoothing: 0.5 }); // p -> 1, uniform row
    out.push({ logits: [[1, 2, 3]], target: [2], ignore_index: 2, reduction: 'sum' }); // ignored via a valid class
    return out;
  };
  for (const a of ceCase(false)) add('cross_entropy', a);
  for (const a of ceCase(true)) add('cross_entropy_backward', a);

  // nll_loss: log-probabilities <= 0 at every scale
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    for (const s of [1e-3, 1, 700]) {
      const C = 4;
      const N = 3;
      const a: Record<string, unknown> = {
        log_probs: Array.from({ length: N }, () => Array.from({ length: C }, () => -Math.abs(s * r.normal()))),
        target: Array.from({ length: N }, () => r.int(C)),
        reduction,
      };
      if (r.bool()) a.weight = Array.from({ length: C }, () => r.uniform(0, 2));
      if (r.bool(0.4)) (a.target as number[])[0] = -100;
      add('nll_loss', a);
    }
  }

  // binary cross-entropy (+ backward): probabilities near 0 and 1
  const NEAR = [2 ** -1074, 1e-300, 1e-17, 1 - 2 ** -53, 1 - 2 ** -52, 0.5, 1e-3, 0.999];
  for (const op of ['binary_cross_entropy', 'binary_cross_entropy_backward'] as const) {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const probs = [...NEAR, r.next(), r.next()];
      const target = probs.map(() => r.pick([0, 1, r.next(), r.next()]));
      const a: Record<string, unknown> = { probs, target, reduction };
      if (reduction !== 'sum') a.weight = probs.map(() => r.uniform(0, 2));
      if (op.endsWith('backward')) a.grad_output = reduction === 'none' ? probs.map(() => r.normal()) : r.normal();
      add(op, a);
    }
  }
  for (const op of ['binary_cross_entropy_with_logits', 'binary_cross_entropy_with_logits_backward'] as const) {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const s of [1e-3, 30, 1e5]) {
        const logits = Array.from({ length: 6 }, () => s * r.normal());
        const target = logits.map(() => r.pick([0, 1, r.next()]));
        const a: Record<string, unknown> = { logits, target, reduction, pos_weight: r.pick([1, 0.5, 3, 0]) };
        if (r.bool()) a.weight = logits.map(() => r.uniform(0, 2));
        if (op.endsWith('backward')) a.grad_output = reduction === 'none' ? logits.map(() => r.normal()) : r.normal();
        add(op, a);
      }
    }
    add(op, { logits: [0, 745, -745, 36.75, -1e-300], target: [0.5, 1, 0, 1, 0.25], reduction: 'none' });
  }

  // rounding boundaries: "exact + tiny" results whose exact part is a 40-digit decimal tie (a
  // double in [2^16, 2^18) with its last bit set has exactly 41 significant digits, the last
  // one 5) or a float midpoint; the tail (e^-|x|, log1p(s)) decides the side
  const ties = Array.from({ length: 6 }, () => 2 ** r.pick([16, 17]) * (1 + (2 * r.int(2 ** 51) + 1) * 2 ** -52));
  const mids = [1 + 2 ** -24, 3 + 2 ** -22, 1024 + 2 ** -1, 7 + 2 ** -6, 65536 + 2 ** -8, 20 + 3 * 2 ** -20];
  for (const op of ['softplus', 'log_sigmoid'] as const) {
    add(op, { x: op === 'softplus' ? [...ties, ...mids] : [...ties, ...mids].map((v) => -v) });
  }
  add('logsumexp', { logits: [...ties, ...mids].map((v) => [v, v - 40, -Infinity]) });
  add('log_softmax', { logits: ties.map((v) => [0, v, -1]) });
  add('log_softmax', { logits: mids.map((v) => [0, -v, -Infinity]) });
  add('nll_loss', { log_probs: ties.map((v) => [-v, -1]), target: ties.map(() => 0), reduction: 'none' });

  // other precisions than 40 digits, and results beyond the float formats' range
  add('softmax', { logits: [[1, 5, 6, 4, 2, 2.6, 6]] });
  cases.softmax.push({ op: 'softmax', args: { logits: [[1, 5, 6, 4, 2, 2.6, 6]] }, digits: 1 });
  cases.log_softmax.push({ op: 'log_softmax', args: { logits: [[0.5, -3, 2.25], [700, 0, -700]] }, digits: 17 });
  cases.cross_entropy.push({
    op: 'cross_entropy',
    args: { logits: [[0.5, -3, 2.25], [1e5, 0, -3]], target: [1, 2], label_smoothing: 0.2 },
    digits: 100,
  });
  cases.sigmoid_backward.push({ op: 'sigmoid_backward', args: { x: [-3, 0.001, 50], grad_output: [1e-300, -7, 1e300] }, digits: 60 });
  add('nll_loss', {
    log_probs: [[-1.7976931348623157e308, -1], [-1e308, -1], [-3.4e38, -1], [-65519.99, 0]],
    target: [0, 0, 0, 0],
    weight: [1.0000000000000002, 1],
    reduction: 'none',
  });
  add('cross_entropy_backward', { logits: [[0.5, -3, 2.25]], target: [0], reduction: 'sum', grad_output: 1e308 });
  add('binary_cross_entropy', { probs: [1e-300, 0.5, 1 - 2 ** -53], target: [1, 1, 0], weight: [1e300, 3e38, 1e5], reduction: 'none' });

  // kl_div (+ d/d input, d/d target): log-probabilities against probability targets (some 0)
  // and log-targets, every reduction, special values, the exact zeros of the definitions
  for (const op of ['kl_div', 'kl_div_backward', 'kl_div_target_backward'] as const) {
    for (const reduction of ['mean', 'batchmean', 'sum', 'none'] as const) {
      for (const log_target of [false, true]) {
        for (const s of [1e-3, 1, 30]) {
          const N = 2;
          const C = r.pick([1, 3, 7]);
          const input = Array.from({ length: N }, () => Array.from({ length: C }, () => -Math.abs(s * r.normal())));
          const target = Array.from(
            { length: N },
            () => Array.from({ length: C }, () => (log_target ? -Math.abs(s * r.normal()) : r.bool(0.2) ? 0 : r.next())),
          );
          const a: Record<string, unknown> = { input, target, reduction, log_target };
          if (op !== 'kl_div') a.grad_output = reduction === 'none' ? grad(r, N, C) : r.normal();
          add(op, a);
        }
      }
    }
    const special = { input: [[-Infinity, NaN, -1, Infinity, -2]], target: [[0, 0.5, Infinity, 0.25, 0]] };
    add(op, { ...special, reduction: 'none', ...(op === 'kl_div' ? {} : { grad_output: [[2, -3, 0.5, 1, -1]] }) });
    add(op, {
      input: [[-0.5, -1.5, 2]],
      target: [[-1, -Infinity, 2]],
      log_target: true,
      reduction: 'none',
      ...(op === 'kl_div' ? {} : { grad_output: [[1, 1, -2]] }),
    });
    add(op, { input: [[0, 0, 0, 0, 0]], target: [[0.25, 0.5, 2, 0.5, 0.5]], reduction: 'sum' }); // 0 by powers of two
    add(op, { input: [[1e300, -1e300]], target: [[2, 2]], reduction: 'batchmean' }); // huge cancelling terms
    add(op, { input: [[-0.5, -1.5, 2]], target: [[-1, -1, 2]], log_target: true, reduction: 'mean' }); // groups cancel
    if (op !== 'kl_div') {
      // g = ±∞ against a derivative of exactly 0 (t = 1, x = 1; log_target t + 1 = x): 0
      for (const g of [Infinity, -Infinity]) {
        add(op, { input: [[1, 0.5, -1]], target: [[1, 1, 0.25]], reduction: 'sum', grad_output: g });
        add(op, { input: [[3, 0.5]], target: [[2, 1]], log_target: true, reduction: 'batchmean', grad_output: g });
      }
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------

const CASES = buildCases();
const ALL: MpCase[] = OP_NAMES.flatMap((op) => CASES[op]);
let expected = new Map<MpCase, MpLeaf[]>();
let pyMillis = 0;

beforeAll(() => {
  if (!pythonStatus().ok) return;
  const t = performance.now();
  const out = mpmathReference(ALL); // ONE python process for the whole file
  pyMillis = performance.now() - t;
  expected = new Map(ALL.map((c, i) => [c, out[i]]));
}, 120_000);

const FIELDS = [
  ['float64', 'f64'],
  ['float32', 'f32'],
  ['float16', 'f16'],
  ['bfloat16', 'bf16'],
] as const;

const fmtNum = (x: number) => (Object.is(x, -0) ? '-0' : String(x));

describe('reference vs mpmath (decimal at 40 digits unless stated, every format), seeded inputs', () => {
  for (const op of OP_NAMES) {
    itPy(`${op}: ${CASES[op].length} cases`, () => {
      expect(CASES[op].length).toBeGreaterThan(0);
      const problems: string[] = [];
      let outputs = 0;
      for (const [ci, c] of CASES[op].entries()) {
        const exp = expected.get(c)!;
        expect(exp, 'python returned a result for every case').toBeDefined();
        let res;
        try {
          res = reference(op, c.args, { digits: c.digits ?? 40 });
        } catch (e) {
          problems.push(`case ${ci} ${JSON.stringify(c.args)} threw ${(e as Error).name}: ${(e as Error).message}`);
          continue;
        }
        const dec = leaves(res.decimal);
        expect(dec.length, `case ${ci}: number of outputs`).toBe(exp.length);
        const floats = Object.fromEntries(FIELDS.map(([f]) => [f, leaves(res[f])]));
        exp.forEach((e, k) => {
          outputs++;
          const where = `case ${ci} output ${k} (${op}${c.digits ? ` digits ${c.digits}` : ''} ${JSON.stringify(c.args).slice(0, 300)})`;
          if (e.undecided) {
            problems.push(`${where}: the python oracle could not decide (≈ ${e.approx})`);
            return;
          }
          if (dec[k] !== e.d) problems.push(`${where}: decimal ${dec[k]} != mpmath ${e.d}`);
          for (const [f, key] of FIELDS) {
            const got = floats[f][k];
            const want = fromPy(e[key]);
            if (!Object.is(got, want)) problems.push(`${where}: ${f} ${fmtNum(got)} != ${fmtNum(want)} (decimal ${e.d})`);
          }
        });
      }
      expect(problems, problems.slice(0, 20).join('\n')).toEqual([]);
      expect(outputs).toBeGreaterThan(0);
    });
  }

  itPy('the whole batch went through one python process', () => {
    expect(expected.size).toBe(ALL.length);
    console.log(`mpmath oracle: ${ALL.length} cases in one python process, ${(pyMillis / 1000).toFixed(1)} s`);
  });
});
