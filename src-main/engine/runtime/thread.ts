// Async client for sessions hosted in a worker_thread, so ORT's blocking run() never stalls this thread.
// Worker entry: from source (tests, tsx) a tiny eval bootstrap registers tsx's loader in the worker and imports
// thread-worker.ts (Node 20 workers ignore `--import` in execArgv); a bundled build passes its own entry
// (electron-vite: `import entry from './thread-worker?modulePath'` in app/ or train/).

import { Worker } from 'node:worker_threads';
import type { ModelIO, ProviderName, SessionOptions } from './session';
import type { ProviderChoice, ProviderReport } from './providers';
import type { CreateResult, DeviceRef, Reply, Request, WireValue } from './thread-protocol';
import type { TensorValue } from './tensor-io';

export type { DeviceRef, WireValue } from './thread-protocol';

/** Worker started from source: register tsx inside the worker, then load the TS entry. */
function sourceWorker(): Worker {
  if (!import.meta.url.endsWith('.ts'))
    throw new Error('SessionHost: running from a bundle; pass the bundled thread-worker entry as `entry`');
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./thread-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true });
}

/** Owns one worker thread; sessions created through it run there. */
export class SessionHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private dead: Error | undefined;

  /**
   * @example const host = new SessionHost(); const s = await host.create(path); await s.run(feeds); await host.close();
   */
  constructor(options: { entry?: URL | string; log?: (line: string) => void } = {}) {
    this.worker = options.entry ? new Worker(options.entry) : sourceWorker();
    this.worker.on('message', (reply: Reply) => this.settle(reply, options.log));
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => {
      this.dead = new Error(`session worker exited with code ${code}`);
      this.failAll(this.dead);
    });
  }

  private settle(reply: Reply, log?: (line: string) => void): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.ok) {
      reply.log?.forEach((l) => log?.(l));
      p.resolve(reply.value);
    } else p.reject(new Error(reply.error));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** @internal one request/reply round trip. */
  request<T>(req: Request): Promise<T> {
    if (this.closed) return Promise.reject(new Error('session host is closed'));
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  /** Loads a model in the worker on the first provider that accepts it (providers.ts fallback chain). */
  async create(
    path: string,
    options: Omit<SessionOptions, 'providers'> = {},
    choice: Omit<ProviderChoice, 'log'> = {},
  ): Promise<RemoteSession> {
    const r = await this.request<CreateResult>({ type: 'create', path, options, choice });
    return new RemoteSession(this, r.session, r.provider, r.inputs, r.outputs, r.skipped);
  }

  /** Copies a device-resident output to the host (WebGPU read-back through an Identity session). */
  readBack(ref: DeviceRef): Promise<TensorValue> {
    return this.request<TensorValue>({ type: 'readBack', device: ref.device });
  }

  release(ref: DeviceRef): Promise<void> {
    return this.request<void>({ type: 'release', device: ref.device });
  }

  /** Ends the worker; sessions in it are released with it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}

/** A session living in the host's worker. */
export class RemoteSession {
  constructor(
    private readonly host: SessionHost,
    private readonly id: number,
    readonly provider: ProviderName,
    readonly inputs: ModelIO[],
    readonly outputs: ModelIO[],
    readonly skipped: ProviderReport[],
  ) {}

  /** Same contract as Session.run; feeds are copied to the worker, outputs are transferred back. */
  run(feeds: Record<string, WireValue>): Promise<Record<string, WireValue>> {
    return this.host.request({ type: 'run', session: this.id, feeds });
  }

  dispose(): Promise<void> {
    return this.host.request({ type: 'dispose', session: this.id });
  }
}
