/**
 * `xent-oracle selftest` end to end, as a child process on the built CLI (dist/cli/bin.js,
 * built once by the e2e project's global setup).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson } from '../src/core/json.js';
import { MATRIX_ENTRIES } from '../src/selftest/bugs.js';
import type { MatrixResult } from '../src/selftest/matrix.js';

describe('xent-oracle selftest (CLI)', () => {
  const BIN = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'xent-selftest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, 'selftest', ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });

  it('prints the matrix and writes JSON; exit 0 when as expected', () => {
    const json = join(dir, 'm.json');
    const r = cli('--only', 'softmax-no-max-shift,log-softmax-log-not-log1p,shifted-uncompensated', '--json', json);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/softmax-no-max-shift\s+bug\s+FAIL/);
    expect(r.stdout).toMatch(/log-softmax-log-not-log1p\s+bug\s+tiny tiny_absolute\s+FAIL tiny_absolute/);
    expect(r.stdout).toMatch(/shifted-uncompensated\s+correct\s+pass/);
    expect(r.stdout).toContain('assert_close');
    expect(r.stdout).toContain('OK: every planted bug is caught');
    const doc = parseJson(readFileSync(json, 'utf8')) as MatrixResult;
    expect(doc.schema).toBe('xent-oracle/selftest@1');
    expect(doc.ok).toBe(true);
    expect(doc.rows.map((x) => x.id)).toEqual(['softmax-no-max-shift', 'log-softmax-log-not-log1p', 'shifted-uncompensated']);
    expect(doc.rows[0].default.counterexample?.args).toBeDefined();
  });

  it('usage errors exit 2', () => {
    const r = cli('--only', 'no-such-entry');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown entry no-such-entry/);
  });

  it('--list names every entry', () => {
    const r = cli('--list');
    expect(r.status).toBe(0);
    for (const e of MATRIX_ENTRIES) expect(r.stdout).toContain(e.id);
  });
});
