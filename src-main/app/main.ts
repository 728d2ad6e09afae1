// Electron entry (`npm start`): hardening first, then services, IPC and the window. Thin by design: all
// behaviour lives in core/ and is shared with the web server and the CLI.
import { app, BrowserWindow, shell } from 'electron';
import { Services } from '../core/services';
import { guardClose } from './close-guard';
import { registerIpc } from './ipc';
import { handleOpenedFiles } from './open-files';
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
      reveal: (path) => shell.showItemInFolder(path),
    });
    const open = () => {
      const win = createMainWindow(entry);
      guardClose(win, services);
      return win;
    };
    const focus = () => {
      const [win] = BrowserWindow.getAllWindows();
      if (win) {
        if (win.isMinimized()) win.restore();
        win.focus();
      } else open();
    };
    if (!handleOpenedFiles(services, focus)) {
      // Another Tessera is running: it got our files (second-instance); this one leaves.
      app.quit();
      return;
    }
    registerIpc(services, entry);
    handleThumbProtocol(services);
    app.on('will-quit', () => services.dispose());
    open();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open();
    });
  })
  .catch((err: unknown) => {
    console.error('tessera: could not start:', err);
    app.exit(1);
  });
