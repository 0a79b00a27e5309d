/**
 * The type tests of test/types/*.ts: tsc must accept them as they are (every
 * `@ts-expect-error` there marks a real type error, e.g. judgeOracle('softmx', …)).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

it('tsc -p tsconfig.types.json: op names are a union type (a typo does not compile)', () => {
  const r = spawnSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', 'tsconfig.types.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(`${r.stdout}${r.stderr}`).toBe('');
  expect(r.status).toBe(0);
}, 120_000);
