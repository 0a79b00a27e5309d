/**
 * The JSON-lines adapter protocol, version 1 (docs/protocol.md is the public contract).
 * Pure functions only: encoding requests, parsing and checking response lines, checking
 * describe replies and results. The process handling lives in ./adapter-command.ts.
 */
import { isOpName, type OpName } from '../ops/registry.js';
import { show } from '../core/errors.js';
import { parseJson, reviveNonFinite, stringifyJson } from '../core/json.js';
import type { AdapterDtype, AdapterInfo } from './adapter-types.js';

export const PROTOCOL_VERSION = 1;
/** the first request of every session */
export const DESCRIBE_OP = 'describe';
export const DESCRIBE_ID = 0;

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_DESCRIBE_TIMEOUT_MS = 30_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;
export const DEFAULT_KILL_TIMEOUT_MS = 1_000;
/** offending lines are quoted up to this many characters */
export const MAX_QUOTED_CHARS = 200;
/** how much of the adapter's stderr is kept (the tail) */
export const STDERR_LIMIT = 64 * 1024;
/** an error reply's message is shown up to this many characters */
export const MAX_ERROR_CHARS = 2000;
/** an adapter's name (and each unknown op name) is shown up to this many characters */
export const MAX_NAME_CHARS = 200;
/**
 * JSON nested deeper than this is rejected with a message saying so: a response is at most
 * 4 levels deep ({"result": [[…]]}, describe's {"result": {"ops": […]}}), and a
 * recursive walk over a deeper value would exhaust the stack.
 */
export const MAX_JSON_DEPTH = 64;
/**
 * A result with more numbers than this is rejected before it is converted: the cases the
 * verifier sends have far fewer outputs (the widest rows have 10^5 entries), and a
 * runaway result of 10^7+ numbers would take seconds and gigabytes to check.
 */
export const MAX_RESULT_ELEMENTS = 1 << 22;

/**
 * Text that came from the implementation (its name, an error message, a quoted line) made
 * safe to print on one line of a report: control characters (newline, ESC of ANSI
 * sequences, …), invisible format characters (BOM, zero-width and bidi marks) and line
 * separators are shown as \uXXXX escapes, so that such text can neither forge report lines
 * nor hide; at most `max` characters are kept.
 */
