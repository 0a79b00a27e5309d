/**
 * A float32 implementation of the row ops, the elementwise ops and cross_entropy: every
 * input is rounded to float32 and every arithmetic operation is followed by Math.fround, as
 * a float32 kernel would compute (exp / log1p are evaluated in float64 and rounded once,
 * like a correctly rounded float32 libm would within half an ulp).
 *
 * Declared float32 it is a correct variant of the kill matrix (verify generates
 * float32-representable inputs and judges with u = 2^-24). Declared float64 it is the
 * planted bug "float32 accumulation claimed as float64".
 */
import {
  argmax,
  ceSetup,
  pz,
  specialRow,
  zmul,
  type CeArgs,
  type Matrix,
  type Ops,
  type RowAnalysis,
  type Vector,
} from '../../../examples/adapters/correct.mjs';

const F = Math.fround;

/** float32 recursive summation: every partial sum rounded */
function fsum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s = F(s + x);
  return s;
}

const f32 = (v: number[]) => v.map(F);

function analyseRow32(row: readonly number[]): RowAnalysis {
  const x = row.map(F);
  const special = specialRow(x);
  if (special) return special;
  const k = argmax(x);
  const m = x[k];
  const d = x.map((v) => F(v - m)); // −Infinity for masked entries (and overflowing differences)
  const e = d.map((v) => F(Math.exp(v)));
  e[k] = 1;
  const others = fsum(e.filter((_, j) => j !== k));
  const S = F(1 + others);
  const L = F(Math.log1p(others));
  const p = e.map((v) => F(v / S));
  const lsm = d.map((v) => (v === -Infinity ? -Infinity : F(v - L)));
  return { p, lsm, lse: F(m + L), q: (j) => F(fsum(e.filter((_, i) => i !== j)) / S), nan: false };
}

function sigmoid32(x: number): number {
  if (x >= 0) return F(1 / F(1 + F(Math.exp(-x))));
  const e = F(Math.exp(x));
  return F(e / F(1 + e));
}

function softplus32(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 0) return F(x + F(Math.log1p(F(Math.exp(-x)))));
  return F(Math.log1p(F(Math.exp(x))));
}

export const float32Ops = {
  softmax: ({ logits }: { logits: Matrix }) => logits.map((r) => analyseRow32(r).p.map(pz)),
  log_softmax: ({ logits }: { logits: Matrix }) => logits.map((r) => analyseRow32(r).lsm.map(pz)),
  logsumexp: ({ logits }: { logits: Matrix }) => logits.map((r) => pz(analyseRow32(r).lse)),
  sigmoid: ({ x }: { x: Vector }) => x.map((v) => pz(sigmoid32(F(v)))),
  softplus: ({ x }: { x: Vector }) => x.map((v) => pz(softplus32(F(v)))),
  log_sigmoid: ({ x }: { x: Vector }) => x.map((v) => pz(-softplus32(-F(v)))),
  cross_entropy(args: CeArgs): number | Vector {
    const a32: CeArgs = {
      ...args,
      logits: args.logits.map(f32),
      weight: args.weight ? f32(args.weight) : undefined,
      label_smoothing: F(args.label_smoothing ?? 0),
      target: Array.isArray(args.target[0]) ? (args.target as Matrix).map(f32) : args.target,
    };
    const s = ceSetup(a32);
    const coef = s.coef.map(f32);
    const losses = s.logits.map((x, n) => {
      if (s.ignored[n]) return 0;
      const r = analyseRow32(x);
      if (r.nan) return NaN;
      return fsum(coef[n].map((a, c) => F(zmul(a, -r.lsm[c]))));
    });
    if (s.red === 'none') return losses.map(pz);
    const total = fsum(losses);
    if (s.red === 'sum') return pz(total);
    const D = F(s.D);
    return D === 0 ? NaN : pz(F(total / D));
  },
  sigmoid_backward({ x, grad_output }: { x: Vector; grad_output: Vector }): Vector {
    return x.map((v, n) => {
      const e = F(Math.exp(-Math.abs(F(v))));
      const q = F(1 + e);
      return F(F(grad_output[n]) * F(e / F(q * q)));
    });
  },
} satisfies Ops;
