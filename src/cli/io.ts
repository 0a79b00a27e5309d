/**
 * Shared CLI plumbing: reading --args (inline JSON or @file), printing JSON with non-finite
 * values as strings, and turning errors into "message on stderr, exit 2".
 */
import { readFileSync } from 'node:fs';
import { ArgumentError, PrecisionError } from '../core/errors.js';
import { JsonDepthError, parseJson, stringifyJson, stringifyJsonSigned } from '../core/json.js';

/** A usage or input error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function readJsonArg(value: string, option = '--args'): unknown {
  let text = value;
  if (value.startsWith('@')) {
    const path = value.slice(1);
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new UsageError(`${option} ${value}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  try {
    return parseJson(text);
  } catch (e) {
    if (e instanceof JsonDepthError) throw new UsageError(`${option}: ${e.message}`);
    throw new UsageError(`${option}: not valid JSON (${(e as Error).message}): ${text.length > 80 ? text.slice(0, 77) + '...' : text}`);
  }
}

export function printJson(v: unknown, pretty = false): void {
  process.stdout.write(stringifyJson(v, pretty ? 2 : undefined) + '\n');
}

/** printJson keeping −0 as `-0.0` (correctly rounded values: the sign of zero is part of them). */
export function printJsonSigned(v: unknown, pretty = false): void {
  process.stdout.write(stringifyJsonSigned(v, pretty ? 2 : undefined) + '\n');
}

export function parseIntOption(value: string, option: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} = ${JSON.stringify(value)} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Errors a user caused (bad arguments, bad files) exit 2 with a one-line message. */
export function isUserError(e: unknown): boolean {
  return e instanceof UsageError || e instanceof ArgumentError || e instanceof PrecisionError;
}

/**
 * When the reader of stdout or stderr goes away (`xent-oracle ops | head -2`), writing fails
 * with EPIPE, which Node raises as an unhandled 'error' event: a stack trace and exit code 1.
 * Instead, stop writing to that stream and let the command finish with its own exit code
 * (what it would have said had the output been read; the shell reports the pipeline's status).
 */
export function quietOnClosedPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const s of streams) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
        // later writes go nowhere instead of raising again
        s.write = () => true;
        return;
      }
      throw e;
    });
  }
}
