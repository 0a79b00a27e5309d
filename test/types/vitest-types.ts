/**
 * Type-level tests of xent-oracle/vitest, checked by tsc (tsconfig.types.json; run by
 * test/types.test.ts): the op argument is the union of catalog op names, so a typo is a
 * compile error rather than a failing test. Every `@ts-expect-error` below must be an error:
 * if one stops being one, tsc reports the directive as unused and the test fails.
 */
import { expect } from 'vitest';
import { describeOracle, judgeOracle, type OracleImplementation } from '../../src/vitest/index.js';

const impl: OracleImplementation = { name: 'typed', dtype: 'float64', ops: { softmax: (a: { logits: number[][] }) => a.logits } };

judgeOracle('softmax', { logits: [[1, 2]] }, [[0.25, 0.75]]);
// @ts-expect-error 'softmx' is not an op name
judgeOracle('softmx', { logits: [[1, 2]] }, [[0.25, 0.75]]);

expect([[0.5, 0.5]]).toMatchOracle('softmax', { logits: [[0, 0]] });
// @ts-expect-error 'log_sofmax' is not an op name
expect([[0.5, 0.5]]).toMatchOracle('log_sofmax', { logits: [[0, 0]] });
// @ts-expect-error the options are typed too: dtype is float64 or float32
expect([[0.5, 0.5]]).toMatchOracle('softmax', { logits: [[0, 0]] }, { dtype: 'float16' });

describeOracle(impl, { ops: ['softmax'] });
// @ts-expect-error describeOracle's ops are op names
describeOracle(impl, { ops: ['sofmax'] });
