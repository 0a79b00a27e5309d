/**
 * Conventions as data (docs/profiles.md): each profile is a table of rows where a framework's
 * documented or observed behaviour differs from the exact limits of docs/semantics.md. Under
 * `--profile <name>` a result passes if it passes exactly, or if every element that fails
 * exactly passes against the alternative expected value of a row of that profile that
 * applies to the case; everything else is judged exactly. The judgement names the rows that
 * were needed, so the report can say which convention accepted which case.
 *
 * A row is narrow on purpose: it applies only where its predicate holds (e.g. "a row whose
 * maximum is ±∞"), and it accepts only the value the framework's formula produces there
 * (NaN, the clamped value), so a bug elsewhere — or a different wrong value at the same
 * place — still fails under every profile.
 */
import type { RawArgs } from '../core/regimes.js';
import { reference } from '../ops/evaluate.js';
import type { OpName } from '../ops/registry.js';
import type { ReferenceResult } from '../reference/index.js';
import { describe, type Dtype, type ElementJudgement, type Judgement, judgeResult } from './verdict.js';

export const PROFILES = ['exact', 'pytorch', 'onnx', 'tfjs'] as const;
export type ConventionProfile = (typeof PROFILES)[number];

export interface ConventionRow {
  /** "<profile>/<name>", quoted in reports */
  id: string;
  profile: Exclude<ConventionProfile, 'exact'>;
  ops: readonly OpName[];
  /** where the row applies (the predicate, in words) */
  where: string;
  /** the value(s) it accepts there */
  accepts: string;
  /** 'documented': the framework's docs / spec define it; 'source': it follows from the cited source lines; 'observed': reported behaviour */
  basis: 'documented' | 'source' | 'observed';
  /** framework docs URLs and source files (repository path, function) */
  cite: readonly string[];
  /**
   * The alternative expected result at normalised args `a`, given the exact reference result;
   * null where the row does not apply. Elements the row does not change keep the exact value.
   */
  alternative(op: OpName, a: Args, ref: ReferenceResult, raw: RawArgs): ReferenceResult | null;
}

type Args = Record<string, unknown>;
type Matrix = number[][];

// ---------------------------------------------------------------------------------------
// helpers: patch a reference result element by element

const FORMATS = ['float64', 'float32', 'float16', 'bfloat16'] as const;

function flatCount(v: unknown): number {
  return Array.isArray(v) ? v.reduce((acc: number, x) => acc + flatCount(x), 0) : 1;
}

/** map the leaves of a nested array (or a scalar) in row-major order */
function mapLeaves<T, U>(v: T | T[] | T[][], f: (x: T, i: number) => U): U | U[] | U[][] {
  let i = 0;
  const go = (x: unknown): unknown => (Array.isArray(x) ? x.map(go) : f(x as T, i++));
  return go(v) as U | U[] | U[][];
}

/** ref with element i replaced by value(i) (NaN, ±∞ or 0) where value(i) is not null */
function patch(ref: ReferenceResult, value: (i: number) => number | null): ReferenceResult {
  const out = { ...ref };
  out.decimal = mapLeaves(ref.decimal as string | string[] | string[][], (d, i) => {
    const v = value(i);
    return v === null ? d : Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  }) as ReferenceResult['decimal'];
  for (const f of FORMATS) {
    out[f] = mapLeaves(ref[f] as number | number[] | number[][], (x, i) => value(i) ?? x) as ReferenceResult[typeof f];
  }
  return out;
}

/** NaN at the flagged samples / rows of a per-sample result, or at the scalar if any flagged sample enters it */
function nanWhere(ref: ReferenceResult, flagged: boolean[], width: number): ReferenceResult | null {
  if (!flagged.some(Boolean)) return null;
  const n = flatCount(ref.float64);
  if (n === 1 && !Array.isArray(ref.float64)) return patch(ref, () => NaN);
  return patch(ref, (i) => (flagged[Math.floor(i / width)] ? NaN : null));
}

/** a row whose maximum is ±∞: a +∞ entry, or every entry −∞ (x − max is ∞ − ∞ there) */
const infiniteMax = (row: number[]) => !row.some(Number.isNaN) && (row.includes(Infinity) || row.every((v) => v === -Infinity));

const isProb = (t: unknown): t is Matrix => Array.isArray(t) && Array.isArray(t[0]);

/** index targets: is sample n ignored? */
const ignored = (a: Args, n: number) => !isProb(a.target) && (a.target as number[])[n] === a.ignore_index;

