// Electron entry (`npm start`): hardening first, then services, IPC and the window. Thin by design: all
// behaviour lives in core/ and is shared with the web server and the CLI.
import { app, BrowserWindow } from 'electron';
import { Services } from '../core/services';
import { registerIpc } from './ipc';
import { handleThumbProtocol, registerThumbScheme } from './protocol';
import { restrictSession, restrictWebContents } from './security';
import { utilityLauncher } from './trainer-process';
import { createMainWindow, rendererEntry } from './window';

const entry = rendererEntry();
app.enableSandbox();
restrictWebContents(entry);
registerThumbScheme();

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app
  .whenReady()
  .then(() => {
    restrictSession();
    const services = new Services({
      mode: 'electron',
      appDataDir: app.getPath('userData'),
      launcher: utilityLauncher(),
    });
    registerIpc(services, entry);
    handleThumbProtocol(services);
    app.on('will-quit', () => services.dispose());
    createMainWindow(entry);
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createMainWindow(entry);
    });
  })
  .catch((err: unknown) => {
    console.error('tessera: could not start:', err);
    app.exit(1);
  });
