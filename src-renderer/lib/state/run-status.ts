// How a run's state reads on the dashboard and in the header: what happened in words, whether an ETA means
// anything, and the percentage done. Pure over JobInfo, so a stopped run never shows a stale ETA.
import type { JobInfo } from '../../../src-main/api/training';

/** Running or paused: a run the header's indicator follows and whose settings are locked. */
export function isActive(job: JobInfo | null): boolean {
  return job?.status === 'running' || job?.status === 'paused';
}

/**
 * The status in words. A cancelled run with a saved adapter was stopped by the user and kept its work.
 * @example statusLabel({ ...job, status: 'cancelled', lastAdapter: '/r/ink.safetensors' }) // 'Stopped, adapter saved'
 */
export function statusLabel(job: JobInfo): string {
  switch (job.status) {
    case 'queued':
      return 'Waiting to start';
    case 'running':
      return job.progress ? 'Training' : 'Preparing';
    case 'paused':
      return 'Paused';
    case 'finished':
      return 'Finished, adapter saved';
    case 'cancelled':
      return job.outcome?.adapterPath || job.lastAdapter ? 'Stopped, adapter saved' : 'Stopped';
    case 'failed':
      return 'Failed';
    case 'crashed':
      return 'Stopped unexpectedly';
  }
}

/** Seconds left, only while the run is running and has measured its speed; null otherwise. */
export function etaOf(job: JobInfo): number | null {
  return job.status === 'running' && job.progress ? job.progress.etaSeconds : null;
}

/** 0–100, from the saved outcome once the run ended (the last progress may predate the final step). */
export function percentOf(job: JobInfo): number {
  const done = job.outcome ?? job.progress;
  if (!done || done.totalSteps <= 0) return 0;
  return Math.min(100, Math.round((100 * done.step) / done.totalSteps));
}
