/**
 * Command adapters: an implementation in any language, spawned through the shell and
 * driven over the JSON-lines protocol v1 (docs/protocol.md).
 *
 * Robustness rules: one request in flight at a time (calls are queued); every request
 * has a timeout; a timeout, a crash or a session-breaking protocol error stops the
 * process and makes every later call fail fast; close() is idempotent and never leaves a
 * process behind (stdin closed -> grace period -> SIGTERM -> SIGKILL, sent to the whole
 * process group on POSIX so that a shell's children die too, and on Linux to every process
 * carrying the session's marker variable, so that setsid'd / double-forked descendants die
 * too: proctree.ts). The module adapter runs its Node runner through the same session.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { OpName } from '../ops/registry.js';
import { newSessionMarker, processesWithEnv, SESSION_MARKER_VAR, signalMarked } from './proctree.js';
import { AdapterError, type Adapter, type AdapterInfo, type CallOutcome, type CommandAdapterOptions } from './adapter-types.js';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_DESCRIBE_TIMEOUT_MS,
  DEFAULT_KILL_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  DESCRIBE_ID,
  DESCRIBE_OP,
  TailBuffer,
  checkResult,
  encodeRequest,
  parseDescribe,
  parseResponseLine,
  quoteLine,
  truncateLine,
} from './protocol.js';

/** A reply before result checking: describe's result is an object, not a ResultValue. */
export type Failure = Exclude<CallOutcome, { kind: 'result' }>;
export type RawOutcome = { kind: 'result'; value: unknown; ms: number; line: string } | Failure;

interface Pending {
  id: number;
  op: string;
  started: number;
  timeoutMs: number;
  timer: NodeJS.Timeout;
  settle(o: RawOutcome): void;
}

const IS_WINDOWS = process.platform === 'win32';
/** after the process exits, how long to wait for its stdout / stderr to drain */
const DRAIN_MS = 250;
/** after SIGKILL, give up waiting after this long (never hang close()) */
const LAST_WAIT_MS = 2_000;
/** a response line longer than this is a protocol error (JS strings cannot grow much further) */
const MAX_LINE_CHARS = 256 * 1024 * 1024;
/** how often close() looks whether the process (group) is gone */
const POLL_MS = 20;

// Every live session, so that a process exit of the verifier does not leave children behind.
const LIVE = new Set<CommandSession>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of LIVE) s.killNow('SIGKILL');
    LIVE.clear();
  });
}

/**
 * Signal number -> name. Aliases share a number (SIGIOT = SIGABRT = 6, SIGPOLL = SIGIO):
 * the conventional name wins.
 */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(osConstants.signals)) if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name);
