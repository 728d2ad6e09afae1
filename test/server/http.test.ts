// The web server for real on 127.0.0.1: token, Host and Origin checks, the API, static files and events.
import { request } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEnvelope } from '../../src-main/api/errors';
import { writeSafetensors } from '../../src-main/formats/safetensors';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../src-main/core/csp';
import { startServer, type RunningServer } from '../../src-main/server/http';

let dir: string;
let server: RunningServer;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw requests, so tests control Host and Origin exactly as an attacker could. */
function send(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const api = (method: string, args: unknown[], headers: Record<string, string> = {}) =>
  send(`/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, ...headers },
    body: JSON.stringify({ args }),
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-server-'));
  const ui = join(dir, 'renderer');
  await mkdir(join(ui, 'assets'), { recursive: true });
  await writeFile(join(ui, 'index.html'), '<!doctype html><title>Tessera</title>');
  await writeFile(join(ui, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'do not serve');
  await symlink(join(dir, 'secret.txt'), join(ui, 'assets', 'leak.txt'));
  server = await startServer({ rendererDir: ui });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('startServer', () => {
  it('binds 127.0.0.1 on a free port with a fresh 32-character token', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  });

  it('calls API methods and returns envelopes', async () => {
    const reply = await api('getAppInfo', []);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ ok: true, value: expect.objectContaining({ mode: 'web' }) });
    const listed = JSON.parse((await api('listDirectory', [dir])).body);
    expect(listed.value.entries.map((e: { name: string }) => e.name)).toEqual(['renderer']);
  });

  it('answers a method that returns nothing (writeCaption) with an envelope the client accepts', async () => {
    const project = join(dir, 'Proj');
    expect((await api('createProject', [project, 'Proj'])).status).toBe(200);
    await writeFile(
      join(project, 'dataset', 'a.png'),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    );
    const reply = await api('writeCaption', [project, 'a.png', 'a cat']);
    expect(reply.status).toBe(200);
    const envelope: unknown = JSON.parse(reply.body);
    expect(isEnvelope(envelope)).toBe(true);
    expect(envelope).toEqual({ ok: true, value: null });
    expect(await readFile(join(project, 'dataset', 'a.txt'), 'utf8')).toBe('a cat');
  });

  it('answers a user error deep in a job with 4xx and one line: exporting a LoRA whose family cannot be told', async () => {
    const adapterPath = join(dir, 'unknown-family.safetensors');
    const f = (n: number) => new Float32Array(n).fill(0.1);
    await writeSafetensors(adapterPath, [
      { name: 'lora_unet_foo_proj.lora_down.weight', dtype: 'F32', shape: [2, 4], data: f(8) },
      { name: 'lora_unet_foo_proj.lora_up.weight', dtype: 'F32', shape: [4, 2], data: f(8) },
    ]);
    const outPath = join(dir, 'exported.safetensors');
    const reply = await api('exportAdapter', [{ adapterPath, format: 'kohya', precision: 'fp16', outPath }]);
    expect(reply.status).toBe(400);
    const { error } = JSON.parse(reply.body) as { error: { code: string; name: string; message: string } };
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', name: 'LoRAError' });
    expect(error.message).toMatch(/needs the base family/);
    expect(error.message).not.toContain('\n');
  });

  it('stops a catastrophic regex edit with a 400 while other requests keep being answered', async () => {
    const project = join(dir, 'Regex');
    expect((await api('createProject', [project, 'Regex'])).status).toBe(200);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await writeFile(join(project, 'dataset', 'a.png'), png);
    await writeFile(join(project, 'dataset', 'a.txt'), `${'a'.repeat(40)}!`); // (a+)+$ on this: ~2^40 steps
    const started = Date.now();
    const edit = api('editTags', [
      project,
      ['a.png'],
      { kind: 'findReplace', find: '(a+)+$', replace: 'x', regex: true },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the edit is running now
    const pings: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      expect((await api('getAppInfo', [])).status).toBe(200);
      pings.push(Date.now() - t);
    }
    expect(Math.max(...pings)).toBeLessThan(500);
    const reply = await edit;
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      name: 'RegexTimeoutError',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readFile(join(project, 'dataset', 'a.txt'), 'utf8')).toBe(`${'a'.repeat(40)}!`); // untouched
    // A sane pattern still works through the same path.
    const ok = await api('editTags', [
      project,
      ['a.png'],
      { kind: 'findReplace', find: 'a+!', replace: 'b', regex: true },
    ]);
    expect(ok.status).toBe(200);
    expect(await readFile(join(project, 'dataset', 'a.txt'), 'utf8')).toBe('b');
  });

  it('accepts the token as ?token= and with the page’s own Origin', async () => {
    const reply = await send(`/api/getAppInfo?token=${server.token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: server.origin },
      body: '{"args":[]}',
    });
    expect(reply.status).toBe(200);
  });

  it('returns typed errors: bad arguments, unknown methods, missing files, non-JSON bodies', async () => {
    const bad = await api('inspectModel', [42]);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toEqual({
      code: 'INVALID_ARGUMENT',
      name: 'ApiError',
      message: 'inspectModel: path must be a string, got number.',
    });
    expect(JSON.parse((await api('toString', [])).body).error.code).toBe('NOT_FOUND');
    const missing = await api('inspectModel', [join(dir, 'none.safetensors')]);
    expect([missing.status, JSON.parse(missing.body).error.code]).toEqual([404, 'NOT_FOUND']);
    const text = await send('/api/getAppInfo', {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(400);
  });

  it('rejects API calls without the token (401) or with a wrong one (403)', async () => {
    const none = await send('/api/getAppInfo', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.code).toBe('UNAUTHORIZED');
    const wrong = await api('getAppInfo', [], { Authorization: `Bearer ${'x'.repeat(32)}` });
    expect(wrong.status).toBe(403);
    expect((await send(`/api/events?token=nope`)).status).toBe(403);
  });

  it('rejects a foreign Origin even with the right token', async () => {
    const reply = await api('getAppInfo', [], { Origin: 'http://evil.example' });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain('http://evil.example');
    expect((await api('getAppInfo', [], { Origin: 'null' })).status).toBe(403);
  });

  it('rejects a Host that is not this server (DNS rebinding), even for the page', async () => {
    expect((await api('getAppInfo', [], { Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await send('/', { headers: { Host: 'evil.example' } })).status).toBe(403);
    expect((await send('/', { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('serves the UI with a CSP, MIME types and no-store HTML', async () => {
    const page = await send(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY_HEADER);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    const js = await send('/assets/app.js');
    expect([js.status, js.headers['content-type'], js.body]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'console.log(1)',
    ]);
    expect((await send('/assets/missing.js')).status).toBe(404);
    expect((await send('/', { method: 'POST' })).status).toBe(405);
  });

  it('never serves files outside the build, by .. or %2e%2e or symlink', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/leak.txt',
      '/%00',
      '/%E0%A4%A',
    ]) {
      const reply = await send(path);
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('do not serve');
    }
  });

  it('streams events as SSE to token holders', async () => {
    const got = new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}` },
        (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (text.includes('retry:') && !text.includes('event:')) {
              server.services.events.emit('app.log', { level: 'info', message: 'hi', time: 't' });
            }
            if (text.includes('\n\nevent:') && text.endsWith('\n\n')) {
              req.destroy();
              resolve(text);
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(await got).toContain('event: app.log\ndata: {"level":"info","message":"hi","time":"t"}\n\n');
  });
});

describe('startServer on a busy port', () => {
  it('rejects instead of hanging', async () => {
    await expect(startServer({ port: server.port, rendererDir: dir })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
