/**
 * Errors of the gradient checkers. A GradcheckError means the check itself could not be
 * carried out as asked (shape mismatch, non-finite values, an input that cannot hold
 * x + h, bad options); the message names the problem, the input index and the step.
 * A failed *verdict* is not an error: gradcheck returns a report with ok = false, and
 * assertGradcheck turns such a report into a GradcheckError carrying it.
 */
export class GradcheckError extends Error {
  override name = 'GradcheckError';
  /** the report, when the error is a failed verdict raised by assertGradcheck */
  readonly report?: unknown;
  constructor(message: string, report?: unknown) {
    super(message);
    if (report !== undefined) this.report = report;
  }
}
