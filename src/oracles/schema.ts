/**
 * The JSON Schema of xent-oracle/fixture@1 (schema/fixture-1.schema.json, shipped in the
 * package) compiled with ajv, plus the checks a schema cannot express: unique ids, ids that
 * start with their op, expectations nested like the op's result.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { getSpec, isOpName, shapeMismatch } from '../ops/registry.js';
import { reviveNonFinite } from '../core/json.js';

/** schema/fixture-1.schema.json at the package root */
export const FIXTURE_SCHEMA_PATH = fileURLToPath(new URL('../../schema/fixture-1.schema.json', import.meta.url));

// ajv is CommonJS: its default export is the class under both module systems' interop
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as new(opts: object) => {
  compile(schema: object): ValidateFunction;
};

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    compiled = ajv.compile(JSON.parse(readFileSync(FIXTURE_SCHEMA_PATH, 'utf8')) as object);
  }
  return compiled;
}

const describeError = (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`;

/**
 * Problems of a parsed fixture file (JSON.parse output: non-finite numbers still strings),
 * an empty list when it is a valid xent-oracle/fixture@1 document.
 */
export function fixtureProblems(doc: unknown): string[] {
  const validate = validator();
  if (!validate(doc)) return (validate.errors ?? []).slice(0, 20).map(describeError);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of (doc as { cases: { id: string; op: string; args: unknown; expected: Record<string, unknown> }[] }).cases) {
    if (seen.has(c.id)) problems.push(`duplicate id ${c.id}`);
    seen.add(c.id);
    if (!c.id.startsWith(`${c.op}/`)) problems.push(`${c.id}: id does not start with "${c.op}/"`);
    if (!isOpName(c.op)) continue;
    let shape;
    try {
      const spec = getSpec(c.op);
      shape = spec.resultShape(spec.validate(c.args));
    } catch (e) {
      problems.push(`${c.id}: args rejected by the catalog: ${(e as Error).message}`);
      continue;
    }
    for (const [k, v] of Object.entries(c.expected)) {
      const m = shapeMismatch(shape, k === 'decimal' ? mapStrings(v) : reviveNonFinite(v));
      if (m) problems.push(`${c.id}: expected.${k}: ${m}`);
    }
  }
  return problems;
}

/** decimal strings as numbers, for the shape check only */
function mapStrings(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(mapStrings);
  return typeof v === 'string' ? 0 : v;
}
