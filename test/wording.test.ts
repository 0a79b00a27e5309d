/**
 * Errors in plain words (src/verify/wording.ts), as verify's messages and the audit tables
 * print them: error / allowed first; ULP only for a normal value with a small error; absolute
 * terms near zero (no "8.0e15 ULP"); the relative error for a large one.
 */
import { describe, expect, it } from 'vitest';
import { errorInWords, errorShort, ratioText } from '../src/verify/wording.js';
import { judgeResult } from '../src/verify/verdict.js';
import { reference } from '../src/ops/evaluate.js';
import { conditionNumbers } from '../src/verify/condition.js';
import { fastEvaluator } from '../src/ops/evaluate.js';

describe('errorInWords / errorShort', () => {
  it('a small error at a normal value reads in ULP', () => {
    const f = { errAbs: 3 * 2 ** -53, allowedAbs: 12 * 2 ** -53, exact: 0.75, errUlp: 3, allowedUlp: 12, ratio: 0.25 };
    expect(errorInWords(f, 'float64')).toBe('error / allowed = 0.250: 3 ULP where 12 ULP are allowed');
    expect(errorShort(f, 'float64')).toBe('0.250 (3 ULP, allowed 12)');
  });

  it('near zero: absolute error and the absolute error allowed there, never a ULP count', () => {
    // exact 0, got 1e-300: 2.0e+23 ULP of the smallest subnormal would mean nothing
    const f = { errAbs: 1e-300, allowedAbs: 4.9e-324, exact: 0, errUlp: 1e-300 / 4.9e-324, allowedUlp: 1, ratio: 1e-300 / 4.9e-324 };
    const words = errorInWords(f, 'float64');
    expect(words).toBe(
      'error / allowed = 2.0e+23: absolute error 1.0e-300 where the exact value is 0 (zero) and the allowed absolute error near zero is 4.9e-324',
    );
    expect(words).not.toContain('ULP');
    expect(errorShort({ ...f, tiny: true }, 'float64')).toBe('2.0e+23 (absolute 1.0e-300 near zero, allowed 4.9e-324; tiny absolute)');
    // a normal but tiny exact value lost to underflow (verify's tiny_absolute) also reads in absolute terms
    expect(
      errorInWords(
        { errAbs: 1e-300, allowedAbs: 1e-310, exact: 1e-300, errUlp: 8e15, allowedUlp: 400, ratio: 2e13, tiny: true },
        'float64',
      ),
    ).toBe(
      'error / allowed = 2.0e+13: absolute error 1.0e-300 where the exact value is 1.0e-300 and the allowed absolute error near zero is 1.0e-310 (tiny in absolute terms: verify passes it unless --strict)',
    );
  });

  it('an error far beyond the precision of the value reads as a relative error', () => {
    const f = { errAbs: 0.731, allowedAbs: 1.26e-13, exact: 0.731, errUlp: 6.58e15, allowedUlp: 1132, ratio: 5.8e12 };
    expect(errorInWords(f, 'float64')).toBe(
      'error / allowed = 5.8e+12: relative error 1 (absolute 0.73) where 1.7e-13 relative is allowed',
    );
  });

  it('ratios: three digits between 0.01 and 1000, exponents outside, inf for NaN / ±Infinity mismatches', () => {
    expect([ratioText(0), ratioText(1.04), ratioText(0.001234), ratioText(12345), ratioText(Infinity), ratioText(null)]).toEqual([
      '0',
      '1.04',
      '1.2e-3',
      '1.2e+4',
      'inf',
      '–',
    ]);
  });

  it("verify's message for an underflowed softmax entry has no ULP count", () => {
    // the exact second entry is e^-745 / (1 + e^-745) ≈ 5e-324: a result of 0 is a tiny-absolute loss
    const args = { logits: [[0, -744]] };
    const ref = reference('softmax', args, { digits: 40 });
    const kappa = conditionNumbers('softmax', args, fastEvaluator);
    const j = judgeResult('softmax', args, ref, [[1, 1e-310]], 'float64', kappa);
    expect(j.status).not.toBe('pass');
    expect(j.message).toMatch(
      /^output\[0\]\[1\]: expected .*: error \/ allowed = .*: absolute error .* where the exact value is .* and the allowed absolute error near zero is /,
    );
    expect(j.message).not.toContain('ULP');
  });
});
