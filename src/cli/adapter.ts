/**
 * Opening the implementation named on the command line (a module, or --cmd "…") for the
 * verify and audit commands: argument checks, AdapterError as a usage error (exit 2), Ctrl-C
 * stopping the implementation's process group, and closing it whatever happens.
 */
import { AdapterError, openBrowserAdapter, openCommandAdapter, openModuleAdapter, type Adapter } from '../verify/adapter.js';
import { UsageError } from './io.js';

/** --browser [--browser-path]: run the module in headless Chromium (src/verify/adapter-browser.ts) */
export interface BrowserChoice {
  browser?: boolean;
  browserPath?: string;
}

export function checkImplementationArgs(command: string, module: string | undefined, cmd: string | undefined, b: BrowserChoice = {}): void {
  if (!module && !cmd) throw new UsageError(`name an implementation: xent-oracle ${command} <module.mjs> or --cmd "<command>"`);
  if (module && cmd) throw new UsageError(`give either a module (${module}) or --cmd, not both`);
  if (b.browser && !module) {
    throw new UsageError(`--browser runs a JS module in the browser: xent-oracle ${command} --browser <module.mjs> (it cannot run --cmd)`);
  }
  if (b.browserPath !== undefined && !b.browser) throw new UsageError(`--browser-path ${b.browserPath}: only meaningful with --browser`);
}

let interrupted: 'SIGINT' | 'SIGTERM' | null = null;

/**
 * The signal that interrupted the run, if any. Closing the adapter settles its pending
 * request, so the run may still finish while the process exits: an interrupted run writes
 * no report (it would describe a session the verifier cut short).
 */
export function interruptedBy(): 'SIGINT' | 'SIGTERM' | null {
  return interrupted;
}

export async function withAdapter<T>(
  module: string | undefined,
  cmd: string | undefined,
  timeouts: number | { timeoutMs?: number; describeTimeoutMs?: number },
  body: (adapter: Adapter) => Promise<T>,
  b: BrowserChoice = {},
): Promise<T> {
  const t = typeof timeouts === 'number' ? { timeoutMs: timeouts } : timeouts;
  // Ctrl-C or a SIGTERM (a CI job cancelled): stop the implementation (its process group
  // and every process carrying its session marker, or the browser) before exiting. Installed before the
  // adapter is opened: a signal during describe exits at once, and the adapter layer's exit
  // hook kills every live session (a default SIGTERM death would skip that hook).
  let opened: Adapter | null = null;
  const stop = (signal: 'SIGINT' | 'SIGTERM', code: number) => () => {
    interrupted = signal;
    void (opened ? opened.close() : Promise.resolve()).finally(() => process.exit(code));
  };
  const onSigint = stop('SIGINT', 130);
  const onSigterm = stop('SIGTERM', 143);
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  let adapter: Adapter;
  try {
    adapter = module && b.browser
      ? await openBrowserAdapter(module, { ...t, browserPath: b.browserPath })
      : module
      ? await openModuleAdapter(module, t)
      : await openCommandAdapter(cmd!, t);
  } catch (e) {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
    if (e instanceof AdapterError) throw new UsageError(e.message);
    throw e;
  }
  opened = adapter;
  try {
    return await body(adapter);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
    await adapter.close();
  }
}
