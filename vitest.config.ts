import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Three projects (docs/contributing.md):
 * - unit: in-process tests of the library (src/ imported directly; no build needed);
 * - e2e: tests that run the built CLI, adapter processes or worker threads, or vitest itself as
 *   a child process; their global setup builds dist/ once if it is older than src/;
 * - deep: the property-based files again with XENT_DEEP=1 (5-20x more cases); only defined when
 *   XENT_DEEP is set (`npm run test:deep`), so that a plain `npx vitest run FILE` runs FILE once.
 * `npm test` (CI) runs unit and e2e.
 */
const E2E = [
  'test/adapter-command.test.ts',
  'test/adapter-examples.test.ts',
  'test/adapter-module.test.ts',
  'test/audit-cli.test.ts',
  'test/browser.test.ts',
  'test/cli-reference.test.ts',
  'test/fixtures.test.ts',
  'test/fixtures-consumers.test.ts',
  'test/fixtures-npy.test.ts',
  'test/generated.test.ts',
  'test/hostile-adapter.test.ts',
  'test/oracles-reproducible.test.ts',
  'test/protocol-docs.test.ts',
  'test/selftest-cli.test.ts',
  'test/verify-cli.test.ts',
  'test/vitest-integration.test.ts',
];
const DEEP = ['test/properties.test.ts', 'test/gradcheck-catalog.test.ts', 'test/fast.test.ts'];

/**
 * The files that cost the most CPU (each run alone: fast 86 s, selftest 21 s, gradcheck-catalog
 * 19 s, verify-cli, fixtures, cli-reference ~17 s) start first, so that on 2 cores the long ones
 * do not start last and run alone. vitest orders by the durations of the previous run when it
 * has them, but a fresh clone (CI) has none and would order by file size.
 */
const SLOW_FIRST = [
  'test/fast.test.ts',
  'test/selftest.test.ts',
  'test/gradcheck-catalog.test.ts',
  'test/verify-cli.test.ts',
  'test/fixtures.test.ts',
  'test/cli-reference.test.ts',
];
class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = SLOW_FIRST.findIndex((s) => f.moduleId.endsWith(s));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    // Array#sort is stable: the rest keep vitest's own order
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  resolve: {
    // the examples import the package by name: in-process tests get src/, like a user gets dist/
    alias: [
      { find: /^xent-oracle\/vitest$/, replacement: fileURLToPath(new URL('./src/vitest/index.ts', import.meta.url)) },
      { find: /^xent-oracle$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    // vitest's default leaves one of this machine's 2 cores idle (availableParallelism − 1 forks);
    // the e2e files mostly wait on the processes they start, so 3 forks keep both cores busy
    maxWorkers: 3,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    coverage: { provider: 'v8', include: ['src/**/*.ts'] },
    sequence: { sequencer: SlowFirst },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts', 'src/**/*.test.ts'], exclude: E2E } },
      { extends: true, test: { name: 'e2e', include: E2E, globalSetup: ['test/helpers/build-once.ts'] } },
      ...(process.env.XENT_DEEP ? [{ extends: true as const, test: { name: 'deep', include: DEEP, env: { XENT_DEEP: '1' } } }] : []),
    ],
  },
});
