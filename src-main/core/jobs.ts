// Training jobs: one runs at a time in its own worker process, the rest wait in a visible queue (also while a
// captioning run holds the device). A worker that dies without reporting an outcome marks its job "crashed"
// with the reason, and resumable when the run folder holds a saved state (the loop resumes from it when the
// same job is started again).
import { randomUUID } from 'node:crypto';
import type { JobInfo, JobStatus } from '../api/jobs';
import { latestStatePath } from '../train/checkpoint';
import type { TrainJobSpec, WorkerMessage } from '../api/worker-messages';
import type { WorkerHandle, WorkerLauncher } from '../jobs/worker-host';

export type { JobInfo, JobStatus } from '../api/jobs';

export type JobEvent = { job: JobInfo; message: WorkerMessage | null };

interface Job {
  info: JobInfo;
  spec: TrainJobSpec;
  worker: WorkerHandle | null;
}

const ACTIVE: readonly JobStatus[] = ['running', 'paused'];

export class TrainerJobs {
  readonly #jobs: Job[] = [];

  constructor(
    private readonly launch: WorkerLauncher,
    private readonly onEvent: (e: JobEvent) => void = () => {},
    /** True while something else (a captioning run) holds the device: queued jobs wait, then `kick()`. */
    private readonly held: () => boolean = () => false,
  ) {}

  /** Starts the next queued job if nothing holds the device (call when a hold ends). */
  kick(): void {
    this.#next();
  }

  /** The running or paused job, if any (it holds the device). */
  active(): JobInfo | undefined {
    const job = this.#jobs.find((j) => ACTIVE.includes(j.info.status));
    return job && { ...job.info };
  }

  /** Queues a job; it starts at once when nothing else runs. @example const id = jobs.enqueue(spec) */
  enqueue(spec: TrainJobSpec): string {
    const info: JobInfo = {
      id: randomUUID(),
      name: spec.name,
      runDir: spec.runDir,
      status: 'queued',
      stage: null,
      progress: null,
      outcome: null,
      error: null,
      resumable: false,
      lastAdapter: null,
    };
    this.#jobs.push({ info, spec, worker: null });
    this.#emit(info, null);
    this.#next();
    return info.id;
  }

  list(): JobInfo[] {
    return this.#jobs.map((j) => ({ ...j.info }));
  }

  get(id: string): JobInfo | undefined {
    const job = this.#jobs.find((j) => j.info.id === id);
    return job && { ...job.info };
  }

  pause(id: string): void {
    this.#control(id, 'running', 'pause', 'paused');
  }

  resume(id: string): void {
    this.#control(id, 'paused', 'resume', 'running');
  }

  /** Cancels a queued job, or asks a running one to stop after its step (it saves a final adapter). */
  cancel(id: string): void {
    const job = this.#find(id);
    if (job.info.status === 'queued') {
      job.info.status = 'cancelled';
      this.#emit(job.info, null);
    } else if (ACTIVE.includes(job.info.status)) job.worker?.send({ type: 'cancel' });
  }

  /** Asks a running job for a checkpoint and adapter after its current step; the run goes on. */
  save(id: string): void {
    const job = this.#find(id);
    if (job.info.status === 'running') job.worker?.send({ type: 'save' });
  }

  /** Starts a finished, cancelled or crashed job again; the loop resumes from its newest saved state. */
  restart(id: string): string {
    return this.enqueue(this.#find(id).spec);
  }

  /** Resolves when no job is queued or running. */
  async idle(): Promise<void> {
    while (this.#jobs.some((j) => j.info.status === 'queued' || ACTIVE.includes(j.info.status)))
      await new Promise((r) => setTimeout(r, 20));
  }

  #find(id: string): Job {
    const job = this.#jobs.find((j) => j.info.id === id);
    if (!job) throw new Error(`no training job ${id}`);
    return job;
  }

  #control(id: string, from: JobStatus, message: 'pause' | 'resume', to: JobStatus): void {
    const job = this.#find(id);
    if (job.info.status !== from) return;
    job.worker?.send({ type: message });
    job.info.status = to;
    this.#emit(job.info, null);
  }

  #emit(info: JobInfo, message: WorkerMessage | null): void {
    this.onEvent({ job: { ...info }, message });
  }

  #next(): void {
    if (this.held() || this.#jobs.some((j) => ACTIVE.includes(j.info.status))) return;
    const job = this.#jobs.find((j) => j.info.status === 'queued');
    if (!job) return;
    job.info.status = 'running';
    const worker = this.launch();
    job.worker = worker;
    let reported = false;
    worker.onMessage((m) => {
      if (m.type === 'ready') worker.send({ type: 'start', job: job.spec });
      else if (m.type === 'stage') job.info.stage = { stage: m.stage, done: m.done, total: m.total };
      else if (m.type === 'progress') job.info.progress = m.progress;
      else if (m.type === 'checkpoint') job.info.lastAdapter = m.adapterPath;
      else if (m.type === 'done') {
        reported = true;
        job.info.outcome = m.outcome;
        job.info.lastAdapter = m.outcome.adapterPath;
        job.info.status = m.outcome.status === 'finished' ? 'finished' : 'cancelled';
      } else if (m.type === 'failed') {
        reported = true;
        job.info.status = 'failed';
        job.info.error = m.message;
      }
      this.#emit(job.info, m);
    });
    worker.onExit((code, signal) => void this.#exited(job, reported, code, signal, worker.stderrTail()));
  }

  async #exited(
    job: Job,
    reported: boolean,
    code: number | null,
    signal: string | null,
    stderr: string,
  ): Promise<void> {
    job.worker = null;
    job.info.resumable = (await latestStatePath(job.spec.runDir)) !== null && job.info.status !== 'finished';
    if (!reported) {
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      job.info.status = 'crashed';
      job.info.error =
        `The trainer process ${how} before finishing${lastLine(stderr)}. ` +
        (job.info.resumable
          ? 'Your run is saved: start it again to continue from the last checkpoint.'
          : 'No checkpoint was saved yet; starting again begins from step 0.');
    }
    this.#emit(job.info, null);
    this.#next();
  }
}

/** The worker's last stderr line, as a clause for the crash message. */
function lastLine(stderr: string): string {
  const line = stderr.trim().split('\n').pop()?.trim();
  return line ? ` (last output: ${line.slice(0, 300)})` : '';
}
