/**
 * The numerical-stability audit (docs/audit.md): sweeps, thresholds, gradient checks and the
 * HTML / JSON reports of `xent-oracle audit`.
 */
export { AUDIT_SCHEMA, formatAuditTerminal, runAudit, replayFor } from './run.js';
export type { AuditOptions, AuditPoint, AuditReport, AuditSweep, GradientCheck, OpAudit, Threshold, WorstCase } from './run.js';
export { formatAuditHtml, esc } from './html.js';
export { sweepsFor, gradientPoints } from '../ops/evaluate.js';
export { scaleGrid, widthGrid, type Sweep, type SweepId, type SweepOptions } from '../ops/lib/sweeps.js';
export { judgePoint, WIDE_C, type PointEval, type BreakKind, type JudgeContext } from './judge.js';
export { analyticKappa, analyticKappaApplies } from '../verify/condition.js';
export { fdCheck, FdSkip, type FdResult } from './gradients.js';
export { bcePlot, type BcePlot } from './bceplot.js';
