/**
 * xent-oracle library entry point. See docs/architecture.md for the layers.
 */
export * from './core/catalog.js';
export * from './core/args.js';
export * from './core/errors.js';
export * from './core/floats.js';
export { toDecimal } from './core/exact.js';
export { roundDecimal, roundRational } from './core/rounding.js';
export { parseJson, stringifyJson } from './core/json.js';
export { reference, referenceIn, referenceEnclosure, DEFAULT_DIGITS } from './reference/index.js';
export type { ReferenceResult, ReferenceOptions, Nest } from './reference/index.js';
