/**
 * Opening the implementation named on the command line (a module, or --cmd "…") for the
 * verify and audit commands: argument checks, AdapterError as a usage error (exit 2), Ctrl-C
 * stopping the implementation's process group, and closing it whatever happens.
 */
import { AdapterError, openCommandAdapter, openModuleAdapter, type Adapter } from '../verify/adapter.js';
import { UsageError } from './io.js';

export function checkImplementationArgs(command: string, module: string | undefined, cmd: string | undefined): void {
  if (!module && !cmd) throw new UsageError(`name an implementation: xent-oracle ${command} <module.mjs> or --cmd "<command>"`);
  if (module && cmd) throw new UsageError(`give either a module (${module}) or --cmd, not both`);
}

export async function withAdapter<T>(
  module: string | undefined,
  cmd: string | undefined,
  timeouts: number | { timeoutMs?: number; describeTimeoutMs?: number },
  body: (adapter: Adapter) => Promise<T>,
): Promise<T> {
  const t = typeof timeouts === 'number' ? { timeoutMs: timeouts } : timeouts;
  let adapter: Adapter;
  try {
    adapter = module ? await openModuleAdapter(module, t) : await openCommandAdapter(cmd!, t);
  } catch (e) {
    if (e instanceof AdapterError) throw new UsageError(e.message);
    throw e;
  }
  // Ctrl-C or a SIGTERM (a CI job cancelled): stop the implementation (its process group
  // and every process carrying its session marker) before exiting
  const onSigint = () => {
    void adapter.close().finally(() => process.exit(130));
  };
  const onSigterm = () => {
    void adapter.close().finally(() => process.exit(143));
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  try {
    return await body(adapter);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
    await adapter.close();
  }
}
