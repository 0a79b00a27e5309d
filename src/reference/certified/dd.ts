/**
 * Double-double (DD) arithmetic with a running, proven error bound, for the certified fast
 * path of the reference (CORE-MATH's method: fast evaluation + rigorous bound + rounding
 * test, falling back to the decimal.js Ziv loop when the test fails).
 *
 * A value is carried as three doubles (hi, lo, err): hi + lo is a normalised DD
 * (|lo| ≤ ulp(hi)/2 ≤ u·|hi|, u = 2^-53) and err ≥ |exact − (hi + lo)| is an absolute error
 * bound. Every operation writes its result to the scratch array `O` = [hi, lo, err] (no
 * allocation on the hot path) and adds its own rounding error to the propagated errors.
 *
 * Error-free transforms (exact when nothing overflows or underflows):
 *   TwoSum(a, b) = (s, e), s + e = a + b exactly (Knuth; any a, b);
 *   TwoProd(a, b) = (p, e), p + e = a·b exactly (Dekker with Veltkamp splitting — JS has
 *   no FMA), for |a|, |b| < 2^996 and |a·b| ≥ 2^-969. Callers keep every operand in
 *   [2^-900, 2^900] (mantissas with a separate exponent), so the only underflow left is
 *   in products with a tiny operand; each operation adds TINY = 2^-1068, which is more
 *   than any such loss (a few times 2^-1075).
 *
 * Bounds of one operation (u = 2^-53, inputs normalised; derivations in docs/reference.md;
 * an operation on two plain doubles (lows 0) is exact — TwoSum, or TwoProd without
 * underflow — and adds no error, which keeps exact results such as 0 exact):
 *   add:  |fl(x + y) − (x + y)| ≤ 3u²·(1 + 4u)·(|xh| + |yh|) ≤ ADD_C·(|xh| + |yh|)
 *         (TwoSum of the highs is exact; the two remaining roundings are of the sum of the
 *         lows, ≤ u·(|xl| + |yl|) ≤ u²(|xh| + |yh|), and of e + w with |e| ≤ u|s|,
 *         |w| ≤ u(1 + u)(|xh| + |yh|), ≤ 2u²(1 + u)(|xh| + |yh|); the final TwoSum is exact).
 *   mul:  |fl(x·y) − x·y| ≤ 8u²·(1 + 2u)·|xh·yh| ≤ MUL_C·|xh|·|yh|
 *         (TwoProd exact; the cross products xh·yl, xl·yh are rounded (2u²), so is their sum
 *         (2u²), and the sum with the TwoProd error (3u²); the dropped xl·yl is ≤ u²).
 *   propagation: x̃ỹ − xy with |x̃ − x| ≤ ex, |ỹ − y| ≤ ey: ≤ |x̃|·ey + |ỹ|·ex + ex·ey.
 *   div:  a posteriori: q ≈ x/y from any algorithm, then |x/y − q| ≤ (|x − q·y|)/|y| with
 *         x − q·y evaluated in DD with the add/mul bounds above (see `div`).
 * The bounds themselves are computed in double arithmetic, each term rounded to nearest;
 * a chain of at most a few hundred such roundings underestimates by a factor ≥ 1 − 2^-44,
 * which `INFLATE` (applied once, in the rounding test) covers.
 */

export const U = 2 ** -53;
export const ADD_C = 3.01 * 2 ** -106;
export const MUL_C = 8.02 * 2 ** -106;
/** absolute slack per operation for underflowed low-order parts (≥ several 2^-1075) */
export const TINY = 2 ** -1068;
/** relative slack for the rounding of the error-bound arithmetic itself */
export const INFLATE = 1 + 2 ** -40;
/** a factor ≥ 1 + 2u: |x| ≤ |xh|·MAG for a normalised DD x */
const MAG = 1 + 2 ** -50;

const SPLITTER = 134217729; // 2^27 + 1

/** scratch result: [hi, lo, err] */
export const O = new Float64Array(3);

/** O[0..1] <- a + b exactly (Knuth TwoSum); O[2] untouched. */
export function twoSum(a: number, b: number): void {
  const s = a + b;
  const bp = s - a;
  O[0] = s;
  O[1] = a - (s - bp) + (b - bp);
}

