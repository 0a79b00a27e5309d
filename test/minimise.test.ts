/**
 * Minimal counterexamples (src/verify/minimise.ts): the greedy reduction on a synthetic
 * failure, and planted bugs played through verify whose minimal counterexample is known; the
 * printed failure block must show exactly that case (no weight, no grad_output, one row…).
 */
import { describe, expect, it } from 'vitest';
import { fastEvaluator } from '../src/ops/evaluate.js';
import type { RawArgs } from '../src/core/regimes.js';
import { baseImplementation } from '../src/selftest/bugs.js';
import { baseOps } from '../examples/adapters/correct.mjs';
import { MATRIX_ENTRIES } from '../src/selftest/bugs.js';
import { inProcessAdapter } from '../src/verify/adapter-inprocess.js';
import { minimiseArgs } from '../src/verify/minimise.js';
import { formatTerminal, summariseSteps } from '../src/verify/report.js';
import { runVerify, type VerifyReport } from '../src/verify/run.js';
import type { OpName } from '../src/ops/registry.js';

describe('minimiseArgs', () => {
  it('drops what the failure does not need, then simplifies values (synthetic failure)', async () => {
    // fails whenever label_smoothing > 0 and some row has two different logits
    const fails = async (a: RawArgs) =>
      typeof a.label_smoothing === 'number' && a.label_smoothing > 0 && (a.logits as number[][]).some((r) => r.some((x) => x !== r[0]));
    const start = {
      logits: [[0.3, 2.5, -1.25], [4, 4, 4], [7.5, 0.1, 0.2]],
      target: [0, 1, 2],
      weight: [0.125, 0, 3],
      reduction: 'sum',
      grad_output: 0,
      label_smoothing: 0.37,
    };
    const m = await minimiseArgs({ shrunk: start }, fails);
    // one row, two different logits (0 and 1), label_smoothing 1 (0 would stop the failure), every optional argument gone
    expect(Object.keys(m.args).sort()).toEqual(['label_smoothing', 'logits', 'target']);
    expect(m.args.label_smoothing).toBe(1);
    expect((m.args.logits as number[][]).map((r) => [...r].sort((a, b) => a - b))).toEqual([[0, 1]]);
    expect(m.args.target).toEqual([0]);
    expect(m.steps.slice(0, 3)).toEqual(['weight', 'grad_output', 'reduction']);
    expect(m.steps).toContain('simpler values');
  });

  it('keeps an argument the failure needs, and never returns a passing case', async () => {
    const fails = async (a: RawArgs) =>
      Array.isArray(a.weight) && (a.weight as number[]).some((w) => w === 0) && (a.logits as unknown[]).length > 0;
    const m = await minimiseArgs({ shrunk: { logits: [[1, 2], [3, 4]], target: [0, 1], weight: [0, 2] } }, fails);
    expect(m.args.weight).toBeDefined();
    expect(await fails(m.args)).toBe(true);
    expect((m.args.logits as unknown[]).length).toBe(1);
  });

  it('halves wide rows first: one column out of 1000 in a few dozen candidates', async () => {
    // fails while the row still holds a 7 (at column 613 of 1000)
    const row = Array.from({ length: 1000 }, (_, j) => (j === 613 ? 7 : 0.5));
    let calls = 0;
    const m = await minimiseArgs({ shrunk: { logits: [row] } }, async (a) => (calls++, (a.logits as number[][])[0].includes(7)));
    expect(m.args).toEqual({ logits: [[7]] });
    expect(calls).toBeLessThan(60);
    expect(summariseSteps(m.steps)).toBe('then: 999 columns fewer; each step keeps the failure class');
  });

  it('respects its budget of candidates', async () => {
    let calls = 0;
    const m = await minimiseArgs({ shrunk: { x: [1.5, 2.5, 3.5, 4.5] } }, async () => (calls++, false), { maxTries: 7 });
    expect(calls).toBeLessThanOrEqual(7);
    expect(m.args).toEqual({ x: [1.5, 2.5, 3.5, 4.5] });
  });
});

