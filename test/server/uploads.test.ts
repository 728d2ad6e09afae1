// POST /api/upload on a real server: web mode's dropped files staged inside an open project and cleared
// after import; bad names, batch ids, content types, closed projects and a missing token refused.
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadHttpUrl } from '../../src-main/api/upload-url';
import { Services } from '../../src-main/core/services';
import { startServer, type RunningServer } from '../../src-main/server/http';
import { canvas, tempDir } from '../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
let server: RunningServer;
let services: Services;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('server-thumbs'));
  services = new Services({ mode: 'web', watch: false });
  server = await startServer({ services, rendererDir: join(dir, 'no-ui') });
  const open = await services.createProject(join(dir, 'Open'), 'Open');
  await canvas(400, 300, 3).png().toFile(join(open.datasetDir, 'a.png'));
  await mkdir(join(dir, 'Closed', 'dataset'), { recursive: true });
  await copyFile(join(open.datasetDir, 'a.png'), join(dir, 'Closed', 'dataset', 'a.png'));
});
afterAll(async () => {
  await server.close();
  services.dispose();
  await cleanup();
});

function post(
  path: string,
  body: Buffer,
  type = 'application/octet-stream',
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: 'POST', headers: { 'Content-Type': type } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('POST /api/upload', () => {
  const url = (name: string, project = join(dir, 'Open'), batch = 'drop-1'): string =>
    `${uploadHttpUrl({ project, batch, name })}&token=${server.token}`;

  it('stages a dropped file inside the open project; importing it clears the staging batch', async () => {
    const bytes = await canvas(300, 300, 8).png().toBuffer();
    const reply = await post(url('dropped.png'), bytes);
    expect(reply.status).toBe(200);
    const staged = (reply.json as { value: string }).value;
    expect(staged).toBe(join(dir, 'Open', 'cache', 'uploads', 'drop-1', 'dropped.png'));
    const summary = await services.importImages(join(dir, 'Open'), [staged]);
    expect(summary.imported).toEqual(['dropped.png']);
    expect(existsSync(join(dir, 'Open', 'cache', 'uploads', 'drop-1'))).toBe(false);
  });

  it('refuses bad names, closed projects, other content types and a missing token', async () => {
    const body = Buffer.from('x');
    expect((await post(url('../escape.png'), body)).status).toBe(400);
    expect((await post(url('.hidden'), body)).status).toBe(400);
    expect((await post(url('a.png', join(dir, 'Open'), '../x'), body)).status).toBe(400);
    expect((await post(url('a.png', join(dir, 'Closed')), body)).status).toBe(404);
    expect((await post(url('a.png'), body, 'text/plain')).status).toBe(400);
    expect(
      (await post(uploadHttpUrl({ project: join(dir, 'Open'), batch: 'b', name: 'a.png' }), body)).status,
    ).toBe(401);
  });
});
