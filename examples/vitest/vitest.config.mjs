// vitest config of the examples: `npx vitest run --root examples/vitest`.
//
// In your own project you import 'xent-oracle/vitest' from the installed package and need
// none of this; here the alias points the import at this repository's build (npm run build).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { 'xent-oracle/vitest': fileURLToPath(new URL('../../dist/vitest/index.js', import.meta.url)) },
  },
  test: {
    include: ['*.test.mjs'],
    testTimeout: 120_000,
  },
});
