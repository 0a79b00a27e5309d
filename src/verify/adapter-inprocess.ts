/**
 * An adapter around an implementation object in this process (no worker thread, no child
 * process): what the vitest integration and the planted-bug self-test use. Same contract
 * as the module adapter: `{ name, dtype, ops: { softmax(args) {…}, … } }`, results as nested
 * arrays, typed arrays or numbers, sync or async; a throw is an error reply.
 *
 * There is no isolation: a synchronous infinite loop hangs the caller. Use the module
 * adapter (a child process of its own, timeouts) for code you do not trust.
 */
import { isOpName, type OpName } from '../ops/registry.js';
import { reviveNonFinite } from '../core/json.js';
import { AdapterError, type Adapter, type AdapterInfo, type CallOutcome } from './adapter-types.js';
import type { Dtype } from '../core/dtype.js';

export interface Implementation {
  name?: string;
  dtype: Dtype;
  // oxlint-disable-next-line typescript/no-explicit-any -- users type their own args: only an `any` parameter accepts every op's signature
  ops: Partial<Record<string, (args: any) => unknown>>;
}

function toNested(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(toNested);
  return v;
}

function validResult(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (!Array.isArray(v)) return false;
  if (v.every((x) => typeof x === 'number')) return true;
  return v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'));
}

export function inProcessAdapter(impl: Implementation, opts: { timeoutMs?: number } = {}): Adapter {
  if (!impl || typeof impl !== 'object' || !impl.ops || typeof impl.ops !== 'object') {
    throw new AdapterError('the implementation has no `ops` object');
  }
  if (impl.dtype !== 'float64' && impl.dtype !== 'float32') {
    throw new AdapterError(`dtype must be "float64" or "float32", got ${JSON.stringify(impl.dtype)}`);
  }
  const names = Object.keys(impl.ops).filter((k) => typeof impl.ops[k] === 'function');
  const info: AdapterInfo = {
    name: impl.name ?? 'in-process implementation',
    dtype: impl.dtype,
    ops: names.filter((n): n is OpName => isOpName(n)),
    unknownOps: names.filter((n) => !isOpName(n)),
  };
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let ended: string | null = null;
  return {
    info,
    get ended() {
      return ended;
    },
    stderr: () => '',
    async close() {
      ended ??= 'closed';
    },
    async call(op, args): Promise<CallOutcome> {
      if (ended) return { kind: 'crash', message: `the adapter is no longer running: ${ended}`, stderr: '' };
      const f = impl.ops[op];
      if (!f) return { kind: 'error', message: `the implementation does not offer ${op}` };
      const t0 = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        // a deep copy: an implementation that mutates its inputs cannot corrupt later cases
        const copy = JSON.parse(JSON.stringify(args, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
        const value = await Promise.race([
          Promise.resolve().then(() => f(reviveNonFinite(copy) as Record<string, unknown>)),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new TimeoutSignal()), timeoutMs);
          }),
        ]);
        const nested = toNested(value);
        if (!validResult(nested)) return { kind: 'protocol', message: `result of ${op} is not a number or a (nested) array of numbers` };
        return { kind: 'result', value: nested as number | number[] | number[][], ms: performance.now() - t0 };
      } catch (e) {
        if (e instanceof TimeoutSignal) {
          ended = `no reply to ${op} within ${timeoutMs} ms`;
          return { kind: 'timeout', ms: timeoutMs };
        }
        return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

class TimeoutSignal extends Error {}