/** the cross-entropy coefficient a_{n,c} / C (docs/semantics.md): w_c·((1 − ε)·t_{n,c} + ε/C) */
function ceCoefficient(a: Args, n: number, c: number): number {
  const C = (a.logits as Matrix)[0].length;
  const w = a.weight ? (a.weight as number[])[c] : 1;
  const eps = a.label_smoothing as number;
  const t = isProb(a.target) ? a.target[n][c] : (a.target as number[])[n] === c ? 1 : 0;
  return w * ((1 - eps) * t + eps / C);
}

// ---------------------------------------------------------------------------------------
// row builders shared by several frameworks

/** NaN for every output of a row whose maximum is ±∞ (softmax family, cross-entropy, their backwards) */
function infiniteMaxRow(a: Args, op: OpName, ref: ReferenceResult): ReferenceResult | null {
  const rows = a.logits as Matrix;
  const backward = op.endsWith('_backward');
  // a forward loss: ignored samples are skipped by the frameworks' index-target kernels
  const flagged = rows.map((r, n) => infiniteMax(r) && (backward || op !== 'cross_entropy' || !ignored(a, n)));
  const width = op === 'softmax' || op === 'log_softmax' || backward ? rows[0].length : 1;
  return nanWhere(ref, flagged, width);
}

const ROW_OPS_FWD: readonly OpName[] = ['softmax', 'log_softmax', 'cross_entropy'];
const ROW_OPS_ALL: readonly OpName[] = [
  'softmax',
  'log_softmax',
  'softmax_backward',
  'log_softmax_backward',
  'cross_entropy',
  'cross_entropy_backward',
];

// ---------------------------------------------------------------------------------------
// the tables

