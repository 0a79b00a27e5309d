/**
 * The op registry (src/ops/registry.ts): every record is complete and consistent, so that the
 * generic code that enumerates it (verify, audit, selftest, gradcheck, fixtures, docs) has
 * something real to work with for every op. The TypeScript type makes every field required;
 * these tests check what types cannot: pairs point both ways, gradient specs name a real
 * forward and argument, regimes and sweeps generate valid args, curated cases and doc examples
 * validate, the fast path and the reference agree on each doc example.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DTYPES } from '../src/core/dtype.js';
import { fastEvaluate, reference } from '../src/ops/evaluate.js';
import { getRecord, isOpName, OP_NAMES, RECORDS } from '../src/ops/registry.js';

describe('the registry', () => {
  it("keys are the records' names, and names are unique", () => {
    expect(RECORDS.map((r) => r.name)).toEqual([...OP_NAMES]);
    expect(new Set(OP_NAMES).size).toBe(OP_NAMES.length);
    expect(isOpName('softmx')).toBe(false);
    expect(isOpName('softmax')).toBe(true);
    expect(isOpName('toString')).toBe(false);
  });

  it.each(OP_NAMES)('%s: pair and gradient spec are consistent', (op) => {
    const r = getRecord(op);
    if (r.pair !== null) {
      expect(isOpName(r.pair), `${op}.pair = ${r.pair}`).toBe(true);
      const p = getRecord(r.pair as typeof op);
      expect(p.kind).not.toBe(r.kind);
      // a forward op names its backward with respect to its main input, which names it back;
      // a forward may have further backward ops (kl_div_target_backward) that name it
      if (r.kind === 'forward') expect(p.pair, `${r.pair}.pair`).toBe(op);
    }
    if (r.kind === 'backward') {
      expect(r.gradient, `${op} is a backward op`).not.toBeNull();
      expect(r.gradient!.forward).toBe(r.pair);
      const ex = r.validate(r.doc.examples[0]);
      expect(Object.keys(ex), `${op}: wrt ${r.gradient!.wrt} is an argument`).toContain(r.gradient!.wrt);
      expect(r.gradient!.auditPoints(true).length).toBeGreaterThan(0);
    } else {
      expect(r.gradient).toBeNull();
    }
  });

  it.each(OP_NAMES)('%s: doc examples validate, and the fast path agrees with the reference on them (≤ 4 ulp or exact specials)', (op) => {
    const r = getRecord(op);
    expect(r.doc.examples.length).toBeGreaterThan(0);
    expect(r.doc.text).toContain('Result:');
    for (const ex of r.doc.examples) {
      const args = r.validate(ex);
      const want: number[] = [reference(op, ex).float64].flat(2);
      const got: number[] = [fastEvaluate(op, args, 'float64')].flat(2);
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => {
        if (!Number.isFinite(want[i])) expect(Object.is(g, want[i]) || (Number.isNaN(g) && Number.isNaN(want[i]))).toBe(true);
        else expect(Math.abs(g - want[i])).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(want[i]) + Number.MIN_VALUE);
      });
    }
  });

  it.each(OP_NAMES)('%s: curated cases, probes and planted entries are present and valid', (op) => {
    const r = getRecord(op);
    expect(r.curated.length).toBeGreaterThan(0);
    for (const [name, args] of r.curated) expect(() => r.validate(args), `${op}/${name}`).not.toThrow();
    expect(r.probes.length).toBeGreaterThan(0);
    for (const [name, args] of r.probes) expect(() => r.validate(args), `probe ${name}`).not.toThrow();
    for (const p of r.planted) {
      expect(Object.keys(p.overrides), p.id).toContain(op);
      for (const k of Object.keys(p.overrides)) expect(isOpName(k), `${p.id} overrides ${k}`).toBe(true);
    }
    expect(r.argsSchema.name).toMatch(/^args[A-Z]/);
  });

  it.each(OP_NAMES)('%s: every regime and sweep yields valid args in both dtypes', (op) => {
    const r = getRecord(op);
    for (const dtype of DTYPES) {
      const regimes = r.regimes(dtype);
      expect(regimes.length).toBeGreaterThan(0);
      expect(regimes.some((g) => g.quick)).toBe(true);
      for (const g of regimes) {
        for (const raw of fc.sample(g.arb, { seed: 1, numRuns: 3 })) expect(() => r.validate(raw), `${op} / ${g.name}`).not.toThrow();
      }
      const sweeps = r.sweeps({ seed: 1, quick: true, dtype });
      expect(sweeps.length).toBeGreaterThan(0);
      for (const s of sweeps) expect(() => r.validate(s.build(s.grid[0])), `${op} / sweep ${s.id}`).not.toThrow();
    }
  });

  it.each(OP_NAMES)('%s: closed-form κ, where given, has one entry per output', (op) => {
    const r = getRecord(op);
    if (r.kappa === null) return;
    const args = r.validate(r.doc.examples[0]);
    if (!r.kappa.applies(args)) return;
    const out = [fastEvaluate(op, args)].flat(2);
    expect(r.kappa.values(args).length).toBe(out.length);
  });
});
