/**
 * Convention profiles (src/verify/profiles.ts, docs/profiles.md): implementations written the
 * way each framework writes its kernels (the formulas of the cited source) are accepted under
 * that framework's profile — by the row the test names — and fail under the exact profile; a
 * bug that no row describes fails under every profile; the exact values pass under every
 * profile; the report names the row per accepted case.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import correct from '../examples/adapters/correct.mjs';
import { fastEvaluator } from '../src/ops/evaluate.js';
import type { OpName } from '../src/ops/registry.js';
import { inProcessAdapter } from '../src/verify/adapter-inprocess.js';
import { CONVENTION_ROWS, type ConventionProfile, PROFILES, profilesMarkdown } from '../src/verify/profiles.js';
import { formatJson, formatTerminal } from '../src/verify/report.js';
import { checkCase, runVerify } from '../src/verify/run.js';

type Raw = Record<string, unknown>;
type Fn = (a: Raw) => unknown;
const I = Infinity;
const base = correct.ops as unknown as Record<string, Fn>;

// ---------------------------------------------------------------------------------------
// the frameworks' formulas, plainly (no special-value handling, no zero-coefficient rule)

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
/** x − max − log Σ exp(x − max): NaN where the maximum is ±∞ */
const lsmRow = (x: number[]) => {
  const m = Math.max(...x);
  const s = sum(x.map((v) => Math.exp(v - m)));
  return x.map((v) => v - m - Math.log(s));
};
const smRow = (x: number[]) => {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = sum(e);
  return e.map((v) => v / s);
};
const red = (a: Raw) => (a.reduction as string | undefined) ?? 'mean';
function reduce(losses: number[], a: Raw, D: number): number | number[] {
  if (red(a) === 'none') return losses;
  const t = sum(losses);
  return red(a) === 'sum' ? t : t / D;
}
const gradOf = (
  a: Raw,
  n: number,
) => (red(a) === 'none' ? (a.grad_output as number[] | undefined)?.[n] ?? 1 : (a.grad_output as number | undefined) ?? 1);

/** PyTorch / ONNX index-target cross-entropy: −w_y·log_softmax_y (ignored rows skipped) */
function nllStyle(rows: number[][], a: Raw, lsm: (x: number[]) => number[]) {
  const t = a.target as number[];
  const w = (c: number) => (a.weight ? (a.weight as number[])[c] : 1);
  const ign = (a.ignore_index as number | undefined) ?? -100;
  let D = 0;
  const losses = rows.map((x, n) => {
    if (t[n] === ign) return 0;
    D += w(t[n]);
    return -w(t[n]) * lsm(x)[t[n]];
  });
  return reduce(losses, a, D);
}

/** Σ_c a_c·(−lsm_c) over every class, as the probability-target / smoothing / tfjs formulas do */
function denseCe(a: Raw) {
  const x = a.logits as number[][];
  const C = x[0].length;
  const eps = (a.label_smoothing as number | undefined) ?? 0;
  const w = (c: number) => (a.weight ? (a.weight as number[])[c] : 1);
  const prob = Array.isArray((a.target as unknown[])[0]);
  const losses = x.map((row, n) => {
    const l = lsmRow(row);
    return -sum(row.map((_, c) => {
      const t = prob ? (a.target as number[][])[n][c] : (a.target as number[])[n] === c ? 1 : 0;
      return w(c) * ((1 - eps) * t + eps / C) * l[c];
    }));
  });
  return reduce(losses, a, prob ? x.length : sum((a.target as number[]).map((y) => w(y))));
}

const softmaxes: Record<string, Fn> = {
  softmax: (a) => (a.logits as number[][]).map(smRow),
  log_softmax: (a) => (a.logits as number[][]).map(lsmRow),
  softmax_backward: (a) =>
    (a.logits as number[][]).map((x, n) => {
      const p = smRow(x);
      const g = (a.grad_output as number[][])[n];
      const dot = sum(p.map((v, j) => v * g[j]));
      return p.map((v, j) => v * (g[j] - dot));
    }),
  log_softmax_backward: (a) =>
    (a.logits as number[][]).map((x, n) => {
      const p = smRow(x);
      const g = (a.grad_output as number[][])[n];
      return g.map((v, j) => v - p[j] * sum(g));
    }),
};