const PYTORCH: ConventionRow[] = [
  {
    id: 'pytorch/bce-log-clamp',
    profile: 'pytorch',
    ops: ['binary_cross_entropy'],
    where: 'a log term below −100: p < e^−100 with t > 0, or 1 − p < e^−100 with t < 1',
    accepts: 'the loss with each log clamped at −100 (−w·(t·max(log p, −100) + (1 − t)·max(log(1 − p), −100)))',
    basis: 'documented',
    cite: [
      'https://pytorch.org/docs/stable/generated/torch.nn.BCELoss.html ("BCELoss clamps its log function outputs to be greater than or equal to -100")',
      'pytorch/pytorch aten/src/ATen/native/Loss.cpp, binary_cross_entropy_out_cpu: std::max(scalar_t(std::log(input_val)), scalar_t(-100))',
    ],
    alternative(op, a, _ref, raw) {
      const p = a.probs as number[];
      const t = a.target as number[];
      const lim = Math.exp(-100);
      if (!p.some((v, i) => (t[i] > 0 && v < lim) || (t[i] < 1 && 1 - v < lim))) return null;
      return reference(op, raw, { digits: 40, profile: 'pytorch' });
    },
  },
  {
    id: 'pytorch/bce-grad-eps',
    profile: 'pytorch',
    ops: ['binary_cross_entropy_backward'],
    where: 'p·(1 − p) < 1e−12 (p within 1e−12 of 0 or 1)',
    accepts: 'grad·w·(p − t)/max(p·(1 − p), 1e−12)/D, without the zero-coefficient rule',
    basis: 'source',
    cite: [
      'pytorch/pytorch aten/src/ATen/native/Loss.cpp, binary_cross_entropy_backward_out_cpu: grad_val * (input_val - target_val) / std::max((1 - input_val) * input_val, EPSILON), EPSILON = 1e-12',
    ],
    alternative(op, a, _ref, raw) {
      const p = a.probs as number[];
      if (!p.some((v) => v * (1 - v) < 1e-12)) return null;
      return reference(op, raw, { digits: 40, profile: 'pytorch' });
    },
  },
  {
    id: 'pytorch/softmax-infinite-max',
    profile: 'pytorch',
    ops: ROW_OPS_ALL,
    where: 'a row whose maximum is ±∞ (a +∞ logit, or [−∞] with C = 1): the kernels subtract the row maximum (∞ − ∞)',
    accepts: 'NaN for every output of that row, and for a mean / sum that includes it (index targets: unless ignored)',
    basis: 'observed',
    cite: [
      'https://github.com/pytorch/pytorch/issues/6864 (softmax and log_softmax return nan even when only 1 Inf is present; closed as expected)',
      'pytorch/pytorch aten/src/ATen/native/cpu/SoftMaxKernel.cpp (_vec_log_softmax_lastdim / _vec_softmax_lastdim: max, then x − max)',
    ],
    alternative: (op, a, ref) => infiniteMaxRow(a, op, ref),
  },
  {
    id: 'pytorch/zero-times-masked',
    profile: 'pytorch',
    ops: ['cross_entropy', 'nll_loss'],
    where:
      'a masked class (logit or log-probability −∞) that the formula multiplies by 0: index targets, the target class with weight 0; label smoothing, any class with weight 0; probability targets, a class whose weight·target is 0',
    accepts: 'NaN (0·(−∞)) for that sample, and for a mean / sum',
    basis: 'source',
    cite: [
      'https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html (ℓ_n = −w_{y_n}·x_{n,y_n})',
      'https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html (probability targets: ℓ_n = −Σ_c w_c·log(softmax)_{n,c}·y_{n,c})',
      'pytorch/pytorch aten/src/ATen/native/LossNLL.cpp: nll_loss_out_frame (loss = -input[i][target[i]] * weight[target[i]]); cross_entropy_loss_prob_target (-(input * target * weight).sum(class_dim)); cross_entropy_loss_label_smoothing (smooth_loss = -(input * weight).sum(class_dim))',
    ],
    alternative(op, a, ref) {
      if (op === 'nll_loss') {
        const lp = a.log_probs as Matrix;
        const t = a.target as number[];
        const flagged = lp.map((row, n) =>
          t[n] !== a.ignore_index && row[t[n]] === -Infinity && (a.weight ? (a.weight as number[])[t[n]] : 1) === 0
        );
        return nanWhere(ref, flagged, 1);
      }
      const x = a.logits as Matrix;
      const eps = a.label_smoothing as number;
      const w = (c: number) => (a.weight ? (a.weight as number[])[c] : 1);
      const flagged = x.map((row, n) => {
        if (ignored(a, n)) return false;
        return row.some((v, c) => {
          if (v !== -Infinity) return false;
          if (isProb(a.target)) return ceCoefficient(a, n, c) === 0;
          const y = (a.target as number[])[n];
          return (c === y && w(c) === 0) || (eps > 0 && w(c) === 0);
        });
      });
      return nanWhere(ref, flagged, 1);
    },
  },
  {
    id: 'pytorch/mean-zero-denominator-backward',
    profile: 'pytorch',
    ops: ['cross_entropy_backward'],
    where: "reduction 'mean' with index targets whose non-ignored weights sum to 0 (D = 0), on the rows that are not ignored",
    accepts: 'NaN on those rows (−w_y·grad/total_weight = 0/0, spread over the row by log_softmax_backward)',
    basis: 'source',
    cite: [
      'pytorch/pytorch aten/src/ATen/native/LossNLL.cpp, nll_loss_backward_out_frame: grad = -(grad_output_value / total_weight_value); grad_input[i][t] = weight[t] * grad, ignored targets skipped (0·(−∞) = NaN at total_weight 0)',
    ],
    alternative(_op, a, ref) {
      if (a.reduction !== 'mean' || isProb(a.target)) return null;
      const t = a.target as number[];
      const w = (c: number) => (a.weight ? (a.weight as number[])[c] : 1);
      if (t.some((y) => y !== a.ignore_index && w(y) !== 0)) return null;
      return nanWhere(ref, t.map((_, n) => !ignored(a, n)), (a.logits as Matrix)[0].length);
    },
  },
  {
    id: 'pytorch/bce-logits-infinite',
    profile: 'pytorch',
    ops: ['binary_cross_entropy_with_logits'],
    where: 'x = −∞ (any target), or x = +∞ with t = 1',
    accepts: 'NaN for that sample (whatever its weight), and for a mean / sum',
    basis: 'source',
    cite: [
      'pytorch/pytorch aten/src/ATen/native/Loss.cpp, binary_cross_entropy_with_logits: (1 - target) * input + max_val + log(exp(-max_val) + exp(-input - max_val)), max_val = (-input).clamp_min(0): (1 − t)·(−∞) + ∞ and 0·∞ are NaN',
    ],
    alternative(_op, a, ref) {
      const x = a.logits as number[];
      const t = a.target as number[];
      return nanWhere(ref, x.map((v, n) => v === -Infinity || (v === Infinity && t[n] === 1)), 1);
    },
  },
];

