/**
 * The committed golden cases (oracles/*.json, format xent-oracle/fixture@1) as verify cases.
 * verify plays them before the generated ones.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isOpName, type OpName } from '../ops/registry.js';
import { parseJson } from '../core/json.js';

export interface OracleCase {
  id: string;
  op: OpName;
  args: Record<string, unknown>;
  tags?: string[];
}

/** oracles/ at the package root (dist/oracles/load.js and src/oracles/load.ts are both two levels down) */
export const ORACLES_DIR = fileURLToPath(new URL('../../oracles/', import.meta.url));

export function loadOracleCases(dir: string = ORACLES_DIR): OracleCase[] {
  if (!existsSync(dir)) return [];
  const out: OracleCase[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const doc = parseJson(readFileSync(`${dir}/${f}`, 'utf8')) as {
      schema?: string;
      cases?: { id: string; op: string; args: Record<string, unknown>; tags?: string[] }[];
    };
    if (doc.schema !== 'xent-oracle/fixture@1' || !Array.isArray(doc.cases)) continue;
    for (const c of doc.cases) if (isOpName(c.op)) out.push({ id: c.id, op: c.op, args: c.args, tags: c.tags });
  }
  return out;
}
