/**
 * The example adapters of examples/adapters/, each opened through the adapter layer:
 * correct.mjs (special values of docs/semantics.md, finite differences, agreement with
 * NumPy/SciPy), naive.mjs (its bugs are visible), numpy_scipy.py (protocol v1 over a
 * command) and tfjs.mjs (float32).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP_NAMES, type OpName } from '../src/ops/registry.js';
import { openCommandAdapter, openModuleAdapter, type Adapter, type CallOutcome } from '../src/verify/adapter.js';

/**
 * The naive, numpy/scipy and tfjs examples implement the ops of the first catalog; kl_div (and
 * its backward ops) came later and only correct.mjs implements them (verify plays the ops an
 * implementation declares).
 */
const V1_OPS = OP_NAMES.filter((op) => !op.startsWith('kl_div'));

const example = (name: string) => fileURLToPath(new URL(`../examples/adapters/${name}`, import.meta.url));

const PY = spawnSync('python3', ['-c', 'import numpy, scipy'], { encoding: 'utf8' });
const HAS_SCIPY = PY.status === 0;
const NO_SCIPY_REASON = PY.error ? 'python3 not found' : `python3 cannot import numpy / scipy: ${PY.stderr.trim().split('\n').pop()}`;
if (!HAS_SCIPY) console.warn(`[adapter-examples.test] skipping numpy_scipy.py tests: ${NO_SCIPY_REASON}`);

type Value = number | number[] | number[][];

function value(o: CallOutcome): Value {
  if (o.kind !== 'result') throw new Error(`expected a result, got ${JSON.stringify(o)}`);
  return o.value;
}

const flat = (v: Value): number[] => (typeof v === 'number' ? [v] : (v as Array<number | number[]>).flat());

/** every entry equal, NaN matching NaN, ±0 equal */
function expectSame(actual: Value, expected: Value, what = ''): void {
  const a = flat(actual);
  const e = flat(expected);
  expect(a.length, what).toBe(e.length);
  a.forEach((x, i) => {
    if (Number.isNaN(e[i])) expect(x, `${what} [${i}]`).toBeNaN();
    else expect(x === e[i] || Math.abs(x - e[i]) <= 4 * Number.EPSILON * Math.abs(e[i]), `${what} [${i}]: ${x} vs ${e[i]}`).toBe(true);
  });
}

function expectClose(actual: Value, expected: Value, rel: number, what = ''): void {
  const a = flat(actual);
  const e = flat(expected);
  expect(a.length, what).toBe(e.length);
  a.forEach((x, i) => {
    if (Number.isNaN(e[i]) || !Number.isFinite(e[i])) {
      expect(Object.is(x, e[i]) || x === e[i], `${what} [${i}]: ${x} vs ${e[i]}`).toBe(true);
    } else expect(Math.abs(x - e[i]) <= rel * (1 + Math.abs(e[i])), `${what} [${i}]: ${x} vs ${e[i]}`).toBe(true);
  });
}

// ---------------------------------------------------------------------------------------
// deterministic random cases for every op

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCases(seed: number, float32 = false): Array<[OpName, Record<string, unknown>]> {
  const r = rng(seed);
  const f = (x: number) => (float32 ? Math.fround(x) : x);
  const u = (lo: number, hi: number) => f(lo + (hi - lo) * r());
  const vec = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => u(lo, hi));
  const mat = (n: number, c: number, lo: number, hi: number) => Array.from({ length: n }, () => vec(c, lo, hi));
  const N = 4;
  const C = 5;
  const logits = mat(N, C, -8, 8);
  const probTarget = mat(N, C, 0, 1).map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => f(v / s));
  });
  const idx = [0, 3, -100, 2];
  const cases: Array<[OpName, Record<string, unknown>]> = [];
  for (const op of ['softmax', 'log_softmax', 'logsumexp'] as const) cases.push([op, { logits }]);
  for (const op of ['sigmoid', 'log_sigmoid', 'softplus'] as const) cases.push([op, { x: vec(6, -20, 20) }]);
  cases.push(['softmax_backward', { logits, grad_output: mat(N, C, -1, 1) }]);
  cases.push(['log_softmax_backward', { logits, grad_output: mat(N, C, -1, 1) }]);
  cases.push(['sigmoid_backward', { x: vec(6, -10, 10), grad_output: vec(6, -2, 2) }]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    const g = reduction === 'none' ? vec(N, -2, 2) : u(0.5, 2);
    const ceArgs = [
      { logits, target: idx, reduction },
      { logits, target: idx, weight: vec(C, 0.1, 2), label_smoothing: f(0.125), reduction },
      { logits, target: probTarget, reduction },
      { logits, target: probTarget, weight: vec(C, 0.1, 2), label_smoothing: f(0.25), reduction },
    ];
    for (const a of ceArgs) {
      cases.push(['cross_entropy', a]);
      cases.push(['cross_entropy_backward', { ...a, grad_output: g }]);
    }
    cases.push(['nll_loss', { log_probs: mat(N, C, -6, 0), target: idx, weight: vec(C, 0.1, 2), reduction }]);
    const bce = { probs: vec(N, 0.02, 0.98), target: vec(N, 0, 1), weight: vec(N, 0.5, 2), reduction };
    cases.push(['binary_cross_entropy', bce]);
    cases.push(['binary_cross_entropy_backward', { ...bce, grad_output: g }]);
    const bcel = { logits: vec(N, -6, 6), target: vec(N, 0, 1), weight: vec(N, 0.5, 2), pos_weight: f(1.5), reduction };
    cases.push(['binary_cross_entropy_with_logits', bcel]);
    cases.push(['binary_cross_entropy_with_logits_backward', { ...bcel, grad_output: g }]);
    cases.push(['binary_cross_entropy_with_logits', { logits: bcel.logits, target: bcel.target, reduction }]);
  }
  return cases;
}