const PYTORCH_STYLE: Record<string, Fn> = {
  ...base,
  ...softmaxes,
  cross_entropy: (
    a,
  ) => (Array.isArray((a.target as unknown[])[0]) || ((a.label_smoothing as number) ?? 0) > 0
    ? denseCe(a)
    : nllStyle(a.logits as number[][], a, lsmRow)),
  nll_loss: (a) => nllStyle(a.log_probs as number[][], a, (x) => x),
  // index targets: nll backward (−w_y·g/D at the target, ignored rows 0) through log_softmax_backward
  cross_entropy_backward: (a) => {
    const t = a.target as number[];
    const w = (c: number) => (a.weight ? (a.weight as number[])[c] : 1);
    const ign = (a.ignore_index as number | undefined) ?? -100;
    const D = red(a) === 'mean' ? sum(t.filter((y) => y !== ign).map(w)) : 1;
    return (a.logits as number[][]).map((x, n) => {
      const gl = x.map((_, c) => (t[n] !== ign && c === t[n] ? (-w(c) * gradOf(a, n)) / D : 0));
      const p = smRow(x);
      return gl.map((v, j) => v - p[j] * sum(gl));
    });
  },
  binary_cross_entropy: (a) => {
    const p = a.probs as number[];
    const t = a.target as number[];
    const w = (n: number) => (a.weight ? (a.weight as number[])[n] : 1);
    return reduce(
      p.map((v, n) => -w(n) * (t[n] * Math.max(Math.log(v), -100) + (1 - t[n]) * Math.max(Math.log(1 - v), -100))),
      a,
      p.length,
    );
  },
  binary_cross_entropy_backward: (a) => {
    const p = a.probs as number[];
    const t = a.target as number[];
    const w = (n: number) => (a.weight ? (a.weight as number[])[n] : 1);
    const D = red(a) === 'mean' ? p.length : 1;
    return p.map((v, n) => (gradOf(a, n) * w(n) * (v - t[n])) / Math.max((1 - v) * v, 1e-12) / D);
  },
  binary_cross_entropy_with_logits: (a) => {
    const x = a.logits as number[];
    const t = a.target as number[];
    const w = (n: number) => (a.weight ? (a.weight as number[])[n] : 1);
    return reduce(
      x.map((v, n) => {
        const mv = Math.max(-v, 0);
        return w(n) * ((1 - t[n]) * v + mv + Math.log(Math.exp(-mv) + Math.exp(-v - mv)));
      }),
      a,
      x.length,
    );
  },
};

const ONNX_STYLE: Record<string, Fn> = {
  ...base,
  softmax: softmaxes.softmax,
  log_softmax: softmaxes.log_softmax,
  cross_entropy: (a) => nllStyle(a.logits as number[][], a, lsmRow),
  nll_loss: (a) => nllStyle(a.log_probs as number[][], a, (x) => x),
};

const TFJS_STYLE: Record<string, Fn> = {
  ...base,
  ...softmaxes,
  logsumexp: (a) =>
    (a.logits as number[][]).map((x) => {
      const m = Math.max(...x);
      return m + Math.log(sum(x.map((v) => Math.exp(v - m))));
    }),
  cross_entropy: denseCe,
  binary_cross_entropy_with_logits: (a) => {
    const x = a.logits as number[];
    const t = a.target as number[];
    return reduce(x.map((v, n) => Math.max(v, 0) - v * t[n] + Math.log1p(Math.exp(-Math.abs(v)))), a, x.length);
  },
};

const STYLE: Record<Exclude<ConventionProfile, 'exact'>, Record<string, Fn>> = {
  pytorch: PYTORCH_STYLE,
  onnx: ONNX_STYLE,
  tfjs: TFJS_STYLE,
};

