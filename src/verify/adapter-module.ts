/**
 * Module adapters: a JS module whose default export is { name, dtype, ops: { softmax(args), … } }.
 *
 * The module runs in a child process of its own (a Node runner that imports it and answers
 * the JSON-lines protocol on file descriptor 3), not in the verifier's process: nothing the
 * module does can take the verifier down or outlive the run. A synchronous infinite loop is
 * timed out and the process killed; process.exit() or process.kill(process.pid) in the module
 * is a crash; the child processes it starts are stopped with its process group and, if they
 * leave the group, by the session marker (proctree.ts); a cyclic, deeply nested or gigantic
 * result is rejected by the runner before it is sent. Its console output (stdout and stderr)
 * is captured for failure reports instead of interleaving with the verifier's.
 *
 * (It used to be a worker thread, which shares the process: process.kill(process.pid) killed
 * the verifier, and the module's child processes were never stopped.)
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { OpName } from '../ops/registry.js';
import { show } from '../core/errors.js';
import { CommandSession, type RawOutcome } from './adapter-command.js';
import { AdapterError, type Adapter, type AdapterInfo, type CallOutcome, type ModuleAdapterOptions } from './adapter-types.js';
import {
  DEFAULT_DESCRIBE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  DESCRIBE_OP,
  MAX_RESULT_ELEMENTS,
  checkDtype,
  checkName,
  checkResult,
  sanitizeText,
  splitOps,
} from './protocol.js';

/** What the runner reports about the module's exports (functions cannot cross the process boundary). */
export interface ExportSummary {
  hasDefault: boolean;
  defaultKind: string;
  name?: unknown;
  dtype?: unknown;
  opsKind?: string;
  /** own enumerable keys of `ops` -> kind of value ('function', 'number', …) */
  opKinds?: Record<string, string>;
}

/** the runner marks its own diagnostics on stderr with this prefix (one line each) */
const RUNNER_TAG = '[xent-oracle runner] ';

/**
 * The runner's code (CommonJS, run with `node -e`; argv[1] is the module's file URL).
 * Requests arrive on stdin; responses go to fd 3, so that the module's console.log output
 * on stdout cannot break the protocol. Replies to describe:
 *   {"id":0,"result":{"summary":{…}}} or {"id":0,"result":{"loadError":"…","code":"…"}}
 * and to calls: {"id":n,"result":{"value":…,"ms":…}} or {"id":n,"result":{"bad":"…"}}
 * (a malformed result: that call fails, the session goes on) or {"id":n,"error":"…"}.
 */
