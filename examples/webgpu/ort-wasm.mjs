// onnxruntime-web, WASM (CPU) execution provider: the baseline for ort-webgpu.mjs (see ort-models.mjs).
//   xent-oracle verify --browser examples/webgpu/ort-wasm.mjs --quick
import { makeOrtModule } from './ort-models.mjs';

export default await makeOrtModule('wasm');
