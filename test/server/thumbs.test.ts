// GET /api/thumb on a real server: WebP for dataset images and PNGs as they are from runs/ of an open project,
// refusals for everything else (no token, outside every project, `..` tricks, a project never opened).
import { request } from 'node:http';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbHttpUrl } from '../../src-main/api/thumb-url';
import { Services } from '../../src-main/core/services';
import { startServer, type RunningServer } from '../../src-main/server/http';
import { canvas, tempDir } from '../dataset/make-images';

let dir: string;
let cleanup: () => Promise<void>;
let server: RunningServer;
let services: Services;

function get(path: string): Promise<{ status: number; type: string; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          bytes: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('server-thumbs'));
  services = new Services({ mode: 'web', watch: false });
  server = await startServer({ services, rendererDir: join(dir, 'no-ui') });
  const open = await services.createProject(join(dir, 'Open'), 'Open');
  await canvas(400, 300, 3).png().toFile(join(open.datasetDir, 'a.png'));
  await mkdir(join(dir, 'Closed', 'dataset'), { recursive: true });
  await copyFile(join(open.datasetDir, 'a.png'), join(dir, 'Closed', 'dataset', 'a.png'));
  await mkdir(join(dir, 'Open', 'runs', 'ink-1', 'samples'), { recursive: true });
  await canvas(32, 32, 4)
    .png()
    .toFile(join(dir, 'Open', 'runs', 'ink-1', 'samples', 'step000002-0.png'));
  await mkdir(join(dir, 'Closed', 'runs'), { recursive: true });
  await canvas(32, 32, 5)
    .png()
    .toFile(join(dir, 'Closed', 'runs', 'b.png'));
});
afterAll(async () => {
  await server.close();
  services.dispose();
  await cleanup();
});

describe('GET /api/thumb', () => {
  it('resolves symlinks for dataset thumbnails as for run images: a link may not lead out of the folder', async () => {
    const dataset = join(dir, 'Open', 'dataset');
    await symlink(join(dir, 'Closed', 'dataset', 'a.png'), join(dataset, 'out.png'));
    await symlink(join(dir, 'Closed', 'runs', 'b.png'), join(dir, 'Open', 'runs', 'out.png'));
    await symlink(join(dataset, 'a.png'), join(dataset, 'in.png'));
    for (const link of [join(dataset, 'out.png'), join(dir, 'Open', 'runs', 'out.png')])
      expect((await get(thumbHttpUrl(link, server.token))).status, link).toBe(403);
    const inside = await get(thumbHttpUrl(join(dataset, 'in.png'), server.token));
    expect([inside.status, inside.type]).toEqual([200, 'image/webp']);
  });

  it('serves a WebP thumbnail of an image inside an open project', async () => {
    const reply = await get(thumbHttpUrl(join(dir, 'Open', 'dataset', 'a.png'), server.token));
    expect(reply.status).toBe(200);
    expect(reply.type).toBe('image/webp');
    expect(reply.bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
  });

  it('serves a PNG a run wrote as it is', async () => {
    const path = join(dir, 'Open', 'runs', 'ink-1', 'samples', 'step000002-0.png');
    const reply = await get(thumbHttpUrl(path, server.token));
    expect(reply.status).toBe(200);
    expect(reply.type).toBe('image/png');
    expect(reply.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('refuses files outside open projects, whatever the path says', async () => {
    const outside = [
      join(dir, 'Closed', 'runs', 'b.png'),
      join(dir, 'Open', 'runs', '..', 'project.json'),
      join(dir, 'Open', 'runs', 'ink-1', '..', '..', '..', 'Closed', 'runs', 'b.png'),
      join(dir, 'Closed', 'dataset', 'a.png'),
      join(dir, 'Open', 'dataset', '..', 'project.json'),
      join(dir, 'Open', 'dataset', '..', '..', 'Closed', 'dataset', 'a.png'),
      '/etc/passwd',
    ];
    for (const path of outside) {
      const reply = await get(thumbHttpUrl(path, server.token));
      expect(reply.status, path).toBe(403);
      expect(JSON.parse(reply.bytes.toString('utf8')).error.code).toBe('FORBIDDEN');
    }
  });

  it('needs the token and a path', async () => {
    expect((await get(thumbHttpUrl(join(dir, 'Open', 'dataset', 'a.png'), null))).status).toBe(401);
    expect((await get(`/api/thumb?token=${server.token}`)).status).toBe(400);
  });
});
