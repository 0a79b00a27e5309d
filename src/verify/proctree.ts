/**
 * Finding every process an adapter started, including those that left its process group.
 *
 * The verifier runs each adapter in its own process group and signals the whole group, which
 * stops a shell and its children. A descendant that calls setsid() (a daemon, a double fork)
 * leaves the group, and its parent may exit so that it is re-parented to init: neither the
 * group nor the parent chain finds it. What it keeps is its environment. Every adapter gets a
 * unique marker variable (XENT_ORACLE_SESSION=<random uuid>), inherited by everything it
 * starts, and at the end of the session the verifier stops every process whose
 * /proc/<pid>/environ carries that marker (Linux; elsewhere only the group is signalled).
 *
 * A process that deliberately clears its environment before daemonising escapes this (and
 * would escape any portable mechanism short of cgroups / containers): docs/protocol.md says so.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export const SESSION_MARKER_VAR = 'XENT_ORACLE_SESSION';

export const MARKER_SUPPORTED = process.platform === 'linux';

export function newSessionMarker(): string {
  return randomUUID();
}

function isDead(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/**
 * The live (non-zombie) processes whose environment contains `name=value`, other than this
 * process. Processes whose environment cannot be read (another user's) are not ours.
 */
export function processesWithEnv(name: string, value: string): number[] {
  if (!MARKER_SUPPORTED) return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = Buffer.from(`${name}=${value}\0`);
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${e}/environ`);
    } catch {
      continue;
    }
    // the variable may be first (no preceding NUL) or anywhere after a NUL
    const at = env.indexOf(needle);
    if (at < 0 || (at > 0 && env[at - 1] !== 0)) continue;
    if (!isDead(e)) out.push(Number(e));
  }
  return out;
}

/** Send `signal` to every live process carrying the marker; returns how many were found. */
export function signalMarked(marker: string, signal: NodeJS.Signals): number {
  const pids = processesWithEnv(SESSION_MARKER_VAR, marker);
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone meanwhile, or not ours to signal
    }
  }
  return pids.length;
}
