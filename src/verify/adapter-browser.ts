/**
 * Browser adapters: a JS module of the module-adapter shape ({ name, dtype, ops }) loaded in
 * a page of headless Chromium with WebGPU enabled, so that WebGPU kernels (WGSL, tfjs's
 * webgpu backend, onnxruntime-web's WebGPU provider) are verified where they run.
 *
 * Design (docs/browser.md says the same for users):
 * - The system browser (Debian's `chromium-headless-shell` or `chromium`, or Chrome) is driven
 *   through playwright-core: one dependency-free package that never downloads a browser
 *   (puppeteer-core pulls @puppeteer/browsers and its download stack). Playwright starts
 *   Chromium in its own process group and kills that group when we close it and when Node
 *   exits, so no renderer or GPU process outlives the run.
 * - The module and its relative imports are served by an HTTP server on 127.0.0.1 (ephemeral
 *   port), under a random per-run path prefix so no other local process can guess the URLs.
 *   Real URLs are needed because WebGPU exists only in secure contexts (http://127.0.0.1 is
 *   one, about:blank and setContent pages are not) and because ES module imports resolve
 *   relative to the importing module's URL. Only files under the module's package root (the
 *   nearest directory with a package.json, else the module's directory) are served.
 * - Failures map onto the adapter contract: a call that does not settle within the timeout is
 *   a timeout (the browser is closed: a hung shader or loop cannot be interrupted otherwise);
 *   a crashed page or browser, or a lost GPU device, is a crash; WebGPU validation errors
 *   (uncapturederror events, which otherwise only print a console warning while the kernel
 *   returns zeros), uncaught page errors and console.error messages during a call make that
 *   call an error reply.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, delimiter, dirname, extname, join, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpName } from '../ops/registry.js';
import { show } from '../core/errors.js';
import { reviveNonFinite } from '../core/json.js';
import { checkExportSummary, type ExportSummary } from './adapter-module.js';
import {
  AdapterError,
  type Adapter,
  type AdapterInfo,
  type CallOutcome,
  type CommonAdapterOptions,
  type DeviceInfo,
} from './adapter-types.js';
import { DEFAULT_DESCRIBE_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, TailBuffer, checkResult } from './protocol.js';

export interface BrowserAdapterOptions extends CommonAdapterOptions {
  /** the browser executable; default: $XENT_ORACLE_BROWSER, then PATH (see BROWSER_NAMES) */
  browserPath?: string;
  /** Chromium command-line flags replacing WEBGPU_FLAGS (default: $XENT_ORACLE_BROWSER_ARGS split on spaces, else WEBGPU_FLAGS) */
  browserArgs?: string[];
  /** how long closing the browser may take before we stop waiting (default 10 000 ms) */
  closeTimeoutMs?: number;
}

/** Looked up on PATH in this order: the headless shell first (it starts in a third of the time). */
export const BROWSER_NAMES = ['chromium-headless-shell', 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/**
 * WebGPU through SwiftShader: works on any machine, GPU or not (CI, containers), and gives the
 * same device everywhere. `--disable-gpu-sandbox`: the GPU process's sandbox cannot start in
 * most containers. Set XENT_ORACLE_BROWSER_ARGS (e.g. "--enable-unsafe-webgpu
 * --enable-features=Vulkan") to use a hardware GPU instead.
 */
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--use-vulkan=swiftshader',
  '--disable-gpu-sandbox',
];

export const INSTALL_HINT = 'install Chromium (Debian/Ubuntu: `apt-get install chromium` or `apt-get install chromium-headless-shell`), '
  + 'or name a Chromium / Chrome executable with --browser-path or XENT_ORACLE_BROWSER';

function isExecutableFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The browser to use, or an AdapterError saying how to get one. */
export function findBrowser(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = explicit ?? (env.XENT_ORACLE_BROWSER || undefined);
  if (given !== undefined) {
    const origin = explicit !== undefined ? '--browser-path' : 'XENT_ORACLE_BROWSER';
    if (given.includes(sep)) {
      if (!isExecutableFile(resolvePath(given))) throw new AdapterError(`${origin} ${show(given)}: no such file; ${INSTALL_HINT}`);
      return resolvePath(given);
    }
    const onPath = lookPath(given, env);
    if (!onPath) throw new AdapterError(`${origin} ${show(given)}: not found on PATH; ${INSTALL_HINT}`);
    return onPath;
  }
  for (const name of BROWSER_NAMES) {
    const p = lookPath(name, env);
    if (p) return p;
  }
  throw new AdapterError(`--browser: no Chromium found (looked on PATH for ${BROWSER_NAMES.join(', ')}); ${INSTALL_HINT}`);
}

function lookPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

/** The directory served to the page: the module's package root, else its own directory. */
export function servedRoot(modulePath: string): string {
  let d = dirname(modulePath);
  for (;;) {
    if (existsSync(join(d, 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) return dirname(modulePath);
    d = up;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.cjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/**
 * The page's harness, a classic script that runs before any module: it wraps
 * GPUAdapter.requestDevice so that every device the implementation creates reports
 * validation errors and loss, and defines window.__xent (load / gpu / call).
 */
const HARNESS = String.raw`
'use strict';
(() => {
  const devices = new Set();
  let gpuErrors = [];
  let lost = null;
  const errText = (e) => {
    if (e instanceof Error) return e.name && e.name !== 'Error' ? e.name + ': ' + e.message : e.message;
    if (typeof e === 'string') return e;
    try { const s = JSON.stringify(e); return s === undefined ? String(e) : s; } catch { return String(e); }
  };
  if (typeof GPUAdapter !== 'undefined') {
    const requestDevice = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (...a) {
      const d = await requestDevice.apply(this, a);
      devices.add(d);
      d.addEventListener('uncapturederror', (ev) => {
        const e = ev.error;
        gpuErrors.push((e && e.constructor ? e.constructor.name : 'GPUError') + ': ' + (e && e.message ? e.message : String(e)));
      });
      d.lost.then((info) => {
        devices.delete(d);
        // 'destroyed' is the implementation's own device.destroy(): not a failure
        if (info.reason === 'destroyed') return;
        lost = 'the GPU device was lost (reason ' + info.reason + '): ' + info.message;
        if (typeof window.__xentLost === 'function') window.__xentLost(lost);
      });
      return d;
    };
  }
  const kindOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const primitive = (v) => (v === null || (typeof v !== 'object' && typeof v !== 'function') ? v : '<' + kindOf(v) + '>');
  let ops = null;
  // results cross to Node as plain arrays (typed arrays, also as rows, are copied)
  const plain = (v) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v);
    if (Array.isArray(v)) return v.map((r) => (ArrayBuffer.isView(r) && !(r instanceof DataView) ? Array.from(r) : r));
    return v;
  };
  // let queued GPU work finish and error events arrive before judging a call
  const settle = async () => {
    for (const d of devices) { try { await d.queue.onSubmittedWorkDone(); } catch {} }
    await new Promise((r) => setTimeout(r, 0));
  };
  window.__xent = {
    async load(url) {
      let ns;
      try { ns = await import(url); }
      catch (e) { return { ok: false, message: errText(e) }; }
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
      return { ok: true, summary };
    },
    async gpu() {
      if (!('gpu' in navigator) || !navigator.gpu) return { ok: false, why: 'navigator.gpu is undefined (WebGPU is not enabled in this browser)' };
      let a = null;
      try { a = await navigator.gpu.requestAdapter(); } catch (e) { return { ok: false, why: 'navigator.gpu.requestAdapter() threw: ' + errText(e) }; }
      if (!a) return { ok: false, why: 'navigator.gpu.requestAdapter() returned null (no WebGPU adapter: no usable GPU and no SwiftShader)' };
      const i = a.info || {};
      return { ok: true, vendor: i.vendor || '', architecture: i.architecture || '', device: i.device || '', description: i.description || '',
        isFallbackAdapter: !!(i.isFallbackAdapter || a.isFallbackAdapter), features: [...a.features].sort() };
    },
    async call(op, args) {
      gpuErrors = [];
      const t0 = performance.now();
      let value;
      try { value = await ops[op](args); }
      catch (e) {
        if (e instanceof Error && e.stack) console.warn('[' + op + ' threw] ' + e.stack);
        await settle();
        return { type: 'error', message: errText(e) + (gpuErrors.length ? ' (WebGPU errors: ' + gpuErrors.join('; ') + ')' : '') };
      }
      const ms = performance.now() - t0;
      await settle();
      if (lost) return { type: 'lost', message: lost };
      if (gpuErrors.length) return { type: 'error', message: 'WebGPU error during the call (the kernel\'s output is not valid): ' + gpuErrors.join('; ') };
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
        const c = value.constructor && value.constructor.name;
        return { type: 'bad', message: 'result must be a number, an array of numbers or an array of rows of numbers; got an object' + (c && c !== 'Object' ? ' (' + c + ')' : '') +
          (c === 'Tensor' ? ': convert tensors with await t.data() or t.array()' : c === 'GPUBuffer' ? ': map the buffer and return its contents' : '') };
      }
      return { type: 'result', value: plain(value), ms };
    },
  };
})();
`;

type LoadReply = { ok: true; summary: ExportSummary } | { ok: false; message: string };
type GpuReply = ({ ok: true } & Omit<DeviceInfo, 'api' | 'browser' | 'software'>) | { ok: false; why: string };
type CallReply =
  | { type: 'result'; value: unknown; ms: number }
  | { type: 'error'; message: string }
  | { type: 'bad'; message: string }
  | { type: 'lost'; message: string };

/** The subset of playwright-core's API used here (typed locally: the import is dynamic). */
interface PwPage {
  on(event: 'console', f: (m: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', f: (e: Error) => void): void;
  on(event: 'crash', f: () => void): void;
  exposeFunction(name: string, f: (...a: never[]) => unknown): Promise<void>;
  goto(url: string, o?: { timeout?: number }): Promise<unknown>;
  evaluate<R, A>(f: (a: A) => R | Promise<R>, a: A): Promise<R>;
}
interface PwBrowser {
  version(): string;
  on(event: 'disconnected', f: () => void): void;
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
}
interface PwChromium {
  launch(o: Record<string, unknown>): Promise<PwBrowser>;
}

async function loadPlaywright(): Promise<PwChromium> {
  try {
    const m = (await import('playwright-core')) as unknown as { chromium: PwChromium };
    return m.chromium;
  } catch (e) {
    throw new AdapterError(
      `--browser needs the npm package playwright-core (a dependency of xent-oracle; reinstall it): ${(e as Error).message}`,
    );
  }
}

/** Serve the harness page and the files under `root` at http://127.0.0.1:<port>/<token>/… */
async function startServer(root: string, token: string, log: TailBuffer): Promise<{ server: Server; origin: string }> {
  const prefix = `/${token}/`;
  const page =
    `<!doctype html><html><head><meta charset="utf-8"><title>xent-oracle</title><script src="${prefix}harness.js"></script></head><body></body></html>`;
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    // cross-origin isolation lets implementations use SharedArrayBuffer (threaded WASM)
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
    if (url.pathname === '/favicon.ico') return send(res, 204, 'text/plain', '');
    if (!url.pathname.startsWith(prefix)) return send(res, 404, 'text/plain', 'not found');
    const rest = url.pathname.slice(prefix.length);
    if (rest === 'index.html') return send(res, 200, CONTENT_TYPES['.html'], page);
    if (rest === 'harness.js') return send(res, 200, CONTENT_TYPES['.js'], HARNESS);
    if (!rest.startsWith('fs/')) return send(res, 404, 'text/plain', 'not found');
    let file: string;
    try {
      file = resolvePath('/', decodeURIComponent(rest.slice(2)));
    } catch {
      return send(res, 400, 'text/plain', 'bad path');
    }
    if (file.includes('\0') || (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep))) {
      log.push(`[xent-oracle] the page asked for ${file}, outside the served directory ${root}: refused (403)\n`);
      return send(res, 403, 'text/plain', `outside the served directory ${root}`);
    }
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch (e) {
      log.push(`[xent-oracle] the page asked for ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)} (404)\n`);
      return send(res, 404, 'text/plain', 'not found');
    }
    send(res, 200, CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // loopback only: nothing outside this machine can reach the files
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

/**
 * The process group of the browser we launched (Linux: read from /proc), so that close() can
 * make sure every process of it is gone: Playwright's close() returns when the main browser
 * process has exited, while its renderer / GPU / zygote children may still be shutting down.
 */
function browserProcessGroup(): number | undefined {
  if (!existsSync('/proc')) return undefined;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      // "pid (comm) state ppid pgrp …": comm may contain spaces, so split after the last ')'
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid) continue;
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('--remote-debugging-pipe')) return Number(pgrp);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state: zombies are already dead (their parent reaps them)
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** SIGKILL what is left of the browser's process group and wait (up to 2 s) until it is gone. */
async function reapGroup(pgid: number): Promise<void> {
  if (groupMembers(pgid).length === 0) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 40 && groupMembers(pgid).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error?: unknown }> =>
  new Promise((resolve) => {
    const t = setTimeout(() => resolve({ ok: false }), ms);
    p.then(
      (value) => {
        clearTimeout(t);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(t);
        resolve({ ok: false, error });
      },
    );
  });

export async function openBrowserAdapter(path: string, opts: BrowserAdapterOptions = {}): Promise<Adapter> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const describeTimeoutMs = opts.describeTimeoutMs ?? DEFAULT_DESCRIBE_TIMEOUT_MS;
  const closeTimeoutMs = opts.closeTimeoutMs ?? 10_000;
  if (typeof path !== 'string' || path === '') throw new AdapterError('the adapter module path is empty');
  const abs = path.startsWith('file:') ? fileURLToPath(path) : resolvePath(path);
  if (!existsSync(abs)) throw new AdapterError(`adapter module not found: ${abs}`);
  if (statSync(abs).isDirectory()) throw new AdapterError(`adapter module ${abs} is a directory; pass the module file`);
  const executablePath = findBrowser(opts.browserPath);
  const envArgs = process.env.XENT_ORACLE_BROWSER_ARGS?.trim();
  const args = opts.browserArgs ?? (envArgs ? envArgs.split(/\s+/) : WEBGPU_FLAGS);
  const chromium = await loadPlaywright();

  const log = new TailBuffer();
  const root = servedRoot(abs);
  const token = randomBytes(16).toString('hex');
  let endReason: string | null = null;
  // the call in flight: page / browser events end it
  let waiting: { onGone(message: string): void } | null = null;
  // console errors and uncaught page errors since the previous call finished
  let pageErrors: string[] = [];

  let server: Server | undefined;
  let browser: PwBrowser | undefined;
  let pgid: number | undefined;
  let closing: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    closing ??= (async () => {
      if (browser) await withTimeout(browser.close(), closeTimeoutMs);
      if (pgid !== undefined) await reapGroup(pgid);
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((r) => server!.close(() => r()));
      }
    })();
    return closing;
  };
  const gone = (message: string) => {
    endReason ??= message;
    waiting?.onGone(message);
  };
  const fail = async (message: string): Promise<never> => {
    endReason ??= message;
    await stop();
    const tail = log.tail(2000);
    throw new AdapterError(`${message}${tail ? `\n--- browser console (tail) ---\n${tail}` : ''}`, log.toString());
  };

  let device: DeviceInfo;
  let info: AdapterInfo;
  let page: PwPage;
  try {
    const s = await startServer(root, token, log);
    server = s.server;
    try {
      browser = await chromium.launch({
        executablePath,
        headless: true,
        args,
        timeout: describeTimeoutMs,
        // Ctrl-C is handled by the CLI, which closes this adapter; Playwright still kills the
        // browser's process group when Node exits
        handleSIGINT: false,
      });
    } catch (e) {
      return await fail(`cannot start the browser ${executablePath}: ${(e as Error).message.split('\n')[0]}; ${INSTALL_HINT}`);
    }
    pgid = browserProcessGroup();
    const version = browser.version();
    browser.on('disconnected', () => gone('the browser exited or was disconnected'));
    page = await browser.newPage();
    page.on('console', (m) => {
      const type = m.type();
      log.push(`[console.${type}] ${m.text()}\n`);
      if (type === 'error') pageErrors.push(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => {
      log.push(`[page error] ${e.stack ?? e.message}\n`);
      pageErrors.push(`uncaught ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}`);
    });
    page.on('crash', () => gone('the page crashed (renderer process died: out of memory, or a GPU / driver fault)'));
    await page.exposeFunction('__xentLost', (message: string) => {
      log.push(`[xent-oracle] ${message}\n`);
      gone(message);
    });
    const nav = await withTimeout(page.goto(`${s.origin}/${token}/index.html`, { timeout: describeTimeoutMs }), describeTimeoutMs);
    if (!nav.ok) {
      return await fail(`the browser could not open the harness page: ${nav.error instanceof Error ? nav.error.message : 'timeout'}`);
    }

    const gpu = await withTimeout(
      page.evaluate(() => (globalThis as unknown as { __xent: { gpu(): Promise<GpuReply> } }).__xent.gpu(), undefined),
      describeTimeoutMs,
    );
    if (!gpu.ok) return await fail(`the browser did not answer the WebGPU probe within ${describeTimeoutMs} ms`);
    if (!gpu.value.ok) {
      return await fail(
        `no WebGPU in ${executablePath} (${version}): ${gpu.value.why}. Flags used: ${args.join(' ')}. `
          + `Debian's chromium / chromium-headless-shell expose a SwiftShader adapter with the default flags; ${INSTALL_HINT}`,
      );
    }
    const g = gpu.value;
    const software = g.isFallbackAdapter || /swiftshader/i.test(`${g.architecture} ${g.description} ${g.device}`);
    device = {
      api: 'webgpu',
      browser: `${basename(executablePath)} ${version}`,
      vendor: g.vendor,
      architecture: g.architecture,
      device: g.device,
      description: g.description,
      isFallbackAdapter: g.isFallbackAdapter,
      software,
      features: g.features,
    };

    const loaded = await withTimeout(
      page.evaluate(
        (url: string) => (globalThis as unknown as { __xent: { load(u: string): Promise<LoadReply> } }).__xent.load(url),
        `/${token}/fs${encodeURI(abs)}`,
      ),
      describeTimeoutMs,
    );
    if (!loaded.ok) {
      if (loaded.error === undefined) {
        return await fail(`adapter module ${abs} did not finish loading in the browser within ${describeTimeoutMs} ms`);
      }
      return await fail(`adapter module ${abs} failed while loading in the browser: ${endReason ?? (loaded.error as Error).message}`);
    }
    if (!loaded.value.ok) return await fail(`cannot load adapter module ${abs} in the browser: ${loaded.value.message}`);
    try {
      info = checkExportSummary(loaded.value.summary, basename(abs));
    } catch (e) {
      return await fail(`adapter module ${abs}: ${(e as Error).message}`);
    }
    if (pageErrors.length) {
      log.push(`[xent-oracle] errors while loading the module (not counted against a call): ${pageErrors.join('; ')}\n`);
    }
    pageErrors = [];
  } catch (e) {
    if (e instanceof AdapterError) throw e;
    return fail(`the browser adapter failed to start: ${(e as Error).message}`);
  }

  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  const run = (op: OpName, args: Record<string, unknown>): Promise<CallOutcome> => {
    if (endReason !== null) {
      return Promise.resolve({ kind: 'crash', message: `the adapter is no longer running: ${endReason}`, stderr: log.toString() });
    }
    const id = nextId++;
    const before = pageErrors;
    pageErrors = [];
    return new Promise<CallOutcome>((resolve) => {
      let settled = false;
      const settle = (o: CallOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        waiting = null;
        resolve(o);
      };
      const timer = setTimeout(() => {
        endReason ??= `call ${id} (${op}) did not return within ${timeoutMs} ms and the browser was closed`;
        void stop();
        settle({ kind: 'timeout', ms: timeoutMs });
      }, timeoutMs);
      waiting = {
        onGone: (message) => settle({ kind: 'crash', message: `${message} while handling call ${id} (${op})`, stderr: log.toString() }),
      };
      page
        .evaluate(
          ({ op, args }: { op: string; args: unknown }) =>
            (globalThis as unknown as { __xent: { call(o: string, a: unknown): Promise<CallReply> } }).__xent.call(op, args),
          // the implementation gets real non-finite numbers (Playwright carries NaN / ±Infinity / −0)
          { op, args: reviveNonFinite(args) },
        )
        .then(
          (r) => {
            const errs = [...before.map((e) => `${e} (raised after the previous call returned)`), ...pageErrors];
            pageErrors = [];
            if (r.type === 'lost') {
              endReason ??= r.message;
              return settle({ kind: 'crash', message: `${r.message} while handling call ${id} (${op})`, stderr: log.toString() });
            }
            if (r.type === 'error') {
              return settle({ kind: 'error', message: r.message + (errs.length ? `; also: ${errs.join('; ')}` : '') });
            }
            if (r.type === 'bad') return settle({ kind: 'protocol', message: r.message });
            if (errs.length) return settle({ kind: 'error', message: `the page reported errors during the call: ${errs.join('; ')}` });
            const checked = checkResult(r.value);
            settle(checked.ok ? { kind: 'result', value: checked.value, ms: r.ms } : { kind: 'protocol', message: checked.message });
          },
          (e: unknown) => {
            const message = endReason ?? `the page failed while handling call ${id} (${op}): ${(e as Error).message.split('\n')[0]}`;
            endReason ??= message;
            settle({ kind: 'crash', message, stderr: log.toString() });
          },
        );
    });
  };

  return {
    info,
    device,
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
      waiting?.onGone('the adapter was closed');
      await stop();
    },
    stderr: () => log.toString(),
  };
}
