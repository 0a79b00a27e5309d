/**
 * xent-oracle library entry point. See docs/architecture.md for the layers.
 */
export * from './ops/registry.js';
export type * from './ops/types.js';
export * from './core/args.js';
export * from './core/errors.js';
export * from './core/floats.js';
export { toDecimal } from './core/exact.js';
export { roundDecimal, roundRational } from './core/rounding.js';
export { parseJson, stringifyJson } from './core/json.js';
export { DEFAULT_DIGITS } from './reference/index.js';
export { reference, referenceIn, referenceFloats, referenceEnclosure, fastEvaluate } from './ops/evaluate.js';
export type { ReferenceResult, ReferenceOptions, Nest } from './reference/index.js';
export type { ReferenceFloats } from './ops/evaluate.js';
// gradient checkers (docs/gradcheck.md) and their wiring to the catalog's backward ops.
// Both core/floats and gradcheck name a type FloatFormat: the package's FloatFormat stays
// core's (float16 / bfloat16 aware); gradcheck's is exported as GradcheckFloatFormat.
export * from './gradcheck/index.js';
export * from './gradcheck/catalog.js';
export type { FloatFormat } from './core/floats.js';
export type { FloatFormat as GradcheckFloatFormat } from './gradcheck/index.js';
