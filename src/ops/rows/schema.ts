import type { ArgsSchema } from '../types.js';

/** JSON Schemas of the args of the rows ops (schema/fixture-1.schema.json is generated from the records). */
export const ROWS_SCHEMA: ArgsSchema = {
  name: 'argsRows',
  schema: {
    'type': 'object',
    'required': ['logits'],
    'properties': { 'logits': { '$ref': '#/definitions/matrix' } },
    'additionalProperties': false,
  },
};
export const ROWSBACKWARD_SCHEMA: ArgsSchema = {
  name: 'argsRowsBackward',
  schema: {
    'type': 'object',
    'required': ['logits', 'grad_output'],
    'properties': { 'logits': { '$ref': '#/definitions/matrix' }, 'grad_output': { '$ref': '#/definitions/matrix' } },
    'additionalProperties': false,
  },
};
