// Finding the CLIP vocabulary: diffusers tokenizer/ folders, OpenAI's gz, the cache, a loopback "download",
// and the offline error. Real files in mkdtemp folders and a real HTTP server on 127.0.0.1; no internet.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIP_BPE_FILE,
  CLIP_MERGES_FILE,
  CLIP_MERGES_URL,
  TokenizerFilesError,
  loadTokenizer,
  tokenizerSearchPaths,
} from '../../src-main/models/tokenizer-files';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const sharedBpe = path.resolve(repoRoot, '..', 'shared', 'data', 'clip-bpe');
const CAT_PROMPT = [320, 1125, 539, 320, 2368];

let tmp: string;
let mergesText: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tessera-tokenizer-'));
  mergesText = gunzipSync(await readFile(path.join(sharedBpe, CLIP_BPE_FILE))).toString('utf8');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** bytes_to_unicode, written out again here so the HF fixture does not trust the code under test. */
function byteSymbols(): string[] {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
  const first: number[] = [];
  const rest: number[] = [];
  for (let b = 0; b < 256; b++) (printable(b) ? first : rest).push(b);
  return [...first.map((b) => String.fromCharCode(b)), ...rest.map((_, n) => String.fromCharCode(256 + n))];
}

/** A diffusers `tokenizer/` folder (vocab.json + merges.txt) written from OpenAI's merges. */
async function writeHFTokenizer(dir: string): Promise<void> {
  const merges = mergesText.split('\n').slice(1, 48895);
  const symbols = byteSymbols();
  const pieces = [...symbols, ...symbols.map((s) => `${s}</w>`), ...merges.map((m) => m.replace(' ', ''))];
  const vocab = Object.fromEntries([...pieces, '<|startoftext|>', '<|endoftext|>'].map((p, i) => [p, i]));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'vocab.json'), JSON.stringify(vocab));
  await writeFile(path.join(dir, 'merges.txt'), `#version: 0.2\n${merges.join('\n')}\n`);
}

async function serve(body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/merges.txt` };
}

async function closedPortUrl(): Promise<string> {
  const { server, url } = await serve('');
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return url;
}

describe('tokenizerSearchPaths', () => {
  it('lists the model folder (diffusers tokenizer/, then the gz) before the cache', () => {
    expect(tokenizerSearchPaths({ modelDir: '/m', cacheDir: '/c', component: 'tokenizer_2' })).toEqual([
      path.join('/m', 'tokenizer_2') + path.sep,
      path.join('/m', CLIP_BPE_FILE),
      path.join('/c', CLIP_BPE_FILE),
      path.join('/c', CLIP_MERGES_FILE),
    ]);
    expect(tokenizerSearchPaths({})).toEqual([]);
  });
});

describe('loadTokenizer', () => {
  it('reads OpenAI gz from the cache folder (tests use ../shared/data/clip-bpe)', async () => {
    const tok = await loadTokenizer({ cacheDir: sharedBpe });
    expect(tok.encode('a photo of a cat')).toEqual(CAT_PROMPT);
  });

  it('reads the gz lying beside a single-file checkpoint', async () => {
    const tok = await loadTokenizer({ modelDir: sharedBpe });
    expect([tok.bos, tok.eos, tok.vocabSize]).toEqual([49406, 49407, 49408]);
  });

  it('prefers a diffusers tokenizer/ folder and gives the same ids as the gz', async () => {
    const model = path.join(tmp, 'diffusers-model');
    await writeHFTokenizer(path.join(model, 'tokenizer_2'));
    await copyFile(path.join(sharedBpe, CLIP_BPE_FILE), path.join(model, CLIP_BPE_FILE));
    await writeFile(
      path.join(model, 'tokenizer_2', 'vocab.json'),
      '{"<|startoftext|>": 7, "<|endoftext|>": 8}',
    );
    const tiny = await loadTokenizer({ modelDir: model, component: 'tokenizer_2' });
    expect(tiny.vocabSize).toBe(2);

    await writeHFTokenizer(path.join(model, 'tokenizer'));
    const hf = await loadTokenizer({ modelDir: model });
    const gz = await loadTokenizer({ cacheDir: sharedBpe });
    for (const text of ['a photo of a cat', 'Café, 猫 & 🐱 (masterpiece:1.2)', "it's 8k uhd"]) {
      expect(hf.encode(text)).toEqual(gz.encode(text));
    }
  });

  it('fails offline with a message naming every place it looked and what to put there', async () => {
    const model = path.join(tmp, 'empty-model');
    const cache = path.join(tmp, 'empty-cache');
    const err = await loadTokenizer({ modelDir: model, cacheDir: cache }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenizerFilesError);
    const { message, searched } = err as TokenizerFilesError;
    expect(searched).toEqual(tokenizerSearchPaths({ modelDir: model, cacheDir: cache }));
    for (const where of searched) expect(message).toContain(where);
    expect(message).toContain(CLIP_BPE_FILE);
    expect(message).toContain('tokenizer/vocab.json');
    expect(message).toContain(CLIP_MERGES_URL);
  });

  it('reports a failed download (nothing listening) with the URL and the reason', async () => {
    const url = await closedPortUrl();
    const cache = path.join(tmp, 'cache-refused');
    const err = await loadTokenizer({ cacheDir: cache, allowDownload: true, downloadUrl: url }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(TokenizerFilesError);
    expect((err as Error).message).toContain(`Download from ${url} failed`);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('downloads merges.txt into the cache, then loads it from there without the network', async () => {
    const cache = path.join(tmp, 'cache-download');
    const { server, url } = await serve(mergesText);
    const fetched = await loadTokenizer({ cacheDir: cache, allowDownload: true, downloadUrl: url }).finally(
      () => new Promise((resolve) => server.close(resolve)),
    );
    expect(fetched.encode('a photo of a cat')).toEqual(CAT_PROMPT);
    expect(await readFile(path.join(cache, CLIP_MERGES_FILE), 'utf8')).toBe(mergesText);
    const cached = await loadTokenizer({ cacheDir: cache, allowDownload: false });
    expect(cached.encode('a photo of a cat')).toEqual(CAT_PROMPT);
  });

  it('refuses to cache a page that is not the merges file', async () => {
    const cache = path.join(tmp, 'cache-wrong-page');
    const { server, url } = await serve('<html>\n<body>Sign in to continue</body>\n</html>\n');
    const err = await loadTokenizer({ cacheDir: cache, allowDownload: true, downloadUrl: url })
      .catch((e: unknown) => e)
      .finally(() => new Promise((resolve) => server.close(resolve)));
    expect(err).toBeInstanceOf(TokenizerFilesError);
    expect((err as Error).message).toMatch(/is not CLIP's merges file/);
    await expect(readFile(path.join(cache, CLIP_MERGES_FILE))).rejects.toThrow(/ENOENT/);
  });
});
