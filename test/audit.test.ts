/**
 * `xent-oracle audit` (src/audit): deterministic sweeps, closed-form condition numbers against
 * verify's estimate, the point verdict against checkCase, threshold detection on planted
 * implementations (the naive softmax breaks at ln(MAX_DOUBLE) = 709.78), the JSON report's
 * shape and the HTML report's self-containment and escaping.
 */
import { describe, expect, it } from 'vitest';
import { OP_NAMES, type OpName } from '../src/ops/registry.js';
import { parseJson, stringifyJson } from '../src/core/json.js';
import { analyticKappa, AUDIT_SCHEMA, formatAuditHtml, gradientPoints, runAudit, sweepsFor, type AuditReport } from '../src/audit/index.js';
import { judgeCase } from '../src/audit/judge.js';
import { getSpec } from '../src/ops/registry.js';
import { inProcessAdapter, type Implementation } from '../src/verify/adapter-inprocess.js';
import { conditionNumbers } from '../src/verify/condition.js';
import { checkCase, float32Representable } from '../src/verify/run.js';
import { fastEvaluate, fastEvaluator as fastEvaluatorDefault } from '../src/ops/evaluate.js';

const LN_MAX = Math.log(Number.MAX_VALUE); // 709.782712893384

/** The fast path as an implementation (accurate float64 kernels). */
function fastImpl(ops: OpName[], name = 'fast path'): Implementation {
  const table: Implementation['ops'] = {};
  for (const op of ops) table[op] = (a) => fastEvaluate(op, getSpec(op).validate(a), 'float64');
  return { name, dtype: 'float64', ops: table };
}

/** Textbook formulas without the max shift (the articles' bugs). */
const naive: Implementation['ops'] = {
  softmax: ({ logits }) =>
    (logits as number[][]).map((row) => {
      const e = row.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    }),
  logsumexp: ({ logits }) => (logits as number[][]).map((row) => Math.log(row.reduce((a, v) => a + Math.exp(v), 0))),
  softplus: ({ x }) => (x as number[]).map((v) => Math.log(1 + Math.exp(v))),
};

describe('sweeps', () => {
  it('are deterministic: the same seed builds the same args, another seed other patterns', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      for (const op of OP_NAMES) {
        const a = sweepsFor(op, { seed: 7, quick: true, dtype });
        const b = sweepsFor(op, { seed: 7, quick: true, dtype });
        expect(a.length, op).toBeGreaterThan(0);
        expect(a.map((s) => s.id)).toEqual(b.map((s) => s.id));
        a.forEach((s, i) => {
          expect(s.grid).toEqual(b[i].grid);
          for (const p of s.grid) expect(stringifyJson(s.build(p))).toBe(stringifyJson(b[i].build(p)));
        });
      }
    }
    const s1 = sweepsFor('softmax', { seed: 1, quick: true, dtype: 'float64' })[0];
    const s2 = sweepsFor('softmax', { seed: 2, quick: true, dtype: 'float64' })[0];
    expect(stringifyJson(s1.build(3))).not.toBe(stringifyJson(s2.build(3)));
  });

  it('walk in the order of growing stress, build valid args, and stay float32-representable for float32', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      for (const op of OP_NAMES) {
        for (const s of sweepsFor(op, { seed: 1, quick: true, dtype })) {
          const sorted = s.grid.slice().sort((x, y) => (s.direction === 'up' ? x - y : y - x));
          expect(s.grid, `${op} / ${s.id}`).toEqual(sorted);
          expect(new Set(s.grid).size).toBe(s.grid.length);
          for (const p of [s.grid[0], s.grid[s.grid.length - 1]]) {
            const args = s.build(p);
            expect(() => getSpec(op).validate(args), `${op} / ${s.id} at ${p}`).not.toThrow();
            if (dtype === 'float32') expect(float32Representable(args), `${op} / ${s.id} at ${p}`).toBe(true);
          }
        }
      }
    }
  });

  it('cover the regimes of the issue: scale 1e-3 … 1e308 (float32 3e38), widths 1 … 10^4, quick ≤ 1000', () => {
    const scale = (dtype: 'float64' | 'float32', quick: boolean) =>
      sweepsFor('softmax', { seed: 1, quick, dtype }).find((s) => s.id === 'scale')!.grid;
    expect(scale('float64', false)[0]).toBe(1e-3);
    expect(scale('float64', false).at(-1)).toBe(1e308);
    expect(scale('float32', true).at(-1)).toBe(3e38);
    const width = (quick: boolean) => sweepsFor('cross_entropy', { seed: 1, quick, dtype: 'float64' }).find((s) => s.id === 'width')!.grid;
    expect(width(false)).toEqual([1, 10, 100, 1000, 10_000]);
    expect(Math.max(...width(true))).toBeLessThanOrEqual(1000);
    const ids = new Set(OP_NAMES.flatMap((op) => sweepsFor(op, { seed: 1, quick: true, dtype: 'float64' }).map((s) => s.id)));
    for (const id of ['scale', 'spread', 'width', 'masked', 'target-p-low', 'target-p-high', 'p-low', 'p-high', 'pos-weight']) {
      expect(ids.has(id as never), id).toBe(true);
    }
    // the naive softmax breaks where the top logit passes ln(MAX): row 0's top logit is s itself
    const sm = sweepsFor('softmax', { seed: 1, quick: true, dtype: 'float64' })[0];
    expect(Math.max(...(sm.build(700).logits as number[][])[0])).toBe(700);
    // every gradient point lies on a sweep of its op
    for (const op of OP_NAMES) {
      for (const g of gradientPoints(op, false)) {
        expect(sweepsFor(op, { seed: 1, quick: false, dtype: 'float64' }).some((s) => s.id === g.sweep), `${op} ${g.sweep}`).toBe(true);
      }
    }
  });
});

