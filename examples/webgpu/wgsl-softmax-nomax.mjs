// PLANTED BUG (do not fix): the WGSL kernels of wgsl-kernels.mjs without the max shift, i.e.
// softmax = exp(x) / Σ exp(x) and logsumexp = log(Σ exp(x)). float32 exp overflows above
// x ≈ 88.7, so rows with large logits come back as Infinity / NaN. verify must fail it.
//
//   xent-oracle verify --browser examples/webgpu/wgsl-softmax-nomax.mjs --quick
import { makeWgslModule } from './wgsl-kernels.mjs';

export default await makeWgslModule({ name: 'wgsl softmax without max shift (planted bug)', maxShift: false });
