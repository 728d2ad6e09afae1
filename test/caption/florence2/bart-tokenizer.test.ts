import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BartTokenizer,
  parseMergesTxt,
  parseTokenizerJson,
} from '../../../src-main/caption/florence2/bart-tokenizer';
import { makeTinyFlorence2, TINY_MERGES, tinyVocab } from '../../fixtures/tiny-florence2';

// Ids in the tiny vocabulary: specials 0–3, byte b at 4 + b, merge i at 260 + i.
const byte = (ch: string) => 4 + ch.charCodeAt(0);
const merge = (m: string) => 260 + TINY_MERGES.indexOf(m);

let dir: string;
let tok: BartTokenizer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-bart-'));
  await makeTinyFlorence2(dir);
  tok = await BartTokenizer.fromFolder(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('BartTokenizer', () => {
  it('merges by rank inside each pre-token (hand-checked)', () => {
    // "in" → i n (rank 9); " the" → Ġ t (0), h e (1), Ġt he (2); " image" → i m, a g, ag e, im age, Ġ image.
    expect(tok.encode('in the image', false)).toEqual([merge('i n'), merge('Ġt he'), merge('Ġ image')]);
    // "the" at the start has no space: only h e applies.
    expect(tok.encode('the image', false)).toEqual([byte('t'), merge('h e'), merge('Ġ image')]);
    // "images" is one letter run: "image" merges, "s" stays a byte; "?" is its own pre-token.
    expect(tok.encode('images?', false)).toEqual([merge('im age'), byte('s'), byte('?')]);
  });

  it('wraps an encoded prompt in <s> … </s>', () => {
    expect(tok.encode('the')).toEqual([0, byte('t'), merge('h e'), 2]);
  });

  it('round-trips any text, multi-byte characters included', () => {
    for (const text of ['What does the image describe?', 'café ☕ in  two  spaces', "it's 42"])
      expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('skips special tokens when decoding unless asked to keep them', () => {
    const ids = [2, 0, merge('Ġt he'), 2, 1];
    expect(tok.decode(ids)).toBe(' the');
    expect(tok.decode(ids, false)).toBe('</s><s> the</s><pad>');
  });

  it('reads special tokens written in the text as their ids', () => {
    expect(tok.encode('<s>the', false)).toEqual([0, byte('t'), merge('h e')]);
  });

  it('reads vocab.json + merges.txt the same way when tokenizer.json is absent', async () => {
    const other = await mkdtemp(join(tmpdir(), 'tessera-bart-pair-'));
    try {
      await makeTinyFlorence2(other);
      await unlink(join(other, 'tokenizer.json'));
      const pair = await BartTokenizer.fromFolder(other);
      expect(pair.encode('What does the image describe?')).toEqual(
        tok.encode('What does the image describe?'),
      );
      await unlink(join(other, 'merges.txt'));
      await expect(BartTokenizer.fromFolder(other)).rejects.toThrow(
        `${other} has neither tokenizer.json nor vocab.json + merges.txt`,
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('refuses a tokenizer.json that is not BPE or not JSON, naming the file', async () => {
    const broken = join(dir, 'broken');
    await mkdir(broken);
    const path = join(broken, 'tokenizer.json');
    await writeFile(path, JSON.stringify({ model: { type: 'WordPiece' } }));
    await expect(BartTokenizer.fromFolder(broken)).rejects.toThrow(`${path} is not a BPE tokenizer`);
    expect(() => parseTokenizerJson('{', path)).toThrow(`${path} is not valid JSON`);
  });
});

describe('tokenizer file parsing', () => {
  it('takes merges as strings or pairs, and skips the merges.txt header', () => {
    const files = parseTokenizerJson(
      JSON.stringify({ model: { type: 'BPE', vocab: tinyVocab(), merges: [['a', 'b'], 'c d'] } }),
    );
    expect(files.merges).toEqual(['a b', 'c d']);
    expect(parseMergesTxt('#version: 0.2\nĠ t\nh e\n')).toEqual(['Ġ t', 'h e']);
  });
});