describe('closed-form condition numbers (wide rows)', () => {
  it("agree with verify's central-difference estimate", () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const ops: OpName[] = [
      'softmax',
      'log_softmax',
      'logsumexp',
      'softmax_backward',
      'log_softmax_backward',
      'cross_entropy',
      'cross_entropy_backward',
    ];
    for (const C of [3, 12, 40]) {
      for (const scale of [1, 30, 300]) {
        const logits = [0, 1].map(() => Array.from({ length: C }, () => (rnd() * 2 - 1) * scale));
        logits[1][2] = -Infinity; // a masked entry
        const grad = logits.map((r) => r.map(() => rnd() * 2 - 1));
        for (const op of ops) {
          for (const reduction of op.startsWith('cross') ? ['none', 'mean', 'sum'] : ['none']) {
            const raw: Record<string, unknown> = op.startsWith('cross')
              ? { logits, target: [1, 0], reduction }
              : op.endsWith('backward')
              ? { logits, grad_output: grad }
              : { logits };
            const args = getSpec(op).validate(raw);
            const est = conditionNumbers(op, args, fastEvaluatorDefault);
            const cf = analyticKappa(op, args);
            expect(cf.length, op).toBe(est.length);
            // only the size of κ matters (it scales a tolerance); the estimate has truncation error O(δ²)
            // and rounding noise ~u·Σ|x| where κ is tiny
            const top = Math.max(...est);
            const noise = 1e-14 * C * scale;
            est.forEach((k, i) => {
              expect(Math.abs(cf[i] - k), `${op} ${reduction} C=${C} scale=${scale} output ${i}: ${cf[i]} vs ${k}`).toBeLessThanOrEqual(
                1e-2 * Math.max(k, cf[i]) + 1e-9 * top + noise,
              );
            });
          }
        }
      }
    }
  });
});

