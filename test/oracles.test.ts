/**
 * The committed golden fixtures oracles/<op>.json: valid xent-oracle/fixture@1 files (JSON
 * Schema via ajv + the checks a schema cannot express), exactly the curated list, the
 * articles' values, the stress regimes covered for the ops they concern, consistent
 * expectations, a modest size and readable by load.ts. That they are byte-identical to what
 * scripts/generate-oracles.mjs produces: test/oracles-reproducible.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { OP_NAMES, type OpName } from '../src/ops/registry.js';
import { exactDecimalString, FORMATS, isRepresentable, ulpDistance } from '../src/core/floats.js';
import { parseJson, reviveNonFinite } from '../src/core/json.js';
import { roundDecimal } from '../src/core/rounding.js';
import { curatedFor } from '../src/ops/evaluate.js';
import { OP_NAMES as ALL_OPS } from '../src/ops/registry.js';

const CURATED = ALL_OPS.flatMap((op) => curatedFor(op));
import { padDecimal, significantDigits } from '../src/oracles/generate.js';
import { formatFixtureFile, hasFloat32Inputs, type FixtureCase, type Generator } from '../src/oracles/format.js';
import { loadOracleCases, ORACLES_DIR } from '../src/oracles/load.js';
import { fixtureProblems } from '../src/oracles/schema.js';

interface Doc {
  schema: string;
  generator: Generator;
  cases: FixtureCase[];
}

const text = new Map<OpName, string>();
const raw = new Map<OpName, Doc>(); // JSON.parse: non-finite values still strings
const docs = new Map<OpName, Doc>(); // parseJson: non-finite values as numbers
for (const op of OP_NAMES) {
  const t = readFileSync(join(ORACLES_DIR, `${op}.json`), 'utf8');
  text.set(op, t);
  raw.set(op, JSON.parse(t) as Doc);
  docs.set(op, parseJson(t) as Doc);
}
const allCases = () => [...docs.values()].flatMap((d) => d.cases);
const find = (id: string) => {
  const c = allCases().find((x) => x.id === id);
  if (!c) throw new Error(`no case ${id}`);
  return c;
};
const leaves = (v: unknown): unknown[] => (Array.isArray(v) ? v.flat(2) : [v]);

describe('oracles/ files', () => {
  it('holds exactly one fixture@1 file per op, < 2 MB in total', () => {
    const files = readdirSync(ORACLES_DIR).sort();
    expect(files).toEqual(OP_NAMES.map((op) => `${op}.json`).sort());
    const total = files.reduce((s, f) => s + statSync(join(ORACLES_DIR, f)).size, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });

  it.each(OP_NAMES)('%s.json validates against schema/fixture-1.schema.json', (op) => {
    const d = raw.get(op)!;
    expect(fixtureProblems(d)).toEqual([]);
    expect(d.schema).toBe('xent-oracle/fixture@1');
    expect(d.generator).toMatchObject({ package: 'xent-oracle', digits: 40, seed: null, cases: 0, curated: true });
    expect(d.cases.every((c) => c.op === op)).toBe(true);
  });

  it('the schema rejects what it should', () => {
    const bad = JSON.parse(text.get('softmax')!) as Doc & Record<string, unknown>;
    expect(fixtureProblems({ ...bad, schema: 'xent-oracle/fixture@2' })).not.toEqual([]);
    const c = structuredClone(bad.cases[0]) as unknown as Record<string, unknown>;
    expect(fixtureProblems({ ...bad, cases: [{ ...c, expected: { float64: [[1]] } }] })).not.toEqual([]);
    expect(fixtureProblems({ ...bad, cases: [{ ...c, args: { logits: [[1, 'nan']] } }] })).not.toEqual([]);
    expect(fixtureProblems({ ...bad, cases: [{ ...c, args: { logits: [[1]], target: [0] } }] })).not.toEqual([]);
    expect(fixtureProblems({ ...bad, cases: [{ ...c, expected: { ...(c.expected as object), decimal: [['0.5x']] } }] })).not.toEqual([]);
    expect(fixtureProblems({ ...bad, cases: [c, c] })).toEqual([expect.stringContaining('duplicate id')]);
    // expectations must nest like the result: [1][7] for this case
    expect(fixtureProblems({ ...bad, cases: [{ ...c, expected: { ...(c.expected as object), float32: [1, 2] } }] })).toEqual([
      expect.stringContaining('expected.float32'),
    ]);
  });

  it('is exactly the curated list (ids, op, args, tags), in order', () => {
    for (const op of OP_NAMES) {
      const want = CURATED.filter((c) => c.op === op);
      const got = raw.get(op)!.cases;
      expect(got.map((c) => c.id)).toEqual(want.map((c) => c.id));
      got.forEach((c, i) => {
        expect(reviveNonFinite(c.args)).toEqual(want[i].args); // toEqual tells -0 from +0
        expect(c.tags.slice(0, 1 + want[i].tags.length)).toEqual(['curated', ...want[i].tags]);
        expect(c.tags.includes('float32-inputs')).toBe(hasFloat32Inputs(want[i].args));
      });
    }
  });

  it('is written in the stable layout: re-formatting the parsed file gives the same bytes', () => {
    for (const op of OP_NAMES) {
      const d = raw.get(op)!;
      expect(formatFixtureFile(d.generator, d.cases)).toBe(text.get(op));
    }
  });

  it('load.ts (verify) reads every case', () => {
    const cases = loadOracleCases();
    expect(cases.length).toBe(CURATED.length);
    expect(new Set(cases.map((c) => c.op))).toEqual(new Set(OP_NAMES));
  });
});

describe('expectations', () => {
  it('decimals have 40 significant digits (fewer: exact) and round to the float64 expectation', () => {
    let n = 0;
    const doubleRounded: string[] = [];
    const shortOnes: string[] = [];
    for (const c of [...raw.values()].flatMap((d) => d.cases)) {
      const dec = leaves(c.expected.decimal) as string[];
      const f64 = leaves(reviveNonFinite(c.expected.float64)) as number[];
      dec.forEach((s, i) => {
        if (s === 'NaN') return expect(f64[i]).toBeNaN();
        if (s === 'Infinity' || s === '-Infinity') return expect(f64[i]).toBe(Number(s));
        const d = new Decimal(s);
        if (d.isZero()) return;
        // 40 significant digits (trailing zeros kept), or fewer for an exact value: here every
        // short decimal is exactly the float64 expectation (0.25, 1, 9007199254740992, ...)
        const sd = significantDigits(s);
        if (sd !== 40) {
          expect(sd, `${c.id}[${i}] ${s}`).toBeLessThan(40);
          expect(d.eq(new Decimal(exactDecimalString(f64[i]))), `${c.id}[${i}] ${s} is exact`).toBe(true);
          shortOnes.push(s);
        }
        // rounding the 40-digit decimal again is a double rounding: wrong when the exact value
        // is within a unit of the 40th digit of a float64 midpoint, which simple inputs hit
        // (binary_cross_entropy_backward/soft-targets: 2 - 4·0.1 is a midpoint). The float64
        // expectation must be the rounding of a value within that unit.
        const unit = new Decimal(10).pow(d.e - 39);
        const roundings = d.sd() < 40 ? [d] : [d.minus(unit), d, d.plus(unit)];
        expect(roundings.some((x) => Object.is(roundDecimal(x, FORMATS.float64), f64[i])), `${c.id}[${i}] ${s} vs ${f64[i]}`).toBe(true);
        if (!Object.is(roundDecimal(d, FORMATS.float64), f64[i])) doubleRounded.push(c.id);
        n++;
      });
    }
    expect(n).toBeGreaterThan(1000);
    expect(doubleRounded).toContain('binary_cross_entropy_backward/soft-targets');
    expect(shortOnes).toContain('0.25');
  });

  it('float32 / float16 / bfloat16 expectations lie on their grids', () => {
    for (const c of allCases()) {
      for (const fmt of ['float32', 'float16', 'bfloat16'] as const) {
        const finite = (leaves(c.expected[fmt]) as number[]).filter((v) => Number.isFinite(v));
        for (const v of finite) expect(isRepresentable(v, FORMATS[fmt]), `${c.id} ${fmt} ${v}`).toBe(true);
      }
    }
  });

  it("the articles' examples", () => {
    const close = (got: unknown, want: number[]) => {
      const g = leaves(got) as number[];
      expect(g.length).toBe(want.length);
      g.forEach((v, i) => expect(ulpDistance(v, want[i]), `${v} vs ${want[i]}`).toBeLessThanOrEqual(2));
    };
    const sm = (xs: number[]) => {
      const e = xs.map((x) => Math.exp(x - Math.max(...xs)));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    close(find('softmax/article-7').expected.float64, sm([1, 5, 6, 4, 2, 2.6, 6]));
    expect(find('softmax/article-7').args).toEqual({ logits: [[1, 5, 6, 4, 2, 2.6, 6]] });
    close(find('softmax/article-3').expected.float64, [0.09003057317038046, 0.24472847105479764, 0.6652409557748219]);
    expect(find('cross_entropy/article-3').args).toEqual({ logits: [[2, 3, 4]], target: [1] });
    close(find('cross_entropy/article-3').expected.float64, [-Math.log(0.24472847105479764)]);
    expect(find('binary_cross_entropy/article-table').args).toEqual({ probs: [0.9, 0.5, 0.1], target: [1, 1, 1], reduction: 'none' });
    close(find('binary_cross_entropy/article-table').expected.float64, [-Math.log(0.9), Math.LN2, -Math.log(0.1)]);
    // -log of the doubles 0.9, 0.5, 0.1 (not of 9/10 and 1/10), by decimal.js at 60 digits
    const D = Decimal.clone({ precision: 60 });
    expect(find('binary_cross_entropy/article-table').expected.decimal).toEqual(
      [0.9, 0.5, 0.1].map((p) =>
        padDecimal(new D(exactDecimalString(p)).ln().neg().toSignificantDigits(40, Decimal.ROUND_HALF_EVEN).toString(), 40)
      ),
    );
  });

  it('the argmax of log_softmax with a large gap is -log1p(s), not 0', () => {
    const [[top]] = find('log_softmax/large-gap-100').expected.float64 as number[][];
    expect(top).not.toBe(0);
    expect(ulpDistance(top, -Math.exp(-100))).toBeLessThanOrEqual(1);
    const [[top40]] = find('log_softmax/large-gap-40').expected.float64 as number[][];
    expect(ulpDistance(top40, -Math.log1p(Math.exp(-40) + Math.exp(-3)))).toBeLessThanOrEqual(2);
    // below float64's range the rounding is -0, the decimal keeps the exact value
    const c = find('log_softmax/large-gap-800');
    expect(Object.is((c.expected.float64 as number[][])[0][0], -0)).toBe(true);
    expect(c.expected.decimal).toEqual([['-3.667874584177687213455495654260798215470e-348', '-800.0000000000000000000000000000000000000']]);
    expect(text.get('log_softmax')).toContain('"float64": [[-0.0, -800]]');
  });

  it('special values: zero-log, ignore_index, masked, all-masked, +Infinity', () => {
    expect(find('binary_cross_entropy/zero-log').expected.float64).toEqual([0, 0, 0, 0]);
    expect(find('binary_cross_entropy/zero-log-infinite').expected.float64).toEqual([Infinity, Infinity, Infinity, Infinity]);
    expect(find('cross_entropy/all-ignored-mean').expected.float64).toBeNaN();
    expect(find('cross_entropy/all-ignored-sum').expected.float64).toBe(0);
    expect(find('cross_entropy/all-ignored-none').expected.float64).toEqual([0, 0]);
    expect(find('logsumexp/all-masked').expected.float64).toEqual([-Infinity, 3.40760596444438]);
    expect((find('softmax/all-masked').expected.float64 as number[][])[0]).toEqual([NaN, NaN, NaN]);
    expect(find('softmax/plus-infinity').expected.float64).toEqual([[1, 0, 0]]);
    expect(find('cross_entropy/masked-target-class').expected.float64).toEqual([Infinity]);
    expect(text.get('softmax')).toContain('"args": {"logits": [["-Infinity", "-Infinity", "-Infinity"], [1, 2, 3]]}');
  });
});

describe('coverage of the stress regimes', () => {
  const opsWith = (tag: string) => new Set(allCases().filter((c) => c.tags.includes(tag)).map((c) => c.op));
  const has = (tag: string, ops: readonly OpName[]) => {
    const got = opsWith(tag);
    for (const op of ops) expect(got.has(op), `${op} has a case tagged ${tag}`).toBe(true);
  };
  const ROW_OPS: OpName[] = ['softmax', 'log_softmax', 'logsumexp', 'softmax_backward', 'log_softmax_backward'];
  const ELEM_OPS: OpName[] = ['sigmoid', 'log_sigmoid', 'softplus', 'sigmoid_backward'];
  const LOSSES: OpName[] = [
    'cross_entropy',
    'nll_loss',
    'binary_cross_entropy',
    'binary_cross_entropy_with_logits',
    'cross_entropy_backward',
    'binary_cross_entropy_backward',
    'binary_cross_entropy_with_logits_backward',
  ];
  const BACKWARD: OpName[] = [
    'softmax_backward',
    'log_softmax_backward',
    'sigmoid_backward',
    'cross_entropy_backward',
    'binary_cross_entropy_backward',
    'binary_cross_entropy_with_logits_backward',
  ];

  it('every op has curated cases, including subnormal outputs', () => {
    for (const op of OP_NAMES) expect(docs.get(op)!.cases.length).toBeGreaterThanOrEqual(10);
    has('subnormal-output', OP_NAMES.filter((op) => op !== 'nll_loss' && op !== 'logsumexp'));
  });

  it('logit regimes', () => {
    for (const tag of ['exp-limit-float64', 'exp-limit-float32', 'huge', 'masked', 'nan']) {
      has(tag, [...ROW_OPS, 'cross_entropy', 'cross_entropy_backward']);
    }
    for (const tag of ['ties', 'one-class', 'all-masked', 'plus-infinity', 'large-gap', 'article']) has(tag, [...ROW_OPS, 'cross_entropy']);
    has('wide-row', ['softmax', 'logsumexp', 'cross_entropy', 'softmax_backward', 'log_softmax_backward']);
    has('cancellation', ['logsumexp']);
    const wide = allCases().filter((c) => c.tags.includes('wide-row')).map((c) => (c.args.logits as number[][])[0].length);
    expect(Math.max(...wide)).toBe(10000);
  });

  it('elementwise regimes', () => {
    for (const tag of ['exp-limit-float64', 'exp-limit-float32', 'huge', 'plus-infinity', 'nan', 'tiny', 'saturation']) has(tag, ELEM_OPS);
  });

  it('loss options: every reduction, weights, ignore_index, smoothing, probability targets, pos_weight, zero-log', () => {
    for (const r of ['mean', 'sum', 'none']) has(`reduction:${r}`, LOSSES);
    has('class-weights', ['cross_entropy', 'nll_loss', 'cross_entropy_backward']);
    has('weights', [
      'binary_cross_entropy',
      'binary_cross_entropy_with_logits',
      'binary_cross_entropy_backward',
      'binary_cross_entropy_with_logits_backward',
    ]);
    has('ignore-index', ['cross_entropy', 'nll_loss', 'cross_entropy_backward']);
    has('all-ignored', ['cross_entropy', 'nll_loss', 'cross_entropy_backward']);
    has('label-smoothing', ['cross_entropy', 'cross_entropy_backward']);
    has('probability-targets', ['cross_entropy', 'cross_entropy_backward']);
    has('pos-weight', ['binary_cross_entropy_with_logits', 'binary_cross_entropy_with_logits_backward']);
    has('zero-log', [
      'binary_cross_entropy',
      'binary_cross_entropy_backward',
      'binary_cross_entropy_with_logits',
      'nll_loss',
      'cross_entropy',
    ]);
    // all-ignored under each reduction
    for (const r of ['mean', 'sum', 'none']) {
      expect(allCases().some((c) => c.op === 'cross_entropy' && c.tags.includes('all-ignored') && c.tags.includes(`reduction:${r}`))).toBe(
        true,
      );
    }
  });

  it('a non-default grad_output for every backward op', () => {
    has('grad-output', BACKWARD);
    for (const c of allCases().filter((x) => x.tags.includes('grad-output'))) expect(c.args.grad_output, c.id).toBeDefined();
  });

  it('float32-input cases for float32 implementations', () => {
    for (const op of OP_NAMES) {
      expect(docs.get(op)!.cases.filter((c) => c.tags.includes('float32-inputs')).length, op).toBeGreaterThanOrEqual(3);
    }
  });
});
