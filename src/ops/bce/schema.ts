import type { ArgsSchema } from '../types.js';

/** JSON Schemas of the args of the bce ops (schema/fixture-1.schema.json is generated from the records). */
export const BINARYCROSSENTROPY_SCHEMA: ArgsSchema = {
  name: 'argsBinaryCrossEntropy',
  schema: {
    'type': 'object',
    'required': ['probs', 'target'],
    'properties': {
      'probs': { '$ref': '#/definitions/vector' },
      'target': { '$ref': '#/definitions/vector' },
      'weight': { '$ref': '#/definitions/vector' },
      'reduction': { 'enum': ['mean', 'sum', 'none'] },
      'grad_output': { 'oneOf': [{ '$ref': '#/definitions/number' }, { '$ref': '#/definitions/vector' }] },
    },
    'additionalProperties': false,
  },
};
export const BCEWITHLOGITS_SCHEMA: ArgsSchema = {
  name: 'argsBceWithLogits',
  schema: {
    'type': 'object',
    'required': ['logits', 'target'],
    'properties': {
      'logits': { '$ref': '#/definitions/vector' },
      'target': { '$ref': '#/definitions/vector' },
      'weight': { '$ref': '#/definitions/vector' },
      'pos_weight': { 'type': 'number', 'minimum': 0 },
      'reduction': { 'enum': ['mean', 'sum', 'none'] },
      'grad_output': { 'oneOf': [{ '$ref': '#/definitions/number' }, { '$ref': '#/definitions/vector' }] },
    },
    'additionalProperties': false,
  },
};
