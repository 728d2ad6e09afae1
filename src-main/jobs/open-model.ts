// The one way a job opens a base model: refuse what cannot serve the purpose (a LoRA, an unknown file) in the
// Start screen's words, find its tokenizer (model folder, cache or download), then open the checkpoint for
// graph building (training) or as a renderable model (previews, "try a prompt", compare grids, `tessera sample`).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { devices, type DeviceReport } from '../engine/runtime/providers';
import type { ProviderName } from '../engine/runtime/session';
import type { CompileOptions } from '../engine/runtime/compile';
import { assertUsableModel } from '../models/inspect';
import type { CLIPTokenizer } from '../models/tokenizer';
import { loadModelTokenizer } from '../models/tokenizer-files';
import { openCheckpoint, type OpenedCheckpoint } from '../models/weights';
import { CheckpointModel, type CheckpointModelOptions } from '../sample/checkpoint-model';

/** What a model is opened for; the words finish "… cannot be ___" in the refusal. */
export type ModelPurpose = 'trained on' | 'sampled';

/** A base model open for graph building: the checkpoint (family, weights), its tokenizer, file or folder. */
export interface BaseModel {
  path: string;
  ckpt: OpenedCheckpoint;
  tokenizer: CLIPTokenizer;
  /** A diffusers folder (no single file to hash). */
  isDir: boolean;
}

/** The device a job runs on, asked for or the best here, and the session options all its graphs share. */
export interface JobCompute {
  report: DeviceReport;
  /** Compiled models under `<cache>/onnx`, on the chosen provider, with the asked-for threads. */
  onnx: CompileOptions & { providers: readonly [ProviderName] };
}

/**
 * Chooses the job's device once; every session of the job uses `onnx`.
 * @example const { report, onnx } = await chooseCompute('/cache', { device: 'cuda' }); report.chosen // 'cuda' or a fallback
 */
export async function chooseCompute(
  cacheDir: string,
  choice: { device?: ProviderName; threads?: number } = {},
): Promise<JobCompute> {
  const report = await devices(choice.device ? { prefer: [choice.device] } : {});
  return {
    report,
    onnx: {
      cacheDir: join(cacheDir, 'onnx'),
      providers: [report.chosen] as const,
      ...(choice.threads ? { threads: choice.threads } : {}),
    },
  };
}

/** The usable-model check and the tokenizer, the part every purpose shares. */
async function usableWithTokenizer(
  modelPath: string,
  cacheDir: string,
  purpose: ModelPurpose,
): Promise<CLIPTokenizer> {
  await assertUsableModel(modelPath, purpose); // the same check as the Start screen and the plan
  return loadModelTokenizer(modelPath, cacheDir);
}

/**
 * Opens a base model for training: checked, tokenizer found, checkpoint mapped (headers only).
 * @example const model = await openBaseModel('/models/sd15.safetensors', '/cache', 'trained on'); model.ckpt.config.family
 */
export async function openBaseModel(
  modelPath: string,
  cacheDir: string,
  purpose: ModelPurpose,
): Promise<BaseModel> {
  const tokenizer = await usableWithTokenizer(modelPath, cacheDir, purpose);
  const ckpt = await openCheckpoint(modelPath);
  return { path: modelPath, ckpt, tokenizer, isDir: (await stat(modelPath)).isDirectory() };
}

/**
 * Opens a base model to render with (text encoders, UNet and VAE behind one `CheckpointModel`); the caller disposes it.
 * @example const model = await openRenderModel(path, '/cache', 'sampled', { cacheDir: '/cache/onnx', hash: false })
 */
export async function openRenderModel(
  modelPath: string,
  cacheDir: string,
  purpose: ModelPurpose,
  options: Omit<CheckpointModelOptions, 'tokenizer'>,
): Promise<CheckpointModel> {
  const tokenizer = await usableWithTokenizer(modelPath, cacheDir, purpose);
  return CheckpointModel.open(modelPath, { tokenizer, ...options });
}

/**
 * A renderable model over an already open base model (the training run's previews: no second check or tokenizer).
 * @example const previewer = await renderModelOf(model, { ...onnx, hash: false })
 */
export function renderModelOf(
  model: BaseModel,
  options: Omit<CheckpointModelOptions, 'tokenizer'>,
): Promise<CheckpointModel> {
  return CheckpointModel.open(model.path, { tokenizer: model.tokenizer, ...options });
}
