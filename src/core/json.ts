/**
 * JSON with non-finite numbers, as every public contract of xent-oracle writes it:
 * NaN, Infinity and -Infinity travel as the strings "NaN", "Infinity", "-Infinity".
 * On input the bare tokens NaN, Infinity, -Infinity (what Python's json module writes)
 * are accepted too.
 */

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** Replace bare NaN / Infinity / -Infinity tokens outside strings by their quoted forms. */
function quoteBareTokens(text: string): string {
  if (!/NaN|Infinity/.test(text)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      // copy a string literal verbatim
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (text.startsWith('-Infinity', i)) {
      out += '"-Infinity"';
      i += 9;
    } else if (text.startsWith('Infinity', i)) {
      out += '"Infinity"';
      i += 8;
    } else if (text.startsWith('NaN', i)) {
      out += '"NaN"';
      i += 3;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

/** Valid JSON nested too deeply to be read (the reviver's recursion overflowed the stack). */
export class JsonDepthError extends Error {
  override name = 'JsonDepthError';
}

/** Parse JSON text; non-finite spellings become numbers wherever a value is one of them. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(quoteBareTokens(text), (_k, v) => (typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v));
  } catch (e) {
    // a stack overflow is not a syntax error: say what it is instead of "not JSON"
    if (e instanceof RangeError) {
      throw new JsonDepthError('the JSON is nested too deeply to be read (thousands of levels of arrays or objects)');
    }
    throw e;
  }
}

/** Convert "NaN"/"Infinity"/"-Infinity" strings inside an already-parsed value to numbers. */
export function reviveNonFinite(v: unknown): unknown {
  if (typeof v === 'string' && v in NON_FINITE) return NON_FINITE[v];
  if (Array.isArray(v)) return v.map(reviveNonFinite);
  if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = reviveNonFinite(x);
    return o;
  }
  return v;
}

/** JSON.stringify replacer writing non-finite numbers as strings (and -0 as 0, as JSON does). */
export function nonFiniteReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

export function stringifyJson(v: unknown, indent?: number): string {
  return JSON.stringify(v, nonFiniteReplacer, indent);
}

/** A string no value of ours contains: stands for −0 until the text is assembled. */
const NEG_ZERO = '\u0000xent-oracle:-0\u0000';
const NEG_ZERO_QUOTED = JSON.stringify(NEG_ZERO);

/**
 * stringifyJson that keeps the sign of zero: −0 is written `-0.0`, where JSON.stringify
 * writes `0`. Valid JSON that JavaScript's JSON.parse and Python's json both read as −0
 * (`-0` would give Python the integer 0), as the fixtures write it (docs/fixtures.md). For
 * outputs whose zeros are correctly rounded values (the reference command:
 * log_sigmoid(800) is −0 in every format).
 */
export function stringifyJsonSigned(v: unknown, indent?: number): string {
  const text = JSON.stringify(v, (k, x) => (typeof x === 'number' && Object.is(x, -0) ? NEG_ZERO : nonFiniteReplacer(k, x)), indent);
  return text.includes(NEG_ZERO_QUOTED) ? text.split(NEG_ZERO_QUOTED).join('-0.0') : text;
}
