// Small parsers shared by CLI commands (numbers with bounds, comma lists, output paths), each failing as a UsageError.
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { appPaths } from '../core/app-paths';
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

/**
 * An output file: resolved against `cwd`, its folder created when missing (as the app's "Save as" does).
 * @example const out = await outputFileArg('exports/ink.safetensors', '/work') // '/work/exports/ink.safetensors'
 */
export async function outputFileArg(raw: string, cwd: string): Promise<string> {
  const path = resolve(cwd, raw);
  await mkdir(dirname(path), { recursive: true });
  return path;
}
