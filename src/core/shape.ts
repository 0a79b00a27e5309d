/**
 * Result shapes of ops and the check that a result has the promised nesting and sizes
 * (used by verify on every answer of an implementation).
 */
export type ResultShape = { kind: 'scalar' } | { kind: 'vector'; length: number } | { kind: 'matrix'; rows: number; cols: number };

/** Check that a result has the nesting and sizes the op promises; returns a message or null. */
export function shapeMismatch(shape: ResultShape, result: unknown): string | null {
  const isNum = (v: unknown) => typeof v === 'number';
  switch (shape.kind) {
    case 'scalar':
      return isNum(result) ? null : `expected a number, got ${describeShape(result)}`;
    case 'vector':
      if (!Array.isArray(result) || result.length !== shape.length || !result.every(isNum)) {
        return `expected [${shape.length}] numbers, got ${describeShape(result)}`;
      }
      return null;
    case 'matrix':
      if (
        !Array.isArray(result)
        || result.length !== shape.rows
        || !result.every((r) => Array.isArray(r) && r.length === shape.cols && r.every(isNum))
      ) {
        return `expected [${shape.rows}][${shape.cols}] numbers, got ${describeShape(result)}`;
      }
      return null;
  }
}

export function describeShape(v: unknown): string {
  if (typeof v === 'number') return 'a number';
  if (Array.isArray(v)) {
    if (v.length > 0 && Array.isArray(v[0])) return `[${v.length}][${(v[0] as unknown[]).length}]`;
    return `[${v.length}]`;
  }
  return v === null ? 'null' : typeof v;
}
