// CLIP BPE tokenizer against the reference rules (OpenAI simple_tokenizer, HF CLIPTokenizer) and A1111 chunking.
// Expected ids come from the vocabulary rule: byte symbols 0..255 in bytes_to_unicode order, their `</w>`
// forms 256..511, merge line k (1-based after the header) → 511 + k, then 49406/49407.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CLIPTokenizer,
  TOKENIZER_SPECS,
  cleanText,
  pyHtmlUnescape,
  tokenizeForCLIP,
} from '../../src-main/models/tokenizer';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const gzPath = path.resolve(repoRoot, 'resources', 'clip-bpe', 'bpe_simple_vocab_16e6.txt.gz');
const mergesText = gunzipSync(readFileSync(gzPath)).toString('utf8');
const mergeLines = mergesText.split('\n').slice(1, 48895);
const tok = CLIPTokenizer.fromMerges(mergesText);
const hfTok = CLIPTokenizer.fromMerges(mergesText, { cleanup: 'hf' });

/** The id the reference vocabulary gives the token a merge line creates. */
function mergeId(piece: string): number {
  const index = mergeLines.findIndex((line) => line.split(' ').join('') === piece);
  if (index < 0) throw new Error(`no merge makes ${piece}`);
  return 512 + index;
}
/** `</w>` form of a printable ASCII byte: printable bytes start at '!' in bytes_to_unicode. */
const asciiEnd = (c: string): number => 256 + c.charCodeAt(0) - 0x21;

const BOS = 49406;
const EOS = 49407;
const CAT = 2368;
const COMMA = 267;
const repeat = (word: string, n: number): string => Array(n).fill(word).join(' ');

describe('CLIPTokenizer vocabulary', () => {
  it('has the 49408-entry layout with the special tokens at the end', () => {
    expect(tok.vocabSize).toBe(49408);
    expect([tok.bos, tok.eos]).toEqual([BOS, EOS]);
    expect(tok.encode('<|startoftext|>')).toEqual([BOS]);
    expect(tok.encode('<|endoftext|>')).toEqual([EOS]);
  });

  it('puts byte symbols first: "!" is id 0 (the OpenCLIP pad), "a</w>" 320, ",</w>" 267', () => {
    expect(tok.idOf('!')).toBe(0);
    expect(tok.encode('a')).toEqual([asciiEnd('a')]);
    expect(asciiEnd('a')).toBe(320);
    expect(tok.encode(',')).toEqual([COMMA]);
    expect(tok.idOf('two words</w>')).toBeUndefined();
  });
});

describe('CLIPTokenizer.encode', () => {
  it('encodes the well-known prompt', () => {
    expect(tok.encode('a photo of a cat')).toEqual([320, 1125, 539, 320, 2368]);
    expect([mergeId('photo</w>'), mergeId('of</w>'), mergeId('cat</w>')]).toEqual([1125, 539, CAT]);
  });

  it('splits punctuation from words', () => {
    expect(tok.encode('hello, world!')).toEqual([
      mergeId('hello</w>'),
      COMMA,
      mergeId('world</w>'),
      asciiEnd('!'),
    ]);
  });

  it('lower-cases and collapses spaces, tabs and newlines', () => {
    expect(tok.encode('  A   Photo\n\nof\tA  CAT \u3000')).toEqual(tok.encode('a photo of a cat'));
    expect(tok.encode('   ')).toEqual([]);
  });

  it("splits English contractions ('s 't 're 've 'm 'll 'd) off the word", () => {
    expect(tok.encode("it's")).toEqual([mergeId('it</w>'), mergeId("'s</w>")]);
    expect(tok.encode("IT'S")).toEqual(tok.encode("it's"));
  });

  it('leaves A1111 weight syntax as plain punctuation, digits one by one', () => {
    expect(tok.encode('(masterpiece:1.2)')).toEqual([
      asciiEnd('('),
      mergeId('masterpiece</w>'),
      asciiEnd(':'),
      asciiEnd('1'),
      asciiEnd('.'),
      asciiEnd('2'),
      asciiEnd(')'),
    ]);
    // Runs of punctuation stay one pre-token: "),"" is a single merge.
    expect(tok.encode('cat),')).toEqual([CAT, mergeId('),</w>')]);
  });

  it('encodes accents byte-level, after NFC', () => {
    // "é" is UTF-8 C3 A9 → symbols "Ã" "©"; merges make "caf" + "Ã©</w>" → one token.
    expect(tok.encode('café')).toEqual([mergeId('cafÃ©</w>')]);
    expect(tok.encode('cafe\u0301')).toEqual(tok.encode('café'));
    expect(tok.encode('CAFÉ')).toEqual(tok.encode('café'));
  });

  it('round-trips CJK, Cyrillic and emoji through bytes', () => {
    for (const text of ['猫が好き', 'привет мир', '🐱🐶 👍🏽', 'ελληνικά']) {
      const ids = tok.encode(text);
      expect(ids.every((id) => id >= 0 && id < BOS)).toBe(true);
      expect(tok.decode(ids)).toBe(`${text} `);
    }
  });

  it('applies the ftfy fixes that matter: ligatures, full width, curly quotes, control characters', () => {
    expect(tok.encode('ﬁne')).toEqual(tok.encode('fine'));
    expect(tok.encode('ＣＡＴ')).toEqual([CAT]);
    expect(tok.encode('don’t “cat”')).toEqual(tok.encode('don\'t "cat"'));
    expect(tok.encode('c\u0007at\ufeff')).toEqual([CAT]);
  });
});

