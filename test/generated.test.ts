/**
 * Generated files stay in step with what generates them: each has one command that rewrites it
 * and a --check mode that fails here when it drifts (oracles/ is checked in oracles.test.ts).
 *   docs/ops.md                 npm run docs:ops       (scripts/ops-doc.mjs, from the op records)
 *   schema/*.schema.json (op enums, args)  npm run schema:update  (scripts/fixture-schema.mjs, from the op records)
 *   docs/accuracy.md            npm run accuracy (scripts/accuracy.mjs: the fast path against the
 *                               correctly rounded reference, every op and regime; ~15 s)
 *   docs/audits/                npm run audit:examples (scripts/audit-examples.mjs; checked here for the
 *                               two in-process JS examples, ~20 s; `--check` alone checks all four)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;

function check(script: string, ...extra: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', script), '--check', ...extra], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('generated files', () => {
  it('docs/ops.md is what scripts/ops-doc.mjs generates from the records', () => {
    const r = check('ops-doc.mjs');
    expect(r.out).toContain('docs/ops.md');
    expect(r.code, r.out).toBe(0);
  });

  it('schema/fixture-1.schema.json is what scripts/fixture-schema.mjs generates from the records', () => {
    const r = check('fixture-schema.mjs');
    expect(r.out).toContain('fixture-1.schema.json');
    expect(r.code, r.out).toBe(0);
  });

  it('docs/audits/ holds what the audits of the JS examples report now (naive, correct)', () => {
    const r = check('audit-examples.mjs', '--only', 'naive,correct');
    expect(r.out).toContain('docs/audits/');
    expect(r.code, r.out).toBe(0);
  });

  it('docs/accuracy.md is what scripts/accuracy.mjs measures now', () => {
    const r = check('accuracy.mjs');
    expect(r.out).toContain('docs/accuracy.md');
    expect(r.code, r.out).toBe(0);
  });
});
