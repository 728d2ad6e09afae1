// The Train screen's contract over plain records, for the state and screen tests: the real option table and
// presets; plans, jobs and errors as the server would send them; what was asked.
import type {
  JobAction,
  JobInfo,
  Progress,
  SampleInfo,
  StepMetrics,
  TrainingOptions,
  TrainPlan,
  TrainRequest,
} from '../../../../src-main/api/training';
import { DEFAULT_CONFIG, OPTIONS, PRESETS } from '../../../../src-main/train/config';
import type { TrainingStateApi } from '../../../../src-renderer/lib/state/training.svelte';

export const OPTIONS_TABLE: TrainingOptions = {
  options: OPTIONS,
  presets: PRESETS,
  defaults: DEFAULT_CONFIG,
};

/** A plan as the server answers it; `over` replaces any field. @example planOf(request, { problems: ['…'] }) */
export function planOf(request: TrainRequest, over: Partial<TrainPlan> = {}): TrainPlan {
  return {
    config: { ...DEFAULT_CONFIG, ...request.config },
    problems: [],
    warnings: [],
    family: 'sd1',
    images: 12,
    captioned: 10,
    buckets: [{ width: 512, height: 512, images: 12 }],
    batchesPerEpoch: 12,
    totalSteps: request.config?.maxSteps || 120,
    nativeResolution: 512,
    recommendation: {
      presetId: 'sd15-style',
      config: { maxSteps: 1200, warmupSteps: 50 },
      reason: 'SD1.5 style for 12 images.',
    },
    memoryEstimate: 3 * 2 ** 30,
    ...over,
  };
}

/** @example jobOf('job-1', 'running') */
export function jobOf(id: string, status: JobInfo['status'], progress: Progress | null = null): JobInfo {
  return {
    id,
    name: 'ink',
    runDir: `/runs/${id}`,
    status,
    stage: null,
    progress,
    outcome: null,
    error: null,
    resumable: false,
    lastAdapter: null,
  };
}

/** @example progressAt(10, 'rolled back') */
export function progressAt(step: number, note?: string): Progress {
  const m: StepMetrics = {
    step,
    epoch: 1,
    loss: 0.1,
    smoothLoss: 0.1,
    lr: 1e-4,
    gradNorm: 1,
    itPerSec: 2,
    etaSeconds: 10,
    memoryBytes: 0,
    skipped: 0,
  };
  return { ...m, totalSteps: 1000, ...(note ? { note } : {}) };
}

/**
 * The contract's training methods over plain records: what was asked, and what to answer.
 * @example const api = new MemoryTrainingApi(); api.failWith.planTraining = new ApiError('NOT_FOUND', 'no model')
 */
export class MemoryTrainingApi implements TrainingStateApi {
  plans: TrainRequest[] = [];
  started: TrainRequest[] = [];
  actions: [string, JobAction][] = [];
  jobs: JobInfo[] = [];
  plan: (request: TrainRequest) => TrainPlan = (r) => planOf(r);
  failWith: Partial<Record<keyof TrainingStateApi, Error>> = {};

  #check(method: keyof TrainingStateApi): void {
    const err = this.failWith[method];
    if (err) throw err;
  }
  async getTrainingOptions(): Promise<TrainingOptions> {
    this.#check('getTrainingOptions');
    return OPTIONS_TABLE;
  }
  async planTraining(request: TrainRequest): Promise<TrainPlan> {
    this.#check('planTraining');
    this.plans.push(request);
    return this.plan(request);
  }
  async startTraining(request: TrainRequest): Promise<JobInfo> {
    this.#check('startTraining');
    this.started.push(request);
    return jobOf('job-1', 'running');
  }
  async listJobs(): Promise<JobInfo[]> {
    return this.jobs;
  }
  async controlJob(id: string, action: JobAction): Promise<JobInfo> {
    this.#check('controlJob');
    this.actions.push([id, action]);
    return jobOf(id, action === 'pause' ? 'paused' : 'running');
  }
  async getRunMetrics(runDir: string): Promise<StepMetrics[]> {
    return runDir === '/runs/ink-1' ? [progressAt(1), progressAt(2)] : [];
  }
  async listSamples(runDir: string): Promise<SampleInfo[]> {
    return [{ step: 2, index: 0, prompt: 'a cat', path: `${runDir}/samples/2-0.png` }];
  }
}
