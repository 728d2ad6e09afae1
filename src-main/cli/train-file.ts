// `tessera train CONFIG.toml`: a run described in a file (kept with the project, diffable, reusable). Paths in
// it are relative to the file; `[train]` holds the options of train/config.ts in snake_case or camelCase.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { OPTIONS } from '../train/config';
import { UsageError } from './io';

export interface TrainFile {
  model?: string;
  dataset?: string;
  out?: string;
  name?: string;
  preset?: string;
  cache?: string;
  continue?: string;
  device?: string;
  /** Preview prompt lines (kohya syntax), from `prompts = [...]` or `prompts_file`. */
  prompts: string[];
  /** Training options by their config key (`learningRate`). */
  options: Record<string, string | number | boolean>;
}

const PATH_KEYS = ['model', 'dataset', 'out', 'cache', 'continue'] as const;
const TEXT_KEYS = ['name', 'preset', 'device'] as const;
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Reads a train file; unknown keys are errors (a typo must not silently train with a default).
 * @example const file = await readTrainFile('/p/ink.toml'); file.options.rank
 */
export async function readTrainFile(path: string): Promise<TrainFile> {
  let doc: Record<string, unknown>;
  try {
    doc = parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) throw new UsageError(`${path}: ${err.message.split('\n')[0]}`);
    throw err;
  }
  const base = dirname(path);
  const out: TrainFile = { prompts: [], options: {} };
  const known = new Set(OPTIONS.map((o) => o.key as string));
  for (const [key, value] of Object.entries(doc)) {
    if ((PATH_KEYS as readonly string[]).includes(key) && typeof value === 'string')
      out[key as (typeof PATH_KEYS)[number]] = resolve(base, value);
    else if ((TEXT_KEYS as readonly string[]).includes(key) && typeof value === 'string')
      out[key as (typeof TEXT_KEYS)[number]] = value;
    else if (key === 'prompts' && Array.isArray(value)) out.prompts.push(...value.map(String));
    else if (key === 'prompts_file' && typeof value === 'string')
      out.prompts.push(
        ...(await readFile(resolve(base, value), 'utf8'))
          .split('\n')
          .filter((l) => l.trim() && !l.startsWith('#')),
      );
    else if (key === 'train' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const name = camel(k);
        if (!known.has(name)) throw new UsageError(`${path}: [train] has no option "${k}"`);
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
          throw new UsageError(`${path}: [train] ${k} must be a number, text or true/false`);
        out.options[name] = v;
      }
    } else throw new UsageError(`${path}: unknown setting "${key}"`);
  }
  return out;
}
