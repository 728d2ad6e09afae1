// `tessera eval text-encoder`: a prompt through a checkpoint's text encoder(s) exactly as training and sampling
// condition the UNet (models/conditioning), written as safetensors for comparison with reference implementations.
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSafetensors, type TensorToWrite } from '../../formats/safetensors';
import { Encoder, type Conditioning } from '../../models/conditioning';
import { loadTokenizer } from '../../models/tokenizer-files';
import { openCheckpoint } from '../../models/weights';
import { UsageError, type CliIo } from '../io';

export const EVAL_TEXT_ENCODER_USAGE = `Usage: tessera eval text-encoder --model M --prompt TEXT --out OUT.safetensors
                              [--clip-skip N] [--negative] [--tokenizer DIR] [--cache DIR]

Encodes TEXT with the model's text encoder(s) as the UNet sees it: A1111 75-token chunks joined along
tokens, SDXL's two encoders joined on channels. Writes 'context' [1, 77·chunks, C], 'pooled' [1, P]
(SDXL) and 'ids' [encoders, chunks, 77] (I32).

  --model M       a .safetensors checkpoint or a diffusers folder
  --prompt TEXT   the prompt (weights syntax such as (word:1.2) stays plain text)
  --out FILE      where to write the tensors
  --clip-skip N   1 = last layer (default), 2 = penultimate … (SD1/SD2; SDXL ignores it)
  --negative      encode as a negative prompt (SDXL: an empty one gives zeros)
  --tokenizer DIR a folder holding bpe_simple_vocab_16e6.txt.gz or merges.txt (default: the model's
                  tokenizer/ folder, the folder next to the file, or the copy shipped with Tessera)
  --cache DIR     where compiled ONNX models are kept (default: <tmp>/tessera-onnx-cache)`;

interface EvalArgs {
  model: string;
  prompt: string;
  out: string;
  clipSkip: number;
  negative: boolean;
  tokenizerDir?: string;
  cacheDir?: string;
}

function parse(args: string[], io: CliIo): EvalArgs {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      prompt: { type: 'string' },
      out: { type: 'string' },
      'clip-skip': { type: 'string' },
      negative: { type: 'boolean' },
      tokenizer: { type: 'string' },
      cache: { type: 'string' },
    },
  });
  for (const name of ['model', 'prompt', 'out'] as const)
    if (values[name] === undefined) throw new UsageError(`eval text-encoder needs --${name}`);
  const clipSkip = Number(values['clip-skip'] ?? '1');
  if (!Number.isInteger(clipSkip) || clipSkip < 1)
    throw new UsageError(`--clip-skip must be a whole number ≥ 1, got "${values['clip-skip']}"`);
  return {
    model: resolve(io.cwd, values.model!),
    prompt: values.prompt!,
    out: resolve(io.cwd, values.out!),
    clipSkip,
    negative: values.negative ?? false,
    ...(values.tokenizer ? { tokenizerDir: resolve(io.cwd, values.tokenizer) } : {}),
    ...(values.cache ? { cacheDir: resolve(io.cwd, values.cache) } : {}),
  };
}

function tensorsOf(c: Conditioning): TensorToWrite[] {
  const chunks = c.ids[0].length;
  const ids = new Int32Array(c.ids.length * chunks * 77);
  c.ids.flat().forEach((row, i) => ids.set(row, i * 77));
  const tensors: TensorToWrite[] = [{ name: 'context', dtype: 'F32', shape: [...c.shape], data: c.context }];
  if (c.pooled) tensors.push({ name: 'pooled', dtype: 'F32', shape: [1, c.pooled.length], data: c.pooled });
  tensors.push({ name: 'ids', dtype: 'I32', shape: [c.ids.length, chunks, 77], data: ids });
  return tensors;
}

/**
 * Runs `tessera eval text-encoder …` (args after the subcommand) and returns the exit code.
 * @example await evalTextEncoder(['--model', 'sd15.safetensors', '--prompt', 'a cat', '--out', 'te.safetensors'], processIo)
 */
export async function evalTextEncoder(args: string[], io: CliIo): Promise<number> {
  const a = parse(args, io);
  const ckpt = await openCheckpoint(a.model);
  const modelDir = (await stat(a.model)).isDirectory() ? a.model : dirname(a.model);
  const tokenizer = await loadTokenizer({
    modelDir,
    ...(a.tokenizerDir ? { cacheDir: a.tokenizerDir } : {}),
  });
  const encoder = Encoder.fromCheckpoint(ckpt, tokenizer, {
    clipSkip: a.clipSkip,
    ...(a.cacheDir ? { cacheDir: a.cacheDir } : {}),
  });
  try {
    const c = await encoder.encode(a.prompt, { negative: a.negative });
    await writeSafetensors(a.out, tensorsOf(c), {
      'tessera.family': ckpt.config.id,
      'tessera.clip_skip': String(a.clipSkip),
      'tessera.prompt': a.prompt,
    });
    const pooled = c.pooled ? `, pooled [1, ${c.pooled.length}]` : '';
    io.out(
      `${ckpt.config.label}: context [${c.shape.join(', ')}]${pooled}, ${c.ids[0].length} chunk(s) → ${a.out}`,
    );
    return 0;
  } finally {
    encoder.dispose();
  }
}