// ---------------------------------------------------------------------------------------

const adapters: Adapter[] = [];
afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
});
async function track<T extends Adapter>(p: Promise<T>): Promise<T> {
  const a = await p;
  adapters.push(a);
  return a;
}

describe('examples/adapters/correct.mjs', () => {
  let a: Adapter;
  beforeAll(async () => {
    a = await track(openModuleAdapter(example('correct.mjs')));
  });
  const call = async (op: OpName, args: Record<string, unknown>) => value(await a.call(op, args));

  it('declares every op in float64', () => {
    expect(a.info).toEqual({ name: 'correct-js', dtype: 'float64', ops: [...OP_NAMES], unknownOps: [] });
  });

  it('follows the special values of docs/semantics.md: rows', async () => {
    const I = Infinity;
    const e = Math.E;
    expectSame(await call('softmax', { logits: [[1000, 0]] }), [[1, 0]]);
    expectSame(await call('softmax', { logits: [[-I, 0, 1]] }), [[0, 1 / (1 + e), e / (1 + e)]]);
    expectSame(await call('softmax', { logits: [[-I, -I]] }), [[NaN, NaN]]);
    expectSame(await call('softmax', { logits: [[I, 0, -I]] }), [[1, 0, 0]]);
    expectSame(await call('softmax', { logits: [[I, I, 0]] }), [[NaN, NaN, 0]]);
    expectSame(await call('softmax', { logits: [[NaN, 0]] }), [[NaN, NaN]]);
    expectSame(await call('softmax', { logits: [[5]] }), [[1]]);
    expectSame(await call('log_softmax', { logits: [[I, 0]] }), [[0, -I]]);
    expectSame(await call('log_softmax', { logits: [[I, I, 0]] }), [[NaN, NaN, -I]]);
    expectSame(await call('log_softmax', { logits: [[-I, -I]] }), [[NaN, NaN]]);
    expectSame(await call('log_softmax', { logits: [[3], [0, -1000], [1e308, -1e308]] }), [[0], [0, -1000], [0, -I]]);
    expectSame(await call('logsumexp', { logits: [[-I, -I], [I, 1], [NaN, I], [7], [1000, 1000]] }), [-I, I, NaN, 7, 1000 + Math.LN2]);
  });

  it('follows the special values of docs/semantics.md: elementwise', async () => {
    const I = Infinity;
    expectSame(await call('sigmoid', { x: [I, -I, 0, -800, NaN] }), [1, 0, 0.5, 0, NaN]);
    expectSame(await call('log_sigmoid', { x: [I, -I, -800, 800] }), [0, -I, -800, 0]);
    expectSame(await call('softplus', { x: [I, -I, 800, -800, 0] }), [I, 0, 800, 0, Math.LN2]);
    expectSame(await call('sigmoid_backward', { x: [I, -I, 0], grad_output: [1, 1, 4] }), [0, 0, 1]);
  });

  it('follows the special values of docs/semantics.md: losses', async () => {
    const I = Infinity;
    expectSame(await call('cross_entropy', { logits: [[-I, 0]], target: [0], reduction: 'none' }), [I]);
    expectSame(await call('cross_entropy', { logits: [[-I, 0]], target: [[0, 1]], reduction: 'none' }), [0]);
    expectSame(await call('cross_entropy', { logits: [[I, 0], [I, 0]], target: [0, 1], reduction: 'none' }), [0, I]);
    expectSame(await call('cross_entropy', { logits: [[1, 2], [3, 4]], target: [-100, -100] }), NaN);
    expectSame(await call('cross_entropy', { logits: [[1, 2], [3, 4]], target: [-100, -100], reduction: 'sum' }), 0);
    expectSame(await call('cross_entropy', { logits: [[1, 2], [3, 4]], target: [-100, -100], reduction: 'none' }), [0, 0]);
    expectSame(await call('cross_entropy', { logits: [[1, 2]], target: [0], weight: [0, 1] }), NaN);
    expectSame(await call('cross_entropy', { logits: [[3]], target: [0] }), 0);
    expectSame(await call('cross_entropy', { logits: [[0, 0]], target: [1] }), Math.LN2);
    expectSame(await call('nll_loss', { log_probs: [[-1, -I], [-2, -3]], target: [0, 1], weight: [2, 0], reduction: 'none' }), [2, 0]);
    expectSame(await call('binary_cross_entropy', { probs: [0, 1, 0, 1], target: [0, 1, 0.5, 0.5], reduction: 'none' }), [0, 0, I, I]);
    expectSame(await call('binary_cross_entropy_with_logits', { logits: [I, I, -I, -I], target: [1, 0.5, 0, 0.25], reduction: 'none' }), [
      0,
      I,
      0,
      I,
    ]);
  });

  it('follows the special values of docs/semantics.md: gradients', async () => {
    const I = Infinity;
    const sm = (await call('softmax_backward', { logits: [[-I, 0, 1]], grad_output: [[5, 1, 2]] })) as number[][];
    expect(sm[0][0]).toBe(0);
    const bce = await call('binary_cross_entropy_backward', { probs: [0, 0, 1], target: [0, 1, 1], reduction: 'sum' });
    expectSame(bce, [1, -I, -1]);
    const ce = (await call('cross_entropy_backward', { logits: [[1, 2], [3, 4]], target: [-100, 1], reduction: 'sum' })) as number[][];
    expectSame(ce[0], [0, 0]);
    expect(ce[1][0] + ce[1][1]).toBeCloseTo(0, 15);
    // masked target class: the limit of the derivative, −a_y
    expectSame(await call('cross_entropy_backward', { logits: [[-I, 0]], target: [0], reduction: 'sum' }), [[-1, 1]]);
  });

  it('backward ops agree with central differences of the forward ops', async () => {
    for (const [op, args] of randomCases(11)) {
      const spec = { softmax_backward: 'softmax', log_softmax_backward: 'log_softmax', sigmoid_backward: 'sigmoid' } as Record<
        string,
        OpName
      >;
      const fwd: OpName | undefined = spec[op] ?? (op.endsWith('_backward') ? (op.replace(/_backward$/, '') as OpName) : undefined);
      if (!fwd) continue;
      const wrt = op === 'sigmoid_backward' ? 'x' : op === 'binary_cross_entropy_backward' ? 'probs' : 'logits';
      const g = args.grad_output ?? 1;
      const { grad_output: _unused, ...forwardArgs } = args;
      // φ(x) = ⟨grad_output, forward(x)⟩: the backward op is its gradient
      const phi = async (x: unknown) => {
        const o = flat(await call(fwd, { ...forwardArgs, [wrt]: x }));
        const gg = typeof g === 'number' ? [g] : flat(g as Value);
        return o.reduce((s, v, i) => s + v * gg[i], 0);
      };
      const base = args[wrt] as number[] | number[][];
      const grad = flat(await call(op, args));
      const h = 1e-6;
      let k = 0;
      const x0 = JSON.parse(JSON.stringify(base)) as number[] | number[][];
      const positions: Array<[number, number | null]> = Array.isArray(x0[0])
        ? (x0 as number[][]).flatMap((row, i) => row.map((_, j) => [i, j] as [number, number]))
        : (x0 as number[]).map((_, i) => [i, null] as [number, null]);
      for (const [i, j] of positions) {
        const plus = JSON.parse(JSON.stringify(x0));
        const minus = JSON.parse(JSON.stringify(x0));
        if (j === null) {
          plus[i] += h;
          minus[i] -= h;
        } else {
          plus[i][j] += h;
          minus[i][j] -= h;
        }
        const fd = ((await phi(plus)) - (await phi(minus))) / (2 * h);
        expect(Math.abs(fd - grad[k]), `${op} ${JSON.stringify(args).slice(0, 80)} at ${k}: fd ${fd} vs ${grad[k]}`).toBeLessThan(
          1e-6 * (1 + Math.abs(fd)),
        );
        k++;
      }
    }
  });
});

