// `tessera sample`: one image from a prompt with a model (and optionally a LoRA at a strength), as a PNG that
// A1111/ComfyUI read their settings from. Same pipeline as previews and the Gallery's "try a prompt".
import { writeFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { targetsOf } from '../../lora/adapter-weights';
import { loadLoRA } from '../../lora/load';
import { a1111ShortHash, fileSha256 } from '../../lora/hashes';
import { openRenderModel } from '../../jobs/open-model';
import { isSamplerName, SAMPLERS } from '../../sample/samplers/index';
import { txt2img } from '../../sample/txt2img';
import { cacheDirArg, COMPUTE_USAGE, computeArgs, numberArg, outputFileArg } from '../args';
import { UsageError, type CliCommand, type CliIo } from '../io';

const USAGE = `Usage: tessera sample --model M --prompt TEXT --out FILE.png [options]

Renders one image. The PNG carries A1111's "parameters" text, so A1111 and ComfyUI show its settings.

  --model PATH        checkpoint (.safetensors) or diffusers folder
  --lora PATH         a LoRA to apply      --scale S   its strength (default 1)
  --prompt TEXT       --negative TEXT
  --seed N            (default 0)          --steps N   (default 20)
  --cfg X             (default 7)          --width W --height H (default 512, 1024 for SDXL)
  --sampler NAME      ${Object.keys(SAMPLERS).join(', ')} (default euler_a)
  --clip-skip N       (default 1)          --tiled     decode in tiles (less memory)
  --cache DIR         where compiled models live
${COMPUTE_USAGE[1]}`;

export const sampleCommand: CliCommand = {
  name: 'sample',
  summary: 'render an image from a prompt, with or without a LoRA',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: v } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        lora: { type: 'string' },
        scale: { type: 'string' },
        prompt: { type: 'string' },
        negative: { type: 'string', default: '' },
        seed: { type: 'string' },
        steps: { type: 'string' },
        cfg: { type: 'string' },
        sampler: { type: 'string', default: 'euler_a' },
        width: { type: 'string' },
        height: { type: 'string' },
        'clip-skip': { type: 'string' },
        tiled: { type: 'boolean' },
        cache: { type: 'string' },
        out: { type: 'string' },
        threads: { type: 'string' },
      },
    });
    if (!v.model || v.prompt === undefined || !v.out)
      throw new UsageError('sample needs --model, --prompt and --out');
    if (!isSamplerName(v.sampler))
      throw new UsageError(`--sampler must be one of ${Object.keys(SAMPLERS).join(', ')}`);
    const modelPath = resolve(io.cwd, v.model);
    const cacheDir = cacheDirArg(v.cache, io.cwd);
    const clipSkip = numberArg('--clip-skip', v['clip-skip'], 1, 12, 1);
    const model = await openRenderModel(modelPath, cacheDir, 'sampled', {
      cacheDir,
      clipSkip,
      tiledDecode: v.tiled === true,
      ...computeArgs(v.threads === undefined ? {} : { threads: v.threads }),
    });
    try {
      const size = model.ckpt.config.resolution;
      let lora;
      if (v.lora) {
        const loraPath = resolve(io.cwd, v.lora);
        const strength = numberArg('--scale', v.scale, -4, 4, 1);
        model.setLoRA(
          (await loadLoRA(loraPath, { targets: targetsOf(model.ckpt.config) })).adapter,
          strength,
        );
        lora = {
          name: basename(loraPath, extname(loraPath)),
          strength,
          hash: a1111ShortHash(await fileSha256(loraPath)),
        };
      }
      const result = await txt2img(model, {
        prompt: v.prompt,
        negative: v.negative,
        seed: numberArg('--seed', v.seed, 0, 2 ** 32 - 1, 0),
        steps: numberArg('--steps', v.steps, 1, 500, 20),
        cfg: numberArg('--cfg', v.cfg, 1, 50, 7),
        sampler: v.sampler,
        width: numberArg('--width', v.width, 8, 4096, size),
        height: numberArg('--height', v.height, 8, 4096, size),
        ...(lora ? { lora } : {}),
      });
      const out = await outputFileArg(v.out, io.cwd);
      await writeFile(out, result.png);
      io.out(`${out}`);
      io.out(result.parameters);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
