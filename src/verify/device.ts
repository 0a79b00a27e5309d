/** How reports name the device an implementation ran on (browser adapters). */
import type { DeviceInfo } from './adapter-types.js';

/** One line naming the device, for reports. */
export function describeDevice(d: DeviceInfo): string {
  const name = [d.vendor, d.architecture, d.device, d.description].filter(Boolean).join(' / ') || 'unnamed adapter';
  const f16 = d.features.includes('shader-f16') ? 'has shader-f16' : 'no shader-f16 (float16 kernels cannot run)';
  return (
    `WebGPU ${name} in ${d.browser}`
    + (d.software
      ? " — SwiftShader, a software rasteriser on the CPU: results show what the WGSL computes, not what a given GPU's arithmetic does"
      : '')
    + `; ${f16}; features: ${d.features.join(', ') || 'none'}`
  );
}
