// "Try a prompt": one image rendered in a one-off worker process (the worker owns every ONNX Runtime session,
// never the app's main process), with per-step latent previews passed on as they arrive.
import { join } from 'node:path';
import type { GeneratedImage, GenerateRequest } from '../api/training';
import { ApiError } from '../api/errors';
import type { GenerateSpec, PreviewReport } from '../train/messages';
import type { WorkerLauncher } from './worker-process';

/** Where an image goes when the request names no path: `<dir>/generated/<time>-<seed>.png`. */
export function defaultImagePath(dir: string, seed: number, now = new Date()): string {
  return join(dir, 'generated', `${now.toISOString().replace(/[:.]/g, '-')}-${seed}.png`);
}

/**
 * Renders one image in a fresh worker; rejects with the worker's own words if it fails or dies.
 * @example const { path } = await generateInWorker(forkLauncher(), { request, cacheDir }, (p) => draw(p))
 */
export function generateInWorker(
  launch: WorkerLauncher,
  spec: GenerateSpec,
  onPreview: (preview: PreviewReport) => void = () => {},
): Promise<GeneratedImage> {
  return new Promise((resolve, reject) => {
    const worker = launch();
    let result: GeneratedImage | null = null;
    let failure: string | null = null;
    worker.onMessage((m) => {
      if (m.type === 'ready') worker.send({ type: 'generate', spec });
      else if (m.type === 'preview') onPreview(m.preview);
      else if (m.type === 'generated') result = { path: m.path, parameters: m.parameters };
      else if (m.type === 'failed') failure = m.message;
    });
    worker.onExit((code, signal) => {
      if (result) return resolve(result);
      const tail = worker.stderrTail().trim().split('\n').pop();
      const why =
        failure ??
        `the image worker ${signal ? `was killed (${signal})` : `exited with code ${code}`}` +
          (tail ? ` (last output: ${tail.slice(0, 300)})` : '');
      reject(new ApiError('INTERNAL', `Could not render "${spec.request.prompt}": ${why}`));
    });
  });
}

/** The request with its output path settled. @example withOutPath(req, '/art/ink/runs') */
export function withOutPath(request: GenerateRequest, dir: string): GenerateSpec['request'] {
  return { ...request, outPath: request.outPath ?? defaultImagePath(dir, request.seed) };
}
