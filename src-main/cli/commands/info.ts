// `tessera info PATH [--json]`: what a checkpoint, diffusers folder or LoRA is, from its header only.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelInfo } from '../../api/contract';
import {
  COMPONENT_LABELS,
  formatBytes,
  formatDtypes,
  formatParams,
  LAYOUT_LABELS,
  PREDICTION_LABELS,
} from '../../api/format';
import { formatTrainingMetadata } from '../lora-metadata-report';
import { formatCompat } from '../../lora/compat';
import { validateArgs } from '../../api/validate';
import { Services } from '../../core/services';
import { UsageError, type CliCommand, type CliIo } from '../io';

const USAGE = `Usage: tessera info PATH [--json]
       tessera info --compat ADAPTER --model BASE

Describes a Stable Diffusion model without loading its weights: family, layout, components
(parameters, dtypes), the architecture read from the model, LoRA details, and the evidence behind each decision.
PATH is a .safetensors file (checkpoint or LoRA) or a diffusers folder.

  --json     print the full ModelInfo as JSON
  --compat   for an adapter: which keys AUTOMATIC1111, Forge, ComfyUI, InvokeAI, diffusers and kohya
             sd-scripts apply to BASE (a checkpoint or diffusers folder), the scale they use, and warnings`;

const row = (label: string, value: string): string => `  ${label.padEnd(16)}${value}`;

/** The human-readable report, one line per fact. @example formatInfo(info).join('\n') */
export function formatInfo(info: ModelInfo): string[] {
  const lines = [
    info.path,
    row('Family', `${info.familyLabel} (${info.family})`),
    row('Layout', LAYOUT_LABELS[info.layout]),
    row('Variant', info.variant),
    row('Prediction', PREDICTION_LABELS[info.prediction]),
    row(
      'Size',
      `${formatBytes(info.fileBytes)} · ${info.tensorCount} tensors · ${formatParams(info.totalParams)} params`,
    ),
    row('Dtypes', formatDtypes(info.dtypes)),
    '',
    'Components',
    ...info.components.map((c) =>
      c.present
        ? row(COMPONENT_LABELS[c.name], `${formatParams(c.params).padStart(9)}  ${formatDtypes(c.dtypes)}`)
        : row(COMPONENT_LABELS[c.name], '      —  not in this file'),
    ),
  ];
  if (info.architecture.length) lines.push('', 'Architecture', ...info.architecture.map((a) => `  ${a}`));
  if (info.refusal) lines.push('', `Cannot be used as a base model: ${info.refusal}`);
  if (info.lora) {
    const l = info.lora;
    lines.push(
      '',
      'LoRA',
      row('Naming', l.naming),
      row('Base', l.family),
      row('Rank', String(l.rank ?? '?')),
      row('Alpha', String(l.alpha ?? '?')),
    );
    lines.push(
      row('Modules', `${l.modules} (UNet ${l.targets.unet}, text encoder ${l.targets.textEncoder})`),
    );
  }
  if (info.lora) lines.push(...formatTrainingMetadata(info.metadata));
  if (info.evidence.length) lines.push('', 'Evidence', ...info.evidence.map((e) => `  - ${e}`));
  if (info.warnings.length) lines.push('', 'Warnings', ...info.warnings.map((w) => `  ! ${w}`));
  return lines;
}

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'describe a model file or diffusers folder',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, compat: { type: 'boolean' }, model: { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length !== 1)
      throw new UsageError(positionals.length ? 'info takes one PATH' : 'info needs a PATH');
    const [path] = validateArgs('inspectModel', [resolve(io.cwd, positionals[0])]);
    const services = new Services({ mode: 'cli' });
    if (values.compat) {
      if (!values.model)
        throw new UsageError('--compat needs --model BASE (the checkpoint the adapter is for)');
      const report = await services.checkCompatibility(path, resolve(io.cwd, values.model));
      if (values.json) io.out(JSON.stringify(report, null, 2));
      else formatCompat(report).forEach((line) => io.out(line));
      return 0;
    }
    const info = await services.inspectModel(path);
    if (values.json) io.out(JSON.stringify(info, null, 2));
    else formatInfo(info).forEach((line) => io.out(line));
    return 0;
  },
};
