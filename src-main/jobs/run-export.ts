// A run's adapter files: checkpoints (`<name>-stepNNNNNN.safetensors`) and the final `<name>.safetensors`, kohya
// naming, with what the adapter says about its run (kohya ss_* and modelspec facts, the base model's hashes).
import { basename, join } from 'node:path';
import { FLOAT_TYPES } from '../formats/safetensors';
import { targetsOf } from '../lora/adapter-weights';
import { exportKohya } from '../lora/export-kohya';
import { cachedFileSha256, legacyModelHash } from '../lora/hashes';
import type { TrainConfig } from '../train/config';
import type { TrainJobSpec } from '../api/worker-messages';
import type { Tensors } from '../train/optim/index';
import { tagFrequency, trainingFacts, triggerPhrase } from '../train/run-metadata';
import type { BaseModel } from './open-model';
import type { TrainingData } from './training-data';
import { adapterOf, type TrainableLoRA } from './train-steps';

/** Writes the adapter of the current parameters at a step; returns its path. */
export type AdapterExporter = (current: Tensors, at: number, final: boolean) => Promise<string>;

/**
 * The run's exporter. The base model's hashes (A1111's, as kohya writes them) are read once, at the first export,
 * so they never delay the first step; a diffusers folder has no file hash.
 * @example const exportAdapter = runExporter(spec, config, model, lora, prepared); await exportAdapter(params, 10, false)
 */
export function runExporter(
  spec: Pick<TrainJobSpec, 'runDir' | 'name' | 'modelPath' | 'datasetDir' | 'cacheDir'>,
  config: TrainConfig,
  model: BaseModel,
  lora: TrainableLoRA,
  { items, data }: Pick<TrainingData, 'items' | 'data'>,
): AdapterExporter {
  let hashes: Promise<{ legacy: string; sha256: string } | undefined> | undefined;
  const baseHashes = () =>
    (hashes ??= model.isDir
      ? Promise.resolve(undefined)
      : Promise.all([legacyModelHash(spec.modelPath), cachedFileSha256(spec.modelPath, spec.cacheDir)]).then(
          ([legacy, sha256]) => ({ legacy, sha256 }),
        ));
  const trigger = triggerPhrase(config, items);
  const metadataBase = {
    outputName: spec.name,
    trainingStartedAt: Date.now() / 1000,
    resolution: [config.resolution, config.resolution] as [number, number],
    sdModelName: basename(spec.modelPath),
    tagFrequency: tagFrequency(spec.datasetDir, items),
    ...(trigger ? { trigger } : {}),
  };
  const factsAt = async (steps: number) => {
    const base = await baseHashes();
    const run = { batchesPerEpoch: data.batchesPerEpoch, items, datasetDir: spec.datasetDir, steps };
    return trainingFacts(config, base ? { ...run, hashes: base } : run);
  };
  return async (current, at, final) => {
    const path = join(
      spec.runDir,
      final ? `${spec.name}.safetensors` : `${spec.name}-step${String(at).padStart(6, '0')}.safetensors`,
    );
    await exportKohya(adapterOf(lora, current), path, {
      dtype: FLOAT_TYPES[config.saveDtype].safetensors,
      metadata: {
        ...metadataBase,
        training: await factsAt(at),
        ...(final ? { trainingFinishedAt: Date.now() / 1000 } : {}),
        extra: { 'tessera.step': String(at) },
      },
      targets: targetsOf(model.ckpt.config),
    });
    return path;
  };
}
