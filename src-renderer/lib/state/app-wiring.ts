// How the app shell ties the screens together: the paths a project prefills on Train, Gallery and Export, the
// file a finished run offers for export, and the event subscription TrainingState takes from a transport.
import type { EventName, ProjectInfo } from '../../../src-main/api/contract';
import type { JobInfo } from '../../../src-main/api/training';
import type { Transport } from '../api/client';
import type { Subscribe } from './training.svelte';

/** Joins with the separator the folder already uses (Windows paths from Electron, POSIX in web mode). */
export function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? dir + name : `${dir}${sep}${name}`;
}

export interface ProjectDefaults {
  modelPath: string;
  datasetDir: string;
  runsDir: string;
}

/** @example projectDefaults(project) // { modelPath: '/m/sd15.safetensors', datasetDir: '/art/ink/dataset', runsDir: '/art/ink/runs' } */
export function projectDefaults(project: ProjectInfo): ProjectDefaults {
  return {
    modelPath: project.baseModelPath ?? '',
    datasetDir: project.datasetDir,
    runsDir: joinPath(project.dir, 'runs'),
  };
}

/**
 * What the Export screen offers after a run: its final adapter (a finished run, or one stopped with "Stop and
 * save"), saved beside it under a new name; null while the run has no saved final adapter.
 * @example exportDefaults(job) // { adapterPath: '/r/ink.safetensors', outPath: '/r/ink-export.safetensors' }
 */
export function exportDefaults(job: JobInfo | null): { adapterPath: string; outPath: string } | null {
  const ended = job?.status === 'finished' || job?.status === 'cancelled';
  const adapter = ended ? (job.outcome?.adapterPath ?? job.lastAdapter) : null;
  if (!job || !adapter) return null;
  return { adapterPath: adapter, outPath: joinPath(job.runDir, `${job.name}-export.safetensors`) };
}

/** The loosely typed subscription the screen states take, over a transport's typed one. */
export function subscribeVia(transport: Pick<Transport, 'onEvent'>): Subscribe {
  return (name, listener) => transport.onEvent(name as EventName, listener);
}