const ONNX: ConventionRow[] = [
  {
    id: 'onnx/softmax-infinite-max',
    profile: 'onnx',
    ops: ROW_OPS_FWD,
    where: 'a row whose maximum is ±∞ (a +∞ logit, or [−∞] with C = 1)',
    accepts: 'NaN for every output of that row (Softmax = Exp(x)/ReduceSum(Exp(x)): ∞/∞, 0/0), and for a mean / sum that includes it',
    basis: 'documented',
    cite: [
      'onnx/onnx docs/Operators.md, Softmax-13: "Softmax(input, axis) = Exp(input) / ReduceSum(Exp(input), axis=axis, keepdims=1)"; LogSoftmax-13: "Log(Softmax(input, axis=axis))"',
      'onnx/onnx docs/Operators.md, SoftmaxCrossEntropyLoss: "p = Softmax(scores), y = Log(p)"',
    ],
    alternative: (op, a, ref) => infiniteMaxRow(a, op, ref),
  },
  {
    id: 'onnx/nll-zero-weight-masked',
    profile: 'onnx',
    ops: ['cross_entropy', 'nll_loss'],
    where: 'index targets without label smoothing: the target class is masked (log-probability −∞) and its weight is 0',
    accepts: 'NaN (−(−∞)·0) for that sample, and for a mean / sum',
    basis: 'documented',
    cite: [
      'onnx/onnx docs/Operators.md, NegativeLogLikelihoodLoss: "loss[n][d_1][d_2]...[d_k] = -input[n][c][d_1][d_2]...[d_k] * weight[c]"',
      'onnx/onnx docs/Operators.md, SoftmaxCrossEntropyLoss: "l[i][d1][d2]...[dk] = -y[i][c][d1][d2]..[dk] * weights[c]"',
    ],
    alternative(op, a, ref) {
      const rows = (op === 'nll_loss' ? a.log_probs : a.logits) as Matrix;
      if (isProb(a.target) || (op === 'cross_entropy' && (a.label_smoothing as number) !== 0)) return null;
      const t = a.target as number[];
      const w = (c: number) => (a.weight ? (a.weight as number[])[c] : 1);
      return nanWhere(ref, rows.map((row, n) => t[n] !== a.ignore_index && row[t[n]] === -Infinity && w(t[n]) === 0), 1);
    },
  },
];

const TFJS: ConventionRow[] = [
  {
    id: 'tfjs/softmax-infinite-max',
    profile: 'tfjs',
    ops: ROW_OPS_ALL,
    where: 'a row whose maximum is ±∞ (a +∞ logit, or [−∞] with C = 1): x − max is ∞ − ∞',
    accepts: 'NaN for every output of that row, and for a mean / sum that includes it',
    basis: 'source',
    cite: [
      'tensorflow/tfjs tfjs-core/src/ops/log_softmax.ts (logits − max, then − log(sum(exp)))',
      'tensorflow/tfjs tfjs-backend-cpu/src/kernels/Softmax.ts (max, sub, exp, sum, div)',
      'tensorflow/tfjs tfjs-core/src/ops/losses/softmax_cross_entropy.ts (logResult = logits − logSumExp(logits); gradient exp(logResult) − labels)',
    ],
    alternative: (op, a, ref) => infiniteMaxRow(a, op, ref),
  },
  {
    id: 'tfjs/logsumexp-infinite-max',
    profile: 'tfjs',
    ops: ['logsumexp'],
    where: 'a row whose maximum is ±∞ (every entry −∞, or a +∞ entry)',
    accepts: 'NaN for that row (max + log(sum(exp(x − max))) with x − max = ∞ − ∞)',
    basis: 'source',
    cite: ['tensorflow/tfjs tfjs-core/src/ops/log_sum_exp.ts: xMax = max(x); a = sub(x, xMax); res = add(xMax, log(sum(exp(a))))'],
    alternative(_op, a, ref) {
      return nanWhere(ref, (a.logits as Matrix).map(infiniteMax), 1);
    },
  },
  {
    id: 'tfjs/softmax-ce-zero-label-masked',
    profile: 'tfjs',
    ops: ['cross_entropy'],
    where: 'a masked class (logit −∞) whose coefficient (label after smoothing, times class weight) is 0',
    accepts: 'NaN (−(−∞)·0) for that sample, and for a mean / sum',
    basis: 'source',
    cite: [
      'tensorflow/tfjs tfjs-core/src/ops/losses/softmax_cross_entropy.ts: costVector = neg(mul(logResult, labels)); value = sum(costVector, [dim])',
    ],
    alternative(_op, a, ref) {
      const x = a.logits as Matrix;
      return nanWhere(ref, x.map((row, n) => !ignored(a, n) && row.some((v, c) => v === -Infinity && ceCoefficient(a, n, c) === 0)), 1);
    },
  },
  {
    id: 'tfjs/sigmoid-ce-infinite',
    profile: 'tfjs',
    ops: ['binary_cross_entropy_with_logits'],
    where: 'x = +∞ (any target), or x = −∞ with t = 0',
    accepts: 'NaN for that sample (max(x, 0) − x·z: ∞ − ∞ or ∞·0), and for a mean / sum',
    basis: 'source',
    cite: ['tensorflow/tfjs tfjs-core/src/ops/losses/sigmoid_cross_entropy.ts: add(sub(relu(x), mul(x, z)), log1p(exp(neg(abs(x)))))'],
    alternative(_op, a, ref) {
      const x = a.logits as number[];
      const t = a.target as number[];
      return nanWhere(ref, x.map((v, n) => v === Infinity || (v === -Infinity && t[n] === 0)), 1);
    },
  },
];

