/**
 * The example lives in ./hessian.mjs (plain JavaScript importing the built package, so that
 * `node examples/gradcheck/hessian.mjs` runs after `npm run build`); this file re-exports it for
 * the TypeScript tests (test/gradcheck-examples.test.ts).
 */
export * from './hessian.mjs';
