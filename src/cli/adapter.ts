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
  if (b.browser && !module) throw new UsageError(`--browser runs a JS module in the browser: xent-oracle ${command} --browser <module.mjs> (it cannot run --cmd)`);
  if (b.browserPath !== undefined && !b.browser) throw new UsageError(`--browser-path ${b.browserPath}: only meaningful with --browser`);
}

export async function withAdapter<T>(
  module: string | undefined,
  cmd: string | undefined,
  timeoutMs: number,
  body: (adapter: Adapter) => Promise<T>,
  b: BrowserChoice = {},
): Promise<T> {
  // Ctrl-C: stop the implementation (its process group, or the browser) before exiting; also
  // while it is still starting (a browser takes a moment to launch)
  let adapter: Adapter | undefined;
  const onSigint = () => {
    void (adapter ? adapter.close() : Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    adapter =
      module && b.browser
        ? await openBrowserAdapter(module, { timeoutMs, browserPath: b.browserPath })
        : module
          ? await openModuleAdapter(module, { timeoutMs })
          : await openCommandAdapter(cmd!, { timeoutMs });
  } catch (e) {
    process.removeListener('SIGINT', onSigint);
    if (e instanceof AdapterError) throw new UsageError(e.message);
    throw e;
  }
  try {
    return await body(adapter);
  } finally {
    process.removeListener('SIGINT', onSigint);
    await adapter.close();
  }
}