describe('text cleanup', () => {
  it('unescapes HTML entities before tokenizing', () => {
    expect(cleanText('Tom &amp; Jerry')).toBe('tom & jerry');
    expect(tok.encode('Tom &amp; Jerry')).toEqual(tok.encode('tom & jerry'));
    expect(cleanText('&amp;amp;&lt;3 &#39;x&#x27; caf&eacute;')).toBe("&<3 'x' café");
  });

  it('openai mode also decodes semicolon-less entities and HTML next to "<"; hf mode (ftfy only) does not', () => {
    expect(cleanText('fish &amp chips', 'openai')).toBe('fish & chips');
    expect(cleanText('fish &amp chips', 'hf')).toBe('fish &amp chips');
    expect(cleanText('<b>&amp;</b>', 'openai')).toBe('<b>&</b>');
    expect(cleanText('<b>&amp;</b>', 'hf')).toBe('<b>&amp;</b>');
    expect(cleanText('a &amp; b', 'hf')).toBe('a & b');
    expect(hfTok.encode('Tom &amp; Jerry')).toEqual(tok.encode('tom & jerry'));
  });

  it('pyHtmlUnescape follows Python html.unescape (HTML5 rules)', () => {
    expect(pyHtmlUnescape('&ampx &notin; &notit; &#150; &#0; &#x110000; &#1; &#65 &bogus;')).toBe(
      '&x ∉ ¬it; – \ufffd \ufffd  A &bogus;',
    );
  });
});

describe('CLIPTokenizer.decode', () => {
  it('turns word ends into spaces, as the reference does', () => {
    expect(tok.decode([320, 1125, 539, 320, 2368])).toBe('a photo of a cat ');
    expect(tok.decode(tok.encode('hello, world!'))).toBe('hello , world ! ');
  });
});

describe('CLIPTokenizer.fromHF', () => {
  it('takes ids from vocab.json and maps unknown pieces to eos', () => {
    const vocab = { c: 0, a: 1, 'at</w>': 2, 'cat</w>': 3, '<|startoftext|>': 4, '<|endoftext|>': 5 };
    const tiny = CLIPTokenizer.fromHF(JSON.stringify(vocab), '#version: 0.2\na t</w>\nc at</w>\n');
    expect([tiny.bos, tiny.eos]).toEqual([4, 5]);
    expect(tiny.encode('cat')).toEqual([3]);
    expect(tiny.encode('ca')).toEqual([0, 5]);
  });

  it('rejects a vocab.json that is not a token → id object', () => {
    expect(() => CLIPTokenizer.fromHF('[1,2]', '#v\n')).toThrow(/vocab\.json/);
    expect(() => CLIPTokenizer.fromHF('{"a": "x"}', '#v\n')).toThrow(/not an integer/);
  });
});

describe('TOKENIZER_SPECS', () => {
  it('pads CLIP-L with eos and OpenCLIP (SD2, SDXL bigG) with zero', () => {
    expect(TOKENIZER_SPECS.clip.pad).toBe('eos');
    expect(TOKENIZER_SPECS.openclip.pad).toBe('zero');
  });
});

