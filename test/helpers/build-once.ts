/**
 * Global setup of the e2e project: make sure dist/ (what the CLI and the example adapters
 * run) is built from the current src/, once, before any e2e test file starts.
 *
 * Why here and not in each file's beforeAll: files run in parallel, and several of them used to
 * run `npm run build` when dist/cli/bin.js was missing; one file's tsc then rewrote dist/ while
 * another file's CLI child process was loading it, and a half-written module made that child
 * exit with Node's code 1 (an uncaught SyntaxError at import) instead of the CLI's own exit code.
 * Here the build finishes before any test starts. `npm test` builds first anyway: then dist/ is
 * newer than every source file and nothing is done.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** newest modification time of the files under `dir` (recursively) */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const bin = join(ROOT, 'dist/cli/bin.js');
  const sources = Math.max(newest(join(ROOT, 'src')), statSync(join(ROOT, 'package.json')).mtimeMs);
  if (existsSync(bin) && statSync(bin).mtimeMs >= sources) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed (the e2e tests run the built CLI):\n${r.stdout}\n${r.stderr}`);
}
