// What a run shows while and after it trains: preview images of the preview prompts at the current weights (with
// the latents of every sampling step for the dashboard), and when it finishes the contact sheet users judge a run
// by (base, the last checkpoints, the final adapter at ½ and 1).
import { appendFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointModel } from '../sample/checkpoint-model';
import type { GridColumn } from '../sample/compare-grid';
import { parsePromptLine, type SamplePrompt } from '../sample/prompt-file';
import { requestFromPrompt, txt2img } from '../sample/txt2img';
import type { TrainJobSpec, WorkerMessage } from '../api/worker-messages';
import { previewReport } from '../train/messages';
import type { Tensors } from '../train/optim/index';
import { SAMPLES_DIR, SAMPLES_INDEX_FILE, TRAINING_COMPARE_STEM } from './run-folder';
import { compareRun } from './compare-run';
import { renderModelOf, type BaseModel, type JobCompute } from './open-model';
import { adapterOf, type TrainableLoRA } from './train-steps';

/** A run's previews: `render` at a step's weights, `compareSheet` once the run finished; `dispose` at the end. */
export interface RunPreviews {
  prompts: SamplePrompt[];
  /** Absent without preview prompts. */
  render?: (current: Tensors, at: number) => Promise<void>;
  compareSheet(adapterPath: string): Promise<void>;
  dispose(): void;
}

/**
 * The previews of a run; the preview model opens at the first render and, on a GPU, closes after each round.
 * @example const previews = runPreviews(spec, seed, model, lora, compute, post); await previews.render?.(params, 100)
 */
export function runPreviews(
  spec: Pick<TrainJobSpec, 'runDir' | 'samplePrompts'>,
  seed: number,
  model: BaseModel,
  lora: TrainableLoRA,
  { report, onnx }: JobCompute,
  post: (message: WorkerMessage) => void,
): RunPreviews {
  let previewer: CheckpointModel | null = null;
  const open = async () => (previewer ??= await renderModelOf(model, { ...onnx, hash: false }));
  const prompts = (spec.samplePrompts ?? []).map((line, i) => parsePromptLine(line, i));
  const stage = (name: string) => post({ type: 'stage', stage: name, done: 0, total: 0 });
  const render = async (current: Tensors, at: number) => {
    const model = await open();
    model.setLoRA(adapterOf(lora, current), 1);
    const dir = join(spec.runDir, SAMPLES_DIR);
    await mkdir(dir, { recursive: true });
    for (const p of prompts) {
      stage(`Rendering preview ${p.index + 1} of ${prompts.length}`);
      await renderOne(model, p, { seed, at, dir }, post);
    }
    // NOTE: on the CPU provider every session maps the same checkpoint pages, so the previewer costs only
    // its activations. A GPU provider uploads a device copy of the UNet per session and the Node binding
    // cannot share initializers between sessions, so the previewer is released until the next round.
    if (report.chosen !== 'cpu') {
      model.dispose();
      previewer = null;
    }
  };
  return {
    prompts,
    ...(prompts.length ? { render } : {}),
    async compareSheet(adapterPath: string) {
      if (!prompts.length) return;
      stage('Rendering the compare grid');
      const columns = await compareColumns(spec.runDir, adapterPath);
      await compareRun(await open(), prompts, columns, {
        seed,
        out: join(spec.runDir, TRAINING_COMPARE_STEM),
      });
    },
    dispose: () => (previewer as CheckpointModel | null)?.dispose(),
  };
}

/** One preview image: the dashboard gets the latents of every sampling step, as "try a prompt" sends them. */
async function renderOne(
  model: CheckpointModel,
  p: SamplePrompt,
  { seed, at, dir }: { seed: number; at: number; dir: string },
  post: (message: WorkerMessage) => void,
): Promise<void> {
  const request = requestFromPrompt(p, seed);
  const [w, h] = [request.width / model.downscale, request.height / model.downscale];
  const family = model.ckpt.config.family;
  const { png } = await txt2img(model, request, (step, _x, denoised) =>
    post({ type: 'preview', preview: previewReport(step, request.steps, w, h, family, denoised) }),
  );
  const path = join(dir, `step${String(at).padStart(6, '0')}-${p.index}.png`);
  await writeFile(path, png);
  const sample = { step: at, index: p.index, prompt: p.prompt, path };
  await appendFile(join(dir, SAMPLES_INDEX_FILE), JSON.stringify(sample) + '\n');
  post({ type: 'sample', sample });
}

/** The contact sheet's columns: base, the last three checkpoints, the final adapter at ½ and 1. */
async function compareColumns(runDir: string, adapterPath: string): Promise<GridColumn[]> {
  const saved = (await readdir(runDir))
    .filter((f) => /-step\d+\.safetensors$/.test(f))
    .sort()
    .slice(-3);
  return [
    { label: 'base' },
    ...saved.map((f) => ({
      label: f.replace(/^.*-step0*(\d+)\.safetensors$/, 'step $1'),
      lora: { path: join(runDir, f), strength: 1 },
    })),
    { label: 'final ×0.5', lora: { path: adapterPath, strength: 0.5 } },
    { label: 'final ×1', lora: { path: adapterPath, strength: 1 } },
  ];
}
