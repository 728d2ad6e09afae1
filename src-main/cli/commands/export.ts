// `tessera export ADAPTER OUT`: a run's adapter re-written in the chosen naming and precision, with title and
// trigger words (the Export screen's job, from a terminal).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ExportRequest } from '../../api/training';
import { TrainingService } from '../../core/training';
import { splitList } from '../args';
import { UsageError, type CliCommand, type CliIo } from '../io';

const USAGE = `Usage: tessera export ADAPTER.safetensors OUT.safetensors [options]

Writes an adapter for other apps: kohya naming (A1111, Forge, ComfyUI, InvokeAI, sd-scripts) or
PEFT/diffusers, in fp16, bf16 or fp32, with a title and trigger words in its metadata.

  --format kohya|peft        naming (default kohya)
  --precision fp16|bf16|fp32 (default fp16)
  --title TEXT               modelspec.title
  --trigger "a, b"           trigger words (modelspec.trigger_phrase)`;

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write an adapter in kohya or PEFT naming, fp16/bf16/fp32',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: {
        format: { type: 'string', default: 'kohya' },
        precision: { type: 'string', default: 'fp16' },
        title: { type: 'string' },
        trigger: { type: 'string' },
      },
      allowPositionals: true,
    });
    if (positionals.length !== 2) throw new UsageError('export needs ADAPTER and OUT paths');
    if (values.format !== 'kohya' && values.format !== 'peft')
      throw new UsageError('--format must be kohya or peft');
    if (!['fp16', 'bf16', 'fp32'].includes(values.precision))
      throw new UsageError('--precision must be fp16, bf16 or fp32');
    const [adapterPath, outPath] = positionals.map((p) => resolve(io.cwd, p));
    const request: ExportRequest = {
      adapterPath,
      outPath,
      format: values.format,
      precision: values.precision as ExportRequest['precision'],
      ...(values.title ? { title: values.title } : {}),
      triggerWords: splitList(values.trigger),
    };
    const done = await TrainingService.exportOnly(request);
    io.out(`${done.path}: ${done.tensors} tensors, sha256 ${done.sha256}`);
    return 0;
  },
};
