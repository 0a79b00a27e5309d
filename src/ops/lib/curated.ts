/**
 * The curated golden cases: the data behind oracles/<op>.json, named by each op's record
 * (`curated`). Each entry is a case of the fixture format without its expectations (name,
 * args exactly as the op takes them, tags); scripts/generate-oracles.mjs only evaluates the reference on each of them.
 *
 * Ids are "<op>/<name>" and never change once published (consumers pin them). Tags name what
 * a case stresses; the generator adds "curated", and computes "float32-inputs" (every number
 * in args is exactly a float32), "reduction:<r>" (loss ops) and "subnormal-output" /
 * "subnormal-output-float32" (from the expectations). Vocabulary: docs/fixtures.md.
 *
 * Size: every case here is small except the two rows of 10^4 logits (logsumexp/wide-row-10000
 * and cross_entropy/wide-row-10000): ops with a scalar result per row, so the files stay
 * small (the expectations of a 10^4-wide softmax would add ~1.3 MB).
 */

// Constants shared by the families' curated cases (src/ops/<family>/curated.ts).

export const f = Math.fround;
export const INF = Infinity;
export const NAN = NaN;

/** float64 exp limits: exp overflows above ~709.78, underflows to 0 below ~-745.13 */
export const E64 = { over: 709.78, under: -745.13 };
/** float32 exp limits, as float32 values */
export const E32 = { over: f(88.72), under: f(-103.97) };

export const LN9 = Math.log(9); // logit of 0.9

/** 10^4 logits: multiples of 1/16 in [-62.5, 62.5] (short to write, float32-exact) */
export const ROW_10000 = Array.from({ length: 10000 }, (_, k) => (((k * 7919) % 2001) - 1000) / 16);
/** 256 logits: a smooth spread, multiples of 1/64 */
export const ROW_256 = Array.from({ length: 256 }, (_, k) => (((k * 37) % 257) - 128) / 64);

export const ARTICLE_7 = [1, 5, 6, 4, 2, 2.6, 6];
