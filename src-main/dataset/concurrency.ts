// Bounded concurrency for dataset I/O (import, hashing, thumbnails): at most `limit` tasks in flight.
// sharp runs its own thread pool; 2–4 JS-level tasks keep it busy without piling up decoded images.

/**
 * Maps `items` through `fn` with at most `limit` calls pending; results keep input order.
 * `fn` should not throw for a single bad item (importers report per item), but if it does the
 * first error rejects the whole map after in-flight calls settle.
 * Example: `await mapLimit(paths, 3, (p) => hashFile(p))`.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/** A FIFO task queue with a concurrency cap, for background work scheduled over time (thumbnails). */
export class TaskQueue {
  private running = 0;
  private readonly waiting: (() => Promise<void>)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Queues `task`; its own promise settles with the task. Example: `queue.push(() => makeThumb(p))`. */
  push<R>(task: () => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push(() => task().then(resolve, reject));
      this.pump();
    });
  }

  /** Resolves when nothing is running or waiting. Example: `await queue.idle()`. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    return this.running + this.waiting.length;
  }

  private pump(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const start = this.waiting.shift() as () => Promise<void>;
      this.running++;
      void start().finally(() => {
        this.running--;
        this.pump();
        if (this.pending === 0) this.flushIdle();
      });
    }
  }

  private flushIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
