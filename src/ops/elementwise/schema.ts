import type { ArgsSchema } from '../types.js';

/** JSON Schemas of the args of the elementwise ops (schema/fixture-1.schema.json is generated from the records). */
export const ELEMENTS_SCHEMA: ArgsSchema = {
  name: 'argsElements',
  schema: { 'type': 'object', 'required': ['x'], 'properties': { 'x': { '$ref': '#/definitions/vector' } }, 'additionalProperties': false },
};
export const ELEMENTSBACKWARD_SCHEMA: ArgsSchema = {
  name: 'argsElementsBackward',
  schema: {
    'type': 'object',
    'required': ['x', 'grad_output'],
    'properties': { 'x': { '$ref': '#/definitions/vector' }, 'grad_output': { '$ref': '#/definitions/vector' } },
    'additionalProperties': false,
  },
};
