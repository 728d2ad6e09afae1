// The worker's side of the wire protocol (api/worker-messages.ts): encoding what it posts. Node only (Buffer),
// which is why it is not in api/ beside the message types.
import type { PreviewReport } from '../api/training';

/**
 * One step's denoised latents as the live preview receives them (base64 f32, [4, height, width]).
 * @example post({ type: 'preview', preview: previewReport(3, 20, 64, 64, 'sd1', denoised) })
 */
export function previewReport(
  step: number,
  steps: number,
  width: number,
  height: number,
  family: string,
  denoised: Float32Array,
): PreviewReport {
  const latents = Buffer.from(denoised.buffer, denoised.byteOffset, denoised.byteLength).toString('base64');
  return { step, steps, width, height, family, latents };
}
