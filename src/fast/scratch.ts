/**
 * The result registers of the fast kernels' helpers, owned by one kernel call.
 *
 * The double-double helpers (accurate.ts) and the row helpers (softmax.ts, the loss
 * files) return two to four numbers each, on every element of every row. Returning them
 * as objects or arrays would allocate per element (the kernels allocate nothing per
 * element, which is what keeps them within ~1.0-1.5x of the plain shifted algorithm), so
 * each helper writes its results into a named register of a `Scratch` that its caller
 * passes in, and the caller reads them back at once. The registers used to be
 * module-level arrays shared between files; now every top-level kernel (softmax64,
 * crossEntropy, sigmoid, ...) makes its own `Scratch` once per call and hands it down,
 * so no state outlives a call or is shared between two calls (re-entrancy, and no
 * hidden coupling between files: who writes a register is visible at the call).
 *
 * Convention: a register holds the result of the LAST helper call that writes it, so read
 * it (or copy it to locals) before the next such call. Which helper writes which register
 * is said beside each field.
 */
export class Scratch {
  /** [hi, lo]: the double-double result of twoSum, twoProd, ddAdd, ddMul, ddDiv, log1pDD, ... (accurate.ts) */
  readonly dd = new Float64Array(2);
  /** [hi, lo, exponent]: exp as (hi + lo) * 2^exponent, from expAcc / expDDFull (accurate.ts) */
  readonly ex = new Float64Array(3);
  /** [max, argmax (first), number of +Infinity entries] of a row, from scanRow (softmax.ts) */
  readonly scan = new Float64Array(3);
  /** [s_hi, s_lo]: s = sum over j != argmax of exp(x_j - max), from expRow / expRowAcc (softmax.ts) */
  readonly sum = new Float64Array(2);
  /** [L_hi, L_lo]: L = log1p(s), from rowLog (softmax.ts) */
  readonly lg = new Float64Array(2);
  /** [ih, il, ihh, ihl]: 1 / (1 + s) in double-double and the Dekker split of ih, from invOnePlusS (softmax.ts) */
  readonly inv = new Float64Array(4);
  /** [softplus(x) hi, lo, softplus(-x) hi, lo], from softplusPair (bce.ts) */
  readonly sp = new Float64Array(4);
  /** [sigmoid(x) hi, lo, sigmoid(-x) hi, lo], from sigmoidPair (bce.ts) */
  readonly sg = new Float64Array(4);
}