export const CONVENTION_ROWS: readonly ConventionRow[] = [...PYTORCH, ...ONNX, ...TFJS];

export function rowsOf(profile: ConventionProfile): ConventionRow[] {
  return CONVENTION_ROWS.filter((r) => r.profile === profile);
}

export function isProfile(v: unknown): v is ConventionProfile {
  return typeof v === 'string' && (PROFILES as readonly string[]).includes(v);
}

// ---------------------------------------------------------------------------------------
// judging under a profile

export interface ProfileJudgement extends Judgement {
  /** ids of the profile rows that accepted an element the exact judgement did not pass */
  conventions?: string[];
}

const RANK = { fail: 2, tiny: 1, pass: 0 } as const;

/**
 * Judge `got` exactly, then — under a non-exact profile, if some element did not pass — against
 * each applicable row's alternative; per element the best verdict wins (the exact one on ties).
 */
export function judgeWithProfile(
  op: OpName,
  args: Args,
  raw: RawArgs,
  ref: ReferenceResult,
  got: unknown,
  dtype: Dtype,
  kappa: number[],
  opts: { strict: boolean; profile?: ConventionProfile },
): ProfileJudgement {
  const exact = judgeResult(op, args, ref, got, dtype, kappa, { strict: opts.strict });
  const profile = opts.profile ?? 'exact';
  if (profile === 'exact' || exact.status === 'pass' || !exact.all) return exact;
  const alts: { id: string; all: ElementJudgement[] }[] = [];
  for (const row of rowsOf(profile)) {
    if (!row.ops.includes(op)) continue;
    const alt = row.alternative(op, args, ref, raw);
    if (!alt) continue;
    const j = judgeResult(op, args, alt, got, dtype, kappa, { strict: opts.strict });
    if (j.all) alts.push({ id: row.id, all: j.all });
  }
  if (alts.length === 0) return exact;
  const used = new Set<string>();
  const elements = exact.all.map((e, i) => {
    let best = e;
    let by: string | null = null;
    for (const a of alts) {
      const c = a.all[i];
      if (c && RANK[c.status] < RANK[best.status]) {
        best = c;
        by = a.id;
      }
    }
    if (by) used.add(by);
    return best;
  });
  let worst: ElementJudgement | null = null;
  for (const e of elements) {
    if (!worst || RANK[e.status] > RANK[worst.status] || (RANK[e.status] === RANK[worst.status] && e.ratio > worst.ratio)) worst = e;
  }
  const status = worst?.status ?? 'pass';
  const conventions = [...used];
  const note = conventions.length ? ` (accepted by profile row${conventions.length > 1 ? 's' : ''} ${conventions.join(', ')})` : '';
  return {
    status,
    cls: worst?.cls ?? null,
    worst,
    elements: elements.length,
    message: describe(worst) + (status === 'pass' ? note : ''),
    all: elements,
    conventions,
  };
}

/** The tables of docs/profiles.md, one per profile (test/profiles.test.ts checks the page holds them verbatim). */
export function profilesMarkdown(): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out: string[] = [];
  for (const p of PROFILES) {
    if (p === 'exact') continue;
    out.push(`## \`--profile ${p}\``, '', '| row | ops | where | accepts | basis | citation |', '|---|---|---|---|---|---|');
    for (const r of rowsOf(p)) {
      out.push(
        `| \`${r.id}\` | ${r.ops.map((o) => `\`${o}\``).join(', ')} | ${esc(r.where)} | ${esc(r.accepts)} | ${r.basis} | ${
          r.cite.map(esc).join('<br>')
        } |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
