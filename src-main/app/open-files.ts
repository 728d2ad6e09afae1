// Files handed to Tessera by the OS (the .safetensors association, "Open with", a second launch): macOS sends
// 'open-file' events, Windows and Linux pass paths on the command line of a second instance. Each one is
// announced to the UI as an 'app.openFile' event, which inspects it.
import { app } from 'electron';
import type { Services } from '../core/services';
import { openablePaths } from './open-paths';

/** Single instance: a second launch forwards its files here and focuses the window. Returns false when this is the second instance. */
export function handleOpenedFiles(services: Services, focus: () => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  const announce = (path: string) => services.events.emit('app.openFile', { path });
  app.on('second-instance', (_event, argv) => {
    openablePaths(argv).forEach(announce);
    focus();
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    announce(path);
  });
  // Files given to the first launch are announced once the window can listen.
  const initial = openablePaths(process.argv.slice(1));
  if (initial.length) setTimeout(() => initial.forEach(announce), 1500);
  return true;
}
