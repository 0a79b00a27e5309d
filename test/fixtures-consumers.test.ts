/**
 * The consumer examples of docs/fixtures.md and the README run green against the committed
 * oracles/: examples/fixtures/consumer.test.mjs (a vitest suite, run here in its own vitest
 * process without this repository's config, which only collects test/) and
 * examples/fixtures/test_consumer.py (run with python3 through its __main__ runner, since
 * pytest may be absent; skipped with the reason printed when python3 or numpy is missing).
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const EXAMPLES = join(ROOT, 'examples/fixtures');

/** vitest's Node API: the example directory as root, no config file, only the example */
const RUN_VITEST = `
import { startVitest } from 'vitest/node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const cacheDir = mkdtempSync(join(tmpdir(), 'xent-consumer-vite-')); // not examples/fixtures/node_modules
const v = await startVitest('test', [], { root: ${
  JSON.stringify(EXAMPLES)
}, config: false, run: true, watch: false, include: ['consumer.test.mjs'], reporters: ['default'] }, { cacheDir });
const files = v?.state.getFiles() ?? [];
const failed = files.some((f) => f.result?.state === 'fail');
await v?.close();
rmSync(cacheDir, { recursive: true, force: true });
process.exit(!v || files.length === 0 || failed ? 1 : 0);
`;

describe('consumer examples', () => {
  it('examples/fixtures/consumer.test.mjs passes under vitest', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', RUN_VITEST], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: 180_000,
    });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/Tests\s+\d+ passed/);
    expect(out).not.toMatch(/failed/);
  }, 200_000);

  it('examples/fixtures/test_consumer.py passes (python3 + numpy)', (ctx) => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.log(`skipped examples/fixtures/test_consumer.py: ${probe.error ? 'python3 is not installed' : 'numpy is not importable'}`);
      ctx.skip();
      return;
    }
    const r = spawnSync('python3', [join(EXAMPLES, 'test_consumer.py')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^7 passed, 0 failed$/m);
  }, 150_000);
});
