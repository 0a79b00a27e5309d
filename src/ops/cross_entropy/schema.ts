import type { ArgsSchema } from '../types.js';

/** JSON Schemas of the args of the cross_entropy ops (schema/fixture-1.schema.json is generated from the records). */
export const CROSSENTROPY_SCHEMA: ArgsSchema = {
  name: 'argsCrossEntropy',
  schema: {
    'type': 'object',
    'required': ['logits', 'target'],
    'properties': {
      'logits': { '$ref': '#/definitions/matrix' },
      'target': { 'oneOf': [{ '$ref': '#/definitions/classIndices' }, { '$ref': '#/definitions/matrix' }] },
      'weight': { '$ref': '#/definitions/vector' },
      'ignore_index': { 'type': 'integer' },
      'reduction': { 'enum': ['mean', 'sum', 'none'] },
      'label_smoothing': { 'type': 'number', 'minimum': 0, 'maximum': 1 },
      'grad_output': { 'oneOf': [{ '$ref': '#/definitions/number' }, { '$ref': '#/definitions/vector' }] },
    },
    'additionalProperties': false,
  },
};
export const NLLLOSS_SCHEMA: ArgsSchema = {
  name: 'argsNllLoss',
  schema: {
    'type': 'object',
    'required': ['log_probs', 'target'],
    'properties': {
      'log_probs': { '$ref': '#/definitions/matrix' },
      'target': { '$ref': '#/definitions/classIndices' },
      'weight': { '$ref': '#/definitions/vector' },
      'ignore_index': { 'type': 'integer' },
      'reduction': { 'enum': ['mean', 'sum', 'none'] },
      'grad_output': { 'oneOf': [{ '$ref': '#/definitions/number' }, { '$ref': '#/definitions/vector' }] },
    },
    'additionalProperties': false,
  },
};
