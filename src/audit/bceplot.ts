/**
 * The articles' plot: binary cross-entropy J(w) for y = 1 and y = 0 against the sigmoid output
 * φ(z), z from −5 to 5, computed by the audited implementation (its binary_cross_entropy on
 * φ = its sigmoid(z)) beside the exact values (J = −log σ(z) and −log(1 − σ(z)), the reference
 * at the exact φ). The implementation's J is judged by verify's verdict at its own φ.
 */
import type { RawArgs } from '../core/regimes.js';
import type { JudgeContext } from './judge.js';
import { judgePoint } from './judge.js';
import { reference } from '../ops/evaluate.js';

export interface BceCurve {
  /** φ(z) per z */
  phi: number[];
  /** J for y = 1 and y = 0 per z */
  j1: number[];
  j0: number[];
}

export interface BcePlot {
  /** the z grid (−5 … 5, step 0.1; float32 values for float32 implementations) */
  z: number[];
  reference: BceCurve;
  /** null when the implementation does not offer sigmoid and binary_cross_entropy (see note) */
  implementation: BceCurve | null;
  /** the verdicts of the implementation's BCE at its own φ, and of its sigmoid */
  verdicts: {
    op: string;
    target: number | null;
    status: string;
    errUlp: number | null;
    allowedUlp: number | null;
    ratio: number | null;
    message: string;
  }[];
  note: string;
}

function nums(v: unknown): number[] {
  return Array.isArray(v) ? (v as unknown[]).map(Number) : [Number(v)];
}

export async function bcePlot(ctx: JudgeContext, ops: readonly string[]): Promise<BcePlot> {
  const round = ctx.dtype === 'float32' ? Math.fround : (x: number) => x;
  const z = Array.from({ length: 101 }, (_, i) => round(Number((-5 + i * 0.1).toFixed(1))));
  const ref1 = reference('binary_cross_entropy_with_logits', { logits: z, target: z.map(() => 1), reduction: 'none' }, { digits: 20 });
  const ref0 = reference('binary_cross_entropy_with_logits', { logits: z, target: z.map(() => 0), reduction: 'none' }, { digits: 20 });
  const refPhi = reference('sigmoid', { x: z }, { digits: 20 });
  const refCurve: BceCurve = { phi: nums(refPhi[ctx.dtype]), j1: nums(ref1[ctx.dtype]), j0: nums(ref0[ctx.dtype]) };
  const plot: BcePlot = { z, reference: refCurve, implementation: null, verdicts: [], note: '' };
  const missing = ['sigmoid', 'binary_cross_entropy'].filter((op) => !ops.includes(op));
  if (missing.length) {
    plot.note = `The implementation does not offer ${missing.join(' or ')}: only the exact curves are drawn.`;
    return plot;
  }
  const sig = await judgePoint(ctx, 'sigmoid', { x: z }, true);
  plot.verdicts.push({
    op: 'sigmoid',
    target: null,
    status: sig.status,
    errUlp: sig.errUlp,
    allowedUlp: sig.allowedUlp,
    ratio: sig.ratio,
    message: sig.message,
  });
  if (sig.got === undefined) {
    plot.note = `sigmoid did not return a result: ${sig.message}`;
    return plot;
  }
  const phi = nums(sig.got);
  if (phi.some((p) => !(p >= 0 && p <= 1))) {
    plot.note = 'sigmoid returned values outside [0, 1] (or NaN): binary_cross_entropy cannot be applied to them.';
    return plot;
  }
  const curves: number[][] = [];
  for (const t of [1, 0]) {
    const args: RawArgs = { probs: phi, target: phi.map(() => t), reduction: 'none' };
    const r = await judgePoint(ctx, 'binary_cross_entropy', args, true);
    plot.verdicts.push({
      op: 'binary_cross_entropy',
      target: t,
      status: r.status,
      errUlp: r.errUlp,
      allowedUlp: r.allowedUlp,
      ratio: r.ratio,
      message: r.message,
    });
    if (r.got === undefined) {
      plot.note = `binary_cross_entropy did not return a result: ${r.message}`;
      return plot;
    }
    curves.push(nums(r.got));
  }
  plot.implementation = { phi, j1: curves[0], j0: curves[1] };
  plot.note = "The implementation's binary_cross_entropy at φ = its sigmoid(z), judged against the exact loss at that φ.";
  return plot;
}
