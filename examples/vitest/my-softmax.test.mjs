// User-style tests of my-softmax.mjs with the xent-oracle vitest integration.
//
//   npx vitest run --root examples/vitest my-softmax
import { describe, expect, it } from 'vitest';
import { describeOracle, installOracleMatchers } from 'xent-oracle/vitest';
import impl from './my-softmax.mjs';

// 1. Property-based verification: one vitest test per op and regime (scale 1, near the exp
//    limits, masked logits, ...) plus the committed golden cases. A failure prints verify's
//    verdict: the class, the minimal counterexample and a replay command.
describeOracle(impl, { ops: ['softmax', 'log_softmax', 'sigmoid'], module: 'examples/vitest/my-softmax.mjs' });

// 2. Single results, judged with the same tolerance policy (the allowed error follows the
//    condition of the input, so no rtol / atol to choose).
installOracleMatchers();

describe('my-softmax, hand-picked cases', () => {
  it('does not overflow at large logits', () => {
    const args = { logits: [[1000, 999, -1000]] };
    expect(impl.ops.softmax(args)).toMatchOracle('softmax', args);
  });

  it('keeps tiny log-probabilities accurate (log1p)', () => {
    const args = { logits: [[0, -40]] };
    expect(impl.ops.log_softmax(args)).toMatchOracle('log_softmax', args);
  });

  it('masks -Infinity entries exactly', () => {
    const args = { logits: [[-Infinity, 1, 2]] };
    expect(impl.ops.softmax(args)).toMatchOracle('softmax', args, { strict: true });
  });

  it('rejects a result that is off by 1e-12', () => {
    const args = { logits: [[1, 2, 3]] };
    const off = impl.ops.softmax(args).map((r) => r.map((v) => v + 1e-12));
    expect(off).not.toMatchOracle('softmax', args);
  });
});