async function play(impl: Parameters<typeof inProcessAdapter>[0], ops: OpName[], quick = true): Promise<VerifyReport> {
  const adapter = inProcessAdapter(impl);
  try {
    return await runVerify(adapter, { ops, seed: 1, runs: 5, quick, strict: false, evaluator: fastEvaluator, fixedCases: [] });
  } finally {
    await adapter.close();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- planted ops type their own args
const withOps = (name: string, ops: Record<string, (a: any) => unknown>) => ({
  ...baseImplementation,
  name,
  ops: { ...baseImplementation.ops, ...ops },
});

describe('planted bugs: the printed counterexample is the known minimal one', () => {
  it('a bug that triggers on any label smoothing: {"logits":[[0]],"target":[0],"label_smoothing":1}', async () => {
    const impl = withOps('smoothing-off-by-one', {
      cross_entropy: (a: { label_smoothing?: number }) => {
        const r = baseOps.cross_entropy(a as never);
        return a.label_smoothing ? (typeof r === 'number' ? r + 1 : r.map((x) => x + 1)) : r;
      },
    });
    const rep = await play(impl, ['cross_entropy'], false);
    const f = rep.ops[0].failures;
    expect(f.length).toBeGreaterThan(0);
    // class-index and probability targets are different regimes: both reduce to one sample of one class
    for (const x of f) {
      expect([{ logits: [[0]], target: [0], label_smoothing: 1 }, { logits: [[0]], target: [[0]], label_smoothing: 1 }]).toContainEqual(
        x.args,
      );
    }
    const text = formatTerminal(rep, { adapterArgs: ['impl.mjs'] }, { maxFailures: 50 });
    expect(text).toContain(`input:    {"logits":[[0]],"target":[0],"label_smoothing":1}  (logits [1][1], target [1])`);
    expect(text).toContain(`--case '{"op":"cross_entropy","args":{"logits":[[0]],"target":[0],"label_smoothing":1}}'`);
    expect(text).not.toMatch(/input: .*"(weight|reduction|grad_output)"/);
  });

  it('a real 0/0 with the mean reduction shows without weight and grad_output', async () => {
    // NaN at [0][0] whenever the reduction is the mean (the default): weight and grad_output are irrelevant
    const impl = withOps('mean-nan', {
      cross_entropy_backward: (a: { reduction?: string }) => {
        const g = baseOps.cross_entropy_backward(a as never);
        if ((a.reduction ?? 'mean') === 'mean') g[0][0] = NaN;
        return g;
      },
    });
    const rep = await play(impl, ['cross_entropy_backward']);
    const fs = rep.ops[0].failures.filter((x) => x.cls === 'nan_expected_finite');
    expect(fs.length).toBeGreaterThan(0);
    for (const x of fs) expect([{ logits: [[0]], target: [0] }, { logits: [[0]], target: [[0]] }]).toContainEqual(x.args);
    const text = formatTerminal(rep, { adapterArgs: ['impl.mjs'] }, { maxFailures: 50 });
    expect(text).toContain('input:    {"logits":[[0]],"target":[0]}  (logits [1][1], target [1])');
    expect(text).not.toMatch(/input: .*"weight"/);
  });

  it('the label-smoothing spread ε/(C − 1) of the kill matrix: one row, two classes, no weight, no reduction', async () => {
    const e = MATRIX_ENTRIES.find((x) => x.id === 'cross-entropy-smoothing-c-minus-1')!;
    const rep = await play(e.impl, ['cross_entropy']);
    const f = rep.ops[0].failures.find((x) => x.source === 'label smoothing')!;
    expect(f.cls).toBe('wrong_value');
    // ε/(C − 1) and ε/C agree for one class and for equal logits: the minimum needs two different logits
    expect(Object.keys(f.args).sort()).toEqual(['label_smoothing', 'logits', 'target']);
    const logits = f.args.logits as number[][];
    expect(logits.length).toBe(1);
    expect(logits[0].length).toBe(2);
    expect(logits[0][0]).not.toBe(logits[0][1]);
    expect(f.minimised).toContain('reduction');
  });
});
