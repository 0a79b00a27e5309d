/** Entries, verdicts and the readable report. */
import { GradcheckError } from './errors.js';
import type { EntryCheck, GradcheckReport } from './types.js';

export function entry(
  output: number,
  input: number,
  analytic: number,
  numeric: number,
  errorEstimate: number,
  noise: number,
  tolerance: number,
): EntryCheck {
  const error = Math.abs(analytic - numeric);
  // NaN anywhere fails; 0 <= 0 passes (both exactly equal with a zero tolerance)
  let ratio = error / tolerance;
  if (error === 0) ratio = 0;
  if (Number.isNaN(ratio) || Number.isNaN(error)) ratio = Infinity;
  return { output, input, analytic, numeric, error, errorEstimate, noise, tolerance, ratio };
}

export function isFailure(e: EntryCheck): boolean {
  return !(e.ratio <= 1);
}

export interface Summary {
  worst: EntryCheck | null;
  failed: number;
  failures: EntryCheck[];
}

export function summarize(entries: readonly EntryCheck[], maxFailures: number): Summary {
  let worst: EntryCheck | null = null;
  const failing: EntryCheck[] = [];
  for (const e of entries) {
    if (worst === null || e.ratio > worst.ratio) worst = e;
    if (isFailure(e)) failing.push(e);
  }
  failing.sort((a, b) => b.ratio - a.ratio);
  return { worst, failed: failing.length, failures: failing.slice(0, maxFailures) };
}

export function entryName(e: EntryCheck, order: 1 | 2 | 3): string {
  if (e.projection !== undefined) {
    return order === 1
      ? `projection ${e.projection} (uᵀJv)`
      : order === 2
      ? `projection ${e.projection} (uᵀHv)`
      : `projection ${e.projection} (uᵀ∂(Hv)w)`;
  }
  if (order === 2) return `H[${e.output}][${e.input}] = d grad[${e.output}] / d x[${e.input}]`;
  if (order === 3) return `d (Hv)[${e.output}] / d x[${e.input}]`;
  return `d out[${e.output}] / d x[${e.input}]`;
}

const g = (v: number, p = 6) => (Number.isFinite(v) ? v.toExponential(p) : String(v));
const short = (v: number) => (Number.isFinite(v) ? v.toExponential(2) : String(v));

export function verdictMessage(r: Omit<GradcheckReport, 'message'>, extra = ''): string {
  const what = r.order === 1 ? 'gradcheck' : r.order === 2 ? 'gradgradcheck' : 'thirdOrderCheck';
  const unit = r.mode === 'fast' ? 'projections' : 'entries';
  const w = r.worst;
  const tail = r.mode === 'decimal' ? `(${r.mode}, ${r.dtype} analytic)` : `(${r.mode}, ${r.method}, ${r.dtype}, seed ${r.seed})`;
  if (r.ok) {
    const worstPart = w
      ? `; worst ${entryName(w, r.order)}: |diff| ${short(w.error)} ≤ tol ${short(w.tolerance)} (ratio ${w.ratio.toPrecision(2)})`
      : '';
    return `${what} passed: ${r.checked} ${unit}${worstPart} ${tail}${extra}`;
  }
  const wp = w
    ? `; worst ${entryName(w, r.order)}: analytic ${g(w.analytic)}, numeric ${g(w.numeric)}, |diff| ${short(w.error)} > tol ${
      short(w.tolerance)
    } (error estimate ${short(w.errorEstimate)}, noise ${short(w.noise)})`
    : '';
  const flat = w && w.numeric === 0 && w.errorEstimate === 0 && w.projection === undefined
    ? `; f did not change at any step along x[${w.input}]: output ${w.output} is quantized or saturated there (the numeric derivative is exactly 0)`
    : '';
  return `${what} FAILED: ${r.failed} of ${r.checked} ${unit} outside tolerance${wp} ${tail}${extra}${flat}`;
}

/** A multi-line, readable rendering of a report. */
export function formatReport(r: GradcheckReport): string {
  const lines: string[] = [];
  const what = r.order === 1 ? 'gradcheck' : r.order === 2 ? 'gradgradcheck' : 'thirdOrderCheck';
  lines.push(
    r.mode === 'decimal'
      ? `${what} ${r.ok ? 'passed' : 'FAILED'}  [mode decimal, ${r.settings.digits} digits, ${r.dtype} analytic]`
      : `${what} ${r.ok ? 'passed' : 'FAILED'}  [mode ${r.mode}, method ${r.method}, ${r.dtype}, seed ${r.seed}]`,
  );
  lines.push(
    `  shape: ${r.shape.outputs} output(s) × ${r.shape.inputs} input(s), ${r.shape.checkedInputs} checked; ${r.checked} compared, ${r.failed} failed`,
  );
  const atol = r.settings.atol === 'derived' ? `32·u·max|row|` : short(r.settings.atol);
  lines.push(
    `  tolerance = k·(error estimate + noise) + rtol·|numeric| + atol  with k = ${r.settings.k}, rtol = ${
      short(r.settings.rtol)
    }, atol = ${atol}`
      + (r.settings.digits ? `, ${r.settings.digits} digits` : ''),
  );
  if (r.projections && r.projections.length) {
    lines.push('  projections uᵀJv:');
    for (const p of r.projections) {
      lines.push(
        `    #${p.projection}: analytic ${g(p.analytic, 12)}  numeric ${g(p.numeric, 12)}  |diff| ${short(p.error)}  tol ${
          short(p.tolerance)
        }  ${isFailure(p) ? 'FAIL' : 'ok'}`,
      );
    }
  }
  const w = r.worst;
  if (w) {
    lines.push(`  worst: ${entryName(w, r.order)}`);
    lines.push(`    analytic        ${g(w.analytic, 15)}`);
    lines.push(`    numeric         ${g(w.numeric, 15)}`);
    lines.push(`    |diff|          ${short(w.error)}   (relative ${short(w.error / Math.abs(w.numeric))})`);
    lines.push(
      `    tolerance       ${short(w.tolerance)}   (error estimate ${short(w.errorEstimate)}, noise ${short(w.noise)}; ratio ${
        w.ratio.toPrecision(3)
      })`,
    );
  }
  const fl = r.failures.filter((f) => f.projection === undefined);
  if (fl.length) {
    lines.push(`  failing entries (worst first${r.failed > fl.length ? `, ${fl.length} of ${r.failed}` : ''}):`);
    lines.push('    output  input   analytic                 numeric                  |diff|     tolerance  ratio');
    for (const f of fl) {
      lines.push(
        `    ${String(f.output).padEnd(7)} ${String(f.input).padEnd(7)} ${g(f.analytic, 15).padEnd(24)} ${g(f.numeric, 15).padEnd(24)} ${
          short(f.error).padEnd(10)
        } ${short(f.tolerance).padEnd(10)} ${f.ratio.toPrecision(3)}`,
      );
    }
  }
  lines.push(`  ${r.message}`);
  return lines.join('\n');
}

/** Throw a GradcheckError (carrying the report) when the verdict is a failure. */
export function assertGradcheck(r: GradcheckReport): GradcheckReport {
  if (!r.ok) throw new GradcheckError(formatReport(r), r);
  return r;
}
