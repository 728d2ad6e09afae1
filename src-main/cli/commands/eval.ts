// `tessera eval <part>`: runs one model part on given inputs and writes its outputs, so numbers can be
// compared with reference implementations on the same weights. One row per part.
import { UsageError, type CliCommand, type CliIo } from '../io';
import { EVAL_LORA_GRAD_USAGE, EVAL_UNET_USAGE, evalLoraGrad, evalUnet } from './eval-unet';
import { EVAL_TEXT_ENCODER_USAGE, evalTextEncoder } from './eval-text-encoder';
import { EVAL_VAE_DECODE_USAGE, EVAL_VAE_ENCODE_USAGE, evalVaeDecode, evalVaeEncode } from './eval-vae';

interface EvalPart {
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

export const EVAL_PARTS: Readonly<Record<string, EvalPart>> = {
  unet: {
    summary: 'UNet prediction for given latents, timesteps and context (optionally with a LoRA)',
    usage: EVAL_UNET_USAGE,
    run: evalUnet,
  },
  'lora-grad': {
    summary: 'training-step loss and LoRA gradients',
    usage: EVAL_LORA_GRAD_USAGE,
    run: evalLoraGrad,
  },
  'text-encoder': {
    summary: 'prompt → context (and SDXL pooled) tensors',
    usage: EVAL_TEXT_ENCODER_USAGE,
    run: evalTextEncoder,
  },
  'vae-encode': {
    summary: 'image → latents (mean, or sampled with --seed)',
    usage: EVAL_VAE_ENCODE_USAGE,
    run: evalVaeEncode,
  },
  'vae-decode': {
    summary: 'latents → PNG (optionally tiled)',
    usage: EVAL_VAE_DECODE_USAGE,
    run: evalVaeDecode,
  },
};

const USAGE = [
  'Usage: tessera eval <part> [options]',
  '',
  'Runs one part of a model on your inputs and writes its outputs (safetensors or PNG), for checks against',
  'other implementations on the same weights.',
  '',
  'Parts:',
  ...Object.entries(EVAL_PARTS).map(([name, p]) => `  ${name.padEnd(14)}${p.summary}`),
  '',
  'tessera eval <part> --help shows the part’s options.',
].join('\n');

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'run the UNet, a text encoder or the VAE on given inputs',
  usage: USAGE,
  helpFor: (args) =>
    args[0] !== undefined && Object.hasOwn(EVAL_PARTS, args[0]) ? EVAL_PARTS[args[0]].usage : undefined,
  async run(args: string[], io: CliIo): Promise<number> {
    const [part, ...rest] = args;
    const entry = part !== undefined && Object.hasOwn(EVAL_PARTS, part) ? EVAL_PARTS[part] : undefined;
    if (!entry) throw new UsageError(part ? `unknown eval part "${part}"` : 'eval needs a part');
    return entry.run(rest, io);
  },
};