const RUNNER_SOURCE = String.raw`
'use strict';
const net = require('node:net');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');
const MAX = ${MAX_RESULT_ELEMENTS};
const TAG = ${JSON.stringify(RUNNER_TAG)};
const out = new net.Socket({ fd: 3, readable: false, writable: true });
let ops = null;
let finishing = false;
const kindOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const primitive = (v) => (v === null || (typeof v !== 'object' && typeof v !== 'function') ? v : '<' + kindOf(v) + '>');
function errText(e) {
  try {
    if (e instanceof Error) return e.name && e.name !== 'Error' ? e.name + ': ' + e.message : String(e.message);
    if (typeof e === 'string') return e;
    const s = JSON.stringify(e);
    return s === undefined ? String(e) : s;
  } catch { try { return String(e); } catch { return '<an unprintable value>'; } }
}
const clip = (s) => (s.length > 100000 ? s.slice(0, 100000) : s);
const send = (o) => out.write(JSON.stringify(o) + '\n');
const isNumArray = (v) => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
function num(x) {
  if (typeof x === 'number') return Number.isFinite(x) ? (Object.is(x, -0) ? '-0' : String(x)) : '"' + String(x) + '"';
  if (typeof x === 'string' && (x === 'NaN' || x === 'Infinity' || x === '-Infinity')) return '"' + x + '"';
  return null;
}
function what(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return 'a ' + v.constructor.name;
  if (typeof v === 'object') { const c = v.constructor && v.constructor.name; return 'an object' + (c && c !== 'Object' ? ' (' + c + ')' : ''); }
  return 'a ' + typeof v;
}
// Encode a result as JSON text, or return {bad}: a number, an array of numbers, or an array
// of rows; at most MAX numbers; never recursing (a cyclic value is just "too deep").
function encode(v) {
  const n0 = num(v);
  if (n0 !== null) return { text: n0 };
  const shape = 'result must be a number, an array of numbers or an array of rows of numbers; ';
  if (v !== null && typeof v === 'object' && !isNumArray(v)) {
    const c = v.constructor && v.constructor.name;
    return { bad: shape + 'got an object' + (c && c !== 'Object' ? ' (' + c + ')' : '') + (c === 'Tensor' ? ': convert tensors with arraySync() or dataSync()' : '') };
  }
  if (!isNumArray(v)) return { bad: shape + 'got ' + what(v) + (typeof v === 'string' ? ' ' + JSON.stringify(v.slice(0, 80)) : '') };
  if (v.length > MAX) return { bad: 'the result has ' + v.length + ' numbers, more than the ' + MAX + ' accepted (no case the verifier sends has that many outputs)' };
  if (v.length === 0) return { text: '[]' };
  if (isNumArray(v[0])) {
    let total = 0;
    for (let i = 0; i < v.length; i++) {
      if (!isNumArray(v[i])) return { bad: shape + 'result[' + i + '] is ' + what(v[i]) + ' but result[0] is a row' };
      total += v[i].length;
      if (total > MAX) return { bad: 'the result has more than ' + MAX + ' numbers (no case the verifier sends has that many outputs)' };
    }
    const rows = [];
    for (let i = 0; i < v.length; i++) {
      const row = v[i];
      const cells = [];
      for (let j = 0; j < row.length; j++) {
        const t = num(row[j]);
        if (t === null) return { bad: shape + 'result[' + i + '][' + j + '] is ' + what(row[j]) + (isNumArray(row[j]) ? ' (results are at most two levels deep)' : '') };
        cells.push(t);
      }
      rows.push('[' + cells.join(',') + ']');
    }
    return { text: '[' + rows.join(',') + ']' };
  }
  const cells = [];
  for (let i = 0; i < v.length; i++) {
    const t = num(v[i]);
    if (t === null) return { bad: shape + 'result[' + i + '] is ' + what(v[i]) + (isNumArray(v[i]) ? ' but result[0] is a number' : '') };
    cells.push(t);
  }
  return { text: '[' + cells.join(',') + ']' };
}
const NON_FINITE = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const revive = (_k, v) => (typeof v === 'string' && Object.prototype.hasOwnProperty.call(NON_FINITE, v) ? NON_FINITE[v] : v);
process.on('uncaughtException', (e) => {
  try { process.stderr.write((e && e.stack ? e.stack : errText(e)) + '\n'); } catch {}
  require('node:fs').writeSync(2, '\n' + TAG + 'the adapter module threw outside a call: ' + clip(errText(e)).replace(/\n/g, ' ') + '\n');
  finishing = true;
  process.exit(70);
});
process.on('unhandledRejection', (e) => { throw e; });
process.on('exit', (code) => {
  if (!finishing) require('node:fs').writeSync(2, '\n' + TAG + 'the adapter module exited with code ' + code + ' (process.exit() in the module?)\n');
});
async function handle(req) {
  if (req.op === 'describe') {
    let ns;
    try { ns = await import(process.argv[1]); }
    catch (e) { send({ id: req.id, result: { loadError: clip(errText(e)), code: e && typeof e.code === 'string' ? e.code : undefined } }); return; }
    const d = ns.default;
    const summary = { hasDefault: 'default' in ns, defaultKind: kindOf(d) };
    if (d !== null && typeof d === 'object') {
      summary.name = primitive(d.name);
      summary.dtype = primitive(d.dtype);
      summary.opsKind = kindOf(d.ops);
      if (d.ops !== null && typeof d.ops === 'object' && !Array.isArray(d.ops)) {
        ops = d.ops;
        summary.opKinds = {};
        for (const k of Object.keys(ops)) summary.opKinds[k] = kindOf(ops[k]);
      }
    }
    send({ id: req.id, result: { summary } });
    return;
  }
  const t0 = performance.now();
  let value;
  try { value = await ops[req.op](req.args); }
  catch (e) {
    try { if (e instanceof Error && e.stack) process.stderr.write('[' + req.op + ' threw] ' + e.stack + '\n'); } catch {}
    send({ id: req.id, error: clip(errText(e)) });
    return;
  }
  const ms = performance.now() - t0;
  let r;
  try { r = encode(value); } catch (e) { r = { bad: 'the result could not be read (' + clip(errText(e)) + '); return numbers, arrays or typed arrays' }; }
  if (r.bad !== undefined) send({ id: req.id, result: { bad: r.bad } });
  else out.write('{"id":' + req.id + ',"result":{"ms":' + ms + ',"value":' + r.text + '}}\n');
}
// one request at a time, in order (the verifier never sends the next before the reply)
let chain = Promise.resolve();
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  const req = JSON.parse(line, revive);
  chain = chain.then(() => handle(req));
});
rl.on('close', () => { chain.then(() => { finishing = true; out.end(); process.exit(0); }); });
`;

