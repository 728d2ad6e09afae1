#!/usr/bin/env node
// `npm start` runs this first: Electron 45 fetches its binary on first use (node_modules/electron/install.js).
// If it cannot, say why in one short message and point at web mode, instead of a stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
/* global process, console -- eslint.config.js declares no Node globals for .mjs files yet */

const require = createRequire(import.meta.url);
const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;

function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch (err) {
    if (err.code === 'MODULE_NOT_FOUND') return null;
    throw err;
  }
}

/** The same test electron/index.js makes: path.txt names an executable that exists. */
function isInstalled(dir) {
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return false;
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist');
  return existsSync(join(distDir, readFileSync(pathFile, 'utf8')));
}

function giveUp(reason) {
  console.error(
    `\nElectron could not be downloaded (${reason}).\n` +
      'The same app runs in your browser: npm run serve\n' +
      '(Behind a proxy or offline mirror? Set ELECTRON_MIRROR or ELECTRON_GET_USE_PROXY=1 and run npm start again.)\n',
  );
  process.exit(1);
}

/** The installer prints a stack; its first line ("TypeError: fetch failed", "HTTPError: 404") is the reason. */
function reasonFrom(stderr, status) {
  const line = (stderr ?? '').split('\n').find((l) => l.trim() !== '');
  return line ? line.trim() : `the installer exited with code ${status}`;
}

const dir = electronDir();
if (!dir) giveUp('the electron package is missing; run npm ci first');
if (!isInstalled(dir)) {
  console.log('Downloading Electron (first start only)…');
  const result = spawnSync(process.execPath, [join(dir, 'install.js')], {
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: DOWNLOAD_TIMEOUT_MS,
  });
  if (result.error)
    giveUp(result.error.code === 'ETIMEDOUT' ? 'the download timed out' : result.error.message);
  if (result.status !== 0 || !isInstalled(dir)) giveUp(reasonFrom(result.stderr, result.status));
}
