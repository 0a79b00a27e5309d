/**
 * An argument that does not satisfy an op's contract. The message names the argument
 * and the offending value ("target[3] = 7 is out of range for 5 classes"), so that the
 * CLI can print it as is and exit 2.
 */
export class ArgumentError extends Error {
  override name = 'ArgumentError';
  constructor(message: string) {
    super(message);
  }
}

/** The reference could not decide a correct rounding within its precision cap. */
export class PrecisionError extends Error {
  override name = 'PrecisionError';
  constructor(message: string) {
    super(message);
  }
}

/** Render a value for an error message: short, and explicit about non-finite numbers. */
export function show(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined';
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    // JSON.stringify threw (a BigInt, a cyclic object) or gave undefined (a function, a symbol):
    // String's rendering is the best left, '[object Object]' included
    // oxlint-disable-next-line typescript/no-base-to-string
    return String(v);
  }
}
