// State of the Train screen as a runes class: the request being edited (paths, preset, every option), the
// server's plan for it (problems, steps, buckets, memory, a recommended preset), the job list and the live
// dashboard numbers. The choices are saved in the project (via `save`) and restored when it opens again.
import type { ProjectTraining } from '../../../src-main/api/projects';
import type {
  JobAction,
  JobInfo,
  Progress,
  SampleInfo,
  StepMetrics,
  TrainConfig,
  TrainingApi,
  TrainingOptions,
  TrainPlan,
  TrainRequest,
} from '../../../src-main/api/training';
import { toErrorData, type ApiErrorData } from '../../../src-main/api/errors';
// The one preset merge, from the contract (the services and the CLI use it too).
import { withPreset } from '../../../src-main/api/train-config';

/** The part of the contract the Train screen's state calls. */
export type TrainingStateApi = Pick<
  TrainingApi,
  | 'getTrainingOptions'
  | 'planTraining'
  | 'startTraining'
  | 'listJobs'
  | 'controlJob'
  | 'getRunMetrics'
  | 'listSamples'
>;

/** Event subscription as the transports offer it (typed loosely here: names are checked by the contract). */
export type Subscribe = (name: string, listener: (payload: unknown) => void) => () => void;

/** Chart points are capped so a week-long run still draws fast; older points are thinned 2:1. */
export const MAX_POINTS = 4000;

export function thin<T>(points: T[], keep: (point: T) => boolean = () => false): T[] {
  return points.length <= MAX_POINTS
    ? points
    : points.filter((p, i) => i % 2 === 0 || i === points.length - 1 || keep(p));
}

export class TrainingState {
  options = $state.raw<TrainingOptions | null>(null);
  presetId = $state<string | null>(null);
  config = $state<TrainConfig | null>(null);
  modelPath = $state('');
  datasetDir = $state('');
  runsDir = $state('');
  name = $state('my-style');
  prompts = $state('');
  plan = $state.raw<TrainPlan | null>(null);
  planning = $state(false);
  error = $state.raw<ApiErrorData | null>(null);
  jobs = $state.raw<JobInfo[]>([]);
  metrics = $state.raw<StepMetrics[]>([]);
  samples = $state.raw<SampleInfo[]>([]);
  /** The dashboard is its own view: it opens when a run starts; the settings form is the other. */
  view = $state<'settings' | 'dashboard'>('settings');
  /** Where the choices are kept (the open project); null: nowhere. */
  save: ((training: ProjectTraining) => Promise<void>) | null = null;
  /** Saved choices that arrived before the option table did. */
  #pending: ProjectTraining | null = null;
  /** The user (or a saved project) chose settings: a recommendation no longer replaces them. */
  #chosen = false;
  readonly #api: TrainingStateApi;

  constructor(api: TrainingStateApi, subscribe?: Subscribe) {
    this.#api = api;
    subscribe?.('train.job', (p) => this.#onJob(p as JobInfo));
    subscribe?.('train.progress', (p) => this.#onProgress(p as { jobId: string; progress: Progress }));
    subscribe?.('train.sample', (p) => this.#onSample(p as { jobId: string; sample: SampleInfo }));
  }

  /** The job the dashboard shows: the active one, else the newest. */
  get current(): JobInfo | null {
    return (
      this.jobs.find((j) => j.status === 'running' || j.status === 'paused') ??
      this.jobs[this.jobs.length - 1] ??
      null
    );
  }

  get canStart(): boolean {
    return !!this.plan && this.plan.problems.length === 0 && !this.planning;
  }

  async load(): Promise<void> {
    try {
      this.options = await this.#api.getTrainingOptions();
      this.config ??= { ...this.options.defaults };
      if (this.#pending) this.restore(this.#pending);
      this.jobs = await this.#api.listJobs();
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  applyPreset(id: string, extra: Partial<TrainConfig> = {}): void {
    const preset = this.options?.presets.find((p) => p.id === id);
    if (!preset || !this.options) return;
    this.presetId = id;
    this.#chosen = true;
    this.config = withPreset(this.options.defaults, preset, extra);
  }

  /** The preset the server recommends for this model and dataset, with the length it suggests. */
  applyRecommendation(): void {
    const rec = this.plan?.recommendation;
    if (rec) this.applyPreset(rec.presetId, rec.config);
  }

  /** A project's saved choices (null: none saved, so the recommendation will apply). */
  restore(saved: ProjectTraining | null): void {
    this.#chosen = saved !== null;
    this.plan = null;
    if (!saved) {
      this.presetId = null;
      if (this.options) this.config = { ...this.options.defaults };
      return;
    }
    if (!this.options) {
      this.#pending = saved;
      return;
    }
    this.#pending = null;
    this.presetId = saved.presetId;
    this.config = withPreset(this.options.defaults, undefined, saved.config);
    if (saved.name) this.name = saved.name;
    this.prompts = saved.prompts;
  }

  /** What `save` keeps of the current choices. */
  snapshot(): ProjectTraining {
    return {
      presetId: this.presetId,
      config: { ...(this.config ?? {}) },
      name: this.name,
      prompts: this.prompts,
    };
  }

  /**
   * Opening the Train screen: checks the request, and on a project without saved choices applies the
   * recommended preset (then checks again), so Start is one click away.
   */
  async prepare(): Promise<void> {
    if (!this.modelPath.trim() || !this.datasetDir.trim()) return;
    await this.validate();
    if (this.#chosen || !this.plan?.recommendation) return;
    this.applyRecommendation();
    await this.validate();
  }

  request(): TrainRequest {
    return {
      modelPath: this.modelPath.trim(),
      datasetDir: this.datasetDir.trim(),
      runsDir: this.runsDir.trim(),
      name: this.name.trim(),
      config: { ...(this.config ?? {}) },
      samplePrompts: this.prompts
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    };
  }

  async validate(): Promise<void> {
    this.planning = true;
    this.error = null;
    try {
      this.plan = await this.#api.planTraining(this.request());
      await this.save?.(this.snapshot());
    } catch (err) {
      this.plan = null;
      this.error = toErrorData(err);
    } finally {
      this.planning = false;
    }
  }

  async start(): Promise<void> {
    this.error = null;
    try {
      const job = await this.#api.startTraining(this.request());
      this.metrics = [];
      this.samples = [];
      this.#onJob(job);
      this.view = 'dashboard';
      await this.save?.(this.snapshot());
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  async control(action: JobAction): Promise<void> {
    const job = this.current;
    if (!job) return;
    try {
      this.#onJob(await this.#api.controlJob(job.id, action));
    } catch (err) {
      this.error = toErrorData(err);
    }
  }

  /** Reloads the chart and samples of a run folder (after an app restart). */
  async openRun(runDir: string): Promise<void> {
    this.metrics = await this.#api.getRunMetrics(runDir);
    this.samples = await this.#api.listSamples(runDir);
  }

  #onJob(job: JobInfo): void {
    const others = this.jobs.filter((j) => j.id !== job.id);
    this.jobs = [...others, job];
  }

  #onProgress({ jobId, progress }: { jobId: string; progress: Progress }): void {
    const job = this.jobs.find((j) => j.id === jobId);
    if (job) this.#onJob({ ...job, progress });
    this.metrics = thin([...this.metrics, progress], (m) => m.note !== undefined); // keep the guard's notes
  }

  #onSample({ sample }: { jobId: string; sample: SampleInfo }): void {
    this.samples = [...this.samples, sample];
  }
}

/** "1 h 02 min", "3 min 05 s", "12 s". @example formatDuration(3725) // '1 h 02 min' */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
