/**
 * Module adapters: a JS module whose default export is { name, dtype, ops: { softmax(args), … } }.
 *
 * The module runs in a worker thread, not in the verifier's thread, so that a synchronous
 * infinite loop can be timed out (the worker is terminated), process.exit() in the module
 * is a crash instead of the end of the verifier, and its console output is captured for
 * failure reports instead of interleaving with the verifier's.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OpName } from '../ops/registry.js';
import { show } from '../core/errors.js';
import { reviveNonFinite } from '../core/json.js';
import {
  AdapterError,
  type Adapter,
  type AdapterInfo,
  type CallOutcome,
  type ModuleAdapterOptions,
} from './adapter-types.js';
import {
  DEFAULT_DESCRIBE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  TailBuffer,
  checkDtype,
  checkName,
  checkResult,
  splitOps,
} from './protocol.js';

/** What the worker reports about the module's exports (functions cannot cross the thread boundary). */
export interface ExportSummary {
  hasDefault: boolean;
  defaultKind: string;
  name?: unknown;
  dtype?: unknown;
  opsKind?: string;
  /** own enumerable keys of `ops` -> kind of value ('function', 'number', …) */
  opKinds?: Record<string, string>;
}

type FromWorker =
  | { type: 'loaded'; summary: ExportSummary }
  | { type: 'loadError'; message: string; code?: string }
  | { type: 'result'; id: number; value: unknown; ms: number }
  | { type: 'error'; id: number; message: string }
  | { type: 'bad'; id: number; message: string };

