// Builds the renderer once for the end-to-end tests, with the same Vite config the app uses
// (electron.vite.config.ts), into test/.tmp; rebuilt only when a source file is newer than the build.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import config from '../../electron.vite.config';

export const E2E_RENDERER_DIR = resolve('test/.tmp/e2e-renderer');

/** Sources the renderer bundle is made from. */
const SOURCE_DIRS = ['src-renderer', 'src-main/api', 'src-main/sample', 'shaders'];

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

async function builtAt(): Promise<number> {
  try {
    return (await stat(join(E2E_RENDERER_DIR, 'index.html'))).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** @example const dir = await ensureRendererBuild(); await startServer({ rendererDir: dir }) */
export async function ensureRendererBuild(): Promise<string> {
  const sources = Math.max(...(await Promise.all(SOURCE_DIRS.map(newestMtime))));
  if ((await builtAt()) > sources) return E2E_RENDERER_DIR;
  const renderer = config.renderer;
  if (!renderer) throw new Error('electron.vite.config.ts has no renderer section');
  await build({
    ...renderer,
    configFile: false,
    logLevel: 'warn',
    build: { ...renderer.build, outDir: E2E_RENDERER_DIR, emptyOutDir: true },
  });
  return E2E_RENDERER_DIR;
}
