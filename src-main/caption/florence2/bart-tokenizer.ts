// BART's byte-level BPE (the GPT-2 scheme Florence-2 ships): UTF-8 bytes mapped to printable characters,
// split by the GPT-2 pattern, merged by rank; `<s> … </s>` around an encoded prompt.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The GPT-2 pre-tokenizer: contractions, letter runs, digit runs, other symbols, each with one leading space. */
const PRE_TOKEN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Byte → the printable character byte-level BPE stores it as (bytes that print stand for themselves). */
function byteToChar(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable(b) ? b : 256 + shifted++);
  return table;
}

export interface BartTokenizerFiles {
  /** token → id */
  vocab: Record<string, number>;
  /** merge rules in rank order, each `"left right"` */
  merges: string[];
  /** tokens that never go through BPE (`<s>`, `</s>`, `<pad>`, task and location tokens …) */
  added: { content: string; id: number; special: boolean }[];
}

export class BartTokenizer {
  private readonly ranks = new Map<string, number>();
  private readonly tokenOf = new Map<number, string>();
  private readonly encodeByte = byteToChar();
  private readonly decodeChar = new Map(this.encodeByte.map((c, b) => [c, b]));
  private readonly special: Set<number>;
  private readonly addedByContent: Map<string, number>;
  private readonly cache = new Map<string, number[]>();
  readonly bosId: number;
  readonly eosId: number;

  constructor(private readonly files: BartTokenizerFiles) {
    files.merges.forEach((m, rank) => this.ranks.set(m, rank));
    for (const [token, id] of Object.entries(files.vocab)) this.tokenOf.set(id, token);
    for (const a of files.added) this.tokenOf.set(a.id, a.content);
    this.special = new Set(files.added.filter((a) => a.special).map((a) => a.id));
    this.addedByContent = new Map(files.added.map((a) => [a.content, a.id]));
    this.bosId = this.idOf('<s>');
    this.eosId = this.idOf('</s>');
  }

  /** Reads `tokenizer.json`, or `vocab.json` + `merges.txt` where the folder has no tokenizer.json. */
  static async fromFolder(folder: string): Promise<BartTokenizer> {
    const json = await readFile(join(folder, 'tokenizer.json'), 'utf8').catch(() => null);
    if (json !== null) return new BartTokenizer(parseTokenizerJson(json, join(folder, 'tokenizer.json')));
    const vocabPath = join(folder, 'vocab.json');
    const [vocab, merges] = await Promise.all([
      readFile(vocabPath, 'utf8'),
      readFile(join(folder, 'merges.txt'), 'utf8'),
    ]).catch(() => {
      throw new Error(
        `${folder} has neither tokenizer.json nor vocab.json + merges.txt: download the model's tokenizer files again`,
      );
    });
    const table = JSON.parse(vocab) as Record<string, number>;
    const added = ['<s>', '<pad>', '</s>', '<unk>', '<mask>']
      .filter((t) => t in table)
      .map((content) => ({ content, id: table[content], special: true }));
    return new BartTokenizer({ vocab: table, merges: parseMergesTxt(merges), added });
  }

  /** Id of a token the vocabulary must have. */
  idOf(token: string): number {
    const id = this.addedByContent.get(token) ?? this.files.vocab[token];
    if (id === undefined) throw new Error(`tokenizer has no '${token}' token`);
    return id;
  }

  /**
   * Text → ids, `<s>` first and `</s>` last unless `addSpecial` is false. Added tokens written in the text
   * (`<pad>`, `<loc_12>`) become their ids.
   * @example tok.encode('What does the image describe?') // [0, …, 2]
   */
  encode(text: string, addSpecial = true): number[] {
    const ids: number[] = [];
    for (const piece of this.splitAdded(text)) {
      if (typeof piece === 'number') ids.push(piece);
      else for (const word of piece.match(PRE_TOKEN) ?? []) ids.push(...this.encodeWord(word));
    }
    return addSpecial ? [this.bosId, ...ids, this.eosId] : ids;
  }

  /**
   * Ids → text; special tokens (`<s>`, `</s>`, `<pad>` …) are dropped unless `skipSpecial` is false.
   * @example tok.decode([0, 627, 2]) // 'the'
   */
  decode(ids: readonly number[], skipSpecial = true): string {
    const bytes: number[] = [];
    for (const id of ids) {
      if (skipSpecial && this.special.has(id)) continue;
      const token = this.tokenOf.get(id);
      if (token === undefined) continue;
      if (this.addedByContent.has(token)) {
        bytes.push(...new TextEncoder().encode(token));
        continue;
      }
      for (const ch of token) {
        const b = this.decodeChar.get(ch);
        if (b !== undefined) bytes.push(b);
      }
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }

  private splitAdded(text: string): (string | number)[] {
    const contents = [...this.addedByContent.keys()].sort((a, b) => b.length - a.length);
    if (contents.length === 0) return [text];
    const pattern = new RegExp(
      `(${contents.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`,
    );
    return text
      .split(pattern)
      .filter((p) => p !== '')
      .map((p) => this.addedByContent.get(p) ?? p);
  }

  private encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    let parts = [...new TextEncoder().encode(word)].map((b) => this.encodeByte[b]);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const rank = this.ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
      }
      if (best < 0) break;
      const [left, right] = [parts[best], parts[best + 1]];
      // Merge every occurrence of the winning pair in one pass, left to right.
      const next: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === left && parts[i + 1] === right) {
          next.push(left + right);
          i++;
        } else next.push(parts[i]);
      }
      parts = next;
    }
    const ids = parts.map((p) => {
      const id = this.files.vocab[p];
      if (id === undefined) throw new Error(`tokenizer vocabulary lacks '${p}' (a corrupt vocab.json?)`);
      return id;
    });
    this.cache.set(word, ids);
    return ids;
  }
}

/** merges.txt: one `left right` per line after an optional `#version` header. */
export function parseMergesTxt(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#version'));
}

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  added_tokens?: { id: number; content: string; special?: boolean }[];
}

/** tokenizer.json (Hugging Face tokenizers): a BPE model; merges as `"a b"` strings or `["a", "b"]` pairs. */
export function parseTokenizerJson(text: string, path = 'tokenizer.json'): BartTokenizerFiles {
  let json: TokenizerJson;
  try {
    json = JSON.parse(text) as TokenizerJson;
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}): download the model again`);
  }
  if (json.model?.type !== 'BPE' || !json.model.vocab || !json.model.merges)
    throw new Error(
      `${path} is not a BPE tokenizer (model.type '${json.model?.type}'): download the model again`,
    );
  return {
    vocab: json.model.vocab,
    merges: json.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' '))),
    added: (json.added_tokens ?? []).map((a) => ({
      content: a.content,
      id: a.id,
      special: a.special ?? false,
    })),
  };
}