for (const name of ['SIGABRT', 'SIGIO', 'SIGCHLD', 'SIGSYS'] as const) {
  const n = (osConstants.signals as Record<string, number | undefined>)[name];
  if (n !== undefined) SIGNAL_NAMES.set(n, name);
}
/** the name of a signal as node reports it, with aliases mapped to the conventional name */
function signalName(sig: NodeJS.Signals): string {
  const n = (osConstants.signals as Record<string, number | undefined>)[sig];
  return n !== undefined ? SIGNAL_NAMES.get(n) ?? sig : sig;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by signal ${signalName(signal)}`;
  if (code === null) return 'exited';
  // the shell between us and the command reports a signal death as 128 + signal number
  const sig = code > 128 ? SIGNAL_NAMES.get(code - 128) : undefined;
  return sig ? `exited with code ${code} (128 + ${code - 128}: killed by ${sig})` : `exited with code ${code}`;
}

/** What to spawn: a shell command (command adapters) or a program with arguments (module runner). */
export interface SpawnSpec {
  file: string;
  args: string[];
  shell: boolean;
  /** the file descriptor that carries response lines (1 = stdout; the module runner uses 3) */
  protocolFd: number;
}

export class CommandSession {
  readonly stderrBuf = new TailBuffer();
  private readonly child: ChildProcess;
  /** the pieces of the stdout line not yet terminated by a newline */
  private outChunks: string[] = [];
  private outLength = 0;
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = DESCRIBE_ID;
  /** why the session cannot take requests any more */
  private endReason: string | null = null;
  /** a failure observed while no request was pending, reported by the next call */
  private undelivered: Failure | null = null;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private finalised = false;
  /** the process group has no members left: never signal that id again */
  private groupGone = false;
  private closing: Promise<void> | null = null;
  private spawnError: Error | null = null;

  /** the unique value of XENT_ORACLE_SESSION in the adapter's environment (proctree.ts) */
  readonly marker = newSessionMarker();

  constructor(
    readonly cmd: string,
    private readonly opts: CommandAdapterOptions,
    spec: SpawnSpec = { file: cmd, args: [], shell: true, protocolFd: 1 },
  ) {
    const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe'];
    while (stdio.length <= spec.protocolFd) stdio.push('pipe');
    this.child = spawn(spec.file, spec.args, {
      shell: spec.shell,
      cwd: opts.cwd,
      // the marker is inherited by every descendant, also by those that leave the group
      env: { ...(opts.env ?? process.env), [SESSION_MARKER_VAR]: this.marker },
      stdio,
      // own process group on POSIX: the group is killed as a whole (shell + its children)
      detached: !IS_WINDOWS,
      windowsHide: true,
    });
    LIVE.add(this);
    installExitHook();
    const { stdin, stdout, stderr } = this.child;
    const protocol = this.child.stdio[spec.protocolFd] as NodeJS.ReadableStream & { setEncoding(e: string): void };
    // writing to a process that has exited raises EPIPE: the exit handler reports it
    stdin!.on('error', () => {});
    protocol.setEncoding('utf8');
    protocol.on('data', (chunk: string) => this.onStdout(chunk));
    if (spec.protocolFd !== 1) {
      // a module's console.log output: captured with stderr, never parsed
      stdout!.setEncoding('utf8');
      stdout!.on('data', (chunk: string) => this.stderrBuf.push(chunk));
    }
    stderr!.setEncoding('utf8');
    stderr!.on('data', (chunk: string) => this.stderrBuf.push(chunk));
    this.child.on('error', (err) => this.onSpawnError(err));
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
    this.child.on('close', () => this.finalise());
  }

  get ended(): string | null {
    return this.endReason;
  }

  get running(): boolean {
    return this.exitInfo === null && this.spawnError === null;
  }

  /** Send one request and wait for its response (queued behind earlier requests). */
  request(op: string, args: Record<string, unknown>, timeoutMs: number): Promise<RawOutcome> {
    const run = (): Promise<RawOutcome> => {
      if (this.endReason !== null) return Promise.resolve(this.failFast());
      const id = this.nextId++;
      let line: string;
      try {
        line = encodeRequest({ id, op, args });
      } catch (e) {
        // the verifier's own args could not be serialised: not the adapter's fault, keep the session
        return Promise.resolve({ kind: 'error', message: `could not encode the arguments as JSON: ${(e as Error).message}` });
      }
      return new Promise<RawOutcome>((resolve) => {
        const timer = setTimeout(() => this.onTimeout(), timeoutMs);
        this.pending = {
          id,
          op,
          started: performance.now(),
          timeoutMs,
          timer,
          settle: (o) => {
            clearTimeout(timer);
            this.pending = null;
            resolve(o);
          },
        };
        this.child.stdin!.write(line);
      });
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private failFast(): Failure {
    if (this.undelivered) {
      const o = this.undelivered;
      this.undelivered = null;
      return o;
    }
    return { kind: 'crash', message: `the adapter is no longer running: ${this.endReason}`, stderr: this.stderrBuf.toString() };
  }

  /** End the session with a failure: settle the pending request with it (or keep it for the next call) and stop the process. */
  private fail(outcome: Failure, reason: string): void {
    if (this.endReason === null) this.endReason = reason;
    if (this.pending) this.pending.settle(outcome);
    else if (!this.undelivered) this.undelivered = outcome;
    this.killNow('SIGKILL');
  }

  private onStdout(chunk: string): void {
    // search only the new chunk for line ends: a long line arriving in many chunks stays linear
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      const piece = chunk.slice(start, nl);
      const line = this.outChunks.length > 0 ? this.outChunks.join('') + piece : piece;
      this.outChunks = [];
      this.outLength = 0;
      start = nl + 1;
      this.onLine(line);
    }
    if (start < chunk.length) {
      const rest = start === 0 ? chunk : chunk.slice(start);
      this.outChunks.push(rest);
      this.outLength += rest.length;
      if (this.outLength > MAX_LINE_CHARS) {
        const head = this.outChunks.join('').slice(0, 200);
        this.outChunks = [];
        this.outLength = 0;
        if (this.endReason === null) {
          const message = `adapter wrote a line longer than ${MAX_LINE_CHARS} characters without a newline: ${quoteLine(head)}`;
          this.fail({ kind: 'protocol', message, line: truncateLine(head) }, `protocol error: ${message}`);
        }
      }
    }
  }

  private onLine(rawLine: string): void {
    if (this.endReason !== null) return; // output after the end (e.g. a late reply after a timeout) is ignored
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') return;
    const p = this.pending;
    if (!p) {
      const message = `adapter wrote a line while no request was pending (only one response line per request may go to stdout): ${
        quoteLine(line)
      }`;
      this.fail({ kind: 'protocol', message, line: truncateLine(line) }, `protocol error: ${message}`);
      return;
    }
    const r = parseResponseLine(line, p.id);
    if (!r.ok) {
      this.fail({ kind: 'protocol', message: r.message, line: r.line }, `protocol error on request ${p.id} (${p.op}): ${r.message}`);
      return;
    }
    if (r.kind === 'error') {
      p.settle({ kind: 'error', message: r.message });
      return;
    }
    p.settle({ kind: 'result', value: r.value, ms: performance.now() - p.started, line });
  }

  private onTimeout(): void {
    const p = this.pending;
    if (!p) return;
    this.fail(
      { kind: 'timeout', ms: p.timeoutMs },
      `request ${p.id} (${p.op}) got no response within ${p.timeoutMs} ms and the adapter was stopped`,
    );
  }

  private onSpawnError(err: Error): void {
    this.spawnError = err;
    this.stderrBuf.push(`[xent-oracle] could not run the command: ${err.message}\n`);
    this.finalise();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitInfo = { code, signal };
    // 'close' follows once stdout / stderr are drained; do not wait forever for it
    // (a grandchild may hold the pipes open)
    setTimeout(() => this.finalise(), DRAIN_MS).unref();
  }

  /** The process is gone and its output drained: report a crash to the pending request. */
  private finalise(): void {
    if (this.finalised) return;
    this.finalised = true;
    if (this.outChunks.length > 0) {
      // a last line without its newline
      const rest = this.outChunks.join('');
      this.outChunks = [];
      this.outLength = 0;
      this.onLine(rest);
    }
    if (this.endReason !== null && !this.pending) return;
    const how = this.spawnError
      ? `could not be started (${this.spawnError.message})`
      : describeExit(this.exitInfo?.code ?? null, this.exitInfo?.signal ?? null);
    const p = this.pending;
    const message = p ? `the adapter ${how} while handling request ${p.id} (${p.op})` : `the adapter ${how}`;
    this.endReason = p ? message : `${message} between requests`;
    if (p) p.settle({ kind: 'crash', message, stderr: this.stderrBuf.toString() });
    // what the command left running in its process group is stopped by close()
  }

  /**
   * Is anything of the command still running? The process itself, or (POSIX) any
   * non-zombie member of its process group: processes the shell or the adapter started.
   */
  private anythingRunning(): boolean {
    if (this.running) return true;
    if (this.groupRunning()) return true;
    // descendants that left the group (setsid, double fork) still carry the marker
    return processesWithEnv(SESSION_MARKER_VAR, this.marker).length > 0;
  }

  private groupRunning(): boolean {
    const pid = this.child.pid;
    if (IS_WINDOWS || pid === undefined || this.groupGone) return false;
    try {
      process.kill(-pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') {
        this.groupGone = true;
        return false;
      }
      return true; // EPERM: a member we may not signal is still there
    }
    if (process.platform === 'linux' && !groupHasLiveMember(pid)) {
      // only zombies left (an init that does not reap them): nothing runs
      this.groupGone = true;
      return false;
    }
    return true;
  }

  /**
   * Signal the process group (POSIX) or the process (Windows), and every process carrying
   * the session marker (Linux); errors (already gone) are ignored.
   */
  killNow(signal: NodeJS.Signals): void {
    this.killGroup(signal);
    signalMarked(this.marker, signal);
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.groupGone) return;
    if (!IS_WINDOWS) {
      try {
        process.kill(-pid, signal);
        return;
      } catch (e) {
        // no such group: everything has exited (never signal that group id again)
        if ((e as NodeJS.ErrnoException).code === 'ESRCH') this.groupGone = true;
      }
    }
    if (this.exitInfo === null) {
      try {
        this.child.kill(signal);
      } catch {
        // already gone
      }
    }
  }

  /** Wait until nothing of the command runs any more, at most `ms`; true if so. */
  private async waitGone(ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    for (;;) {
      if (!this.anythingRunning()) return true;
      const left = end - performance.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, left)));
    }
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.endReason === null) this.endReason = 'the adapter was closed';
    this.undelivered = null;
    if (this.pending) {
      this.pending.settle({
        kind: 'crash',
        message: 'the adapter was closed while a request was pending',
        stderr: this.stderrBuf.toString(),
      });
    }
    try {
      this.child.stdin!.end();
    } catch {
      // ignore
    }
    // stdin closed -> grace period -> SIGTERM -> SIGKILL, for the process and its group
    if (!(await this.waitGone(this.opts.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS))) {
      this.killNow('SIGTERM');
      if (!(await this.waitGone(this.opts.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS))) {
        this.killNow('SIGKILL');
        await this.waitGone(LAST_WAIT_MS);
      }
    }
    // let the last stdout / stderr output arrive before the streams are dropped: finalise() runs
    // on 'close' (both pipes drained) or at the latest DRAIN_MS after the exit (when a
    // grandchild holds the pipes open). A fixed short wait lost stderr on a loaded machine.
    while (!this.finalised && this.exitInfo !== null) await new Promise((r) => setTimeout(r, POLL_MS));
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    LIVE.delete(this);
  }
}

/** Linux: does process group `pgid` have a member that is not a zombie? */
function groupHasLiveMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ..." - comm may contain spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

function describeFailure(cmd: string, what: string, s: CommandSession): AdapterError {
  const tail = s.stderrBuf.tail(2000);
  const stderr = s.stderrBuf.toString();
  return new AdapterError(
    `adapter command ${JSON.stringify(cmd)} ${what}${tail ? `\n--- adapter stderr (tail) ---\n${tail}` : ''}`,
    stderr,
  );
}

export async function openCommandAdapter(cmd: string, opts: CommandAdapterOptions = {}): Promise<Adapter> {
  if (typeof cmd !== 'string' || cmd.trim() === '') throw new AdapterError('the adapter command is empty');
  if (opts.cwd !== undefined && !(existsSync(opts.cwd) && statSync(opts.cwd).isDirectory())) {
    throw new AdapterError(`the working directory of the adapter command does not exist: ${opts.cwd}`);
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const describeTimeoutMs = opts.describeTimeoutMs ?? DEFAULT_DESCRIBE_TIMEOUT_MS;
  let session: CommandSession;
  try {
    session = new CommandSession(cmd, opts);
  } catch (e) {
    throw new AdapterError(`cannot start adapter command ${JSON.stringify(cmd)}: ${(e as Error).message}`);
  }
  const reply = await session.request(DESCRIBE_OP, {}, describeTimeoutMs);
  let info: AdapterInfo | undefined;
  let failure: string | undefined;
  switch (reply.kind) {
    case 'result':
      try {
        info = parseDescribe(reply.value, cmd);
      } catch (e) {
        failure = `sent an invalid describe reply: ${(e as Error).message}`;
      }
      break;
    case 'error':
      failure = `answered describe with an error: ${reply.message}`;
      break;
    case 'timeout':
      failure =
        `did not answer describe within ${reply.ms} ms (does it read stdin line by line and flush stdout after each response line?)`;
      break;
    case 'crash':
      failure = `failed before answering describe: ${reply.message}`;
      break;
    case 'protocol':
      failure = `broke the protocol while answering describe: ${reply.message}`;
      break;
  }
  if (info === undefined) {
    // stop it first: its last stderr output is part of the message
    await session.close();
    throw describeFailure(cmd, failure ?? 'failed to describe itself', session);
  }

  return {
    info,
    get ended() {
      return session.ended;
    },
    async call(op: OpName, args: Record<string, unknown>): Promise<CallOutcome> {
      if (!info.ops.includes(op) && session.ended === null) {
        return { kind: 'error', message: `op ${JSON.stringify(op)} is not in the adapter's describe list; it was not sent` };
      }
      const r = await session.request(op, args, timeoutMs);
      if (r.kind !== 'result') return r;
      const checked = checkResult(r.value);
      // a malformed result does not desynchronise the stream: report it, keep the session
      if (!checked.ok) return { kind: 'protocol', message: checked.message, line: truncateLine(r.line) };
      return { kind: 'result', value: checked.value, ms: r.ms };
    },
    close: () => session.close(),
    stderr: () => session.stderrBuf.toString(),
  };
}
