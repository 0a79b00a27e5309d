/**
 * The example lives in ./float32.mjs (plain JavaScript importing the built package, so that
 * `node examples/gradcheck/float32.mjs` runs after `npm run build`); this file re-exports it for
 * the TypeScript tests (test/gradcheck-examples.test.ts).
 */
export * from './float32.mjs';
