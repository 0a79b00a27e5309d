/**
 * Fast binary_cross_entropy and binary_cross_entropy_with_logits (pos_weight), forward and
 * backward, over flat arrays [N] (shared rules: loss_common.ts).
 *
 *  - binary_cross_entropy: log p via log1p(p - 1) for p >= 1/2 (exact argument) and a
 *    Newton-corrected Math.log below; log(1 - p) via log1p(-p); its gradient as
 *    (p - t) / (p (1 - p)) with an exact p - t.
 *  - binary_cross_entropy_with_logits via softplus: l = w (pw t softplus(-x) +
 *    (1 - t) softplus(x)), both terms >= 0; gradient w ((1 - t) sigma(x) - pw t sigma(-x)).
 *
 * Measured vs mpmath (test/fast.test.ts): max 1 ulp in float64 and float32 (BCE with p
 * within 1e-300 of 0 / 1 included). Where a gradient entry itself cancels
 * ((1 - t) sigma(x) ~ pw t sigma(-x)) the error is ~2^-70 of the cancelling terms.
 * Choice where docs/semantics.md leaves room (tested in test/fast-special.test.ts): a
 * gradient entry with an infinite derivative (p = 0 or 1) and grad_output * weight = 0 is 0.
 * Every kernel makes one Scratch (scratch.ts) per call for the helpers' results.
 */
import { P2, P2_OFFSET, expAcc, ddAdd, ddDiv, ddMul, log1pDD, round2, twoProd, twoSum } from './accurate.js';
import { type GradOutput, type Reduction, finish, gradOf, isF32, reduceDD } from './loss_common.js';
import { Scratch } from './scratch.js';
import { type FloatArray, widen } from './softmax.js';

export interface BinaryCrossEntropyOptions {
  /** per-element weights [N] */
  weight?: FloatArray;
  reduction?: Reduction;
}

export interface BceWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** default 1 */
  posWeight?: number;
}

// ---------------------------------------------------------------------------------------
// binary cross-entropy

/** DD <- log(p) for 0 < p < 1/2 (Math.log plus a Newton step with the table exp) */
function logSmall(scr: Scratch, p: number): void {
  const DD = scr.dd;
  const EX = scr.ex;
  const L0 = Math.log(p);
  expAcc(scr, L0, 0);
  const H = EX[0];
  const Lo = EX[1];
  const E = EX[2];
  const ps = -E > 1000 ? p * P2[P2_OFFSET + 1000] * P2[P2_OFFSET - E - 1000] : p * P2[P2_OFFSET - E];
  const delta = ((ps - H) - Lo) / H;
  const h = L0 + delta;
  DD[0] = h;
  DD[1] = delta - (h - L0);
}

/** DD <- log(p), p in [0, 1] */
function logProb(scr: Scratch, p: number): void {
  const DD = scr.dd;
  if (p === 0) {
    DD[0] = -Infinity;
    DD[1] = 0;
  } else if (p >= 0.5) log1pDD(scr, p - 1, 0);
  else logSmall(scr, p);
}

/** DD <- log(1 - p), p in [0, 1] */
function log1mProb(scr: Scratch, p: number): void {
  const DD = scr.dd;
  if (p === 1) {
    DD[0] = -Infinity;
    DD[1] = 0;
  } else if (p <= 0.5) log1pDD(scr, -p, 0);
  else logSmall(scr, 1 - p); // 1 - p exact for p >= 1/2
}

function bceCheck(a: FloatArray, b: FloatArray, what: string): void {
  if (b.length !== a.length) throw new RangeError(`${what}: target has ${b.length} entries but the input has ${a.length}`);
  if (a.length === 0) throw new RangeError(`${what}: empty input`);
}

/** binary_cross_entropy of probabilities [n] */
export function binaryCrossEntropy(
  probs: FloatArray,
  target: FloatArray,
  opts: BinaryCrossEntropyOptions = {},
  out?: FloatArray,
): number | FloatArray {
  const scr = new Scratch();
  const DD = scr.dd;
  bceCheck(probs, target, 'binary_cross_entropy');
  const n = probs.length;
  const red = opts.reduction ?? 'mean';
  const w = opts.weight ? widen(opts.weight) : undefined;
  const LH = new Float64Array(n);
  const LL = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    const t = target[i];
    const wn = w ? w[i] : 1;
    if (p !== p || t !== t || wn !== wn) {
      LH[i] = NaN;
      continue;
    }
    if (wn === 0) continue;
    let sh = 0;
    let sl = 0;
    if (t !== 0) {
      logProb(scr, p);
      ddMul(scr, t, 0, DD[0], DD[1]);
      sh = DD[0];
      sl = DD[1];
    }
    if (t !== 1) {
      log1mProb(scr, p);
      const lh = DD[0];
      const ll = DD[1];
      twoSum(scr, 1, -t);
      ddMul(scr, DD[0], DD[1], lh, ll);
      ddAdd(scr, sh, sl, DD[0], DD[1]);
      sh = DD[0];
      sl = DD[1];
    }
    ddMul(scr, wn, 0, sh, sl);
    LH[i] = 0 - DD[0];
    LL[i] = -DD[1];
  }
  if (red === 'none') {
    for (let i = 0; i < n; i++) LH[i] = round2(LH[i], LL[i]) + 0;
    return finish(LH, 'none', 0, isF32(probs), out);
  }
  return finish(LH, red, reduceDD(scr, LH, LL, n, red, n, 0) + 0, isF32(probs));
}