/** [profile, row id, op, args]: a case where the framework's formula departs from the exact value */
const ACCEPTED: [Exclude<ConventionProfile, 'exact'>, string, OpName, Raw][] = [
  ['pytorch', 'pytorch/softmax-infinite-max', 'softmax', { logits: [[I, 0, 1], [0, 1, 2]] }],
  ['pytorch', 'pytorch/softmax-infinite-max', 'log_softmax', { logits: [[1, I], [0, 1]] }],
  ['pytorch', 'pytorch/softmax-infinite-max', 'log_softmax', { logits: [[-I]] }],
  ['pytorch', 'pytorch/softmax-infinite-max', 'softmax_backward', { logits: [[I, 0]], grad_output: [[1, 2]] }],
  ['pytorch', 'pytorch/softmax-infinite-max', 'log_softmax_backward', {
    logits: [[I, I, 0], [1, 2, 3]],
    grad_output: [[1, -4, 3], [1, 1, 1]],
  }],
  ['pytorch', 'pytorch/softmax-infinite-max', 'cross_entropy', { logits: [[I, I, 0]], target: [2], weight: [1, 1, 0], reduction: 'sum' }],
  ['pytorch', 'pytorch/zero-times-masked', 'cross_entropy', {
    logits: [[-I, 0, 1], [1, 2, 3]],
    target: [0, 2],
    weight: [0, 1, 1],
    reduction: 'sum',
  }],
  ['pytorch', 'pytorch/zero-times-masked', 'cross_entropy', { logits: [[-I, 0, 1]], target: [[0, 0.5, 0.5]], reduction: 'none' }],
  ['pytorch', 'pytorch/zero-times-masked', 'nll_loss', {
    log_probs: [[-I, -1], [-0.5, -2]],
    target: [0, 1],
    weight: [0, 1],
    reduction: 'none',
  }],
  ['pytorch', 'pytorch/bce-log-clamp', 'binary_cross_entropy', { probs: [0, 0.5], target: [1, 0.25], reduction: 'none' }],
  ['pytorch', 'pytorch/bce-log-clamp', 'binary_cross_entropy', { probs: [1e-300, 0.5], target: [1, 0.25], reduction: 'sum' }],
  ['pytorch', 'pytorch/bce-grad-eps', 'binary_cross_entropy_backward', { probs: [0, 1, 0.5], target: [0, 1, 0.2], reduction: 'none' }],
  ['pytorch', 'pytorch/mean-zero-denominator-backward', 'cross_entropy_backward', {
    logits: [[1, 2, 3], [0.5, -1, 2], [0, 1, 2]],
    target: [2, 2, -100],
    weight: [1, 1, 0],
    reduction: 'mean',
  }],
  ['pytorch', 'pytorch/bce-logits-infinite', 'binary_cross_entropy_with_logits', { logits: [-I, 1], target: [0, 0.5], reduction: 'none' }],
  ['pytorch', 'pytorch/bce-logits-infinite', 'binary_cross_entropy_with_logits', { logits: [I, 1], target: [1, 0.5], reduction: 'mean' }],
  ['onnx', 'onnx/softmax-infinite-max', 'log_softmax', { logits: [[I, 0], [0, 0]] }],
  ['onnx', 'onnx/softmax-infinite-max', 'cross_entropy', { logits: [[0, I], [1, 2]], target: [1, 0], reduction: 'none' }],
  ['onnx', 'onnx/nll-zero-weight-masked', 'nll_loss', {
    log_probs: [[-I, -1], [-0.5, -2]],
    target: [0, 1],
    weight: [0, 1],
    reduction: 'sum',
  }],
  ['onnx', 'onnx/nll-zero-weight-masked', 'cross_entropy', {
    logits: [[-I, 0], [1, 2]],
    target: [0, 1],
    weight: [0, 1],
    reduction: 'none',
  }],
  ['tfjs', 'tfjs/logsumexp-infinite-max', 'logsumexp', { logits: [[-I, -I], [0, 1], [I, 0]] }],
  ['tfjs', 'tfjs/softmax-infinite-max', 'softmax', { logits: [[I, 0]] }],
  ['tfjs', 'tfjs/softmax-ce-zero-label-masked', 'cross_entropy', { logits: [[-I, 0, 1], [1, 2, 3]], target: [1, 2], reduction: 'mean' }],
  ['tfjs', 'tfjs/sigmoid-ce-infinite', 'binary_cross_entropy_with_logits', { logits: [I, 2, -I], target: [1, 0.25, 0], reduction: 'none' }],
];

/** bugs no row describes: [name, op, implementation of the op, a case where it is wrong] */
const BUGS: [string, OpName, Fn, Raw][] = [
  [
    'NaN for any row with a masked entry',
    'softmax',
    (a) => (a.logits as number[][]).map((x) => (x.includes(-I) ? x.map(() => NaN) : smRow(x))),
    { logits: [[0, -I, 1]] },
  ],
  ['log_softmax as log(softmax)', 'log_softmax', (a) => (a.logits as number[][]).map((x) => smRow(x).map(Math.log)), {
    logits: [[0, -800]],
  }],
  [
    'zeros instead of NaN or one-hot at a +∞ logit',
    'softmax',
    (a) => (a.logits as number[][]).map((x) => (x.includes(I) ? x.map(() => 0) : smRow(x))),
    { logits: [[I, 0]] },
  ],
  ['BCE log clamped at −50, not −100', 'binary_cross_entropy', (a) => {
    const p = a.probs as number[];
    const t = a.target as number[];
    return reduce(p.map((v, n) => -(t[n] * Math.max(Math.log(v), -50) + (1 - t[n]) * Math.max(Math.log(1 - v), -50))), a, p.length);
  }, { probs: [0, 0.5], target: [1, 0.25], reduction: 'none' }],
  ['0 instead of +∞ for BCE-with-logits at x = +∞, t < 1', 'binary_cross_entropy_with_logits', (a) => (a.logits as number[]).map(() => 0), {
    logits: [I],
    target: [0.5],
    reduction: 'none',
  }],
  [
    'NaN from 0·(−∞) on a masked class with a positive coefficient (the loss is +∞)',
    'cross_entropy',
    (a) => ((a.logits as number[][])[0].includes(-I) ? NaN : 0),
    { logits: [[-I, 0, 1]], target: [0], reduction: 'sum' },
  ],
];

