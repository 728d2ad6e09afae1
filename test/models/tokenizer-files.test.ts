// Finding the CLIP vocabulary: diffusers tokenizer/ folders, OpenAI's gz, the cache, the copy shipped in
// resources/clip-bpe/, and the error of a broken install. Real files in mkdtemp folders; no network.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIP_BPE_FILE,
  CLIP_MERGES_FILE,
  TokenizerFilesError,
  CLIP_VOCAB_SIZE,
  bundledVocabDir,
  loadModelTokenizer,
  loadTokenizer,
  tokenizerSearchPaths,
  tokenizerVocabSize,
} from '../../src-main/models/tokenizer-files';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const committedBpe = path.resolve(repoRoot, 'resources', 'clip-bpe');
/** sha256 of OpenAI's `bpe_simple_vocab_16e6.txt.gz` as published with CLIP. */
const OPENAI_BPE_SHA256 = '924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a';
const CAT_PROMPT = [320, 1125, 539, 320, 2368];

let tmp: string;
let mergesText: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tessera-tokenizer-'));
  mergesText = gunzipSync(await readFile(path.join(committedBpe, CLIP_BPE_FILE))).toString('utf8');
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

describe('tokenizerSearchPaths', () => {
  it('lists the model folder (diffusers tokenizer/, then the gz), the cache, then the shipped copy', () => {
    const opts = { modelDir: '/m', cacheDir: '/c', component: 'tokenizer_2', resourceDir: '/r' } as const;
    expect(tokenizerSearchPaths(opts)).toEqual([
      path.join('/m', 'tokenizer_2') + path.sep,
      path.join('/m', CLIP_BPE_FILE),
      path.join('/c', CLIP_BPE_FILE),
      path.join('/c', CLIP_MERGES_FILE),
      path.join('/r', CLIP_BPE_FILE),
    ]);
    expect(tokenizerSearchPaths({ resourceDir: null })).toEqual([]);
  });

  it('finds the shipped vocabulary in the repository (resources/clip-bpe) by default', () => {
    expect(bundledVocabDir()).toBe(path.join(repoRoot, 'resources', 'clip-bpe'));
    expect(tokenizerSearchPaths({})).toEqual([path.join(repoRoot, 'resources', 'clip-bpe', CLIP_BPE_FILE)]);
  });
});

describe('loadTokenizer', () => {
  it('reads OpenAI gz from the cache folder (tests use the copy in resources/clip-bpe)', async () => {
    const tok = await loadTokenizer({ cacheDir: committedBpe });
    expect(tok.encode('a photo of a cat')).toEqual(CAT_PROMPT);
  });

  it('reads the gz lying beside a single-file checkpoint', async () => {
    const tok = await loadTokenizer({ modelDir: committedBpe });
    expect([tok.bos, tok.eos, tok.vocabSize]).toEqual([49406, 49407, 49408]);
  });

  it('prefers a diffusers tokenizer/ folder and gives the same ids as the gz', async () => {
    const model = path.join(tmp, 'diffusers-model');
    await writeHFTokenizer(path.join(model, 'tokenizer_2'));
    await copyFile(path.join(committedBpe, CLIP_BPE_FILE), path.join(model, CLIP_BPE_FILE));
    await writeFile(
      path.join(model, 'tokenizer_2', 'vocab.json'),
      '{"<|startoftext|>": 7, "<|endoftext|>": 8}',
    );
    const tiny = await loadTokenizer({ modelDir: model, component: 'tokenizer_2' });
    expect(tiny.vocabSize).toBe(2);

    await writeHFTokenizer(path.join(model, 'tokenizer'));
    const hf = await loadTokenizer({ modelDir: model });
    const gz = await loadTokenizer({ cacheDir: committedBpe });
    for (const text of ['a photo of a cat', 'Café, 猫 & 🐱 (masterpiece:1.2)', "it's 8k uhd"]) {
      expect(hf.encode(text)).toEqual(gz.encode(text));
    }
  });

  it('loads the shipped vocabulary when neither the model folder nor the cache has one', async () => {
    const model = path.join(tmp, 'single-file-model');
    await mkdir(model, { recursive: true });
    const tok = await loadTokenizer({ modelDir: model, cacheDir: path.join(tmp, 'no-cache') });
    expect(tok.encode('a photo of a cat')).toEqual(CAT_PROMPT);
    // The shipped copy is the same file as the reference vocabulary.
    const shipped = await readFile(path.join(repoRoot, 'resources', 'clip-bpe', CLIP_BPE_FILE));
    expect(createHash('sha256').update(shipped).digest('hex')).toBe(OPENAI_BPE_SHA256);
    expect(await readFile(path.join(repoRoot, 'resources', 'clip-bpe', 'LICENSE'), 'utf8')).toMatch(
      /MIT License[\s\S]*OpenAI/,
    );
  });

  it('fails on a broken install with a message naming every place it looked and what to put there', async () => {
    const model = path.join(tmp, 'empty-model');
    const cache = path.join(tmp, 'empty-cache');
    const resourceDir = path.join(tmp, 'no-resources');
    const opts = { modelDir: model, cacheDir: cache, resourceDir };
    const err = await loadTokenizer(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenizerFilesError);
    const { message, searched } = err as TokenizerFilesError;
    expect(searched).toEqual(tokenizerSearchPaths(opts));
    expect(searched.at(-1)).toBe(path.join(resourceDir, CLIP_BPE_FILE));
    for (const where of searched) expect(message).toContain(where);
    expect(message).toContain(CLIP_BPE_FILE);
    expect(message).toContain('tokenizer/vocab.json');
    expect(message).toContain('reinstall');
  });
});

describe('the tokenizer a model brings', () => {
  it('a folder with its own tokenizer/ is read for its size and used for single files beside it', async () => {
    const dir = path.join(tmp, 'own-tokenizer');
    await mkdir(path.join(dir, 'tokenizer'), { recursive: true });
    const { vocabJson, mergesText: merges } = (await loadTokenizer({ resourceDir: committedBpe })).toHF();
    const small = JSON.parse(vocabJson) as Record<string, number>;
    const kept = Object.fromEntries(Object.entries(small).filter(([, id]) => id < 600 || id >= 49406));
    await writeFile(path.join(dir, 'tokenizer', 'vocab.json'), JSON.stringify(kept));
    await writeFile(path.join(dir, 'tokenizer', 'merges.txt'), merges);
    expect(await tokenizerVocabSize({ modelDir: dir })).toBe(602);
    await writeFile(path.join(dir, 'model.safetensors'), '');
    const tok = await loadModelTokenizer(path.join(dir, 'model.safetensors'));
    expect(tok.vocabSize).toBe(602);
    expect((await loadModelTokenizer(dir)).vocabSize).toBe(602);
  });

  it('without one, the CLIP vocabulary prompts are encoded with', async () => {
    const dir = path.join(tmp, 'no-tokenizer');
    await mkdir(dir, { recursive: true });
    expect(await tokenizerVocabSize({ modelDir: dir })).toBe(CLIP_VOCAB_SIZE);
    expect(CLIP_VOCAB_SIZE).toBe(49408);
    expect((await loadModelTokenizer(dir)).vocabSize).toBe(CLIP_VOCAB_SIZE);
  });
});
