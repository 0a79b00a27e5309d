import type { ArgsSchema } from '../types.js';

/** JSON Schema of the args of the kl_div ops (schema/fixture-1.schema.json is generated from the records). */
export const KL_ARGS_SCHEMA: ArgsSchema = {
  name: 'argsKlDiv',
  schema: {
    type: 'object',
    required: ['input', 'target'],
    properties: {
      input: { $ref: '#/definitions/matrix' },
      target: { $ref: '#/definitions/matrix' },
      reduction: { enum: ['mean', 'sum', 'none', 'batchmean'] },
      log_target: { type: 'boolean' },
      grad_output: { oneOf: [{ $ref: '#/definitions/number' }, { $ref: '#/definitions/matrix' }] },
    },
    additionalProperties: false,
  },
};