/** O[0..1] <- a·b exactly (Dekker TwoProd with Veltkamp splitting); O[2] untouched. */
export function twoProd(a: number, b: number): void {
  const p = a * b;
  const c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  const d = SPLITTER * b;
  const bh = d - (d - b);
  const bl = b - bh;
  O[0] = p;
  O[1] = ah * bh - p + ah * bl + al * bh + al * bl;
}

/** O <- (x ± ex) + (y ± ey). */
export function add(xh: number, xl: number, ex: number, yh: number, yl: number, ey: number): void {
  const s = xh + yh;
  const bp = s - xh;
  const e = xh - (s - bp) + (yh - bp);
  const t = e + (xl + yl);
  // final renormalisation by a full TwoSum (s may be smaller than t after cancellation)
  const h = s + t;
  const hp = h - s;
  O[0] = h;
  O[1] = s - (h - hp) + (t - hp);
  // with both lows 0, w = 0 and t = e exactly: the sum is exact (TwoSum is, even in subnormals)
  O[2] = xl === 0 && yl === 0 ? ex + ey : ex + ey + ADD_C * (Math.abs(xh) + Math.abs(yh)) + TINY;
}

/** O <- (x ± ex)·(y ± ey). */
export function mul(xh: number, xl: number, ex: number, yh: number, yl: number, ey: number): void {
  const p = xh * yh;
  const c = SPLITTER * xh;
  const ah = c - (c - xh);
  const al = xh - ah;
  const d = SPLITTER * yh;
  const bh = d - (d - yh);
  const bl = yh - bh;
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  const t = e + (xh * yl + xl * yh);
  const h = p + t;
  const hp = h - p;
  const ax = Math.abs(xh);
  const ay = Math.abs(yh);
  O[0] = h;
  O[1] = p - (h - hp) + (t - hp);
  const prop = (ax * ey + ay * ex) * MAG + ex * ey;
  // with both lows 0 the cross products vanish and TwoProd is exact unless it underflows
  // (|p| < 2^-969, including a product that rounds to 0) or a splitting overflows
  // (|xh| or |yh| ≥ 2^996); a zero factor gives an exact 0
  const exact = xl === 0 && yl === 0 && (ax === 0 || ay === 0 || (Math.abs(p) >= 2 ** -969 && Math.abs(p) < Infinity)) && ax < 2 ** 996
    && ay < 2 ** 996;
  O[2] = exact ? prop : MUL_C * ax * ay + prop + TINY;
}

/**
 * O <- (x ± ex)/(y ± ey), y ≠ 0. q = q1 + r by one correction step; then, a posteriori,
 * ρ = x̃ − q·ỹ in DD (|error| ≤ MUL_C|qh||yh| + ADD_C(|xh| + |ρ'h|)), and
 *   |x/y − q| ≤ (|ρ| + ex + |q|·ey)/(|ỹ| − ey)
 * for the exact x, y. Returns with O[2] = Infinity when |yh| is not well above ey.
 */
export function div(xh: number, xl: number, ex: number, yh: number, yl: number, ey: number): void {
  if (xh === 0 && xl === 0 && ex === 0 && Math.abs(yh) * (1 - 2 ** -50) > ey) {
    // exactly 0 over a nonzero divisor: exactly 0 (keeps exact zeros, e.g. softmax_backward's)
    O[0] = 0;
    O[1] = 0;
    O[2] = 0;
    return;
  }
  const q1 = xh / yh;
  twoProd(q1, yh);
  const r = (xh - O[0] - O[1] + xl - q1 * yl) / yh;
  const qh = q1 + r;
  const ql = r - (qh - q1);
  // residual x − q·y
  mul(qh, ql, 0, yh, yl, 0);
  const mh = O[0];
  const ml = O[1];
  const em = O[2];
  add(xh, xl, 0, -mh, -ml, em);
  const rho = Math.abs(O[0]) * MAG + O[2];
  const den = Math.abs(yh) * (1 - 2 ** -50) - ey;
  O[0] = qh;
  O[1] = ql;
  O[2] = den > 0 ? ((rho + ex + Math.abs(qh) * MAG * ey) / den) * MAG + TINY : Infinity;
}

/** |x| ≤ this bound for O's current value (hi, lo, err). */
export function magOf(h: number, e: number): number {
  return Math.abs(h) * MAG + e;
}