describe('point verdicts', () => {
  it('agree with checkCase (same reference, same policy)', async () => {
    const ops: OpName[] = [
      'softmax',
      'log_softmax',
      'cross_entropy',
      'sigmoid_backward',
      'binary_cross_entropy',
      'binary_cross_entropy_with_logits',
    ];
    const impl = fastImpl(ops);
    // perturb one op so that failures are compared too
    const softmax = impl.ops.softmax!;
    impl.ops.softmax = (a) => (softmax(a) as number[][]).map((r) => r.map((v) => v * (1 + 1e-12)));
    const adapter = inProcessAdapter(impl);
    const ctx = { adapter, dtype: 'float64' as const, strict: false, profile: 'exact' as const, evaluator: fastEvaluatorDefault };
    let compared = 0;
    for (const op of ops) {
      for (const s of sweepsFor(op, { seed: 3, quick: true, dtype: 'float64' })) {
        for (const p of s.grid.filter((_, i) => i % 7 === 3)) {
          const raw = s.build(p);
          if (Array.isArray(raw.logits) && Array.isArray(raw.logits[0]) && (raw.logits[0] as unknown[]).length > 100) continue;
          const mine = await judgeCase(ctx, op, raw);
          const theirs = await checkCase(adapter, op, raw, ctx);
          expect(mine.judgement.status, `${op} / ${s.id} at ${p}`).toBe(theirs.judgement.status);
          expect(mine.judgement.cls).toBe(theirs.judgement.cls);
          expect(mine.judgement.worst?.errUlp).toBe(theirs.judgement.worst?.errUlp);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(40);
  });
});

describe('thresholds', () => {
  let report: AuditReport;
  it('find where the naive softmax, logsumexp and softplus break, to within 1% (bisection)', async () => {
    const adapter = inProcessAdapter({ name: 'naive', dtype: 'float64', ops: naive });
    report = await runAudit(adapter, { seed: 1, quick: true, gradients: false, bce: false, adapterArgs: ['naive.mjs'] });
    const at = (op: string, sweep: string) => report.thresholds.find((t) => t.op === op && t.sweep === sweep && t.kind === 'break');
    const sm = at('softmax', 'scale')!;
    expect(sm.what).toBe('nan');
    expect(sm.refined).toBe(true);
    expect(Math.abs(sm.at / LN_MAX - 1)).toBeLessThan(0.01);
    expect(sm.at).toBeGreaterThan(LN_MAX); // the first broken value
    expect(sm.bracket![0]).toBeLessThanOrEqual(LN_MAX);
    expect(sm.message).toMatch(/^softmax returns NaN from logit 709\.78\d* on/);
    const lse = at('logsumexp', 'scale')!;
    expect(lse.what).toBe('+inf');
    expect(Math.abs(lse.at / LN_MAX - 1)).toBeLessThan(0.01);
    const sp = at('softplus', 'x-pos')!;
    expect(sp.what).toBe('+inf');
    expect(Math.abs(sp.at / LN_MAX - 1)).toBeLessThan(0.01);
    // log(1 + e^x) loses e^x below x ≈ −36.7 (1 + e^x == 1); it leaves its bound well before
    const neg = at('softplus', 'x-neg')!;
    expect(neg.what).toBe('wrong value');
    expect(neg.at).toBeGreaterThan(1);
    expect(neg.at).toBeLessThan(37);
    expect(report.ops.find((o) => o.op === 'softmax')!.verdict).toBe('breaks');
    // a replay command for the first broken point
    const wc = report.worstCases.find((c) => c.op === 'softmax' && c.sweep === 'scale')!;
    expect(wc.replay).toMatch(/^npx xent-oracle verify naive\.mjs --case '\{"op":"softmax","args":\{"logits":\[\[709\.78/);
  });

  it('classify error replies and wrong special values', async () => {
    const impl = fastImpl(['softmax']);
    const softmax = impl.ops.softmax!;
    impl.ops.softmax = (a) => {
      const rows = a.logits as number[][];
      if (rows.some((r) => r.some((v) => Math.abs(v) > 100 && Number.isFinite(v)))) throw new Error('logits too large');
      if (rows.every((r) => r.every((v) => v === -Infinity))) return rows.map((r) => r.map(() => 0)); // 0 instead of NaN
      return softmax(a);
    };
    const r = await runAudit(inProcessAdapter(impl), { seed: 1, quick: true, gradients: false, bce: false });
    const scale = r.thresholds.find((t) => t.sweep === 'scale' && t.kind === 'break')!;
    expect(scale.what).toBe('error');
    expect(Math.abs(scale.at / 100 - 1)).toBeLessThan(0.01);
    expect(scale.message).toMatch(/^softmax replies with an error from logit 100(\.\d+)? on \(logit scale\)$/);
    const masked = r.thresholds.find((t) => t.sweep === 'masked' && t.kind === 'break')!;
    expect(masked).toMatchObject({ what: 'wrong special', at: 16, refined: false, bracket: [15, 16] });
  });

  it('report a careful implementation as stable', async () => {
    const adapter = inProcessAdapter(fastImpl(['softmax', 'softplus']));
    const r = await runAudit(adapter, { seed: 1, quick: true, gradients: false, bce: false });
    expect(r.thresholds.filter((t) => t.kind === 'break')).toEqual([]);
    expect(r.ops.map((o) => o.verdict)).toEqual(['stable', 'stable']);
  });

  it('make a JSON report of the documented shape (xent-oracle/audit-report@1)', () => {
    const text = stringifyJson(report);
    const j = parseJson(text) as AuditReport;
    expect(j.schema).toBe(AUDIT_SCHEMA);
    expect(AUDIT_SCHEMA).toBe('xent-oracle/audit-report@1');
    expect(Object.keys(j).sort()).toEqual(
      [
        'adapter',
        'adapterArgs',
        'bce',
        'ended',
        'gradients',
        'notes',
        'ops',
        'profile',
        'quick',
        'schema',
        'seed',
        'strict',
        'thresholds',
        'timing',
        'tool',
        'unsupported',
        'worstCases',
      ].sort(),
    );
    expect(j.adapter).toMatchObject({ name: 'naive', dtype: 'float64' });
    expect(j.tool.name).toBe('xent-oracle');
    const op = j.ops.find((o) => o.op === 'softmax')!;
    expect(Object.keys(op).sort()).toEqual(['counts', 'kind', 'notes', 'op', 'summary', 'sweeps', 'verdict', 'worst']);
    const sweep = op.sweeps.find((s) => s.id === 'scale')!;
    expect(Object.keys(sweep).sort()).toEqual([
      'continuous',
      'definition',
      'direction',
      'id',
      'paramName',
      'points',
      'thresholds',
      'title',
    ]);
    const pt = sweep.points.at(-1)!;
    for (
      const k of [
        'param',
        'status',
        'cls',
        'errUlp',
        'allowedUlp',
        'ratio',
        'relErr',
        'nan',
        'posInf',
        'negInf',
        'expectedNonFinite',
        'broken',
        'edge',
        'what',
        'message',
        'ms',
        'path',
      ]
    ) expect(pt, k).toHaveProperty(k);
    expect(pt).toMatchObject({ param: 1e308, status: 'fail', broken: true, what: 'nan' });
    expect(pt.errUlp).toBe(Infinity); // written as "Infinity", read back as a number
    expect(text).not.toMatch(/[:,[]NaN|[:,[]-?Infinity/); // non-finite numbers travel as strings
    const t = j.thresholds[0];
    expect(Object.keys(t).sort()).toEqual(['at', 'bracket', 'detail', 'evaluations', 'kind', 'message', 'op', 'refined', 'sweep', 'what']);
    expect(j.timing.evaluations).toBeGreaterThan(100);
  });
});

describe('HTML report', () => {
  it('is self-contained, escapes what it shows, and holds charts, the map, gradients and the BCE plot', async () => {
    const impl = fastImpl(['softmax_backward', 'sigmoid', 'binary_cross_entropy'], 'evil <img src=x onerror="alert(1)"> & co');
    impl.ops.softmax = naive.softmax;
    const report = await runAudit(inProcessAdapter(impl), { seed: 1, quick: true, adapterArgs: ["it's <mine>.mjs"] });
    expect(report.gradients.length).toBeGreaterThan(0);
    expect(report.bce?.implementation).not.toBeNull();
    const html = await formatAuditHtml(report);
    expect(html.length).toBeLessThan(1_500_000);
    // no network: no external script, stylesheet, font, image or link target
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
    // escaped
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('evil &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co');
    expect(html).toContain('it&#39;s &lt;mine&gt;.mjs');
    // content
    expect((html.match(/<svg/g) ?? []).length).toBe(report.ops.length + 1);
    expect(html).toContain('class="mark-line');
    expect(html).toContain('id="map"');
    expect(html).toContain('softmax returns NaN from logit 709.78');
    expect(html).toMatch(/npx xent-oracle verify &#39;it&#39;\\&#39;&#39;s &lt;mine&gt;\.mjs&#39; --case/);
  });

  it('says so when the implementation lacks sigmoid or binary_cross_entropy', async () => {
    const report = await runAudit(inProcessAdapter(fastImpl(['sigmoid'])), { seed: 1, quick: true, gradients: false });
    expect(report.bce?.implementation).toBeNull();
    expect(report.bce?.note).toMatch(/does not offer binary_cross_entropy/);
    expect(await formatAuditHtml(report)).toContain('does not offer binary_cross_entropy');
  });
});