/** K = g·w/D in double-double, into DD (the per-element factor of both BCE backward kernels). */
function gradFactor(scr: Scratch, g: number, w: number, D: number): void {
  const DD = scr.dd;
  twoProd(scr, g, w);
  if (D !== 1) ddDiv(scr, DD[0], DD[1], D, 0);
}

/** d binary_cross_entropy / d probs: [n] */
export function binaryCrossEntropyBackward(
  probs: FloatArray,
  target: FloatArray,
  opts: BinaryCrossEntropyOptions & GradOutput = {},
  out?: FloatArray,
): FloatArray {
  const scr = new Scratch();
  const DD = scr.dd;
  bceCheck(probs, target, 'binary_cross_entropy_backward');
  const n = probs.length;
  const red = opts.reduction ?? 'mean';
  const w = opts.weight ? widen(opts.weight) : undefined;
  const go = opts.gradOutput === undefined || typeof opts.gradOutput === 'number' ? opts.gradOutput : widen(opts.gradOutput);
  const res = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    const t = target[i];
    const wn = w ? w[i] : 1;
    // K = g w / D
    gradFactor(scr, gradOf(go, red, i), wn, red === 'mean' ? n : 1);
    const Kh = DD[0];
    const Kl = DD[1];
    if (p !== p || t !== t || Kh !== Kh) {
      res[i] = NaN;
      continue;
    }
    if (p === 0 || p === 1) {
      // term by term with the zero-coefficient rule
      let d = 0;
      if (t !== 0) d += -t / p; // -Infinity at p = 0, -t at p = 1
      if (t !== 1) d += (1 - t) / (1 - p);
      if (wn === 0 || Kh === 0) {
        res[i] = 0;
        continue;
      }
      if (!Number.isFinite(d)) {
        res[i] = d * Kh;
        continue;
      }
      ddMul(scr, d, 0, Kh, Kl);
      res[i] = round2(DD[0], DD[1]);
      continue;
    }
    // (p - t) / (p (1 - p))
    twoSum(scr, p, -t);
    const nh = DD[0];
    const nl = DD[1];
    twoSum(scr, 1, -p);
    ddMul(scr, p, 0, DD[0], DD[1]);
    ddDiv(scr, nh, nl, DD[0], DD[1]);
    ddMul(scr, DD[0], DD[1], Kh, Kl);
    res[i] = round2(DD[0], DD[1]);
  }
  const o = out ?? (isF32(probs) ? new Float32Array(n) : res);
  if (o !== res) o.set(res);
  return o;
}

// ---------------------------------------------------------------------------------------
// binary cross-entropy with logits

/** SP = scr.sp <- [softplus(x) hi, lo, softplus(-x) hi, lo] (the larger one is |x| + the smaller) */
function softplusPair(scr: Scratch, x: number): void {
  const DD = scr.dd;
  const EX = scr.ex;
  const SP = scr.sp;
  if (x === Infinity) {
    SP[0] = Infinity;
    SP[1] = 0;
    SP[2] = 0;
    SP[3] = 0;
    return;
  }
  if (x === -Infinity) {
    SP[0] = 0;
    SP[1] = 0;
    SP[2] = Infinity;
    SP[3] = 0;
    return;
  }
  const ax = Math.abs(x);
  expAcc(scr, -ax, 0);
  const sc = P2[P2_OFFSET + EX[2]];
  let lh = 0;
  let ll = 0;
  const vh = EX[0] * sc;
  if (vh > 9.332636185032189e-302) {
    log1pDD(scr, vh, EX[1] * sc);
    lh = DD[0];
    ll = DD[1];
  } else {
    lh = vh;
    ll = EX[1] * sc;
  }
  // the larger one: |x| + l
  twoSum(scr, ax, lh);
  const bh = DD[0];
  const bl = DD[1] + ll;
  if (x >= 0) {
    SP[0] = bh;
    SP[1] = bl;
    SP[2] = lh;
    SP[3] = ll;
  } else {
    SP[0] = lh;
    SP[1] = ll;
    SP[2] = bh;
    SP[3] = bl;
  }
}

