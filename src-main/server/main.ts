// `npm run serve` / `node out/main/server.js`: the web-mode entry. Plain Node, no Electron.
// Options: --host (default 127.0.0.1), --port (default: a free one), --help.
import { existsSync } from 'node:fs';
import { appPaths } from '../core/app-paths';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isLoopback } from './guard';
import { defaultRendererDir, startServer } from './http';

const USAGE = `Usage: tessera-server [--host 127.0.0.1] [--port 0]

Serves the Tessera UI to your browser. The printed address carries a per-launch token;
anyone with it can use Tessera as you, so keep it to yourself.

  --host ADDRESS  interface to bind (default 127.0.0.1; anything else exposes Tessera to your network)
  --port N        port to listen on (default: a free one)
  --data-dir DIR  where settings (recent projects) are kept (default: the platform's app-data folder, or $TESSERA_DATA_DIR)
  --help          show this help`;

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0–65535, got "${text}"`);
  return port;
}

/** @example await runServerCli(['--port', '8080']) */
export async function runServerCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const host = values.host ?? '127.0.0.1';
  const port = parsePort(values.port);
  if (!isLoopback(host)) {
    console.warn(
      `\n  WARNING: binding ${host} makes Tessera reachable from other machines.\n` +
        '  The token is the only lock: anyone who has it can read and write your files through Tessera.\n',
    );
  }
  const rendererDir = defaultRendererDir();
  if (!existsSync(join(rendererDir, 'index.html')))
    console.warn(`tessera: no UI build at ${rendererDir}; run \`npm run build\` first.`);
  // NOTE: a stand-in until core/app-paths.ts gives every front door one app-data folder per platform.
  const appDataDir = values['data-dir'] ?? appPaths().settings;
  const server = await startServer({ host, port, rendererDir, appDataDir });
  console.log(`Tessera web UI: ${server.url}`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('tessera: error while stopping:', err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

runServerCli(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`tessera: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
