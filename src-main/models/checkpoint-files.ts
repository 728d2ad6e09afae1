// Reading checkpoint files safely: safetensors headers (refusing pickles with a clear message), JSON configs,
// and the weight files of a diffusers component folder (plain, variant or sharded). Layouts:
// docs/reference/checkpoint-formats.md#diffusers-folders.
import { open, readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  readSafetensorsHeader,
  SafetensorsError,
  type SafetensorsHeader,
} from '../formats/safetensors/index';
import { notSafetensors, pickleRefusal, PICKLE_EXTENSIONS } from './errors';

async function sniffPickle(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    const zip = bytesRead === 4 && buffer.toString('latin1') === 'PK\x03\x04';
    return zip || (bytesRead >= 2 && buffer[0] === 0x80 && buffer[1] <= 5);
  } finally {
    await fh.close();
  }
}

/** Reads a safetensors header, refusing pickles and explaining anything else that is not safetensors. */
export async function readHeader(path: string): Promise<SafetensorsHeader> {
  if ((PICKLE_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase()))
    throw pickleRefusal(path);
  if (await sniffPickle(path)) throw pickleRefusal(path);
  try {
    return await readSafetensorsHeader(path);
  } catch (err) {
    if (err instanceof SafetensorsError) throw notSafetensors(path, err.problem, err);
    throw err;
  }
}

export async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

/** Weight files of one component folder: plain, variant (`.fp16.`) or the shards of an index. */
export async function componentFiles(
  dir: string,
  stem: string,
): Promise<{ files: string[]; pickleOnly: boolean }> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const single = [
    `${stem}.safetensors`,
    ...names.filter((n) => n.startsWith(`${stem}.`) && n.endsWith('.safetensors') && !/-of-/.test(n)),
  ];
  const direct = single.find((n) => names.includes(n));
  if (direct) return { files: [join(dir, direct)], pickleOnly: false };
  const index = names.find((n) => n.startsWith(`${stem}.`) && n.endsWith('.safetensors.index.json'));
  if (index) {
    const json = (await readJson(join(dir, index))) as { weight_map?: Record<string, string> } | undefined;
    const shards = [...new Set(Object.values(json?.weight_map ?? {}))];
    return { files: shards.map((s) => join(dir, s)), pickleOnly: false };
  }
  return { files: [], pickleOnly: names.some((n) => n.endsWith('.bin')) };
}

/**
 * The JSON files of a diffusers folder that detection and derivation read (absent ones undefined).
 * @example const files = await readDiffusersFiles('/models/sd15'); files.unet.block_out_channels
 */
export async function readDiffusersFiles(dir: string): Promise<{
  unet: Record<string, unknown>;
  vae?: Record<string, unknown>;
  text_encoder?: Record<string, unknown>;
  text_encoder_2?: Record<string, unknown>;
  scheduler?: Record<string, unknown>;
  modelIndex?: Record<string, unknown>;
}> {
  const json = (...parts: string[]) => readJson(join(dir, ...parts));
  return {
    unet: (await json('unet', 'config.json')) ?? {},
    vae: await json('vae', 'config.json'),
    text_encoder: await json('text_encoder', 'config.json'),
    text_encoder_2: await json('text_encoder_2', 'config.json'),
    scheduler: await json('scheduler', 'scheduler_config.json'),
    modelIndex: await json('model_index.json'),
  };
}
