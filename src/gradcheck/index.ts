/**
 * Gradient checkers: check any gradient (a catalog op's backward, your own op's, a whole
 * model's loss) against derivatives computed independently. See docs/gradcheck.md.
 */
export { GradcheckError } from './errors.js';
export type { Dtype, GradInput, FloatFormat } from './format.js';
export { FLOAT32, FLOAT64 } from './format.js';
export type { Analytic, EntryCheck, FnOutput, GradcheckMode, GradcheckOptions, GradcheckReport, JacobianLike } from './types.js';
export { centralStepFactor, GRADCHECK_DEFAULTS, gradcheck, noiseProbeFactor, riddersStepFactor } from './gradcheck.js';
export { DECIMAL_DEFAULTS, decimalClass, exactDecimal, gradcheckDecimal } from './decimal.js';
export type { DecimalFn, DecimalOutput, GradcheckDecimalOptions } from './decimal.js';
export { gradgradcheck, thirdOrderCheck } from './second.js';
export type { HessianAnalytic, ThirdOrderOptions } from './second.js';
export { assertGradcheck, formatReport } from './report.js';
export { DEFAULT_SEED, SeededRandom } from '../core/prng.js';
export { ecnoise } from './noise.js';
export { ridders, RIDDERS_CON, RIDDERS_NTAB, RIDDERS_SAFE } from './ridders.js';
export type { RiddersResult, SecantRow } from './ridders.js';
export { argumentPoint, getReferenceDecimal, opDecimalFunction, opFunction, opVjp, setReferenceDecimal, withArgument } from './hooks.js';
export type { ReferenceDecimalHook } from './hooks.js';
