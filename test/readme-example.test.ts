/**
 * The README's vitest example ("JS users: verify inside vitest") is real: its implementation
 * block is extracted, imported and verified here with describeOracle, and its test block only
 * uses what xent-oracle/vitest exports.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as helper from '../src/vitest/index.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function block(startsWith: string): string {
  const i = README.indexOf(startsWith);
  if (i < 0) throw new Error(`README: no code block starting with ${startsWith}`);
  return README.slice(i, README.indexOf('```', i));
}

const file = join(mkdtempSync(join(tmpdir(), 'xent-readme-')), 'my-softmax.mjs');
writeFileSync(file, block('// src/my-softmax.mjs'));
const impl = (await import(pathToFileURL(file).href)).default;

describe('README vitest example', () => {
  helper.describeOracle(impl, { ops: ['softmax'], module: 'src/my-softmax.mjs' });

  it('the test block imports only what xent-oracle/vitest exports', () => {
    const test = block('// test/my-softmax.test.mjs');
    const names = /import \{ ([^}]+) \} from 'xent-oracle\/vitest'/.exec(test)![1].split(',').map((s) => s.trim());
    for (const n of names) expect(typeof (helper as Record<string, unknown>)[n], n).toBe('function');
    expect(test).toContain("describeOracle(impl, { ops: ['softmax'], module: 'src/my-softmax.mjs' });");
  });
});
