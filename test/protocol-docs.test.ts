/**
 * docs/protocol.md end to end: its minimal Node and Python adapters run through the command
 * adapter as child processes, and the Python one reproduces the documented session exactly.
 * (The protocol's functions themselves: test/protocol.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCommandAdapter, type Adapter } from '../src/verify/adapter.js';

// ---------------------------------------------------------------------------------------
// docs/protocol.md: the minimal implementations work and the example session is exact

const DOC = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');

function codeAfter(marker: string): string {
  const at = DOC.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`marker ${marker} not found in docs/protocol.md`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(DOC.slice(at));
  if (!m) throw new Error(`no code block after ${marker}`);
  return m[1];
}

const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xent-protocol-doc-'));
const opened: Adapter[] = [];
afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
});

describe('docs/protocol.md', () => {
  it('minimal Node adapter works through the command adapter', async () => {
    const file = join(dir, 'adapter.mjs');
    writeFileSync(file, codeAfter('minimal-node'));
    const a = await openCommandAdapter(`"${process.execPath}" "${file}"`, { timeoutMs: 30_000 });
    opened.push(a);
    expect(a.info).toEqual({ name: 'minimal-node', dtype: 'float64', ops: ['softmax', 'logsumexp'], unknownOps: [] });
    const r = await a.call('softmax', { logits: [[1, 2, 3], [0, 0, -Infinity], [Infinity, 0, NaN]] });
    expect(r.kind).toBe('result');
    if (r.kind === 'result') {
      const v = r.value as number[][];
      expect(v[0][2]).toBeCloseTo(0.6652409557748218, 15);
      expect(v[1]).toEqual([0.5, 0.5, 0]);
      expect(v[2].every(Number.isNaN)).toBe(true);
    }
    expect(await a.call('logsumexp', { logits: [[-Infinity, -Infinity], [Infinity, 1], [0, 0]] })).toMatchObject({
      kind: 'result',
      value: [-Infinity, Infinity, Math.LN2],
    });
    await a.close();
  });

  it.skipIf(!HAS_PYTHON)('minimal Python adapter reproduces the example session exactly', async () => {
    const file = join(dir, 'adapter.py');
    writeFileSync(file, codeAfter('minimal-python'));
    const session = /```text\n([\s\S]*?)```/.exec(DOC.slice(DOC.indexOf('## Example session')))![1];
    const requests = session.split('\n').filter((l) => l.startsWith('> ')).map((l) => l.slice(2));
    const replies = session.split('\n').filter((l) => l.startsWith('< ')).map((l) => l.slice(2));
    const run = spawnSync('python3', [file], { input: requests.join('\n') + '\n', encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual(replies);

    const a = await openCommandAdapter(`python3 "${file}"`, { timeoutMs: 30_000 });
    opened.push(a);
    expect(a.info.ops).toEqual(['softmax', 'sigmoid']);
    expect(await a.call('sigmoid', { x: [0, Infinity, NaN, -800] })).toMatchObject({ kind: 'result', value: [0.5, 1, NaN, 0] });
    expect(await a.call('sigmoid', { x: [] })).toEqual({ kind: 'error', message: 'ValueError: x is empty' });
    await a.close();
  });
  if (!HAS_PYTHON) console.warn('[protocol.test] python3 not found: the minimal Python adapter of docs/protocol.md is not tested');
});
