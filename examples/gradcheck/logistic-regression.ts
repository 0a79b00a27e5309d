/**
 * The example lives in ./logistic-regression.mjs (plain JavaScript importing the built package, so that
 * `node examples/gradcheck/logistic-regression.mjs` runs after `npm run build`); this file re-exports it for
 * the TypeScript tests (test/gradcheck-examples.test.ts).
 */
export * from './logistic-regression.mjs';
