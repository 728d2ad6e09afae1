// One build for the three front doors: main (Electron app + the plain-Node server and CLI entries),
// preload (ONE CommonJS bundle, as sandboxed preloads require), and the Svelte renderer in src-renderer/.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

const root = import.meta.dirname;

/** Native packages load from node_modules at run time, never bundled. */
const NATIVE_EXTERNALS = ['onnxruntime-node', 'sharp'];

/** Vite's dev server injects <style> tags for hot reload; only `electron-vite dev` gets 'unsafe-inline'. */
function devStyleCsp(): Plugin {
  return {
    name: 'tessera:dev-style-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  };
}

export const RENDERER_ROOT = resolve(root, 'src-renderer');

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        input: {
          main: resolve(root, 'src-main/app/main.ts'),
          server: resolve(root, 'src-main/server/main.ts'),
          cli: resolve(root, 'src-main/cli/main.ts'),
          worker: resolve(root, 'src-main/jobs/worker.ts'),
        },
        external: NATIVE_EXTERNALS,
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: resolve(root, 'src-main/app/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: RENDERER_ROOT,
    plugins: [svelte(), devStyleCsp()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(RENDERER_ROOT, 'index.html') },
    },
  },
});
