/**
 * Example: second and third order.
 *
 * For cross-entropy w.r.t. the logits x of one row with target y:
 *   gradient  ∇ = p − e_y,
 *   Hessian   H = diag(p) − ppᵀ,            H·v = p ⊙ (v − ⟨p, v⟩),
 *   third     d/dt [H(x + t·u)·v] at t = 0 = p ⊙ ((u − ⟨p, u⟩) ⊙ (v − ⟨p, v⟩) − Cov_p(u, v)),
 *             Cov_p(u, v) = ⟨p, u ⊙ v⟩ − ⟨p, u⟩⟨p, v⟩.
 * Derivation of the third-order term: ∂p_j/∂x_k = p_j(δ_jk − p_k), so with c = ⟨p, v⟩,
 * ∂c/∂x_k = p_k(v_k − c) and ∂/∂x_k [p_j(v_j − c)] = p_j(δ_jk − p_k)(v_j − c) − p_j p_k(v_k − c);
 * contracting with u_k gives p_j[(u_j − ⟨p, u⟩)(v_j − c) − ⟨p, u ⊙ (v − c)⟩], and
 * ⟨p, u ⊙ (v − c)⟩ = Cov_p(u, v). It is symmetric in u and v, as a third derivative must be.
 *
 * gradgradcheck checks H·v against numeric derivatives of the gradient; thirdOrderCheck checks
 * the third-order term against numeric derivatives of x ↦ H(x)·v.
 *
 * Run: npm run build && node examples/gradcheck/hessian.mjs   (or call run() from your own code;
 * tested by test/gradcheck-examples.test.ts).
 */
import { pathToFileURL } from 'node:url';
import { formatReport, gradgradcheck, thirdOrderCheck } from 'xent-oracle';

/** @typedef {import('xent-oracle').GradcheckReport} GradcheckReport */

/**
 * @param {ArrayLike<number>} x
 * @returns {number[]}
 */
export function softmax(x) {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]);
  const e = Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** @type {(a: ArrayLike<number>, b: ArrayLike<number>) => number} */
const dot = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * ∇_x CE(x, y) = p − e_y
 * @type {(y: number) => (x: ArrayLike<number>) => number[]}
 */
export const ceGradient = (y) => (x) => softmax(x).map((p, j) => p - (j === y ? 1 : 0));

/**
 * H·v = p ⊙ (v − ⟨p, v⟩) (independent of y)
 * @param {ArrayLike<number>} x
 * @param {ArrayLike<number>} v
 * @returns {number[]}
 */
export function ceHvp(x, v) {
  const p = softmax(x);
  const pv = dot(p, v);
  return p.map((pj, j) => pj * (v[j] - pv));
}

/**
 * D³CE[u, v, ·] = p ⊙ ((u − ⟨p,u⟩) ⊙ (v − ⟨p,v⟩) − Cov_p(u, v))
 * @param {ArrayLike<number>} x
 * @param {ArrayLike<number>} u
 * @param {ArrayLike<number>} v
 * @returns {number[]}
 */
export function ceThird(x, u, v) {
  const p = softmax(x);
  const pu = dot(p, u);
  const pv = dot(p, v);
  let cov = 0;
  for (let j = 0; j < p.length; j++) cov += p[j] * (u[j] - pu) * (v[j] - pv);
  return p.map((pj, j) => pj * ((u[j] - pu) * (v[j] - pv) - cov));
}

/**
 * @param {(s: string) => void} [log]
 * @returns {{ hessian: GradcheckReport, third: GradcheckReport, wrongHessian: GradcheckReport, wrongThird: GradcheckReport }}
 *   wrongHessian: H without the −ppᵀ term (a common slip), wrongThird: the third-order term without its covariance term; both must fail
 */
export function run(log = console.log) {
  const x = [0.4, -1.1, 2.0, 0.3];
  const y = 2;
  const hessian = gradgradcheck(ceGradient(y), x, { hvp: ceHvp });
  log(formatReport(hessian));
  const third = thirdOrderCheck(ceHvp, x, { third: ceThird }, { seed: 5 });
  log(third.message);
  const wrongHessian = gradgradcheck(ceGradient(y), x, { hvp: (z, v) => softmax(z).map((p, j) => p * v[j]) });
  log(wrongHessian.message);
  const wrongThird = thirdOrderCheck(
    ceHvp,
    x,
    {
      third: (z, u, v) => {
        const p = softmax(z);
        const pu = dot(p, u);
        const pv = dot(p, v);
        return p.map((pj, j) => pj * (u[j] - pu) * (v[j] - pv));
      },
    },
    { seed: 5 },
  );
  log(wrongThird.message);
  return { hessian, third, wrongHessian, wrongThird };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) run();
