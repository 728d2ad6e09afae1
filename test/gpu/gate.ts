// Whether the WebGPU provider can start here (a Vulkan driver: a GPU, or Mesa's lavapipe), and why not.
import { probeProvider } from '../../src-main/engine/runtime/session';

let cached: Promise<string | null> | null = null;

/** null when WebGPU works; otherwise the reason, for the skip message. */
export function webgpuUnavailable(): Promise<string | null> {
  cached ??= probeProvider('webgpu').then((failure) =>
    failure ? `WebGPU could not start (${failure}); install a Vulkan driver, e.g. mesa-vulkan-drivers` : null,
  );
  return cached;
}