const opts = (profile: ConventionProfile) => ({ strict: false, evaluator: fastEvaluator, dtype: 'float64' as const, profile });
const adapterOf = (ops: Record<string, Fn>) => inProcessAdapter({ name: 'planted', dtype: 'float64', ops });

describe('profile tables', () => {
  it('every row cites its source, names ops of the registry and belongs to a profile', () => {
    expect(CONVENTION_ROWS.length).toBeGreaterThanOrEqual(10);
    for (const r of CONVENTION_ROWS) {
      expect(r.id.startsWith(`${r.profile}/`), r.id).toBe(true);
      expect(r.cite.length, r.id).toBeGreaterThan(0);
      expect(r.ops.length, r.id).toBeGreaterThan(0);
    }
    expect(new Set(CONVENTION_ROWS.map((r) => r.id)).size).toBe(CONVENTION_ROWS.length);
    // every row is exercised below
    expect(new Set(ACCEPTED.map(([, id]) => id))).toEqual(new Set(CONVENTION_ROWS.map((r) => r.id)));
  });
  it('docs/profiles.md holds the generated tables verbatim', () => {
    const page = readFileSync(new URL('../docs/profiles.md', import.meta.url), 'utf8');
    expect(page).toContain(profilesMarkdown());
  });
});

describe.each(ACCEPTED.map((c) => [c[1], c[2], c] as const))('%s: %s', (_id, _op, [profile, id, op, raw]) => {
  it(`the ${profile}-style result passes under --profile ${profile} by that row, fails under exact; the exact result passes under every profile`, async () => {
    const adapter = adapterOf(STYLE[profile]);
    const under = await checkCase(adapter, op, raw, opts(profile));
    expect(under.judgement.status, under.judgement.message).toBe('pass');
    expect(under.judgement.conventions).toContain(id);
    expect(under.judgement.message).toContain(id);
    const exact = await checkCase(adapter, op, raw, opts('exact'));
    expect(exact.judgement.status).toBe('fail');
    for (const p of PROFILES) {
      const ok = await checkCase(adapterOf(base), op, raw, opts(p));
      expect(ok.judgement.status, `${p}: ${ok.judgement.message}`).toBe('pass');
      expect(ok.judgement.conventions ?? []).toEqual([]);
    }
  });
});

describe.each(BUGS.map((b) => [b[0], b] as const))('bug: %s', (_name, [, op, fn, raw]) => {
  it('fails under every profile', async () => {
    const adapter = adapterOf({ ...base, [op]: fn });
    for (const p of PROFILES) {
      const r = await checkCase(adapter, op, raw, opts(p));
      expect(r.judgement.status, `${p}: ${r.judgement.message}`).toBe('fail');
    }
  });
});

describe('the report names the row per accepted case', () => {
  it('JSON (conventions, accepted) and one text line per case; exact fails the same run', async () => {
    const fixedCases = [
      { id: 'p1', op: 'softmax' as OpName, args: { logits: [[I, 0, 1]] } },
      { id: 'p2', op: 'softmax' as OpName, args: { logits: [[0, 1], [2, I]] } },
      { id: 'p3', op: 'nll_loss' as OpName, args: { log_probs: [[-I, -1]], target: [0], weight: [0, 1], reduction: 'none' } },
    ];
    const run = (profile: ConventionProfile) =>
      runVerify(adapterOf(PYTORCH_STYLE), {
        ops: ['softmax', 'nll_loss'],
        seed: 1,
        runs: 0,
        quick: true,
        strict: false,
        profile,
        evaluator: fastEvaluator,
        fixedCases,
      });
    const rep = await run('pytorch');
    expect(rep.status).toBe('pass');
    const sm = rep.ops.find((o) => o.op === 'softmax')!;
    expect(sm.conventions).toEqual({ 'pytorch/softmax-infinite-max': 2 });
    expect(sm.accepted.map((c) => [c.source, c.rows])).toEqual([
      ['oracle:p1', ['pytorch/softmax-infinite-max']],
      ['oracle:p2', ['pytorch/softmax-infinite-max']],
    ]);
    const json = JSON.parse(formatJson(rep, { adapterArgs: ['x.mjs', '--profile', 'pytorch'] }));
    expect(json.ops.find((o: { op: string }) => o.op === 'nll_loss').conventions).toEqual({ 'pytorch/zero-times-masked': 1 });
    const text = formatTerminal(rep, { adapterArgs: ['x.mjs', '--profile', 'pytorch'] });
    expect(text).toContain('softmax: accepted by pytorch/softmax-infinite-max (profile pytorch): oracle:p1');
    expect(text).toContain('nll_loss: accepted by pytorch/zero-times-masked (profile pytorch): oracle:p3');
    const exact = await run('exact');
    expect(exact.status).toBe('fail');
    expect(exact.ops.every((o) => Object.keys(o.conventions).length === 0)).toBe(true);
  });
});
