// "Try a prompt": one image from the base model, or with an adapter at a strength, on the chosen (or best) device;
// the latents of every sampling step go to `onPreview`, the PNG (with its A1111 parameters) to the asked path.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import type { GeneratedImage, PreviewReport } from '../api/training';
import { targetsOf } from '../lora/adapter-weights';
import { loadLoRA } from '../lora/load';
import { txt2img } from '../sample/txt2img';
import type { GenerateSpec } from '../api/worker-messages';
import { previewReport } from '../train/messages';
import { chooseCompute, openRenderModel } from './open-model';

/**
 * Renders one image and writes it; returns where it went and its parameters line.
 * @example const { path } = await generateImage({ request, cacheDir }, (p) => draw(p))
 */
export async function generateImage(
  { request, cacheDir, ...choice }: GenerateSpec,
  onPreview: (preview: PreviewReport) => void = () => {},
): Promise<GeneratedImage> {
  const { onnx } = await chooseCompute(cacheDir, choice);
  const model = await openRenderModel(request.modelPath, cacheDir, 'sampled', { ...onnx, hash: false });
  try {
    if (request.lora) {
      const loaded = await loadLoRA(request.lora.path, { targets: targetsOf(model.ckpt.config) });
      model.setLoRA(loaded.adapter, request.lora.strength);
    }
    const [h, w] = [request.height / model.downscale, request.width / model.downscale];
    const family = model.ckpt.config.family;
    const { lora, outPath, modelPath: _model, ...settings } = request;
    const named = lora
      ? { lora: { name: basename(lora.path, extname(lora.path)), strength: lora.strength } }
      : {};
    const { png, parameters } = await txt2img(model, { ...settings, ...named }, (step, _x, denoised) =>
      onPreview(previewReport(step, request.steps, w, h, family, denoised)),
    );
    await mkdir(dirname(outPath), { recursive: true });
    await writeFile(outPath, png);
    return { path: outPath, parameters };
  } finally {
    model.dispose();
  }
}