/** Node options that must reach the runner too: loaders (e.g. `--import tsx` for TypeScript adapters). */
function loaderArgs(): string[] {
  const keep: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    const opt = a[i];
    if (/^--(import|loader|experimental-loader|require)=/.test(opt) || /^--experimental-(strip|transform)-types$/.test(opt)) keep.push(opt);
    else if (['--import', '--loader', '--experimental-loader', '--require', '-r'].includes(opt) && i + 1 < a.length) keep.push(opt, a[++i]);
  }
  return keep;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** Explain a failed import; TypeScript sources get an explicit hint (Node 20 cannot import them). */
export function explainImportError(path: string, message: string, code?: string): string {
  const ext = extname(path).toLowerCase();
  if (TS_EXTENSIONS.has(ext)) {
    const why = code === 'ERR_UNKNOWN_FILE_EXTENSION'
      ? `Node ${process.version} cannot import TypeScript (${ext}) files natively`
      : `importing a TypeScript (${ext}) file failed: ${message}`;
    return (
      `cannot load adapter module ${path}: ${why}. Compile it to JavaScript first (e.g. \`npx tsc\` or esbuild) `
      + `and pass the .js / .mjs file, or run xent-oracle under a TypeScript loader (e.g. \`node --import tsx …\`; `
      + `Node >= 22.6 can also strip types with --experimental-strip-types).`
      + (code === 'ERR_UNKNOWN_FILE_EXTENSION' ? ` (${message})` : '')
    );
  }
  return `cannot load adapter module ${path}: ${message}`;
}

/** Check the export summary; returns the adapter info or throws an Error saying what is wrong. */
const aKind = (kind: string) => (kind === 'null' ? 'null' : /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`);

export function checkExportSummary(s: ExportSummary, fallbackName: string): AdapterInfo {
  const expected = 'expected `export default { name, dtype, ops: { softmax(args) { … }, … } }`';
  if (!s.hasDefault || s.defaultKind === 'undefined') throw new Error(`the module has no default export (${expected})`);
  if (s.defaultKind !== 'object') throw new Error(`the default export must be an object, got ${aKind(s.defaultKind)} (${expected})`);
  if (!s.opKinds) {
    throw new Error(
      `default export has no \`ops\` object${s.opsKind && s.opsKind !== 'undefined' ? ` (ops is ${aKind(s.opsKind)})` : ''} (${expected})`,
    );
  }
  const name = checkName(s.name, fallbackName);
  const dtype = checkDtype(s.dtype);
  for (const [k, kind] of Object.entries(s.opKinds)) {
    if (kind !== 'function') throw new Error(`ops.${k} must be a function, got ${aKind(kind)}`);
  }
  return { name, dtype, ...splitOps(Object.keys(s.opKinds)) };
}

