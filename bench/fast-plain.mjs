// Baselines for bench/fast.bench.mjs: the Math.exp floor and the plain shifted algorithm
// (Blanchard–Higham–Higham without the accuracy fixes), written the way a careful JS
// implementation would be (flat indices, no allocation in the loops). They work on
// Float64Array or Float32Array (Float32Array stores round to float32).

/** one Math.exp per element, stored: the floor any exp-based softmax pays */
export function expFloor(x, out) {
  const n = x.length;
  for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
  return out;
}

export function plainSoftmax(x, N, C, out) {
  for (let r = 0; r < N; r++) {
    const o = r * C;
    const end = o + C;
    let m = -Infinity;
    for (let i = o; i < end; i++) if (x[i] > m) m = x[i];
    let s = 0;
    for (let i = o; i < end; i++) {
      const e = Math.exp(x[i] - m);
      out[i] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let i = o; i < end; i++) out[i] *= inv;
  }
  return out;
}

export function plainLogSoftmax(x, N, C, out) {
  for (let r = 0; r < N; r++) {
    const o = r * C;
    const end = o + C;
    let m = -Infinity;
    for (let i = o; i < end; i++) if (x[i] > m) m = x[i];
    let s = 0;
    for (let i = o; i < end; i++) s += Math.exp(x[i] - m);
    const l = Math.log(s);
    for (let i = o; i < end; i++) out[i] = x[i] - m - l;
  }
  return out;
}

export function plainCrossEntropy(x, N, C, target) {
  let tot = 0;
  for (let r = 0; r < N; r++) {
    const o = r * C;
    const end = o + C;
    let m = -Infinity;
    for (let i = o; i < end; i++) if (x[i] > m) m = x[i];
    let s = 0;
    for (let i = o; i < end; i++) s += Math.exp(x[i] - m);
    tot += Math.log(s) + m - x[o + target[r]];
  }
  return tot / N;
}

export function plainCrossEntropyBackward(x, N, C, target, out) {
  for (let r = 0; r < N; r++) {
    const o = r * C;
    const end = o + C;
    let m = -Infinity;
    for (let i = o; i < end; i++) if (x[i] > m) m = x[i];
    let s = 0;
    for (let i = o; i < end; i++) {
      const e = Math.exp(x[i] - m);
      out[i] = e;
      s += e;
    }
    const inv = 1 / (s * N);
    for (let i = o; i < end; i++) out[i] *= inv;
    out[o + target[r]] -= 1 / N;
  }
  return out;
}