export function sanitizeText(text: string, max = MAX_ERROR_CHARS): string {
  const t = text.length > max ? text.slice(0, max) : text;
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point: they are made visible
  const clean = t.replace(/[\u0000-\u001f\u007f-\u009f\p{Cf}\u2028\u2029\ud800-\udfff]/gu, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return text.length > max ? `${clean}… (${text.length} chars)` : clean;
}

/**
 * The last lines of the implementation's stderr, for a failure report: at most `lines`
 * lines, each prefixed with "  | " (so that no line can pass for one of the verifier's) and
 * with control characters other than tabs made visible.
 */
export function stderrTail(stderr: string, lines = 20): string {
  const t = stderr.trim();
  if (!t) return '';
  return t
    .split('\n')
    .slice(-lines)
    .map((l) => `  | ${sanitizeText(l.replace(/\r$/, ''), 500).replace(/\\t/g, '\t')}`)
    .join('\n');
}

/** How deeply `text` (JSON) nests arrays and objects, counting at most up to limit + 1. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}

export type ResultValue = number | number[] | number[][];

export interface ProtocolRequest {
  id: number;
  op: string;
  args: Record<string, unknown>;
}

/** One request line, newline included. Non-finite numbers travel as "NaN" / "Infinity" / "-Infinity". */
export function encodeRequest(req: ProtocolRequest): string {
  return stringifyJson({ id: req.id, op: req.op, args: req.args }) + '\n';
}

/** Truncate a line for quoting in a message. */
export function truncateLine(line: string, max = MAX_QUOTED_CHARS): string {
  return line.length > max ? `${line.slice(0, max)}… (${line.length} chars)` : line;
}

/**
 * A line quoted for a message: JSON string syntax, so control characters and quotes stay
 * visible, and invisible characters (a byte order mark, zero-width or bidi marks) escaped
 * as \uXXXX, which JSON.stringify leaves as they are.
 */
export function quoteLine(line: string): string {
  const t = line.length > MAX_QUOTED_CHARS ? line.slice(0, MAX_QUOTED_CHARS) : line;
  const q = JSON.stringify(t).replace(
    /[\u007f-\u009f\p{Cf}\u2028\u2029]/gu,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const bom = line.startsWith('\ufeff') ? ' (the line starts with a byte order mark, U+FEFF: write UTF-8 without BOM)' : '';
  return q + (line.length > MAX_QUOTED_CHARS ? `… (${line.length} chars)` : '') + bom;
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/**
 * parseJson of src/core/json.ts with a fast path: standard JSON (the non-finite values as
 * strings) goes through the native parser; only text that is not standard JSON, such as
 * Python's bare NaN / Infinity tokens, takes core's slower token-quoting route. Same result.
 */
export function parseJsonLine(text: string): unknown {
  try {
    return JSON.parse(text, (_k, v) => (typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v));
  } catch {
    return parseJson(text);
  }
}

export type ParsedResponse =
  | { ok: true; kind: 'result'; value: unknown }
  | { ok: true; kind: 'error'; message: string }
  /** the line breaks the protocol: the session cannot continue */
  | { ok: false; message: string; line: string };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Render an `error` member as a message (a string, or any JSON value shown as JSON), made
 * printable and truncated (sanitizeText): a 10 MB error string is not printed in full.
 */
export function errorText(e: unknown): string {
  if (typeof e === 'string') return sanitizeText(e);
  // "NaN" / "Infinity" strings were revived to numbers by parseJson: give them back
  if (typeof e === 'number') return String(e);
  if (isPlainObject(e) && typeof e.message === 'string') return sanitizeText(e.message);
  return sanitizeText(stringifyJson(e));
}

/**
 * Parse one response line (without its newline) to the request `expectedId`.
 * Blank lines must be filtered out by the caller (they are ignored by the transport).
 */
export function parseResponseLine(line: string, expectedId: number): ParsedResponse {
  const bad = (message: string): ParsedResponse => ({ ok: false, message, line: sanitizeText(truncateLine(line)) });
  const depth = jsonDepth(line);
  if (depth > MAX_JSON_DEPTH) {
    return bad(
      `adapter wrote a line nested more than ${MAX_JSON_DEPTH} levels deep (a response is at most 4 levels deep; a result is a number, an array or an array of rows): ${
        quoteLine(line)
      }`,
    );
  }
  let msg: unknown;
  try {
    msg = parseJsonLine(line);
  } catch {
    return bad(
      `adapter wrote a line that is not JSON (only response lines may go to stdout; print diagnostics to stderr): ${quoteLine(line)}`,
    );
  }
  if (!isPlainObject(msg)) {
    return bad(
      `adapter wrote ${show(msg)} where a response object {"id": ${expectedId}, "result" | "error": …} was expected: ${quoteLine(line)}`,
    );
  }
  if (!('id' in msg)) {
    return bad(`response has no "id" (expected ${expectedId}): ${quoteLine(line)}`);
  }
  if (msg.id !== expectedId) {
    return bad(
      `response id ${show(msg.id)} does not match the request id ${expectedId} (responses must come in request order, one per request): ${
        quoteLine(line)
      }`,
    );
  }
  const hasResult = msg.result !== undefined && msg.result !== null;
  const hasError = msg.error !== undefined && msg.error !== null;
  if (hasResult && hasError) {
    return bad(`response ${expectedId} has both "result" and "error": ${quoteLine(line)}`);
  }
  if (hasError) return { ok: true, kind: 'error', message: errorText(msg.error) };
  if (hasResult) return { ok: true, kind: 'result', value: msg.result };
  if (expectedId === DESCRIBE_ID && ('ops' in msg || 'dtype' in msg)) {
    return bad(
      `the describe reply has its fields at the top level; wrap them in "result": `
        + `{"id": 0, "result": {"name": …, "dtype": …, "ops": […]}}. Got: ${quoteLine(line)}`,
    );
  }
  return bad(`response ${expectedId} has neither "result" nor "error": ${quoteLine(line)}`);
}

export type CheckedResult = { ok: true; value: ResultValue } | { ok: false; message: string };

const isNumArray = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (typeof v === 'object') {
    const c = v.constructor?.name;
    return c && c !== 'Object' ? `an object (${c})` : 'an object';
  }
  return `a ${typeof v}`;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  // only a string can spell a number ("NaN", …): never walk into arrays here (a cyclic or
  // deeply nested result would exhaust the stack)
  if (typeof v !== 'string') return undefined;
  const r = reviveNonFinite(v);
  return typeof r === 'number' ? r : undefined;
}

const tooMany = (n: number): CheckedResult => ({
  ok: false,
  message: `the result has ${n} numbers, more than the ${MAX_RESULT_ELEMENTS} accepted (no case the verifier sends has that many outputs)`,
});

/**
 * Check and convert a result: a number, an array of numbers or an array of rows of
 * numbers. Typed arrays (also as rows) become plain arrays; "NaN" / "Infinity" /
 * "-Infinity" strings become numbers. Sizes are not checked here (the verifier compares
 * them with the catalog's result shape).
 */
export function checkResult(v: unknown): CheckedResult {
  const n = toNumber(v);
  if (n !== undefined) return { ok: true, value: n };
  const fail = (why: string): CheckedResult => ({
    ok: false,
    message: `result must be a number, an array of numbers or an array of rows of numbers; ${why}`,
  });
  if (!isNumArray(v)) return fail(`got ${kindOf(v)}${typeof v === 'string' ? ` ${show(sanitizeText(v, 80))}` : ''}`);
  // count before converting: a runaway result is rejected without copying it
  const len = v.length;
  if (len > MAX_RESULT_ELEMENTS) return tooMany(len);
  const items = Array.from(v);
  if (items.length === 0) return { ok: true, value: [] };
  if (isNumArray(items[0])) {
    let total = 0;
    for (const row of items) {
      if (!isNumArray(row)) break; // reported below
      total += row.length;
    }
    if (total > MAX_RESULT_ELEMENTS) return tooMany(total);
    const rows: number[][] = [];
    for (let i = 0; i < items.length; i++) {
      const row = items[i];
      if (!isNumArray(row)) return fail(`result[${i}] is ${kindOf(row)} but result[0] is a row`);
      const out: number[] = [];
      const cells = Array.from(row);
      for (let j = 0; j < cells.length; j++) {
        const x = toNumber(cells[j]);
        if (x === undefined) return fail(`result[${i}][${j}] is ${kindOf(cells[j])}`);
        out.push(x);
      }
      rows.push(out);
    }
    return { ok: true, value: rows };
  }
  const out: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const x = toNumber(items[i]);
    if (x === undefined) return fail(`result[${i}] is ${kindOf(items[i])}${isNumArray(items[i]) ? ' but result[0] is a number' : ''}`);
    out.push(x);
  }
  return { ok: true, value: out };
}

/** Split declared op names into catalog ops (deduplicated, in order) and unknown names. */
export function splitOps(names: readonly string[]): { ops: OpName[]; unknownOps: string[] } {
  // Sets, not Array.includes: a describe reply may list 10^5+ names (quadratic took minutes)
  const ops = new Set<OpName>();
  const unknown = new Set<string>();
  for (const n of names) {
    if (isOpName(n)) ops.add(n);
    else unknown.add(n);
  }
  // unknown names are shown in reports: printable and bounded (sanitizeText)
  return { ops: [...ops], unknownOps: [...unknown].map((n) => sanitizeText(n, MAX_NAME_CHARS)) };
}

export function checkDtype(v: unknown): AdapterDtype {
  if (v === 'float64' || v === 'float32') return v;
  throw new Error(`dtype must be float64 or float32, got ${show(v)}`);
}

export function checkName(v: unknown, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || v.trim() === '') {
    throw new Error(`name must be a non-empty string, got ${show(typeof v === 'string' ? sanitizeText(v, 80) : v)}`);
  }
  // the name is printed in the report's header and JUnit attributes: a newline or an ANSI
  // escape in it must not forge a report line or recolour the terminal
  return sanitizeText(v, MAX_NAME_CHARS);
}

