// A captioning run inside the trainer worker: one captioner loaded once, the images captioned in batches, each
// batch reported as it finishes so the host can write it and show progress. A cancel stops between batches
// (or inside one, when the captioner honours the signal); what was reported stays reported.
import type { ImageCaptioner } from '../caption/types';
import type { CaptionJobSpec, WorkerMessage } from '../api/worker-messages';

/** Loads the captioner a spec names (the worker passes the real one; it owns every ORT session). */
export type CaptionerOpener = (spec: CaptionJobSpec) => Promise<ImageCaptioner>;

/**
 * Runs one captioning job, posting `captions` per batch and `captions-done` at the end; the captioner is
 * disposed however the run ends. Errors (a missing file, a corrupt model) reject for the worker to report.
 * @example await runCaptionJob(spec, (s) => openCaptioner(s.entry, s.folder, s.settings), post, abort.signal)
 */
export async function runCaptionJob(
  spec: CaptionJobSpec,
  open: CaptionerOpener,
  post: (message: WorkerMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const captioner = await open(spec);
  try {
    for (const paths of batches(spec.imagePaths, spec.batchSize)) {
      if (signal.aborted) break;
      let captions: string[];
      try {
        captions = await captioner.caption(paths, signal);
      } catch (err) {
        if (signal.aborted) break;
        throw err;
      }
      if (captions.length !== paths.length)
        throw new Error(`the captioner returned ${captions.length} captions for ${paths.length} images`);
      post({ type: 'captions', paths, captions });
    }
    post({ type: 'captions-done', cancelled: signal.aborted });
  } finally {
    await captioner.dispose();
  }
}

/** Consecutive slices of at most `size` items. @example batches([1, 2, 3], 2) // [[1, 2], [3]] */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}
