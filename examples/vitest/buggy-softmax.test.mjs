// The same tests against buggy-softmax.mjs: THIS FILE IS EXPECTED TO FAIL.
//
//   npx vitest run --root examples/vitest buggy-softmax
import { expect, it } from 'vitest';
import { describeOracle, installOracleMatchers } from 'xent-oracle/vitest';
import impl from './buggy-softmax.mjs';

describeOracle(impl, { ops: ['softmax', 'log_softmax'], module: 'examples/vitest/buggy-softmax.mjs', oracles: false });

installOracleMatchers();

it('softmax of large logits (fails: NaN)', () => {
  const args = { logits: [[1000, 0]] };
  expect(impl.ops.softmax(args)).toMatchOracle('softmax', args);
});
