/**
 * The layers import one way (docs/architecture.md):
 *
 *   core ← reference, fast ← ops ← gradcheck ← oracles, verify ← audit, selftest, vitest ← cli
 *
 * Checked statically on src/: every relative import of a module goes to its own folder or to a
 * lower layer, never sideways between folders of one layer unless listed, never up. And
 * `xent-oracle/vitest` (src/vitest/index.ts) reaches neither commander nor cli-progress.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(new URL('../src', import.meta.url).pathname);
const ROOT = resolve(SRC, '..');

const RANK: Record<string, number> = {
  core: 0,
  reference: 1,
  fast: 1,
  ops: 2,
  gradcheck: 3,
  oracles: 4,
  verify: 4,
  audit: 5,
  selftest: 5,
  vitest: 5,
  cli: 6,
  '.': 7, // src/index.ts, the package entry
};
/** sideways imports between folders of one layer that the architecture allows */
const SIDEWAYS = new Set(['verify→oracles']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((
    e,
  ) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) =>
    m[1]
  );
}

const layerOf = (file: string): string => {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.split('/')[0] : '.';
};

const ALL = files(SRC);

describe('layers', () => {
  it('every module is in a known layer', () => {
    for (const f of ALL) expect(RANK[layerOf(f)], relative(ROOT, f)).toBeTypeOf('number');
  });

  it('imports go down (or within a folder), never up or sideways', () => {
    const bad: string[] = [];
    for (const f of ALL) {
      const from = layerOf(f);
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(f), spec);
        if (!target.startsWith(SRC)) {
          // outside src/: only the shipped correct example (it imports nothing), from ops and above
          const ok = relative(ROOT, target) === 'examples/adapters/correct.mjs' && RANK[from] >= RANK.ops;
          if (!ok) bad.push(`${relative(ROOT, f)} → ${relative(ROOT, target)}`);
          continue;
        }
        const to = layerOf(target);
        if (to === from) continue;
        if (RANK[to] < RANK[from]) continue;
        if (RANK[to] === RANK[from] && SIDEWAYS.has(`${from}→${to}`)) continue;
        bad.push(`${relative(ROOT, f)} (${from}) → ${relative(ROOT, target)} (${to})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the check sees real imports (a canary: ops imports core and reference)', () => {
    const reg = importsOf(join(SRC, 'ops/evaluate.ts'));
    expect(reg.some((s) => s.includes('../reference/'))).toBe(true);
    expect(reg.some((s) => s.includes('../core/'))).toBe(true);
  });

  it('xent-oracle/vitest loads neither commander nor cli-progress', () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) {
          packages.add(spec.split('/')[0]);
          continue;
        }
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        if (target.startsWith(SRC)) visit(target);
      }
    };
    visit(join(SRC, 'vitest/index.ts'));
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].filter((f) => layerOf(f) === 'cli').map((f) => relative(ROOT, f))).toEqual([]);
    expect(packages.has('commander')).toBe(false);
    expect(packages.has('cli-progress')).toBe(false);
    expect(packages.has('vitest')).toBe(true);
  });
});
