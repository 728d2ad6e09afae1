// `npm run serve`'s entry as a process: prints the address with its token, warns for non-loopback hosts.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

const children: ChildProcessWithoutNullStreams[] = [];

function serve(...args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/server/main.ts', ...args]);
  children.push(child);
  return child;
}

/** Resolves with everything printed (stdout + stderr) once `until` matches it, or the process exits. */
function output(child: ChildProcessWithoutNullStreams, until: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const take = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (until.test(text)) resolve(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', () => resolve(text));
  });
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
});

describe('server main', () => {
  it('prints the web UI address with a token and answers on it', async () => {
    const text = await output(serve('--port', '0'), /Tessera web UI: .*\n/);
    const url = /Tessera web UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32})\n/.exec(text)?.[1];
    expect(url, text).toBeDefined();
    const { origin, searchParams } = new URL(url as string);
    const reply = await fetch(`${origin}/api/getAppInfo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${searchParams.get('token')}` },
      body: '{"args":[]}',
    });
    expect(await reply.json()).toMatchObject({ ok: true, value: { mode: 'web' } });
  });

  it('warns loudly when bound beyond loopback', async () => {
    const text = await output(serve('--host', '0.0.0.0', '--port', '0'), /Tessera web UI/);
    expect(text).toContain('WARNING: binding 0.0.0.0 makes Tessera reachable from other machines.');
  });

  it('refuses a bad port with one line', async () => {
    const child = serve('--port', 'eighty');
    const text = await output(child, /$^/);
    expect(text).toBe('tessera: --port must be 0–65535, got "eighty"\n');
    expect(child.exitCode).toBe(1);
  });
});
