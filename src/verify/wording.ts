/**
 * Errors in words a reader can act on: "error / allowed" first, then the figure that means
 * something at that value. A ULP count is the natural unit for a normal number with a small
 * error; near zero (a subnormal or zero exact value) the spacing of floats is tiny and a ULP
 * count such as "8.0e15 ULP" says nothing, so the absolute error and the absolute error
 * allowed there are given instead; and for an error far beyond the value's precision the
 * relative error is what reads.
 */
import type { Dtype } from './verdict.js';

/** Smallest normal numbers: below them (and at 0) a ULP count means nothing to a reader. */
const MIN_NORMAL: Record<Dtype, number> = { float64: 2 ** -1022, float32: 2 ** -126 };
/** Beyond this many ULP the relative error reads better (1e4 ULP ≈ 1e-12 relative in float64). */
const ULP_READABLE = 1e4;

export interface ErrorFigures {
  /** |got − exact| (null or NaN when the result is not a finite number) */
  errAbs: number | null;
  /** the allowed absolute error at that element */
  allowedAbs: number | null;
  /** the exact value as a number (null when unknown) */
  exact: number | null;
  errUlp: number | null;
  allowedUlp: number | null;
  /** error / allowed */
  ratio: number | null;
  /** beyond the bound but tiny in absolute terms (passes unless --strict) */
  tiny?: boolean;
}

const g2 = (
  x: number,
) => (x === 0 ? '0' : Math.abs(x) >= 0.01 && Math.abs(x) < 1000 ? String(Number(x.toPrecision(2))) : x.toExponential(1));

/** "0.41", "3.1e+13", "inf" */
export function ratioText(r: number | null): string {
  if (r === null || Number.isNaN(r)) return '–';
  if (!Number.isFinite(r)) return 'inf';
  if (r === 0) return '0';
  return r >= 1000 || r < 0.01 ? r.toExponential(1) : r.toPrecision(3);
}

type Regime = 'ulp' | 'near-zero' | 'relative' | 'none';

function regimeOf(f: ErrorFigures, dtype: Dtype): Regime {
  if (f.errAbs === null || !Number.isFinite(f.errAbs) || f.exact === null || !Number.isFinite(f.exact)) return 'none';
  // a tiny-absolute loss lives near zero by definition (underflow range): absolute terms
  if (Math.abs(f.exact) < MIN_NORMAL[dtype] || f.tiny) return 'near-zero';
  if (f.errUlp !== null && f.allowedUlp !== null && f.errUlp <= ULP_READABLE && f.allowedUlp <= ULP_READABLE) return 'ulp';
  return 'relative';
}

/** For a table cell: "0.41 (3.2 ULP, allowed 7.8)", "2.0e+13 (absolute 1.0e-300 near zero, allowed 4.9e-324; tiny)". */
export function errorShort(f: ErrorFigures, dtype: Dtype): string {
  const r = ratioText(f.ratio);
  const tiny = f.tiny ? '; tiny absolute' : '';
  switch (regimeOf(f, dtype)) {
    case 'ulp':
      return `${r} (${g2(f.errUlp!)} ULP, allowed ${g2(f.allowedUlp!)}${tiny})`;
    case 'near-zero':
      return `${r} (absolute ${g2(f.errAbs!)} near zero, allowed ${g2(f.allowedAbs ?? 0)}${tiny})`;
    case 'relative':
      return `${r} (relative ${g2(f.errAbs! / Math.abs(f.exact!))}${
        f.allowedAbs !== null ? `, allowed ${g2(f.allowedAbs / Math.abs(f.exact!))}` : ''
      }${tiny})`;
    default:
      return r;
  }
}

/** A sentence: "error / allowed = 2.0e+13: absolute error 1.0e-300 where the exact value is 0 and the allowed absolute error near zero is 4.9e-324". */
export function errorInWords(f: ErrorFigures, dtype: Dtype): string {
  const head = `error / allowed = ${ratioText(f.ratio)}`;
  const tiny = f.tiny ? ' (tiny in absolute terms: verify passes it unless --strict)' : '';
  switch (regimeOf(f, dtype)) {
    case 'ulp':
      return `${head}: ${g2(f.errUlp!)} ULP where ${g2(f.allowedUlp!)} ULP are allowed${tiny}`;
    case 'near-zero':
      return `${head}: absolute error ${g2(f.errAbs!)} where the exact value is ${f.exact === 0 ? '0' : g2(f.exact!)}${
        Math.abs(f.exact!) < MIN_NORMAL[dtype] ? ` (${f.exact === 0 ? 'zero' : 'subnormal'})` : ''
      } and the allowed absolute error near zero is ${g2(f.allowedAbs ?? 0)}${tiny}`;
    case 'relative':
      return `${head}: relative error ${g2(f.errAbs! / Math.abs(f.exact!))} (absolute ${g2(f.errAbs!)})${
        f.allowedAbs !== null ? ` where ${g2(f.allowedAbs / Math.abs(f.exact!))} relative is allowed` : ''
      }${tiny}`;
    default:
      return head;
  }
}
