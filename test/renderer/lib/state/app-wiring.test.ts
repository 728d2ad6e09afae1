// The app shell's wiring helpers: project paths that prefill the screens, the export offered after a run,
// and the loose event subscription TrainingState takes, over a real Services event hub.
import { describe, expect, it } from 'vitest';
import type { EventName, ProjectInfo, TesseraEvents } from '../../../../src-main/api/contract';
import type { JobInfo } from '../../../../src-main/api/training';
import { Services } from '../../../../src-main/core/services';
import {
  exportDefaults,
  joinPath,
  projectDefaults,
  subscribeVia,
} from '../../../../src-renderer/lib/state/app-wiring';

const project: ProjectInfo = {
  dir: '/art/ink',
  name: 'Ink',
  baseModelPath: '/m/sd15.safetensors',
  settings: {} as ProjectInfo['settings'],
  training: null,
  datasetDir: '/art/ink/dataset',
};

const job: JobInfo = {
  id: 'j1',
  name: 'ink',
  runDir: '/art/ink/runs/ink-1',
  status: 'running',
  stage: null,
  progress: null,
  outcome: null,
  error: null,
  resumable: false,
  lastAdapter: '/art/ink/runs/ink-1/ink-step000002.safetensors',
};

describe('app wiring', () => {
  it('joins with the separator the folder uses', () => {
    expect(joinPath('/art/ink', 'runs')).toBe('/art/ink/runs');
    expect(joinPath('C:\\art\\ink', 'runs')).toBe('C:\\art\\ink\\runs');
    expect(joinPath('/art/', 'runs')).toBe('/art/runs');
  });

  it('prefills model, dataset and runs folder from the project', () => {
    expect(projectDefaults(project)).toEqual({
      modelPath: '/m/sd15.safetensors',
      datasetDir: '/art/ink/dataset',
      runsDir: '/art/ink/runs',
    });
    expect(projectDefaults({ ...project, baseModelPath: null }).modelPath).toBe('');
  });

  it('offers a finished run’s final adapter for export, nothing before', () => {
    expect(exportDefaults(null)).toBeNull();
    expect(exportDefaults(job)).toBeNull();
    const outcome = {
      status: 'finished' as const,
      step: 4,
      totalSteps: 4,
      adapterPath: '/art/ink/runs/ink-1/ink.safetensors',
      skipped: 0,
      resumedFrom: 0,
    };
    expect(exportDefaults({ ...job, status: 'finished', outcome })).toEqual({
      adapterPath: '/art/ink/runs/ink-1/ink.safetensors',
      outPath: '/art/ink/runs/ink-1/ink-export.safetensors',
    });
    // "Stop and save": the worker saved a final adapter at the step it stopped.
    const stopped = { ...outcome, status: 'cancelled' as const, step: 2, adapterPath: '/r/ink.safetensors' };
    expect(exportDefaults({ ...job, status: 'cancelled', outcome: stopped })?.adapterPath).toBe(
      '/r/ink.safetensors',
    );
    expect(exportDefaults({ ...job, status: 'cancelled', lastAdapter: null })).toBeNull();
    expect(exportDefaults({ ...job, status: 'failed' })).toBeNull();
  });

  it('subscribes by name through a transport', () => {
    const services = new Services({ mode: 'web', watch: false });
    const transport = {
      onEvent<E extends EventName>(name: E, listener: (payload: TesseraEvents[E]) => void) {
        return services.events.subscribe((n, payload) => {
          if ((n as EventName) === name) listener(payload as TesseraEvents[E]);
        });
      },
    };
    const got: unknown[] = [];
    const off = subscribeVia(transport)('train.job', (p) => got.push(p));
    services.events.emit('train.job', job);
    services.events.emit('app.log', { level: 'info', message: 'x', time: '' });
    off();
    services.events.emit('train.job', job);
    expect(got).toEqual([job]);
  });
});
