// The training side of the services: the plan checks (jobs/train-plan.ts) behind `plan` and `start`, runs queued
// in the worker, answers for run folders (metrics, samples), and exports adapters. No Electron import.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type {
  ExportedAdapter,
  ExportRequest,
  JobAction,
  SampleInfo,
  TrainingOptions,
  TrainPlan,
  TrainRequest,
} from '../api/training';
import { ApiError } from '../api/errors';
import { FLOAT_TYPES } from '../formats/safetensors';
import { targetsOf, type LoRATargetTable } from '../lora/adapter-weights';
import { loadLoRA } from '../lora/load';
import { exportKohya } from '../lora/export-kohya';
import { exportPeft } from '../lora/export-peft';
import { mergeLoRA } from '../lora/merge';
import { CONFIG_ID_KEY, parseResolution } from '../lora/metadata';
import { imageDataUrl } from '../dataset/image-decode';
import { absolutePath, assertPlanned, planTraining } from '../jobs/train-plan';
import { JOB_FILE, SAMPLES_DIR, SAMPLES_INDEX_FILE } from '../jobs/run-folder';
import { DEFAULT_CONFIG, OPTIONS, PRESETS, resolveConfig } from '../train/config';
import { openCheckpoint } from '../models/weights';
import { readMetrics, type StepMetrics } from '../train/metrics';
import type { TrainJobSpec } from '../api/worker-messages';
import type { JobInfo, TrainerJobs } from './jobs';

/** An absolute output path whose folder exists: "Save as" may name a folder not made yet, and making it is what
 * the user meant (the app, web mode and the CLI alike). */
async function outputFile(label: string, path: string): Promise<string> {
  await mkdir(dirname(absolutePath(label, path)), { recursive: true });
  return path;
}

/** yyyymmdd-hhmmss in local time, for run folder names. */
export function runStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** LoRA targets of the base model a run folder's `job.json` names; null when there is no run or no model. */
async function runModelTargets(runDir: string): Promise<LoRATargetTable | null> {
  let spec: Pick<TrainJobSpec, 'modelPath'>;
  try {
    spec = JSON.parse(await readFile(join(runDir, JOB_FILE), 'utf8')) as TrainJobSpec;
  } catch {
    return null; // an adapter outside a run folder: the family tables decide
  }
  try {
    return targetsOf((await openCheckpoint(spec.modelPath)).config);
  } catch {
    return null; // the base model moved or is gone
  }
}

export class TrainingService {
  constructor(
    private readonly jobs: TrainerJobs,
    private readonly cacheDir: string,
    /** The app's compute settings for each run (CPU threads); none: the worker's defaults. */
    private readonly compute: () => Promise<{ threads?: number }> = async () => ({}),
  ) {}

  options(): TrainingOptions {
    return { options: OPTIONS, presets: PRESETS, defaults: { ...DEFAULT_CONFIG } };
  }

  /** @example const plan = await training.plan({ modelPath, datasetDir, name: 'ink', runsDir }) */
  plan(request: TrainRequest): Promise<TrainPlan> {
    return planTraining(request);
  }

  /** Checks the request, creates the run folder and queues the job. */
  async start(request: TrainRequest): Promise<JobInfo> {
    const plan = assertPlanned(await this.plan(request));
    const runDir =
      request.runDir ?? join(absolutePath('Runs folder', request.runsDir), `${request.name}-${runStamp()}`);
    await mkdir(runDir, { recursive: true });
    const spec: TrainJobSpec = {
      runDir,
      modelPath: request.modelPath,
      datasetDir: request.datasetDir,
      name: request.name,
      config: resolveConfig(plan.config),
      samplePrompts: request.samplePrompts ?? [],
      cacheDir: this.cacheDir,
      ...(await this.compute()),
    };
    return this.jobs.get(this.jobs.enqueue(spec))!;
  }

  list(): JobInfo[] {
    return this.jobs.list();
  }

  control(id: string, action: JobAction): JobInfo {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError('NOT_FOUND', `There is no training job ${id}.`);
    if (action === 'restart') return this.jobs.get(this.jobs.restart(id))!;
    this.jobs[action](id);
    return this.jobs.get(id)!;
  }

  metrics(runDir: string): Promise<StepMetrics[]> {
    return readMetrics(absolutePath('Run folder', runDir));
  }

  async samples(runDir: string): Promise<SampleInfo[]> {
    const text = await readFile(
      join(absolutePath('Run folder', runDir), SAMPLES_DIR, SAMPLES_INDEX_FILE),
      'utf8',
    ).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as SampleInfo);
  }

  exportAdapter(request: ExportRequest): Promise<ExportedAdapter> {
    return TrainingService.exportOnly(request);
  }

  /** Re-exports a run's adapter in the chosen naming and precision, with title and trigger words. */
  static async exportOnly(request: ExportRequest): Promise<ExportedAdapter> {
    const adapterPath = absolutePath('Adapter', request.adapterPath);
    // A run's base model names every module its adapter can hold (derived architectures included).
    const targets = await runModelTargets(dirname(adapterPath));
    const { adapter, skipped, unknownKeys } = await loadLoRA(adapterPath, targets ? { targets } : {});
    // NOTE: an adapter with no usable module at all gets the exporter's own reason (e.g. its family is unknown).
    if (adapter.modules.length && (skipped.length || unknownKeys.length))
      throw new ApiError(
        'INVALID_ARGUMENT',
        `${adapterPath}: ${skipped.length + unknownKeys.length} of its modules would be dropped ` +
          `(e.g. ${skipped[0]?.stem ?? unknownKeys[0]}: ${skipped[0]?.reason ?? 'unknown key'}). ` +
          'Export it from its run folder while its base model is still where the run found it.',
      );
    const out = await outputFile('Save as', request.outPath);
    const dtype = FLOAT_TYPES[request.precision].safetensors;
    const words = request.triggerWords ?? [];
    const thumbnail = request.thumbnailPath
      ? await imageDataUrl(absolutePath('Cover image', request.thumbnailPath))
      : undefined;
    // The run's own facts travel with the adapter (kohya and modelspec keys); what the user typed wins.
    const extra: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(adapter.metadata).filter(([k]) => k.startsWith('ss_') || k.startsWith('modelspec.')),
      ),
      ...(adapter.family !== 'unknown' ? { [CONFIG_ID_KEY]: adapter.family } : {}),
      ...(words.length ? { 'modelspec.trigger_phrase': words.join(', ') } : {}),
      ...(request.author ? { 'modelspec.author': request.author } : {}),
      ...(request.description ? { 'modelspec.description': request.description } : {}),
      ...(thumbnail ? { 'modelspec.thumbnail': thumbnail } : {}),
    };
    const resolution = parseResolution(adapter.metadata.ss_resolution);
    const written =
      request.format === 'kohya'
        ? await exportKohya(adapter, out, {
            dtype,
            metadata: {
              extra,
              ...(request.title ? { title: request.title } : {}),
              ...(resolution ? { resolution } : {}),
            },
          })
        : await exportPeft(adapter, out, { dtype, metadata: extra });
    let mergedPath: string | null = null;
    if (request.mergeInto) {
      const { modelPath, outPath, strength } = request.mergeInto;
      const merged = await mergeLoRA(
        absolutePath('Base checkpoint', modelPath),
        adapter,
        await outputFile('Merged file', outPath),
        {
          strength,
        },
      );
      mergedPath = merged.path;
    }
    return { path: written.path, sha256: written.sha256, tensors: written.tensorCount, mergedPath };
  }
}
