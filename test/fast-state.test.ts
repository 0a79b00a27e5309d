/**
 * The fast kernels share no mutable state between files (issue 10): helpers return their extra
 * results through an explicit Scratch (src/fast/scratch.ts) created per call. This guard scans
 * src/fast for module-level mutable exports — `export let`, or an exported typed array / array
 * / object created at load — except the constant tables of accurate.ts, filled once at load and
 * never written afterwards.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = new URL('../src/fast', import.meta.url).pathname;
/** constant tables: written only by the module's own load-time code */
const CONSTANT_TABLES = new Set(['accurate.ts:P2', 'accurate.ts:TH', 'accurate.ts:TL', 'accurate.ts:THH', 'accurate.ts:THL']);

describe('src/fast has no shared mutable module state', () => {
  it('no export let, and no exported mutable container other than the constant tables', () => {
    const bad: string[] = [];
    let scanned = 0;
    for (const f of readdirSync(DIR).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(DIR, f), 'utf8');
      scanned++;
      for (const m of text.matchAll(/^export\s+let\s+(\w+)/gm)) bad.push(`${f}: export let ${m[1]}`);
      for (const m of text.matchAll(/^export\s+const\s+(\w+)\s*(?::[^=]+)?=\s*(new\s+\w+|\[|\{)/gm)) {
        if (!CONSTANT_TABLES.has(`${f}:${m[1]}`)) bad.push(`${f}: export const ${m[1]} = ${m[2]}…`);
      }
    }
    expect(scanned).toBeGreaterThan(5);
    expect(bad).toEqual([]);
  });

  it('the scan would see a mutable export (canary)', () => {
    const re = /^export\s+const\s+(\w+)\s*(?::[^=]+)?=\s*(new\s+\w+|\[|\{)/gm;
    expect([...'export const SCAN = new Float64Array(3);'.matchAll(re)].length).toBe(1);
  });
});
