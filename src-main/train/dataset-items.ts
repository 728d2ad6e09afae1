// A dataset folder as training items: every image's caption, repeat count and aspect bucket at the run's
// resolution, plus the images that cannot be trained on and why. Header reads only (no pixel decode).
import { readCaptionFile } from '../dataset/captions';
import { mapLimit } from '../dataset/concurrency';
import { probeImage } from '../dataset/image-decode';
import { createBucketer, type BucketConfig, type Bucketer } from '../dataset/buckets';
import { listDataset } from '../dataset/project-files';
import type { TrainItem } from './batches';

export interface SkippedImage {
  path: string;
  reason: string;
}

export interface ScannedDataset {
  items: TrainItem[];
  skipped: SkippedImage[];
  captioned: number;
}

/** kohya's bucket range scaled with the resolution: 256…1024 at 512, 512…2048 at 1024. */
export function bucketConfigFor(resolution: number): BucketConfig {
  return { resolution, minSide: resolution / 2, maxSide: resolution * 2, step: 64 };
}

export function bucketerFor(resolution: number): Bucketer {
  return createBucketer(bucketConfigFor(resolution));
}

/**
 * Scans `datasetDir` (kohya layout) for training.
 * @example const { items, skipped } = await scanDataset('/p/dataset', 512)
 */
export async function scanDataset(datasetDir: string, resolution: number): Promise<ScannedDataset> {
  const entries = await listDataset(datasetDir);
  const bucketer = bucketerFor(resolution);
  const skipped: SkippedImage[] = [];
  let captioned = 0;
  const scanned = await mapLimit(entries, 4, async (entry): Promise<TrainItem | null> => {
    const probe = await probeImage(entry.path);
    if (!probe.ok) {
      skipped.push({ path: entry.path, reason: probe.reason });
      return null;
    }
    const caption = (await readCaptionFile(entry.captionPath)) ?? '';
    if (caption.trim()) captioned += 1;
    const { bucket } = bucketer(probe.info.width, probe.info.height);
    return {
      id: entry.rel,
      path: entry.path,
      caption: caption.trim(),
      bucket,
      size: { width: probe.info.width, height: probe.info.height },
      repeats: entry.repeats,
    };
  });
  return { items: scanned.filter((i): i is TrainItem => i !== null), skipped, captioned };
}
