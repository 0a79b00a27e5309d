// Generates the op-dependent parts of schema/fixture-1.schema.json from the op records: the
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
  then: { properties: { args: { $ref: `#/definitions/${name}` } } },
}));
definitions.case = caseDef;
schema.definitions = definitions;
const text = `${JSON.stringify(schema, null, 2)}\n`;

if (process.argv.includes('--check')) {
  if (text !== current) {
    console.error('schema/fixture-1.schema.json is out of date with the op records: run `npm run schema:update`');
    process.exit(1);
  }
  console.log('schema/fixture-1.schema.json matches the op records');
} else {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
  console.log(`wrote schema/fixture-1.schema.json (${RECORDS.length} ops, ${byName.size} argument schemas)`);
}
