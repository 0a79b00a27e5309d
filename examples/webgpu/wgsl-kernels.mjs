// Hand-written WGSL kernels for softmax, log_softmax, logsumexp and cross_entropy (float32),
// shared by the example modules in this directory. Runs in a browser page with WebGPU:
//
//   xent-oracle verify --browser examples/webgpu/wgsl-softmax.mjs --quick
//
// One workgroup (64 invocations) per row. Each invocation walks the row with stride 64, then
// the workgroup combines the partial results by a tree reduction in workgroup memory, with a
// workgroupBarrier() between levels. Three reductions per row:
//   1. the maximum M and the index K of its first occurrence, the number of unmasked (not −∞)
//      entries and the number of +∞ entries;
//   2. S = Σ_{j≠K} exp(x_j − M) over unmasked entries (the max shift: every exponent is ≤ 0, so
//      nothing overflows; leaving out the maximum's own 1 keeps S's low bits, Blanchard–Higham–
//      Higham 2021, Algorithm 4.1);
//   3. (cross_entropy) ℓ_n = Σ_c a_nc·(−log p_nc), with −log p_c = (M − x_c) + log1p(S).
// Then softmax_j = exp(x_j − M) / (1 + S), log_softmax_j = (x_j − M) − log1p(S),
// logsumexp = M + log1p(S).
//
// Masking is decided on bit patterns, not on arithmetic with infinities: WGSL lets a compiler
// assume that floats are finite (spec §"Floating Point Evaluation"), so `x − M` with x = −∞
// and M = −∞ is not something a portable kernel may rely on. Rows follow docs/semantics.md:
// a masked entry gets probability 0; an all-masked row is NaN (softmax, log_softmax) and −∞
// (logsumexp); one +∞ takes all the mass, two or more give NaN at the +∞ entries.
//
// WGSL has no log1p; log1p_acc below uses the atanh series for small arguments, where log(1 + s)
// would lose the bits of s (that is the "log_softmax is exactly 0 at the max" bug).
//
// cross_entropy: the coefficients a_nc = w_c·((1 − ε)·t_nc + ε/C) (t one-hot for class targets,
// zero rows for ignored targets) are built on the host; the per-row losses are computed on the
// GPU; the batch reduction (sum / mean over Σ w_y) is done on the host in float64 and rounded to
// float32 once. A coefficient of 0 contributes 0 even where −log p = +∞ (masked class, 0·∞ rule).
//
// float16: this example declares float32 only. A float16 variant needs the `shader-f16` feature
// (`enable f16;` in WGSL); SwiftShader, the software adapter that headless Chromium uses on
// machines without a GPU (CI), does not offer it, so there is nothing to verify float16 on there.
//
// makeWgslModule({ maxShift, barriers }) exists so that the planted-bug examples next to this
// file can switch one thing off; the correct module uses the defaults.

const WG = 64;