/**
 * Check a describe result {name?, dtype, ops, protocol?}; throws an Error whose message
 * says what is wrong.
 */
export function parseDescribe(result: unknown, fallbackName: string): AdapterInfo {
  if (!isPlainObject(result)) {
    throw new Error(`the describe result must be an object {"name", "dtype", "ops"}, got ${show(result)}`);
  }
  if (result.protocol !== undefined && result.protocol !== PROTOCOL_VERSION) {
    throw new Error(`protocol ${show(result.protocol)} is not supported (this verifier speaks protocol ${PROTOCOL_VERSION})`);
  }
  const name = checkName(result.name, fallbackName);
  if (result.dtype === undefined) throw new Error('the describe result has no dtype (expected "float64" or "float32")');
  const dtype = checkDtype(result.dtype);
  if (!Array.isArray(result.ops)) {
    throw new Error(`ops must be an array of op names, got ${show(result.ops)}`);
  }
  const names: string[] = [];
  result.ops.forEach((n, i) => {
    if (typeof n !== 'string') throw new Error(`ops[${i}] = ${show(n)} is not an op name (a string)`);
    names.push(n);
  });
  return { name, dtype, ...splitOps(names) };
}

/** Keep the tail of a text stream (stderr) up to `limit` characters. */
export class TailBuffer {
  private text = '';
  private dropped = false;
  constructor(private readonly limit = STDERR_LIMIT) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limit) {
      this.text = this.text.slice(this.text.length - this.limit);
      this.dropped = true;
    }
  }
  toString(): string {
    return this.dropped ? `[… earlier output dropped …]\n${this.text}` : this.text;
  }
  /** the last `chars` characters, for a short summary in an error message */
  tail(chars: number): string {
    const t = this.text.length > chars ? '…' + this.text.slice(this.text.length - chars) : this.text;
    return t.replace(/\s+$/, '');
  }
}
