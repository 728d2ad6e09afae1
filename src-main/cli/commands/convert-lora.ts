// `tessera convert-lora IN OUT --to kohya|peft`: any LoRA naming in, kohya or PEFT out, same ΔW.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FLOAT_TYPES, isFloatPrecision, type FloatPrecision } from '../../formats/safetensors';
import { targetsOf } from '../../lora/adapter-weights';
import { convertLoRA } from '../../lora/convert';
import { openCheckpoint } from '../../models/weights';
import { outputFileArg } from '../args';
import { UsageError, type CliCommand, type CliIo } from '../io';

const USAGE = `Usage: tessera convert-lora IN.safetensors --to kohya|peft --out OUT.safetensors [--dtype fp16|bf16|fp32] [--model BASE] [--allow-drop]
       (OUT may also be given as a second path)

Rewrites a LoRA in another naming with the same effective weights: kohya (A1111, Forge, ComfyUI,
InvokeAI, sd-scripts) or PEFT/diffusers. Refuses to drop keys it cannot convert unless --allow-drop.

  --to          kohya (default) or peft
  --dtype       weight precision of the output (default: the input's)
  --model       the base model the LoRA was trained on: its own architecture names the modules (needed for
                models read from their file, e.g. distilled UNets or other transformer depths)
  --allow-drop  write even when some keys cannot be converted (they are listed)`;

export const convertLoraCommand: CliCommand = {
  name: 'convert-lora',
  summary: 'convert a LoRA between kohya and PEFT naming',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: {
        to: { type: 'string', default: 'kohya' },
        out: { type: 'string' },
        dtype: { type: 'string' },
        model: { type: 'string' },
        'allow-drop': { type: 'boolean' },
      },
      allowPositionals: true,
    });
    const paths = values.out ? [...positionals, values.out] : positionals;
    if (paths.length !== 2) throw new UsageError('convert-lora needs IN and --out OUT');
    if (values.to !== 'kohya' && values.to !== 'peft')
      throw new UsageError(`--to must be kohya or peft, not "${values.to}"`);
    if (values.dtype !== undefined && !isFloatPrecision(values.dtype))
      throw new UsageError(`--dtype must be fp16, bf16 or fp32, not "${values.dtype}"`);
    const input = resolve(io.cwd, paths[0]);
    const result = await convertLoRA(input, await outputFileArg(paths[1], io.cwd), values.to, {
      allowDrop: values['allow-drop'] === true,
      ...(values.model
        ? { targets: targetsOf((await openCheckpoint(resolve(io.cwd, values.model))).config) }
        : {}),
      ...(values.dtype ? { dtype: FLOAT_TYPES[values.dtype as FloatPrecision].safetensors } : {}),
    });
    io.out(
      `${result.from} → ${result.to}: ${result.modules} modules (${result.family}) written to ${result.written.path}`,
    );
    for (const k of result.unknownKeys) io.out(`  dropped unknown key ${k}`);
    for (const s of result.skipped) io.out(`  dropped ${s.stem}: ${s.reason}`);
    return 0;
  },
};
