// PLANTED BUG (do not fix): the WGSL kernels of wgsl-kernels.mjs with the workgroupBarrier()
// missing between the levels of the tree reductions: an invocation may read a partial
// maximum / sum before its neighbour has written it (a data race in workgroup memory).
//
//   xent-oracle verify --browser examples/webgpu/wgsl-softmax-nobarrier.mjs --quick
import { makeWgslModule } from './wgsl-kernels.mjs';

export default await makeWgslModule({ name: 'wgsl softmax without reduction barriers (planted bug)', barriers: false });