function wgsl({ maxShift, barriers }) {
  // The only two places the planted bugs touch: the barrier inside the tree reductions, and
  // whether the max is subtracted before exp.
  const BARRIER = barriers ? 'workgroupBarrier();' : '/* missing workgroupBarrier() */';
  return /* wgsl */ `
struct Params { n: u32, c: u32, mode: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> coef: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

const WG: u32 = ${WG}u;
const NONE: u32 = 0xffffffffu;
const SHIFT: bool = ${maxShift};
var<workgroup> sv: array<f32, WG>;
var<workgroup> si: array<u32, WG>;
var<workgroup> sa: array<u32, WG>;
var<workgroup> sb: array<u32, WG>;

fn is_neg_inf(v: f32) -> bool { return bitcast<u32>(v) == 0xff800000u; }
fn is_pos_inf(v: f32) -> bool { return bitcast<u32>(v) == 0x7f800000u; }
// WGSL rejects NaN and infinite constants (shader creation fails), so the special values are
// made at run time from the uniform's zero padding word
fn nan_() -> f32 { return bitcast<f32>(P.pad | 0x7fc00000u); }
fn pinf() -> f32 { return bitcast<f32>(P.pad | 0x7f800000u); }
fn ninf() -> f32 { return bitcast<f32>(P.pad | 0xff800000u); }

// log1p(s) for s >= 0 (finite): 2·atanh(z), z = s / (2 + s), for small s; log(1 + s) otherwise
fn log1p_acc(s: f32) -> f32 {
  if (s < 0.25) {
    let z = s / (2.0 + s);
    let z2 = z * z;
    return 2.0 * z * (1.0 + z2 * (1.0 / 3.0 + z2 * (1.0 / 5.0 + z2 * (1.0 / 7.0 + z2 * (1.0 / 9.0 + z2 / 11.0)))));
  }
  return log(1.0 + s);
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wg.x;
  let C = P.c;
  let base = row * C;

  // 1. max (first index), unmasked count, +inf count
  var m = -0x1.fffffep+127f;
  var mi = NONE;
  var na = 0u;
  var nb = 0u;
  for (var j = t; j < C; j += WG) {
    let v = x[base + j];
    if (is_neg_inf(v)) { continue; }
    na += 1u;
    if (is_pos_inf(v)) { nb += 1u; }
    if (mi == NONE || v > m) { m = v; mi = j; }
  }
  sv[t] = m; si[t] = mi; sa[t] = na; sb[t] = nb;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      let om = sv[t + s];
      let oi = si[t + s];
      if (oi != NONE && (si[t] == NONE || om > sv[t] || (om == sv[t] && oi < si[t]))) { sv[t] = om; si[t] = oi; }
      sa[t] += sa[t + s];
      sb[t] += sb[t + s];
    }
    ${BARRIER}
  }
  var M = sv[0];
  var K = si[0];
  let NA = sa[0];
  let NB = sb[0];
  if (!SHIFT) { M = 0.0; K = NONE; }
  workgroupBarrier();

  // 2. S = sum over unmasked j != K of exp(x_j - M)
  var acc = 0.0;
  if (NA > 0u && NB == 0u) {
    for (var j = t; j < C; j += WG) {
      let v = x[base + j];
      if (j != K && !is_neg_inf(v)) { acc += exp(v - M); }
    }
  }
  sv[t] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { sv[t] += sv[t + s]; }
    ${BARRIER}
  }
  let S = sv[0];
  // without the shift S already holds every term: the textbook exp(x) / sum exp(x)
  let denom = select(S, 1.0 + S, SHIFT);
  let L = select(log(S), log1p_acc(S), SHIFT);
  workgroupBarrier();

  // 3. outputs. mode 0 softmax, 1 log_softmax, 2 logsumexp, 3 cross-entropy row losses
  if (P.mode <= 1u) {
    let soft = P.mode == 0u;
    for (var j = t; j < C; j += WG) {
      let v = x[base + j];
      var r: f32;
      if (NA == 0u) { r = nan_(); }
      else if (NB > 0u) {
        if (is_pos_inf(v)) { r = select(nan_(), select(0.0, 1.0, soft), NB == 1u); }
        else { r = select(ninf(), 0.0, soft); }
      }
      else if (is_neg_inf(v)) { r = select(ninf(), 0.0, soft); }
      else if (soft) { r = exp(v - M) / denom; }
      else { r = (v - M) - L; }
      out[base + j] = r;
    }
    return;
  }
  if (P.mode == 2u) {
    if (t == 0u) { out[row] = select(select(M + L, pinf(), NB > 0u), ninf(), NA == 0u); }
    return;
  }
  var l = 0.0;
  for (var j = t; j < C; j += WG) {
    let a = coef[base + j];
    if (a == 0.0) { continue; }
    let v = x[base + j];
    var nlp: f32;
    if (NA == 0u) { nlp = nan_(); }
    else if (NB > 0u) { nlp = select(pinf(), select(nan_(), 0.0, NB == 1u), is_pos_inf(v)); }
    else if (is_neg_inf(v)) { nlp = pinf(); }
    else { nlp = (M - v) + L; }
    l += a * nlp;
  }
  sv[t] = l;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { sv[t] += sv[t + s]; }
    ${BARRIER}
  }
  if (t == 0u) { out[row] = sv[0]; }
}
`;
}

