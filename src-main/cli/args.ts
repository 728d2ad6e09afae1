// Small parsers shared by CLI commands (numbers with bounds, comma lists, output paths, compute device
// and threads), each failing as a UsageError.
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { appPaths } from '../core/app-paths';
import type { ProviderName } from '../engine/runtime/session';
import { physicalCores } from '../engine/runtime/threads';
import { UsageError } from './io';

/** "a, b ,c" → ['a', 'b', 'c']; undefined → []. */
export function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A number option within [min, max], or the fallback when absent. @example numberArg('--cfg', '7', 1, 30, 7) */
export function numberArg(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
  fallback: number,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${name} must be a number from ${min} to ${max}, not "${raw}"`);
  return n;
}

/** The cache folder: --cache, else the platform's cache folder (or $TESSERA_CACHE_DIR; core/app-paths.ts). */
export function cacheDirArg(given: string | undefined, cwd: string): string {
  return given ? resolve(cwd, given) : appPaths().cache;
}

const PROVIDERS: readonly ProviderName[] = ['cuda', 'tensorrt', 'dml', 'webgpu', 'coreml', 'cpu'];

/** Help lines for `computeArgs`' flags. */
export const COMPUTE_USAGE = [
  `  --device NAME              prefer this provider (${PROVIDERS.join(', ')}; default: the best available)`,
  `  --threads N                CPU threads for ONNX Runtime (default: physical cores, ${physicalCores()} here)`,
];

/** --device and --threads, validated. @example computeArgs({ threads: '4' }) // { threads: 4 } */
export function computeArgs(values: { device?: string; threads?: string }): {
  device?: ProviderName;
  threads?: number;
} {
  const out: { device?: ProviderName; threads?: number } = {};
  if (values.device !== undefined) {
    if (!PROVIDERS.includes(values.device as ProviderName))
      throw new UsageError(`--device must be one of ${PROVIDERS.join(', ')}, not "${values.device}"`);
    out.device = values.device as ProviderName;
  }
  if (values.threads !== undefined) {
    const n = numberArg('--threads', values.threads, 1, 1024, 0);
    if (!Number.isInteger(n))
      throw new UsageError(`--threads must be a whole number, not "${values.threads}"`);
    out.threads = n;
  }
  return out;
}

/**
 * An output file: resolved against `cwd`, its folder created when missing (as the app's "Save as" does).
 * @example const out = await outputFileArg('exports/ink.safetensors', '/work') // '/work/exports/ink.safetensors'
 */
export async function outputFileArg(raw: string, cwd: string): Promise<string> {
  const path = resolve(cwd, raw);
  await mkdir(dirname(path), { recursive: true });
  return path;
}
