// The downloader against a local server that behaves like the hub's file endpoint: redirect to a CDN with
// X-Linked-Etag, Range resume after a dropped connection, a wrong-hash body, Range ignored, 404, offline.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadFile, sha256File } from '../../src-main/caption/download';
import { startHubServer, type HubServer } from '../fixtures/hub-server';

const bytes = new Uint8Array(randomBytes(200_000));
const sha = createHash('sha256').update(bytes).digest('hex');
let hub: HubServer;
let dir: string;
const url = () => `${hub.url}/org/model/resolve/main/model.onnx`;

beforeAll(async () => {
  hub = await startHubServer([{ repo: 'org/model', path: 'model.onnx', bytes }]);
  dir = await mkdtemp(join(tmpdir(), 'tessera-dl-'));
});
afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  hub.log.length = 0;
  for (const key of Object.keys(hub.faults)) delete hub.faults[key as keyof typeof hub.faults];
});

describe('downloadFile', () => {
  it('follows the redirect and checks the bytes against the hub sha256, reporting progress', async () => {
    const dest = join(dir, 'a.onnx');
    const seen: number[] = [];
    const result = await downloadFile({
      url: url(),
      dest,
      onProgress: (done, total) => seen.push(done / total),
    });
    expect(result).toEqual({ sha256: sha, size: bytes.length, verifiedBy: 'hub' });
    expect(new Uint8Array(await readFile(dest))).toEqual(bytes);
    expect(seen.at(-1)).toBe(1);
    expect(hub.log).toEqual(['GET /org/model/resolve/main/model.onnx', 'GET /cdn/org/model/model.onnx']);
    expect(await sha256File(dest)).toBe(sha);
  });

  it('resumes with a Range request after the connection drops, within one call', async () => {
    hub.faults.drops = new Map([['model.onnx', 2]]);
    hub.faults.dropAfter = 50_000;
    const dest = join(dir, 'b.onnx');
    const result = await downloadFile({ url: url(), dest, sha256: sha });
    expect(result.verifiedBy).toBe('pinned');
    expect(new Uint8Array(await readFile(dest))).toEqual(bytes);
    expect(hub.log.filter((l) => l.startsWith('GET /cdn'))).toEqual([
      'GET /cdn/org/model/model.onnx',
      'GET /cdn/org/model/model.onnx bytes=50000-',
      'GET /cdn/org/model/model.onnx bytes=100000-',
    ]);
  });

  it('keeps the .part file when it gives up, and the next run resumes from it', async () => {
    hub.faults.drops = new Map([['model.onnx', 5]]);
    hub.faults.dropAfter = 30_000;
    const dest = join(dir, 'c.onnx');
    await expect(downloadFile({ url: url(), dest, retries: 1 })).rejects.toThrow(
      /kept dropping \(\d+ of 200000 bytes kept in .*c\.onnx\.part\); run again to resume/,
    );
    const kept = (await stat(`${dest}.part`)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(bytes.length);
    hub.faults.drops = undefined;
    hub.log.length = 0;
    await downloadFile({ url: url(), dest });
    expect(hub.log.at(-1)).toBe(`GET /cdn/org/model/model.onnx bytes=${kept}-`);
    expect(new Uint8Array(await readFile(dest))).toEqual(bytes);
  });

  it('deletes a download whose hash is wrong and says so', async () => {
    hub.faults.corrupt = new Set(['model.onnx']);
    const dest = join(dir, 'd.onnx');
    await expect(downloadFile({ url: url(), dest })).rejects.toThrow(
      new RegExp(`expected ${sha}; the file was deleted`),
    );
    await expect(stat(dest)).rejects.toThrow();
    await expect(stat(`${dest}.part`)).rejects.toThrow();
  });

  it('checks against a pinned sha256 even where the hub sends none, and starts over when Range is ignored', async () => {
    hub.faults.noRedirect = true;
    hub.faults.ignoreRange = true;
    const dest = join(dir, 'e.onnx');
    await writeFile(`${dest}.part`, bytes.subarray(0, 1000));
    await expect(downloadFile({ url: url(), dest, sha256: '0'.repeat(64) })).rejects.toThrow(
      /expected 0{64}/,
    );
    await writeFile(`${dest}.part`, bytes.subarray(0, 1000));
    expect((await downloadFile({ url: url(), dest })).verifiedBy).toBe('none');
    expect(new Uint8Array(await readFile(dest))).toEqual(bytes);
  });

  it('finishes a .part that is already whole (416)', async () => {
    const dest = join(dir, 'f.onnx');
    await writeFile(`${dest}.part`, bytes);
    expect((await downloadFile({ url: url(), dest })).sha256).toBe(sha);
  });

  it('says 404, 403 and offline clearly, naming the URL and the folder option', async () => {
    await expect(
      downloadFile({ url: `${hub.url}/org/model/resolve/main/nope.bin`, dest: join(dir, 'g') }),
    ).rejects.toThrow(/nope\.bin: HTTP 404 Not Found \(no such file at this revision\)/);
    hub.faults.status = new Map([['model.onnx', 403]]);
    await expect(downloadFile({ url: url(), dest: join(dir, 'g2') })).rejects.toThrow(
      /model\.onnx: HTTP 403 Forbidden \(the repository asks for a login: .*--model-dir\)/,
    );
    const gone = await startHubServer([]);
    const host = new URL(gone.url).host;
    await gone.close();
    await expect(
      downloadFile({ url: `http://${host}/org/model/resolve/main/model.onnx`, dest: join(dir, 'h') }),
    ).rejects.toThrow(
      `cannot reach ${host} (ECONNREFUSED): this machine seems to be offline. Could not download http://${host}/org/model/resolve/main/model.onnx. Download it on another machine and use that folder (--model-dir)`,
    );
  });

  it('stops on abort and keeps what it has', async () => {
    const controller = new AbortController();
    hub.faults.dropAfter = 1;
    const dest = join(dir, 'i.onnx');
    const run = downloadFile({
      url: url(),
      dest,
      signal: controller.signal,
      onProgress: (done) => done > 0 && controller.abort(new Error('user stopped')),
    });
    await expect(run).rejects.toThrow(/user stopped/);
    await expect(stat(dest)).rejects.toThrow();
  });
});