describe('examples/adapters/naive.mjs', () => {
  let a: Adapter;
  beforeAll(async () => {
    a = await track(openModuleAdapter(example('naive.mjs')));
  });

  it('declares every op of the v1 catalog in float64', () => {
    expect(a.info.dtype).toBe('float64');
    expect(a.info.ops).toEqual(V1_OPS);
  });

  it('agrees with correct.mjs on benign inputs', async () => {
    const c = await track(openModuleAdapter(example('correct.mjs')));
    for (const [op, args] of randomCases(5)) {
      const n = await a.call(op, args);
      if (n.kind === 'error') {
        expect(n.message).toMatch(/class-index targets only/);
        continue;
      }
      // class weights are applied naively (unweighted means, w[y] on every class of the
      // gradient): skip those; the 1e-8 epsilons are visible but small on these cases
      if ('weight' in args && (op.startsWith('cross_entropy') || op === 'nll_loss')) continue;
      expectClose(value(n), value(await c.call(op, args)), 1e-3, op);
    }
  });

  it('shows the bugs the verifier must catch', async () => {
    expectSame(value(await a.call('softmax', { logits: [[1000, 0]] })), [[NaN, 0]]); // ∞/∞
    expectSame(value(await a.call('softmax', { logits: [[-1000, -1000]] })), [[NaN, NaN]]); // 0/0
    expectSame(value(await a.call('log_softmax', { logits: [[0, -800]] })), [[0, -Infinity]]);
    expectSame(value(await a.call('logsumexp', { logits: [[800, 0]] })), [Infinity]);
    expectSame(value(await a.call('log_sigmoid', { x: [-800] })), [-Infinity]);
    expectSame(value(await a.call('softplus', { x: [800, -40] })), [Infinity, 0]);
    // −log(p + 1e-8) caps the loss at ~18.42
    const capped = value(await a.call('cross_entropy', { logits: [[0, -50]], target: [1] })) as number;
    expect(capped).toBeCloseTo(-Math.log(1e-8), 6);
    expect(await a.call('cross_entropy', { logits: [[0, 1]], target: [[0.5, 0.5]] })).toMatchObject({ kind: 'error' });
  });
});