const MODES = { softmax: 0, log_softmax: 1, logsumexp: 2, cross_entropy: 3 };

export async function makeWgslModule({ name, maxShift = true, barriers = true }) {
  if (!navigator.gpu) throw new Error('WebGPU is not available (navigator.gpu is undefined)');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await adapter.requestDevice();
  const module = device.createShaderModule({ code: wgsl({ maxShift, barriers }) });
  const compiled = await module.getCompilationInfo();
  const errors = compiled.messages.filter((m) => m.type === 'error');
  if (errors.length) throw new Error(`WGSL does not compile: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}`);
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const maxRows = device.limits.maxComputeWorkgroupsPerDimension;

  /** run the kernel on an N×C matrix; returns the output (N×C for modes 0/1, N otherwise) */
  async function run(logits, mode, coef) {
    const N = logits.length;
    const C = logits[0].length;
    if (N > maxRows) throw new Error(`${N} rows: this kernel dispatches one workgroup per row, at most ${maxRows}`);
    const xs = new Float32Array(N * C);
    logits.forEach((r, i) => xs.set(r, i * C));
    const outLen = mode <= 1 ? N * C : N;
    const storage = (data) => {
      const b = device.createBuffer({ size: Math.max(4, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(b, 0, data);
      return b;
    };
    const bx = storage(xs);
    const bc = storage(coef ?? new Float32Array(1));
    const bo = device.createBuffer({ size: outLen * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const bp = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(bp, 0, new Uint32Array([N, C, mode, 0]));
    const rb = device.createBuffer({ size: outLen * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const group = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [bx, bc, bo, bp].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(N);
    pass.end();
    enc.copyBufferToBuffer(bo, 0, rb, 0, outLen * 4);
    device.queue.submit([enc.finish()]);
    await rb.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(rb.getMappedRange().slice(0));
    rb.unmap();
    for (const b of [bx, bc, bo, bp, rb]) b.destroy();
    return mode <= 1 ? logits.map((_, i) => out.subarray(i * C, (i + 1) * C)) : out;
  }

  function crossEntropy({ logits, target, weight, ignore_index = -100, reduction = 'mean', label_smoothing = 0 }) {
    const N = logits.length;
    const C = logits[0].length;
    const prob = Array.isArray(target[0]);
    const w = weight ?? new Array(C).fill(1);
    const eps = label_smoothing;
    const coef = new Float32Array(N * C);
    let D = 0;
    for (let n = 0; n < N; n++) {
      const y = target[n];
      if (!prob && y === ignore_index) continue;
      if (!prob) D += w[y];
      for (let c = 0; c < C; c++) {
        const t = prob ? y[c] : c === y ? 1 : 0;
        coef[n * C + c] = w[c] * ((1 - eps) * t + eps / C);
      }
    }
    return run(logits, MODES.cross_entropy, coef).then((rows) => {
      if (reduction === 'none') return rows;
      let s = 0;
      for (const v of rows) s += v;
      return Math.fround(reduction === 'sum' ? s : s / (prob ? N : D));
    });
  }

  return {
    name,
    dtype: 'float32',
    ops: {
      softmax: ({ logits }) => run(logits, MODES.softmax),
      log_softmax: ({ logits }) => run(logits, MODES.log_softmax),
      logsumexp: ({ logits }) => run(logits, MODES.logsumexp),
      cross_entropy: crossEntropy,
    },
  };
}
