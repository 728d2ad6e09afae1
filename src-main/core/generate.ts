// "Try a prompt" and comparisons: rendered in a one-off worker process (the worker owns every ONNX Runtime
// session, never the app's main process), with per-step latent previews passed on as they arrive.
import { join } from 'node:path';
import type { Comparison, GeneratedImage, GenerateRequest, PreviewReport } from '../api/training';
import type { CompareSpec, GenerateSpec, HostMessage, WorkerMessage } from '../api/worker-messages';
import { workerFailure, type WorkerLauncher } from '../jobs/worker-host';

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
  const what = `Could not render "${spec.request.prompt}" (${spec.request.width}×${spec.request.height})`;
  return workerTask(launch, { type: 'generate', spec }, what, (m) => {
    if (m.type === 'preview') onPreview(m.preview);
    return m.type === 'generated' ? { path: m.path, parameters: m.parameters } : undefined;
  });
}

/**
 * Renders a comparison (prompts × columns) in a fresh worker; rejects with the worker's own words.
 * @example const { cells } = await compareInWorker(forkLauncher(), { modelPath, prompts, columns, seed: 1, out, cacheDir })
 */
export function compareInWorker(launch: WorkerLauncher, spec: CompareSpec): Promise<Comparison> {
  const what = `Could not render the comparison (${spec.prompts.length} prompt(s) × ${spec.columns.length} column(s))`;
  return workerTask(launch, { type: 'compare', spec }, what, (m) =>
    m.type === 'compared' ? m.comparison : undefined,
  );
}

/** Sends one task to a fresh worker; `pick` turns its messages into the result (undefined: not yet). */
function workerTask<T>(
  launch: WorkerLauncher,
  task: HostMessage,
  what: string,
  pick: (message: WorkerMessage) => T | undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = launch();
    let result: T | undefined;
    let failure: Extract<WorkerMessage, { type: 'failed' }> | null = null;
    worker.onMessage((m) => {
      if (m.type === 'ready') worker.send(task);
      else if (m.type === 'failed') failure = m;
      else result = pick(m) ?? result;
    });
    worker.onExit((code, signal) => {
      if (result !== undefined) return resolve(result);
      reject(
        workerFailure(what, failure, { code, signal, stderr: worker.stderrTail() }, 'try a smaller size'),
      );
    });
  });
}

/** The request with its output path settled. @example withOutPath(req, '/art/ink/runs') */
export function withOutPath(request: GenerateRequest, dir: string): GenerateSpec['request'] {
  return { ...request, outPath: request.outPath ?? defaultImagePath(dir, request.seed) };
}