describe.skipIf(!HAS_SCIPY)('examples/adapters/numpy_scipy.py (command, protocol v1)', () => {
  let py: Adapter;
  beforeAll(async () => {
    py = await track(openCommandAdapter(`python3 "${example('numpy_scipy.py')}"`, { timeoutMs: 60_000 })); // generous: a loaded machine must not fail these
  });

  it('describes itself', () => {
    expect(py.info).toEqual({ name: 'numpy-scipy', dtype: 'float64', ops: V1_OPS, unknownOps: [] });
  });

  it('round-trips special values', async () => {
    const r = value(await py.call('softmax', { logits: [[1, 2, 3], [-Infinity, 0, 0], [NaN, 0, 0]] })) as number[][];
    expect(r[0][2]).toBeCloseTo(0.6652409557748218, 15);
    expectSame(r[1], [0, 0.5, 0.5]);
    expectSame(r[2], [NaN, NaN, NaN]);
    expectSame(value(await py.call('logsumexp', { logits: [[-Infinity, -Infinity]] })), [-Infinity]);
  });

  it('answers bad arguments with an error reply and goes on', async () => {
    expect(await py.call('cross_entropy', { logits: [[1, 2]], target: [0], reduction: 'average' })).toEqual({
      kind: 'error',
      message: "ValueError: reduction = 'average' must be mean, sum or none",
    });
    expect(value(await py.call('sigmoid', { x: [0] }))).toEqual([0.5]);
  });

  it('agrees with correct.mjs on random cases', async () => {
    const c = await track(openModuleAdapter(example('correct.mjs')));
    for (const [op, args] of randomCases(7)) {
      expectClose(value(await py.call(op, args)), value(await c.call(op, args)), 1e-10, `${op} ${JSON.stringify(args).slice(0, 100)}`);
    }
  });
});

describe('examples/adapters/tfjs.mjs (float32)', () => {
  let tf: Adapter;
  beforeAll(async () => {
    tf = await track(openModuleAdapter(example('tfjs.mjs'), { timeoutMs: 60_000 })); // generous: a loaded machine must not fail these
  });

  it('describes itself', () => {
    expect(tf.info.dtype).toBe('float32');
    expect(tf.info.name).toMatch(/^tfjs-core 4\./);
    expect(tf.info.ops).toEqual(V1_OPS);
  });

  it('agrees with correct.mjs to float32 accuracy on random float32 cases', async () => {
    const c = await track(openModuleAdapter(example('correct.mjs')));
    for (const [op, args] of randomCases(3, true)) {
      const out = value(await tf.call(op, args));
      expectClose(out, value(await c.call(op, args)), 2e-5, `${op} ${JSON.stringify(args).slice(0, 100)}`);
      // every value is a float32
      for (const v of flat(out)) expect(Object.is(Math.fround(v), v) || Number.isNaN(v)).toBe(true);
    }
  });

  it('keeps its output quiet (no tfjs-node banner)', () => {
    expect(tf.stderr()).not.toMatch(/tfjs-node/);
  });
});
