// The main window: secure webPreferences, the sandboxed preload, and the renderer from the dev server or
// the built index.html.
import { BrowserWindow } from 'electron';
import { fileURLToPath } from 'node:url';
import { SECURE_WEB_PREFERENCES } from './security';
import type { RendererEntry } from './trust';

/** `electron-vite dev` sets ELECTRON_RENDERER_URL; otherwise the build output beside out/main. */
export function rendererEntry(): RendererEntry {
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (devUrl) return { kind: 'url', url: devUrl };
  return { kind: 'file', path: fileURLToPath(new URL('../renderer/index.html', import.meta.url)) };
}

/** @example const win = createMainWindow(rendererEntry()) */
export function createMainWindow(entry: RendererEntry): BrowserWindow {
  const win = new BrowserWindow({
    width: 1120,
    height: 800,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Tessera',
    webPreferences: {
      ...SECURE_WEB_PREFERENCES,
      preload: fileURLToPath(new URL('../preload/preload.cjs', import.meta.url)),
    },
  });
  win.once('ready-to-show', () => win.show());
  const loading = entry.kind === 'url' ? win.loadURL(entry.url) : win.loadFile(entry.path);
  loading.catch((err: unknown) => console.error('tessera: the window could not load the UI:', err));
  return win;
}
