// Test helper: runs one peak-rss-child.ts case in a fresh Node process, so its peak RSS is that graph's alone.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface PeakReport {
  /** Peak RSS growth during the ORT run (session creation included). */
  grewKiB: number;
  loss: number;
}

export async function measurePeak(name: string): Promise<PeakReport> {
  const child = fileURLToPath(new URL('./peak-rss-child.ts', import.meta.url));
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, name], {
    cwd: root,
  });
  const r = JSON.parse(stdout) as { beforeKiB: number; peakKiB: number; loss: number };
  return { grewKiB: r.peakKiB - r.beforeKiB, loss: r.loss };
}
