// onnxruntime-web (1.31) adapters, float32: one single-node ONNX graph per op (Softmax,
// LogSoftmax, ReduceLogSumExp, Sigmoid, Softplus), run with a given execution provider.
// ort-webgpu.mjs uses the WebGPU provider, ort-wasm.mjs the WASM (CPU) provider, so the two
// verdicts compare the same graphs on the two paths. Used as
//
//   xent-oracle verify --browser examples/webgpu/ort-webgpu.mjs --quick
//   xent-oracle verify --browser examples/webgpu/ort-wasm.mjs --quick
//
// The models are encoded here, in a few lines of protobuf, rather than shipped as .onnx
// files: ModelProto { ir_version 8, opset 17, graph { node, input, output } } with dynamic
// dims N and C. `graphOptimizationLevel: 'disabled'` keeps each graph one node. Caveat: ONNX
// Runtime silently falls back to its CPU kernels for a node a provider does not implement, and
// onnxruntime-web does not tell which provider ran a node. The softmax, logsumexp and sigmoid
// verdicts differ between the webgpu and wasm providers (docs/browser.md), so those ran on
// WebGPU; log_softmax and softplus get the same verdicts on both, which cannot tell.
const ORT_DIST = new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url).href;

// --- a minimal protobuf writer (wire types 0 varint, 2 length-delimited) ---
const enc = new TextEncoder();
function varint(n) {
  const out = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const field = (num, wire) => varint((num << 3) | wire);
const vInt = (num, n) => [...field(num, 0), ...varint(n)];
const vBytes = (num, bytes) => [...field(num, 2), ...varint(bytes.length), ...bytes];
const vStr = (num, s) => vBytes(num, [...enc.encode(s)]);
const vMsg = (num, parts) => vBytes(num, parts.flat());

const FLOAT = 1;
const tensorType = (dims) => vMsg(2, [vMsg(1, [vInt(1, FLOAT), vMsg(2, dims.map((d) => vMsg(1, [vStr(2, d)])))])]);
const valueInfo = (num, name, dims) => vMsg(num, [vStr(1, name), tensorType(dims)]);
const attrInt = (name, i) => vMsg(5, [vStr(1, name), vInt(3, i), vInt(20, 2)]);
const attrInts = (name, is) => vMsg(5, [vStr(1, name), ...is.map((i) => vInt(8, i)), vInt(20, 7)]);

function model(opType, attrs, inDims, outDims) {
  const node = vMsg(1, [vStr(1, 'x'), vStr(2, 'y'), vStr(3, 'n'), vStr(4, opType), ...attrs]);
  const graph = vMsg(7, [node, vStr(2, 'g'), valueInfo(11, 'x', inDims), valueInfo(12, 'y', outDims)]);
  return new Uint8Array([...vInt(1, 8), graph, ...vMsg(8, [vStr(1, ''), vInt(2, 17)])].flat());
}

const MODELS = {
  softmax: () => model('Softmax', [attrInt('axis', 1)], ['N', 'C'], ['N', 'C']),
  log_softmax: () => model('LogSoftmax', [attrInt('axis', 1)], ['N', 'C'], ['N', 'C']),
  logsumexp: () => model('ReduceLogSumExp', [attrInts('axes', [1]), attrInt('keepdims', 0)], ['N', 'C'], ['N']),
  sigmoid: () => model('Sigmoid', [], ['N'], ['N']),
  softplus: () => model('Softplus', [], ['N'], ['N']),
};

export async function makeOrtModule(ep) {
  const ort = await import(`${ORT_DIST}ort.all.bundle.min.mjs`);
  ort.env.wasm.wasmPaths = ORT_DIST;
  // one thread: no worker, the page stays simple (results do not depend on it)
  ort.env.wasm.numThreads = 1;
  const sessions = {};
  for (const [op, make] of Object.entries(MODELS)) {
    sessions[op] = await ort.InferenceSession.create(make(), { executionProviders: [ep], graphOptimizationLevel: 'disabled' });
  }
  const run2d = (op) => async ({ logits }) => {
    const N = logits.length;
    const C = logits[0].length;
    const x = new ort.Tensor('float32', Float32Array.from(logits.flat()), [N, C]);
    const { y } = await sessions[op].run({ x });
    const data = y.data;
    return y.dims.length === 1 ? data : logits.map((_, i) => data.subarray(i * C, (i + 1) * C));
  };
  const run1d = (op) => async ({ x }) => {
    const { y } = await sessions[op].run({ x: new ort.Tensor('float32', Float32Array.from(x), [x.length]) });
    return y.data;
  };
  return {
    name: `onnxruntime-web ${ort.env.versions?.web ?? ''} (${ep})`.replace('  ', ' '),
    dtype: 'float32',
    ops: {
      softmax: run2d('softmax'),
      log_softmax: run2d('log_softmax'),
      logsumexp: run2d('logsumexp'),
      sigmoid: run1d('sigmoid'),
      softplus: run1d('softplus'),
    },
  };
}