/** SG = scr.sg <- [sigma(x) hi, lo, sigma(-x) hi, lo], both from v = exp(-|x|): 1 / (1 + v) and v / (1 + v) */
function sigmoidPair(scr: Scratch, x: number): void {
  const DD = scr.dd;
  const EX = scr.ex;
  const SG = scr.sg;
  const ax = Math.abs(x);
  expAcc(scr, -ax, 0);
  const sc = P2[P2_OFFSET + EX[2]];
  const vh = EX[0] * sc;
  const vl = EX[1] * sc;
  ddAdd(scr, 1, 0, vh, vl);
  const dh = DD[0];
  const dl = DD[1];
  ddDiv(scr, 1, 0, dh, dl);
  const bh = DD[0];
  const bl = DD[1];
  ddDiv(scr, vh, vl, dh, dl);
  const sh = DD[0];
  const sl = DD[1];
  if (x >= 0) {
    SG[0] = bh;
    SG[1] = bl;
    SG[2] = sh;
    SG[3] = sl;
  } else {
    SG[0] = sh;
    SG[1] = sl;
    SG[2] = bh;
    SG[3] = bl;
  }
}

/** binary_cross_entropy_with_logits of logits [n] */
export function bceWithLogits(
  logits: FloatArray,
  target: FloatArray,
  opts: BceWithLogitsOptions = {},
  out?: FloatArray,
): number | FloatArray {
  const scr = new Scratch();
  const DD = scr.dd;
  const SP = scr.sp;
  bceCheck(logits, target, 'binary_cross_entropy_with_logits');
  const n = logits.length;
  const red = opts.reduction ?? 'mean';
  const pw = opts.posWeight ?? 1;
  const w = opts.weight ? widen(opts.weight) : undefined;
  const LH = new Float64Array(n);
  const LL = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    const t = target[i];
    const wn = w ? w[i] : 1;
    // zero-coefficient rule before NaN (docs/semantics.md): weight 0, or t = 1 with pw = 0
    if (wn === 0 || (t === 1 && pw === 0)) continue;
    if (x !== x || t !== t) {
      LH[i] = NaN;
      continue;
    }
    softplusPair(scr, x);
    let sh = 0;
    let sl = 0;
    twoProd(scr, pw, t);
    if (DD[0] !== 0) {
      ddMul(scr, DD[0], DD[1], SP[2], SP[3]); // pw t softplus(-x)
      sh = DD[0];
      sl = DD[1];
    }
    if (t !== 1) {
      twoSum(scr, 1, -t);
      ddMul(scr, DD[0], DD[1], SP[0], SP[1]); // (1 - t) softplus(x)
      ddAdd(scr, sh, sl, DD[0], DD[1]);
      sh = DD[0];
      sl = DD[1];
    }
    ddMul(scr, wn, 0, sh, sl);
    LH[i] = DD[0];
    LL[i] = DD[1];
  }
  if (red === 'none') {
    for (let i = 0; i < n; i++) LH[i] = round2(LH[i], LL[i]) + 0;
    return finish(LH, 'none', 0, isF32(logits), out);
  }
  return finish(LH, red, reduceDD(scr, LH, LL, n, red, n, 0) + 0, isF32(logits));
}

/** d binary_cross_entropy_with_logits / d logits: [n] */
export function bceWithLogitsBackward(
  logits: FloatArray,
  target: FloatArray,
  opts: BceWithLogitsOptions & GradOutput = {},
  out?: FloatArray,
): FloatArray {
  const scr = new Scratch();
  const DD = scr.dd;
  const SG = scr.sg;
  bceCheck(logits, target, 'binary_cross_entropy_with_logits_backward');
  const n = logits.length;
  const red = opts.reduction ?? 'mean';
  const pw = opts.posWeight ?? 1;
  const w = opts.weight ? widen(opts.weight) : undefined;
  const go = opts.gradOutput === undefined || typeof opts.gradOutput === 'number' ? opts.gradOutput : widen(opts.gradOutput);
  const res = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    const t = target[i];
    const wn = w ? w[i] : 1;
    gradFactor(scr, gradOf(go, red, i), wn, red === 'mean' ? n : 1);
    const Kh = DD[0];
    const Kl = DD[1];
    if (wn === 0 || (t === 1 && pw === 0)) {
      res[i] = 0; // the term is identically 0: so is its gradient, even at a NaN logit
      continue;
    }
    if (x !== x || t !== t || Kh !== Kh) {
      res[i] = NaN;
      continue;
    }
    sigmoidPair(scr, x);
    // (1 - t) sigma(x) - pw t sigma(-x)
    let dh = 0;
    let dl = 0;
    if (t !== 1) {
      twoSum(scr, 1, -t);
      ddMul(scr, DD[0], DD[1], SG[0], SG[1]);
      dh = DD[0];
      dl = DD[1];
    }
    twoProd(scr, pw, t);
    if (DD[0] !== 0) {
      ddMul(scr, DD[0], DD[1], SG[2], SG[3]);
      ddAdd(scr, dh, dl, -DD[0], -DD[1]);
      dh = DD[0];
      dl = DD[1];
    }
    ddMul(scr, dh, dl, Kh, Kl);
    res[i] = round2(DD[0], DD[1]);
  }
  const o = out ?? (isF32(logits) ? new Float32Array(n) : res);
  if (o !== res) o.set(res);
  return o;
}
