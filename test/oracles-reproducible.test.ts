/**
 * The reproducibility guard: scripts/generate-oracles.mjs --check regenerates oracles/ from the
 * built package (dist/, built once by the e2e project's global setup) byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OP_NAMES } from '../src/ops/registry.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('reproducibility guard', () => {
  it('scripts/generate-oracles.mjs --check regenerates oracles/ byte for byte', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/generate-oracles.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`reproduced byte for byte (${OP_NAMES.length} files`);
  }, 120_000);
});
