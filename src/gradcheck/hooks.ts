/**
 * ---------------------------------------------------------------------------------------
 * HOOKS: wiring catalog ops into the gradient checkers.
 *
 * The catalog's backward ops are wired in src/gradcheck/catalog.ts (gradcheckOp,
 * catalogForward / catalogVjp, decimalNumeric + checkDecimal), which imports the reference
 * and the fast path (docs/architecture.md: gradcheck ← core, reference, fast) and uses
 * `argumentPoint` / `withArgument` from here. The helpers below stay generic: `opFunction` /
 * `opVjp` turn any implementation of an op into f and { vjp }.
 *
 * `setReferenceDecimal` is left unregistered on purpose: its contract is an evaluator that
 * accepts Decimal entries in args[wrt] (gradcheckDecimal steps by powers of ten, x ± 10^-k),
 * but the reference evaluates ops at doubles only (it starts from each input's exact binary
 * value). catalog.ts instead steps by exactly representable powers of two and evaluates
 * referenceEnclosure at those doubles. Register an evaluator here if you have one that takes
 * Decimal inputs.
 * ---------------------------------------------------------------------------------------
 */
import type { Decimal } from 'decimal.js';
import type { OpName } from '../ops/registry.js';
import type { DecimalFn } from './decimal.js';
import { GradcheckError } from './errors.js';
import type { FnOutput } from './types.js';

/** The reference API to come: referenceDecimal(op, args, digits), args[wrt] holding Decimals. */
export type ReferenceDecimalHook = (op: OpName, args: Record<string, unknown>, digits: number) => unknown;

let referenceDecimalHook: ReferenceDecimalHook | undefined;

/** HOOK: register (or clear, with undefined) the reference's decimal evaluator. */
export function setReferenceDecimal(fn: ReferenceDecimalHook | undefined): void {
  referenceDecimalHook = fn;
}

export function getReferenceDecimal(): ReferenceDecimalHook | undefined {
  return referenceDecimalHook;
}

/** Flatten args[wrt] (a vector or a matrix) to the point x the checkers differentiate at. */
export function argumentPoint(args: Record<string, unknown>, wrt: string): number[] {
  const a = args[wrt];
  if (!Array.isArray(a) || a.length === 0) throw new GradcheckError(`args.${wrt} must be a non-empty vector or matrix`);
  return Array.isArray(a[0]) ? (a as number[][]).flat() : (a as number[]).slice();
}

/** A copy of args with args[wrt] replaced by the flat x, reshaped like the original. */
export function withArgument<T>(args: Record<string, unknown>, wrt: string, x: ArrayLike<T>): Record<string, unknown> {
  const a = args[wrt] as unknown[];
  const flat = Array.from(x);
  let value: unknown;
  if (Array.isArray(a[0])) {
    const cols = (a[0] as unknown[]).length;
    if (flat.length !== a.length * cols) throw new GradcheckError(`x has ${flat.length} entries but args.${wrt} is [${a.length}][${cols}]`);
    value = Array.from({ length: a.length }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
  } else {
    if (flat.length !== a.length) throw new GradcheckError(`x has ${flat.length} entries but args.${wrt} is [${a.length}]`);
    value = flat;
  }
  return { ...args, [wrt]: value };
}

/** x ↦ evaluate(args with args[wrt] = x): a catalog op (any implementation) as a function of one argument. */
export function opFunction(
  evaluate: (args: Record<string, unknown>) => unknown,
  args: Record<string, unknown>,
  wrt: string,
): (x: ArrayLike<number>) => FnOutput {
  return (x) => evaluate(withArgument(args, wrt, x)) as FnOutput;
}

/**
 * The VJP of a catalog forward op from its backward op: backward(args with grad_output = v)
 * returns Jᵀv with respect to args[wrt] (docs/semantics.md). `shapeGrad` reshapes the flat v
 * into the grad_output the backward op expects (default: a number when f is scalar, the
 * flat vector, or rows of `cols`).
 */
export function opVjp(
  backward: (args: Record<string, unknown>) => unknown,
  args: Record<string, unknown>,
  wrt: string,
  shapeGrad: (v: number[]) => unknown,
): (x: ArrayLike<number>, v: number[]) => number[] {
  return (x, v) => {
    const r = backward({ ...withArgument(args, wrt, x), grad_output: shapeGrad(v) });
    if (Array.isArray(r) && Array.isArray(r[0])) return (r as number[][]).flat();
    if (Array.isArray(r)) return r as number[];
    throw new GradcheckError(`the backward op returned ${typeof r}, expected an array`);
  };
}

/** fDec for gradcheckDecimal from the registered reference (throws if none is registered). */
export function opDecimalFunction(op: OpName, args: Record<string, unknown>, wrt: string, digits: number): DecimalFn {
  return (x: Decimal[]) => {
    const hook = referenceDecimalHook;
    if (!hook) throw new GradcheckError('no reference decimal evaluator is registered: call setReferenceDecimal(referenceDecimal) first');
    return hook(op, withArgument(args, wrt, x), digits) as ReturnType<DecimalFn>;
  };
}