export async function openModuleAdapter(path: string, opts: ModuleAdapterOptions = {}): Promise<Adapter> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const describeTimeoutMs = opts.describeTimeoutMs ?? DEFAULT_DESCRIBE_TIMEOUT_MS;
  if (typeof path !== 'string' || path === '') throw new AdapterError('the adapter module path is empty');
  const abs = path.startsWith('file:') ? fileURLToPath(path) : resolvePath(path);
  if (!existsSync(abs)) throw new AdapterError(`adapter module not found: ${abs}`);
  if (statSync(abs).isDirectory()) throw new AdapterError(`adapter module ${abs} is a directory; pass the module file`);

  let session: CommandSession;
  try {
    session = new CommandSession(`adapter module ${abs}`, opts, {
      file: process.execPath,
      args: [...loaderArgs(), '-e', RUNNER_SOURCE, pathToFileURL(abs).href],
      shell: false,
      protocolFd: 3,
    });
  } catch (e) {
    throw new AdapterError(`cannot start a process for adapter module ${abs}: ${(e as Error).message}`);
  }
  const log = session.stderrBuf;
  /** the runner's own diagnosis of a crash (a throw outside a call, process.exit), if any */
  const runnerNote = (): string | null => {
    const text = log.toString();
    const at = text.lastIndexOf(RUNNER_TAG);
    if (at < 0) return null;
    const end = text.indexOf('\n', at);
    // the module writes to the same stderr and could print the tag itself: keep it printable
    return sanitizeText(text.slice(at + RUNNER_TAG.length, end < 0 ? undefined : end), 500);
  };
  const explainCrash = (message: string): string => {
    const note = runnerNote();
    return note ? `${note}: ${message}` : message;
  };

  const fail = async (message: string): Promise<never> => {
    await session.close();
    const tail = log.tail(2000);
    throw new AdapterError(`${message}${tail ? `\n--- adapter output (tail) ---\n${tail}` : ''}`, log.toString());
  };

  // load and describe
  const reply = await session.request(DESCRIBE_OP, {}, describeTimeoutMs);
  if (reply.kind === 'timeout') return fail(`adapter module ${abs} did not finish loading within ${describeTimeoutMs} ms`);
  if (reply.kind !== 'result') {
    const why = reply.kind === 'crash' ? explainCrash(reply.message) : reply.message;
    return fail(`adapter module ${abs} failed while loading: ${why}`);
  }
  const r = reply.value as { summary?: ExportSummary; loadError?: string; code?: string };
  if (r.loadError !== undefined) return fail(explainImportError(abs, sanitizeText(String(r.loadError)), r.code));
  let info: AdapterInfo;
  try {
    info = checkExportSummary(r.summary as ExportSummary, basename(abs));
  } catch (e) {
    return fail(`adapter module ${abs}: ${(e as Error).message}`);
  }

  const toOutcome = (raw: RawOutcome): CallOutcome => {
    if (raw.kind === 'crash') return { ...raw, message: explainCrash(raw.message) };
    if (raw.kind !== 'result') return raw;
    const body = raw.value as { bad?: unknown; value?: unknown; ms?: unknown };
    if (body === null || typeof body !== 'object') return { kind: 'protocol', message: 'the module runner sent a malformed reply' };
    if (body.bad !== undefined) {
      return { kind: 'protocol', message: sanitizeText(typeof body.bad === 'string' ? body.bad : JSON.stringify(body.bad)) };
    }
    const checked = checkResult(body.value);
    if (!checked.ok) return { kind: 'protocol', message: checked.message };
    return { kind: 'result', value: checked.value, ms: typeof body.ms === 'number' ? body.ms : raw.ms };
  };

  return {
    info,
    get ended() {
      return session.ended;
    },
    async call(op: OpName, args: Record<string, unknown>): Promise<CallOutcome> {
      if (!info.ops.includes(op) && session.ended === null) {
        return { kind: 'error', message: `op ${show(op)} is not in the module's ops; it was not called` };
      }
      return toOutcome(await session.request(op, args, timeoutMs));
    },
    close: () => session.close(),
    stderr: () => log.toString(),
  };
}
