// Thumbnails for the dataset grid: small WebP files cached by content hash in <cache>/thumbs/<hash>.webp,
// made in the background with bounded concurrency; a request never waits on a decode.
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskQueue } from './concurrency';
import { renderThumbnail, type DecodeOptions } from './image-decode';

/** Longest side of a thumbnail, in pixels. */
export const THUMB_SIZE = 256;

/** Where the thumbnail of content `hash` lives. Example: `thumbPathFor('/p/cache/thumbs', 'ab12…')`. */
export function thumbPathFor(thumbsDir: string, hash: string): string {
  return join(thumbsDir, `${hash}.webp`);
}

export interface ThumbRequest {
  path: string;
  /** 'cached': the file is there now; 'scheduled': it will be, then `onReady` fires. */
  status: 'cached' | 'scheduled';
}

export interface ThumbnailerOptions extends DecodeOptions {
  thumbsDir: string;
  size?: number;
  concurrency?: number;
  /** Called when a scheduled thumbnail is written (error null) or failed (the UI shows a placeholder). */
  onReady?: (hash: string, path: string, error: Error | null) => void;
}

/**
 * Background thumbnail maker. Example:
 * `const t = new Thumbnailer({thumbsDir}); const r = await t.request(imgPath, hash); if (r.status === 'scheduled') await t.idle();`
 */
export class Thumbnailer {
  private readonly queue: TaskQueue;
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly known = new Set<string>();

  constructor(private readonly options: ThumbnailerOptions) {
    this.queue = new TaskQueue(options.concurrency ?? 2);
  }

  /** The thumbnail's path at once; if it is not on disk yet, generation is queued (once per hash). */
  async request(imagePath: string, hash: string): Promise<ThumbRequest> {
    const path = thumbPathFor(this.options.thumbsDir, hash);
    if (this.known.has(hash)) return { path, status: 'cached' };
    if (this.inFlight.has(hash)) return { path, status: 'scheduled' };
    if (await isFile(path)) {
      this.known.add(hash);
      return { path, status: 'cached' };
    }
    this.schedule(imagePath, hash, path);
    return { path, status: 'scheduled' };
  }

  /** Resolves with the path once the thumbnail exists (queued now if needed); rejects if it cannot be made. */
  async ready(imagePath: string, hash: string): Promise<string> {
    const { path } = await this.request(imagePath, hash);
    return this.inFlight.get(hash) ?? path;
  }

  /** Resolves when the queue is empty. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private schedule(imagePath: string, hash: string, path: string): void {
    const { thumbsDir, size, onReady } = this.options;
    const job = this.queue.push(async () => {
      await mkdir(thumbsDir, { recursive: true });
      await renderThumbnail(imagePath, path, size ?? THUMB_SIZE, this.options);
      return path;
    });
    this.inFlight.set(hash, job);
    job.then(
      () => {
        this.known.add(hash);
        this.inFlight.delete(hash);
        onReady?.(hash, path, null);
      },
      (error: Error) => {
        this.inFlight.delete(hash);
        onReady?.(hash, path, error);
      },
    );
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
