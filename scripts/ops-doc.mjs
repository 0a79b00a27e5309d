// Generates docs/ops.md from docs/ops.head.md and the op records (src/ops: each record's
// `doc`: summary cells, prose, examples), evaluating every example with the built reference
// exactly as `xent-oracle reference <op> --args '<json>' --digits 20` prints it.
//
//   npm run docs:ops            # rewrite docs/ops.md
//   node scripts/ops-doc.mjs --check   # exit 1 if docs/ops.md differs (run by npm test)
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const { RECORDS } = await import(`${root}/dist/ops/registry.js`);
const { reference } = await import(`${root}/dist/ops/evaluate.js`);
// as the CLI prints it (src/cli/io.ts printJsonSigned: −0 written -0.0)
const { stringifyJsonSigned } = await import(`${root}/dist/core/json.js`);

const DIGITS = 20;
const head = readFileSync(`${root}/docs/ops.head.md`, 'utf8').replace(/^<!--[^\n]*-->\n/, '');

function example(op, args) {
  const r = reference(op, args, { digits: DIGITS });
  const out = {
    op: r.op,
    digits: r.digits,
    decimal: r.decimal,
    float64: r.float64,
    float32: r.float32,
    float16: r.float16,
    bfloat16: r.bfloat16,
  };
  return [
    '```sh',
    `xent-oracle reference ${op} --args '${JSON.stringify(args)}' --digits ${DIGITS}`,
    '```',
    '',
    '```json',
    stringifyJsonSigned(out),
    '```',
  ].join('\n');
}

const summary = [
  '## Summary',
  '',
  '| op | arguments | result | backward / forward |',
  '|---|---|---|---|',
  ...RECORDS.map((r) => `| [\`${r.name}\`](#${r.name}) | ${r.doc.args} | ${r.doc.result} | ${r.pair ? `\`${r.pair}\`` : '—'} |`),
].join('\n');

const sections = RECORDS.map((r) =>
  [
    `## ${r.name}`,
    '',
    r.doc.text,
    '',
    r.doc.examples.length > 1 ? 'Examples:' : 'Example:',
    '',
    r.doc.examples.map((a) => example(r.name, a)).join('\n\n'),
  ].join('\n')
);

const page = `${head}${summary}\n\n${sections.join('\n\n')}\n`;
const target = `${root}/docs/ops.md`;
if (process.argv.includes('--check')) {
  const now = readFileSync(target, 'utf8');
  if (now !== page) {
    console.error('docs/ops.md is out of date with the op records: run `npm run docs:ops`');
    process.exit(1);
  }
  console.log('docs/ops.md matches the op records');
} else {
  writeFileSync(`${target}.tmp`, page);
  renameSync(`${target}.tmp`, target);
  console.log(`wrote docs/ops.md (${RECORDS.length} ops)`);
}