describe('tokenizeForCLIP', () => {
  const row = (...parts: (number | number[])[]): number[] => parts.flat();
  const fill = (id: number, n: number): number[] => Array(n).fill(id);

  it('makes one 77-token row: bos, tokens, eos, then padding per mode', () => {
    const eos = tokenizeForCLIP(tok, 'a photo of a cat', { pad: 'eos' });
    expect(eos.tokenCount).toBe(5);
    expect(Array.from(eos.ids[0])).toEqual(row(BOS, [320, 1125, 539, 320, CAT], fill(EOS, 71)));
    const zero = tokenizeForCLIP(tok, 'a photo of a cat', { pad: TOKENIZER_SPECS.openclip.pad });
    expect(Array.from(zero.ids[0])).toEqual(row(BOS, [320, 1125, 539, 320, CAT], EOS, fill(0, 70)));
  });

  it('still gives one row for an empty prompt', () => {
    const { ids } = tokenizeForCLIP(tok, '', { pad: 'zero' });
    expect(ids.map((r) => Array.from(r))).toEqual([row(BOS, EOS, fill(0, 75))]);
  });

  it('fits exactly 75 tokens in one row and splits at 76', () => {
    expect(tokenizeForCLIP(tok, repeat('cat', 75), { pad: 'eos' }).ids.map((r) => Array.from(r))).toEqual([
      row(BOS, fill(CAT, 75), EOS),
    ]);
    const two = tokenizeForCLIP(tok, repeat('cat', 76), { pad: 'eos' });
    expect(two.tokenCount).toBe(76);
    expect(two.ids.map((r) => Array.from(r))).toEqual([
      row(BOS, fill(CAT, 75), EOS),
      row(BOS, CAT, fill(EOS, 75)),
    ]);
  });

  it('moves the words after the last comma to the next chunk when it is within 20 tokens of the end', () => {
    // 60 cats, a comma at chunk position 60, 20 cats: full at 75 with the comma 15 back → break after it.
    const text = `${repeat('cat', 60)}, ${repeat('cat', 20)}`;
    const { ids } = tokenizeForCLIP(tok, text, { pad: 'eos' });
    expect(ids.map((r) => Array.from(r))).toEqual([
      row(BOS, fill(CAT, 60), COMMA, fill(EOS, 15)),
      row(BOS, fill(CAT, 20), fill(EOS, 56)),
    ]);
    // Disabled (A1111 slider at 0): a plain cut at 75.
    const cut = tokenizeForCLIP(tok, text, { pad: 'eos', commaBacktrack: 0 }).ids.map((r) => Array.from(r));
    expect(cut).toEqual([
      row(BOS, fill(CAT, 60), COMMA, fill(CAT, 14), EOS),
      row(BOS, fill(CAT, 6), fill(EOS, 70)),
    ]);
  });

  it('cuts at 75 when the last comma is more than 20 tokens back, or when the overflowing token is a comma', () => {
    const far = tokenizeForCLIP(tok, `${repeat('cat', 50)}, ${repeat('cat', 30)}`, { pad: 'eos' });
    expect(Array.from(far.ids[0])).toEqual(row(BOS, fill(CAT, 50), COMMA, fill(CAT, 24), EOS));
    expect(Array.from(far.ids[1])).toEqual(row(BOS, fill(CAT, 6), fill(EOS, 70)));
    const comma = tokenizeForCLIP(tok, `${repeat('cat', 75)}, cat`, { pad: 'eos' });
    expect(Array.from(comma.ids[1])).toEqual(row(BOS, COMMA, CAT, fill(EOS, 74)));
  });

  it('zero-pads after the first eos, even a typed one, as A1111 does', () => {
    const { ids } = tokenizeForCLIP(tok, 'a <|endoftext|> cat', { pad: 'zero' });
    expect(Array.from(ids[0])).toEqual(row(BOS, 320, EOS, fill(0, 74)));
  });

  it('honours a smaller maxLength and rejects one that holds no token', () => {
    const { ids } = tokenizeForCLIP(tok, repeat('cat', 9), { pad: 'zero', maxLength: 10 });
    expect(ids.map((r) => Array.from(r))).toEqual([
      row(BOS, fill(CAT, 8), EOS),
      row(BOS, CAT, EOS, fill(0, 7)),
    ]);
    expect(() => tokenizeForCLIP(tok, 'cat', { pad: 'eos', maxLength: 2 })).toThrow(/maxLength/);
  });
});

describe('a test pipeline’s small vocabulary', () => {
  it('fromMerges keeps only the first merges; toHF writes files fromHF reads back to the same tokenizer', () => {
    const small = CLIPTokenizer.fromMerges(mergesText, {}, 486);
    expect(small.vocabSize).toBe(1000); // 256 bytes, their </w> forms, 486 merges, 2 specials
    expect([small.bos, small.eos]).toEqual([998, 999]);
    const { vocabJson, mergesText: merges } = small.toHF();
    expect(Object.keys(JSON.parse(vocabJson) as object)).toHaveLength(1000);
    expect(merges.split('\n').filter(Boolean)).toHaveLength(487); // header + 486 merges
    const back = CLIPTokenizer.fromHF(vocabJson, merges);
    for (const text of ['a photo of a cat', 'ink wash, mountains at dawn'])
      expect(back.encode(text)).toEqual(small.encode(text));
    // Merges past the 486th are gone: a word the full vocabulary holds as one token splits into pieces.
    expect(tok.encode('photo')).toHaveLength(1);
    expect(small.encode('photo').length).toBeGreaterThan(1);
    expect(Math.max(...small.encode('photograph of mountains'))).toBeLessThan(1000);
  });
});