/** The worker's code (CommonJS, evaluated): loads the module, then runs calls. */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
let ops = null;
const kindOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const primitive = (v) => (v === null || (typeof v !== 'object' && typeof v !== 'function') ? v : '<' + kindOf(v) + '>');
function errText(e) {
  if (e instanceof Error) return e.name && e.name !== 'Error' ? e.name + ': ' + e.message : e.message;
  if (typeof e === 'string') return e;
  try { const s = JSON.stringify(e); return s === undefined ? String(e) : s; } catch { return String(e); }
}
function post(m) {
  try { parentPort.postMessage(m); }
  catch (e) {
    parentPort.postMessage({ type: 'bad', id: m.id, message: 'the result could not be transferred (' + errText(e) + '); return numbers, arrays or typed arrays' });
  }
}
parentPort.on('message', async (m) => {
  if (m.type === 'load') {
    let ns;
    try { ns = await import(m.url); }
    catch (e) { parentPort.postMessage({ type: 'loadError', message: errText(e), code: e && typeof e.code === 'string' ? e.code : undefined }); return; }
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
    parentPort.postMessage({ type: 'loaded', summary });
    return;
  }
  if (m.type === 'call') {
    const t0 = performance.now();
    let value;
    try { value = await ops[m.op](m.args); }
    catch (e) {
      if (e instanceof Error && e.stack) process.stderr.write('[' + m.op + ' threw] ' + e.stack + '\n');
      post({ type: 'error', id: m.id, message: errText(e) });
      return;
    }
    const ms = performance.now() - t0;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
      const c = value.constructor && value.constructor.name;
      post({ type: 'bad', id: m.id, message: 'result must be a number, an array of numbers or an array of rows of numbers; got an object' + (c && c !== 'Object' ? ' (' + c + ')' : '') + (c === 'Tensor' ? ': convert tensors with arraySync() or dataSync()' : '') });
      return;
    }
    post({ type: 'result', id: m.id, value, ms });
  }
});
`;

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** Explain a failed import; TypeScript sources get an explicit hint (Node 20 cannot import them). */
export function explainImportError(path: string, message: string, code?: string): string {
  const ext = extname(path).toLowerCase();
  if (TS_EXTENSIONS.has(ext)) {
    const why =
      code === 'ERR_UNKNOWN_FILE_EXTENSION'
        ? `Node ${process.version} cannot import TypeScript (${ext}) files natively`
        : `importing a TypeScript (${ext}) file failed: ${message}`;
    return (
      `cannot load adapter module ${path}: ${why}. Compile it to JavaScript first (e.g. \`npx tsc\` or esbuild) ` +
      `and pass the .js / .mjs file, or run xent-oracle under a TypeScript loader (e.g. \`node --import tsx …\`; ` +
      `Node >= 22.6 can also strip types with --experimental-strip-types).` +
      (code === 'ERR_UNKNOWN_FILE_EXTENSION' ? ` (${message})` : '')
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
    throw new Error(`default export has no \`ops\` object${s.opsKind && s.opsKind !== 'undefined' ? ` (ops is ${aKind(s.opsKind)})` : ''} (${expected})`);
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

  const log = new TailBuffer();
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, stdout: true, stderr: true });
  } catch (e) {
    throw new AdapterError(`cannot start a worker thread for adapter module ${abs}: ${(e as Error).message}`);
  }
  worker.stdout.setEncoding('utf8');
  worker.stderr.setEncoding('utf8');
  worker.stdout.on('data', (c: string) => log.push(c));
  worker.stderr.on('data', (c: string) => log.push(c));

  let endReason: string | null = null;
  let exited = false;
  let terminating: Promise<unknown> | null = null;
  // the one message we are waiting for (load reply or a call's reply)
  let waiting: { onMessage(m: FromWorker): void; onGone(message: string): void } | null = null;

  const stop = (): Promise<unknown> => {
    terminating ??= exited ? Promise.resolve() : worker.terminate().catch(() => undefined);
    return terminating;
  };
  worker.on('message', (m: FromWorker) => waiting?.onMessage(m));
  worker.on('error', (err) => {
    const message = `the adapter module threw outside a call: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    log.push(`[xent-oracle] ${message}\n${err instanceof Error && err.stack ? err.stack + '\n' : ''}`);
    endReason ??= message;
    waiting?.onGone(message);
  });
  worker.on('exit', (code) => {
    exited = true;
    const message = `the adapter module's worker exited with code ${code} (process.exit() in the module?)`;
    endReason ??= message;
    waiting?.onGone(message);
  });

  const fail = async (message: string): Promise<never> => {
    endReason ??= message;
    await stop();
    const tail = log.tail(2000);
    throw new AdapterError(`${message}${tail ? `\n--- adapter output (tail) ---\n${tail}` : ''}`, log.toString());
  };

  // load and describe
  type Loaded = { ok: true; summary: ExportSummary } | { ok: false; message: string; code?: string } | { ok: false; gone: string } | { ok: false; timeout: true };
  const loaded = await new Promise<Loaded>((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, timeout: true }), describeTimeoutMs);
    const done = (l: Loaded) => {
      clearTimeout(timer);
      waiting = null;
      resolve(l);
    };
    waiting = {
      onMessage: (m) => {
        if (m.type === 'loaded') done({ ok: true, summary: m.summary });
        else if (m.type === 'loadError') done({ ok: false, message: m.message, code: m.code });
      },
      onGone: (message) => done({ ok: false, gone: message }),
    };
    worker.postMessage({ type: 'load', url: pathToFileURL(abs).href });
  });
  let info: AdapterInfo;
  if (!loaded.ok) {
    if ('timeout' in loaded) return fail(`adapter module ${abs} did not finish loading within ${describeTimeoutMs} ms`);
    if ('gone' in loaded) return fail(`adapter module ${abs} failed while loading: ${loaded.gone}`);
    return fail(explainImportError(abs, loaded.message, loaded.code));
  }
  try {
    info = checkExportSummary(loaded.summary, basename(abs));
  } catch (e) {
    return fail(`adapter module ${abs}: ${(e as Error).message}`);
  }

  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  const run = (op: OpName, args: Record<string, unknown>): Promise<CallOutcome> => {
    if (endReason !== null) {
      return Promise.resolve({ kind: 'crash', message: `the adapter is no longer running: ${endReason}`, stderr: log.toString() });
    }
    const id = nextId++;
    return new Promise<CallOutcome>((resolve) => {
      const done = (o: CallOutcome) => {
        clearTimeout(timer);
        waiting = null;
        resolve(o);
      };
      const timer = setTimeout(() => {
        endReason ??= `call ${id} (${op}) did not return within ${timeoutMs} ms and the adapter was stopped`;
        void stop();
        done({ kind: 'timeout', ms: timeoutMs });
      }, timeoutMs);
      waiting = {
        onMessage: (m) => {
          if (m.type === 'loaded' || m.type === 'loadError' || m.id !== id) return;
          if (m.type === 'error') return done({ kind: 'error', message: m.message });
          if (m.type === 'bad') return done({ kind: 'protocol', message: m.message });
          const checked = checkResult(m.value);
          done(checked.ok ? { kind: 'result', value: checked.value, ms: m.ms } : { kind: 'protocol', message: checked.message });
        },
        onGone: (message) => done({ kind: 'crash', message: `${message} while handling call ${id} (${op})`, stderr: log.toString() }),
      };
      let cloned: unknown;
      try {
        // the implementation gets its own copy, with real non-finite numbers
        cloned = reviveNonFinite(args);
        worker.postMessage({ type: 'call', id, op, args: cloned });
      } catch (e) {
        done({ kind: 'error', message: `could not pass the arguments to the module: ${(e as Error).message}` });
      }
    });
  };

  return {
    info,
    get ended() {
      return endReason;
    },
    call(op: OpName, args: Record<string, unknown>): Promise<CallOutcome> {
      if (!info.ops.includes(op) && endReason === null) {
        return Promise.resolve({ kind: 'error', message: `op ${show(op)} is not in the module's ops; it was not called` });
      }
      const p = queue.then(() => run(op, args));
      queue = p.catch(() => undefined);
      return p;
    },
    async close(): Promise<void> {
      endReason ??= 'the adapter was closed';
      if (waiting) waiting.onGone('the adapter was closed');
      await stop();
    },
    stderr: () => log.toString(),
  };
}
