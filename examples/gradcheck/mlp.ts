/**
 * The example lives in ./mlp.mjs (plain JavaScript importing the built package, so that
 * `node examples/gradcheck/mlp.mjs` runs after `npm run build`); this file re-exports it for
 * the TypeScript tests (test/gradcheck-examples.test.ts).
 */
export * from './mlp.mjs';
