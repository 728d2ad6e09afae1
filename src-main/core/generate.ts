// "Try a prompt": one image rendered in a one-off worker process (the worker owns every ONNX Runtime session,
// never the app's main process), with per-step latent previews passed on as they arrive.
import { join } from 'node:path';
import type { GeneratedImage, GenerateRequest } from '../api/training';
import { ApiError } from '../api/errors';
import type { GenerateSpec, PreviewReport, WorkerMessage } from '../train/messages';
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
    let failure: Extract<WorkerMessage, { type: 'failed' }> | null = null;
    worker.onMessage((m) => {
      if (m.type === 'ready') worker.send({ type: 'generate', spec });
      else if (m.type === 'preview') onPreview(m.preview);
      else if (m.type === 'generated') result = { path: m.path, parameters: m.parameters };
      else if (m.type === 'failed') failure = m;
    });
    worker.onExit((code, signal) => {
      if (result) return resolve(result);
      reject(renderFailure(spec, failure, code, signal, worker.stderrTail()));
    });
  });
}

/** Why a render failed, typed: the worker's own error and code, or how it died (SIGKILL: most likely the system
 * ran out of memory and killed it). */
function renderFailure(
  spec: GenerateSpec,
  failure: Extract<WorkerMessage, { type: 'failed' }> | null,
  code: number | null,
  signal: string | null,
  stderr: string,
): ApiError {
  const what = `Could not render "${spec.request.prompt}" (${spec.request.width}×${spec.request.height})`;
  if (failure) {
    const hint = failure.code === 'OUT_OF_MEMORY' ? ': not enough memory, try a smaller size' : '';
    const name = failure.name ? { name: failure.name } : {};
    return new ApiError(failure.code ?? 'INTERNAL', `${what}: ${failure.message}${hint}`, name);
  }
  if (signal === 'SIGKILL')
    return new ApiError(
      'OUT_OF_MEMORY',
      `${what}: the image worker was killed (SIGKILL), most likely for lack of memory; try a smaller size`,
    );
  const tail = stderr.trim().split('\n').pop();
  const died = signal ? `was killed (${signal})` : `exited with code ${code}`;
  return new ApiError(
    'INTERNAL',
    `${what}: the image worker ${died}${tail ? ` (last output: ${tail.slice(0, 300)})` : ''}`,
  );
}

/** The request with its output path settled. @example withOutPath(req, '/art/ink/runs') */
export function withOutPath(request: GenerateRequest, dir: string): GenerateSpec['request'] {
  return { ...request, outPath: request.outPath ?? defaultImagePath(dir, request.seed) };
}
