// Generates the op-dependent parts of schema/fixture-1.schema.json (and the op enum of
// schema/verify-report-2.schema.json) from the op records: the
// `op` enum, one `args*` definition per distinct argument schema (each record's
// `argsSchema`) and the if/then rules that pick an op's args schema. The rest of the file (the
// fixture envelope, numbers, decimals) is kept as it is.
//
//   npm run schema:update                     # rewrite the schema
//   node scripts/fixture-schema.mjs --check   # exit 1 if it differs (run by npm test)
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const { RECORDS } = await import(`${root}/dist/ops/registry.js`);
const path = `${root}/schema/fixture-1.schema.json`;
const current = readFileSync(path, 'utf8');
const schema = JSON.parse(current);

const byName = new Map();
for (const r of RECORDS) {
  const { name, schema: s } = r.argsSchema;
  const seen = byName.get(name);
  if (seen && JSON.stringify(seen.schema) !== JSON.stringify(s)) throw new Error(`two different argument schemas are named ${name}`);
  if (seen) seen.ops.push(r.name);
  else byName.set(name, { schema: s, ops: [r.name] });
}

const definitions = {};
for (const [k, v] of Object.entries(schema.definitions)) if (!k.startsWith('args') && k !== 'case') definitions[k] = v;
for (const [name, { schema: s }] of byName) definitions[name] = s;
const caseDef = schema.definitions.case;
caseDef.properties.op = { enum: RECORDS.map((r) => r.name) };
caseDef.allOf = [...byName].map(([name, { ops }]) => ({
  if: { properties: { op: { enum: ops } } },
  // oxlint-disable-next-line unicorn/no-thenable -- JSON Schema's if/then keyword, not a promise
  then: { properties: { args: { $ref: `#/definitions/${name}` } } },
}));
definitions.case = caseDef;
schema.definitions = definitions;
const text = `${JSON.stringify(schema, null, 2)}\n`;

// the verify report's op enum ($defs/op of schema/verify-report-2.schema.json)
const reportPath = `${root}/schema/verify-report-2.schema.json`;
const reportCurrent = readFileSync(reportPath, 'utf8');
const report = JSON.parse(reportCurrent);
report.$defs.op.enum = RECORDS.map((r) => r.name);
const reportText = `${JSON.stringify(report, null, 2)}\n`;

// the --expect file's op enum (schema/expect-1.schema.json)
const expectPath = `${root}/schema/expect-1.schema.json`;
const expectCurrent = readFileSync(expectPath, 'utf8');
const expectSchema = JSON.parse(expectCurrent);
expectSchema.properties.expected_failures.items.properties.op.enum = RECORDS.map((r) => r.name);
const expectText = `${JSON.stringify(expectSchema, null, 2)}\n`;

const outputs = [
  [path, current, text, `${RECORDS.length} ops, ${byName.size} argument schemas`],
  [reportPath, reportCurrent, reportText, `${RECORDS.length} ops`],
  [expectPath, expectCurrent, expectText, `${RECORDS.length} ops`],
];
if (process.argv.includes('--check')) {
  let stale = false;
  for (const [p, now, want] of outputs) {
    const name = p.slice(root.length).replace(/^\/+/, '');
    if (now !== want) {
      console.error(`${name} is out of date with the op records: run \`npm run schema:update\``);
      stale = true;
    } else console.log(`${name} matches the op records`);
  }
  if (stale) process.exit(1);
} else {
  for (const [p, , want, what] of outputs) {
    writeFileSync(`${p}.tmp`, want);
    renameSync(`${p}.tmp`, p);
    console.log(`wrote ${p.slice(root.length).replace(/^\/+/, '')} (${what})`);
  }
}
