/**
 * Types shared by the adapter transports (JS module in a child process, command over the
 * JSON-lines protocol v1 of docs/protocol.md). Re-exported by ./adapter.ts, which is the
 * entry point the verifier uses.
 */
import type { OpName } from '../ops/registry.js';
import type { Dtype } from '../core/dtype.js';

/** the dtype an implementation declares (core/dtype.ts's Dtype) */
export type AdapterDtype = Dtype;

export interface AdapterInfo {
  /** the implementation's name (describe's `name`; defaults to the module file name / the command) */
  name: string;
  dtype: AdapterDtype;
  /** catalog op names the implementation declares, in its order, without duplicates */
  ops: OpName[];
  /** declared names that are not catalog ops (reported, never called) */
  unknownOps: string[];
}

export type CallOutcome =
  /** a well-formed result; `ms` is the time the implementation took (wall clock) */
  | { kind: 'result'; value: number | number[] | number[][]; ms: number }
  /** the implementation replied with an error / threw */
  | { kind: 'error'; message: string }
  /** no reply within the per-request timeout; the adapter has been stopped */
  | { kind: 'timeout'; ms: number }
  /** the implementation is gone (exited, was killed, or was stopped earlier) */
  | { kind: 'crash'; message: string; stderr: string }
  /** the implementation broke the protocol (the offending output line, truncated, in `line`) */
  | { kind: 'protocol'; message: string; line?: string };

/** The device an implementation ran on (browser adapters: the WebGPU adapter), for reports. */
export interface DeviceInfo {
  api: 'webgpu';
  /** executable name and version, e.g. "chromium-headless-shell 156.0.8078.114" */
  browser: string;
  /** GPUAdapterInfo fields ('' where the browser hides them) */
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** a software rasteriser (SwiftShader): the kernels ran on the CPU */
  software: boolean;
  /** GPUAdapter.features, sorted (float16 kernels need 'shader-f16') */
  features: string[];
}

export interface Adapter {
  readonly info: AdapterInfo;
  /** where the implementation runs, when that is not this process's CPU (browser adapters) */
  readonly device?: DeviceInfo;
  /**
   * Run one op. Never rejects. Calls are serialised: concurrent calls are queued and sent
   * one at a time. After a timeout, a crash or a session-breaking protocol error, every
   * later call returns `{ kind: 'crash' }` at once (see `ended`). An op that is not in
   * `info.ops` is not sent: `{ kind: 'error' }`.
   */
  call(op: OpName, args: Record<string, unknown>): Promise<CallOutcome>;
  /** Stop the implementation (graceful, then SIGTERM, then SIGKILL). Safe to call repeatedly. */
  close(): Promise<void>;
  /** stderr (and, for module adapters, stdout) captured so far: the last ~64 KiB */
  stderr(): string;
  /** null while the adapter can take calls; otherwise why it cannot (after a timeout, crash, protocol error or close) */
  readonly ended: string | null;
}

/** Opening or describing an adapter failed (bad module path or export, describe timeout / crash / bad reply). The CLI exits 2. */
export class AdapterError extends Error {
  override name = 'AdapterError';
  /** the adapter's captured stderr, if any (already summarised at the end of the message) */
  readonly stderr: string;
  constructor(message: string, stderr = '') {
    super(message);
    this.stderr = stderr;
  }
}

export interface CommonAdapterOptions {
  /** per-request timeout in ms (default 10 000) */
  timeoutMs?: number;
  /** timeout for loading the implementation and answering describe, in ms (default 30 000) */
  describeTimeoutMs?: number;
}

export interface CommandAdapterOptions extends CommonAdapterOptions {
  /** working directory of the command (default: the current directory) */
  cwd?: string;
  /** environment of the command (default: process.env) */
  env?: NodeJS.ProcessEnv;
  /** after closing stdin, how long to wait for the process to exit before SIGTERM (default 2 000) */
  closeTimeoutMs?: number;
  /** after SIGTERM, how long to wait before SIGKILL (default 1 000) */
  killTimeoutMs?: number;
}

export type ModuleAdapterOptions = CommonAdapterOptions;
