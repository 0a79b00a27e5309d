/**
 * The example lives in ./softmax-backward.mjs (plain JavaScript importing the built package, so that
 * `node examples/gradcheck/softmax-backward.mjs` runs after `npm run build`); this file re-exports it for
 * the TypeScript tests (test/gradcheck-examples.test.ts).
 */
export * from './softmax-backward.mjs';
