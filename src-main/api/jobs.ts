// The training-run vocabulary of the contract: a job's status and what it reports per step and at the end.
// The queue (core/jobs.ts), the loop (train/loop.ts) and the metrics log (train/metrics.ts) fill these in.

/** One optimizer step's numbers, as the dashboard charts them and `metrics.jsonl` stores them. */
export interface StepMetrics {
  step: number;
  epoch: number;
  loss: number;
  smoothLoss: number;
  lr: number;
  gradNorm: number;
  itPerSec: number;
  etaSeconds: number;
  memoryBytes: number;
  skipped: number;
  /** Set on the first step after the divergence guard rolled back: what happened (train/guard.ts). */
  note?: string;
}

export interface Progress extends StepMetrics {
  totalSteps: number;
}

export interface TrainOutcome {
  status: 'finished' | 'cancelled';
  step: number;
  totalSteps: number;
  adapterPath: string;
  skipped: number;
  resumedFrom: number;
}

export type JobStatus = 'queued' | 'running' | 'paused' | 'finished' | 'cancelled' | 'failed' | 'crashed';

export interface JobInfo {
  id: string;
  name: string;
  runDir: string;
  status: JobStatus;
  stage: { stage: string; done: number; total: number } | null;
  progress: Progress | null;
  outcome: TrainOutcome | null;
  /** Plain-words reason for failed/crashed jobs. */
  error: string | null;
  /** A saved state exists: starting the job again continues from it. */
  resumable: boolean;
  lastAdapter: string | null;
}
