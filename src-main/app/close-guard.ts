// Closing the window while a run is active asks first; quitting stops the worker, and the run stays resumable
// from its last checkpoint (Train → "Continue from last checkpoint", or `tessera train` again).
import { dialog, type BrowserWindow } from 'electron';
import type { Services } from '../core/services';

/** @example guardClose(win, services) */
export function guardClose(win: BrowserWindow, services: Services): void {
  let confirmed = false;
  win.on('close', (event) => {
    if (confirmed) return;
    event.preventDefault();
    void services.listJobs().then((jobs) => {
      const active = jobs.filter((j) => j.status === 'running' || j.status === 'paused');
      if (active.length) {
        const choice = dialog.showMessageBoxSync(win, {
          type: 'question',
          buttons: ['Keep training', 'Quit'],
          defaultId: 0,
          cancelId: 0,
          message: `"${active[0].name}" is still training.`,
          detail:
            'If you quit now, the run stops and keeps everything up to its last checkpoint. ' +
            'Open it again later and choose "Continue from last checkpoint".',
        });
        if (choice === 0) return;
      }
      confirmed = true;
      win.close();
    });
  });
}
