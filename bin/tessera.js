#!/usr/bin/env node
// The `tessera` command: runs the built CLI (out/main/cli.js) when there is one, else the TypeScript
// source through tsx, so `npx tessera --help` works right after `npm ci`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
/* global process, URL -- eslint.config.js declares no Node globals for .js files yet */

const root = new URL('..', import.meta.url);
const built = fileURLToPath(new URL('out/main/cli.js', root));

async function loadCli() {
  if (existsSync(built)) return import(pathToFileURL(built).href);
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(fileURLToPath(new URL('src-main/cli/main.ts', root)), import.meta.url);
}

const cli = await loadCli();
process.exitCode = await cli.runCli(process.argv.slice(2));
