/**
 * The vitest integration (src/vitest): the examples under examples/vitest run in a child
 * vitest (the careful one passes, the buggy one fails naming the op and the class), and
 * describeOracle / toMatchOracle are exercised in this suite directly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baseImplementation } from '../src/selftest/bugs.js';
import { baseOps } from '../examples/adapters/correct.mjs';
import { describeOracle, formatFailure, installOracleMatchers, judgeOracle } from '../src/vitest/index.js';
import type { OpName } from '../src/ops/registry.js';
import { fastEvaluator } from '../src/ops/evaluate.js';
import { inProcessAdapter } from '../src/verify/adapter-inprocess.js';
import { formatTerminal } from '../src/verify/report.js';
import { runVerify } from '../src/verify/run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

function runExample(filter: string): { status: number | null; out: string } {
  if (!existsSync(`${ROOT}/dist/vitest/index.js`)) throw new Error('dist/vitest/index.js is missing: run `npm run build` first');
  // a clean environment: no variables of the vitest worker running this file
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
  const r = spawnSync(process.execPath, [VITEST, 'run', '--root', 'examples/vitest', filter], {
    cwd: ROOT,
    env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('examples/vitest (child vitest)', () => {
  it('my-softmax.test.mjs passes: describeOracle tests per op and regime, and the matcher', () => {
    const { status, out } = runExample('my-softmax');
    expect(out).toMatch(/Tests\s+\d+ passed/);
    expect(out).not.toMatch(/\d+ failed/);
    expect(status, out).toBe(0);
  });

  it('buggy-softmax.test.mjs fails, naming the op, the regime, the class and the replay command', () => {
    const { status, out } = runExample('buggy-softmax');
    expect(status, out).not.toBe(0);
    expect(out).toMatch(/Tests\s+\d+ failed/);
    // describeOracle: the CLI's failure block, per op and regime
    expect(out).toMatch(/FAIL softmax \/ [^\n]+ \[nan_expected_finite\]/);
    expect(out).toMatch(/FAIL log_softmax \/ [^\n]+ \[inf_expected_finite\]/);
    expect(out).toContain(`replay:   npx xent-oracle verify examples/vitest/buggy-softmax.mjs --case '{"op":"log_softmax","args":`);
    expect(out).toMatch(/\((values shrunk in \d+ steps?|reduced from the first failing input)/);
    // the matcher's failure: the same block
    expect(out).toContain('FAIL softmax / toMatchOracle [nan_expected_finite]\n  output[0][0]: expected 1, got NaN');
  });
});

// describeOracle registers its tests at collection time, here inside this suite
describe('describeOracle in this suite', () => {
  describeOracle(baseImplementation, { ops: ['softmax', 'sigmoid'], oracles: false, module: 'examples/adapters/correct.mjs' });
});

describe('toMatchOracle', () => {
  installOracleMatchers();

  it('passes a correct result and fails a wrong one (.not)', () => {
    const args = { logits: [[1000, 999, -1000]] };
    expect(baseOps.softmax(args)).toMatchOracle('softmax', args);
    expect([[0.7, 0.3, 0]]).not.toMatchOracle('softmax', args);
  });

  it('accepts typed arrays and judges float32 results in float32', () => {
    const args = { x: [0.5, -3, 20] };
    const r = new Float32Array(baseOps.sigmoid(args));
    expect(r).toMatchOracle('sigmoid', args, { dtype: 'float32' });
    expect(Array.from(r)).not.toMatchOracle('sigmoid', args); // float32 rounding is far outside float64's bound
  });

  it('tiny-absolute results pass by default and fail with strict (the lost log1p)', () => {
    const args = { logits: [[0, -30]] };
    const lostLog1p = [Math.log(1 + Math.exp(-30))];
    const j = judgeOracle('logsumexp', args, lostLog1p);
    expect(j.status).toBe('tiny');
    expect(j.cls).toBe('tiny_absolute');
    expect(lostLog1p).toMatchOracle('logsumexp', args);
    expect(lostLog1p).not.toMatchOracle('logsumexp', args, { strict: true });
  });

  it('failure messages carry the class, the input and a replay command', () => {
    const args = { logits: [[1000, 0]] };
    let message = '';
    try {
      expect([[NaN, 0]]).toMatchOracle('softmax', args, { module: 'my.mjs' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'FAIL softmax / toMatchOracle [nan_expected_finite]',
      '  output[0][0]: expected 1, got NaN: NaN where a finite value is expected',
      '  Mismatched elements: 1 / 2 (50.0%), 1 of them non-finite',
      '  input:    {"logits":[[1000,0]]}  (logits [1][2])',
      '  expected: [[1,0]]',
      '  got:      [["NaN",0]]',
      `  replay:   npx xent-oracle verify my.mjs --case '{"op":"softmax","args":{"logits":[[1000,0]]}}'`,
    ]);
  });

  it('wrong shapes and special values are classified like verify', () => {
    expect(judgeOracle('softmax', { logits: [[1, 2]] }, [1, 2]).cls).toBe('wrong_shape');
    expect(judgeOracle('softmax', { logits: [[-Infinity, -Infinity]] }, [[0.5, 0.5]]).cls).toBe('finite_expected_nonfinite');
    expect(judgeOracle('log_softmax', { logits: [[0, -800]] }, [[0, -Infinity]]).cls).toBe('inf_expected_finite');
  });

  it('a mistake in the test (unknown op, invalid args) throws instead of failing the match', () => {
    // a type error in TypeScript (test/types/vitest-types.ts); plain JS gets the runtime check
    expect(() => judgeOracle('softmaxx' as OpName, { logits: [[1]] }, [[1]])).toThrow(/unknown op "softmaxx"/);
    expect(() => judgeOracle('softmax', { logits: [] }, [])).toThrow(/logits/);
  });

  it('formatFailure renders the CLI block', () => {
    const text = formatFailure(
      {
        op: 'softmax',
        source: 'scale 1',
        cls: 'wrong_value',
        message: 'output[0][0]: …',
        args: { logits: [[1, 2]] },
        shrinks: 2,
        minimised: ['weight', 'row 1 of 2'],
      },
      { adapterArgs: ['impl.mjs'] },
      true,
    );
    expect(text.split('\n')).toEqual([
      'FAIL softmax / scale 1 [wrong_value]',
      '  output[0][0]: …',
      '  input:    {"logits":[[1,2]]}  (logits [1][2])',
      '  (values shrunk in 2 steps; then: without weight (defaults); 1 row fewer; each step keeps the failure class)',
      `  replay:   npx xent-oracle verify impl.mjs --case '{"op":"softmax","args":{"logits":[[1,2]]}}' --strict`,
    ]);
  });
});

describe('xent-oracle/vitest says what the CLI says', () => {
  it('describeOracle failure text is the CLI terminal block, and the matcher agrees with verify on each failing case', async () => {
    const impl = {
      name: 'no-shift',
      dtype: 'float64' as const,
      ops: {
        softmax: (a: { logits: number[][] }) =>
          a.logits.map((r) => {
            const e = r.map(Math.exp);
            const s = e.reduce((x, y) => x + y, 0);
            return e.map((x) => x / s);
          }),
      },
    };
    const adapter = inProcessAdapter(impl);
    const rep = await runVerify(adapter, {
      ops: ['softmax'],
      seed: 1,
      runs: 5,
      quick: true,
      strict: false,
      evaluator: fastEvaluator,
      fixedCases: [],
    });
    await adapter.close();
    const spec = { adapterArgs: ['impl.mjs'] };
    const terminal = formatTerminal(rep, spec, { maxFailures: 100 });
    const failures = rep.ops[0].failures;
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(terminal).toContain(formatFailure(f, spec, false));
      // the matcher's verdict on the same case is verify's
      const j = judgeOracle('softmax', f.args, impl.ops.softmax(f.args as { logits: number[][] }));
      expect([j.status, j.cls, j.message]).toEqual(['fail', f.cls, f.message]);
    }
  });
});
