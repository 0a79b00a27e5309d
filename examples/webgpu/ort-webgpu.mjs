// onnxruntime-web, WebGPU execution provider (see ort-models.mjs).
//   xent-oracle verify --browser examples/webgpu/ort-webgpu.mjs --quick
import { makeOrtModule } from './ort-models.mjs';

export default await makeOrtModule('webgpu');
