// A hand-written WGSL softmax / log_softmax / logsumexp / cross_entropy (float32, WebGPU):
// one workgroup reduction per row, max shift, masked rows. See wgsl-kernels.mjs for the kernel.
//
//   xent-oracle verify --browser examples/webgpu/wgsl-softmax.mjs --quick
import { makeWgslModule } from './wgsl-kernels.mjs';

export default await makeWgslModule({ name: 'wgsl softmax (webgpu)' });
