// `tessera merge`: a base checkpoint with an adapter baked in, as a new single file (the base is untouched).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FLOAT_TYPES } from '../../formats/safetensors';
import { targetsOf } from '../../lora/adapter-weights';
import { openCheckpoint } from '../../models/weights';
import { loadLoRA } from '../../lora/load';
import { mergeLoRA } from '../../lora/merge';
import { numberArg, outputFileArg } from '../args';
import { UsageError, type CliCommand, type CliIo } from '../io';

const USAGE = `Usage: tessera merge --model BASE.safetensors --lora L.safetensors --out OUT.safetensors [--scale S] [--dtype keep|fp16|fp32]

Writes BASE with W + S·(alpha/rank)·up·down merged into every adapted layer, for apps that take one model
file. Every other tensor is copied unchanged. --dtype keep (default) keeps each tensor's stored precision.`;

const DTYPE_CHOICES: readonly string[] = ['keep', 'fp16', 'fp32'];

export const mergeCommand: CliCommand = {
  name: 'merge',
  summary: 'merge a LoRA into a checkpoint (new file)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: v } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        lora: { type: 'string' },
        out: { type: 'string' },
        scale: { type: 'string' },
        dtype: { type: 'string', default: 'keep' },
      },
    });
    if (!v.model || !v.lora || !v.out) throw new UsageError('merge needs --model, --lora and --out');
    if (!DTYPE_CHOICES.includes(v.dtype)) throw new UsageError('--dtype must be keep, fp16 or fp32');
    const base = await openCheckpoint(resolve(io.cwd, v.model)); // its own targets resolve the LoRA's keys
    const { adapter } = await loadLoRA(resolve(io.cwd, v.lora), { targets: targetsOf(base.config) });
    const result = await mergeLoRA(resolve(io.cwd, v.model), adapter, await outputFileArg(v.out, io.cwd), {
      strength: numberArg('--scale', v.scale, -10, 10, 1),
      dtype: v.dtype === 'keep' ? 'keep' : FLOAT_TYPES[v.dtype as 'fp16' | 'fp32'].safetensors,
    });
    io.out(`${result.path}: ${result.mergedKeys.length} layers merged, ${result.tensorCount} tensors`);
    return 0;
  },
};
