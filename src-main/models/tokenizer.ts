// The CLIP byte-level BPE tokenizer and A1111's 75-token prompt chunking, pure (no file system).
// Follows OpenAI CLIP `clip/simple_tokenizer.py`, HF `tokenization_clip.py` (vocab.json/merges.txt) and A1111
// `modules/sd_hijack_clip.py` (`tokenize_line`); the ftfy steps that matter follow ftfy 6 `fix_text` defaults.
import type { TextEncoderConfig } from './families';

const START = '<|startoftext|>';
const END = '<|endoftext|>';
/** The reference keeps merges 1..48894 (`49152 - 256 - 2`): 512 byte tokens + merges + 2 specials = 49408. */
const MERGE_COUNT = 49152 - 256 - 2;

/**
 * How raw text is cleaned before BPE.
 * - `openai`: ftfy, then `html.unescape` twice, then whitespace and lower case (OpenAI/open_clip `SimpleTokenizer`,
 *   which A1111 uses for SD2 and SDXL's bigG encoder).
 * - `hf`: ftfy, then whitespace and lower case (HF `CLIPTokenizer` with ftfy installed: A1111 SD1 and SDXL's
 *   CLIP-L, kohya, diffusers, ComfyUI).
 *
 * NOTE: A1111 ships ftfy (open-clip-torch depends on it), so its HF tokenizer takes the ftfy branch, never the
 * BasicTokenizer fallback (which would also split CJK and differs more); we do not implement that fallback.
 * ftfy already unescapes entities (repeatedly, until stable), so the two modes differ only for semicolon-less
 * entities (`&amp` without `;`) and for entities on or after a line containing `<` (ftfy then leaves HTML
 * alone). We default to `openai`, the tokenizer CLIP was trained with. ftfy's mojibake repair (`fix_encoding`,
 * `fix_c1_controls`) is not replicated: prompts typed by people are well-formed UTF-16 already.
 */
export type TextCleanup = 'openai' | 'hf';

/** What fills a 77-token row after the end token: eos (SD1 CLIP-L) or id 0, the `!` token (OpenCLIP). */
export type PadMode = 'eos' | 'zero';

export interface TokenizerSpec {
  pad: PadMode;
}

/**
 * Padding per text-encoder kind (`TextEncoderConfig.kind`): CLIP-L (SD1, SDXL `text_encoder`) pads with eos;
 * OpenCLIP ViT-H (SD2) and bigG (SDXL `text_encoder_2`) pad with 0 — A1111 `sd_hijack_open_clip.py`
 * `id_pad = 0`, ComfyUI `pad_with_end=False`, diffusers `tokenizer_2` pad_token `!`.
 */
export const TOKENIZER_SPECS = {
  clip: { pad: 'eos' },
  openclip: { pad: 'zero' },
} as const satisfies Record<TextEncoderConfig['kind'], TokenizerSpec>;

export interface CLIPTokenizerOptions {
  cleanup?: TextCleanup;
}

// Python `regex` `\s` (Unicode White_Space); JS `\s` differs (adds U+FEFF, lacks U+0085).
const WS = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PRE_TOKENIZE = `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${WS}\\p{L}\\p{N}]+`;

/** GPT-2 `bytes_to_unicode`: printable bytes map to themselves, the rest to U+0100.., in the reference order. */
function byteAlphabet(): { bytes: number[]; chars: string[] } {
  const bytes: number[] = [];
  for (const [lo, hi] of [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ])
    for (let b = lo; b <= hi; b++) bytes.push(b);
  const chars = bytes.map((b) => String.fromCharCode(b));
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (bytes.includes(b)) continue;
    bytes.push(b);
    chars.push(String.fromCharCode(256 + extra++));
  }
  return { bytes, chars };
}

/** The first `count` lines of `text` (the merges file has 262k lines; CLIP reads the first 49k). */
function firstLines(text: string, count: number): string[] {
  const lines: string[] = [];
  let at = 0;
  while (lines.length < count && at <= text.length) {
    const end = text.indexOf('\n', at);
    lines.push(text.slice(at, end < 0 ? text.length : end));
    if (end < 0) break;
    at = end + 1;
  }
  return lines;
}

function parseMerges(lines: string[]): [string, string][] {
  return lines.map((line, i) => {
    // Fast path for the usual "a b" line; a regex split for each of 49k lines took ~0.1 s per process.
    const simple = line.split(' ');
    if (simple.length === 2 && simple[0] && simple[1] && !/\s/.test(simple[1])) return [simple[0], simple[1]];
    const parts = line.split(/\s+/).filter((p) => p !== '');
    if (parts.length !== 2) throw new Error(`CLIP merges line ${i + 2}: expected two symbols, got "${line}"`);
    return [parts[0], parts[1]];
  });
}

/**
 * CLIP's byte-level BPE tokenizer.
 *
 * @example
 * const tok = CLIPTokenizer.fromMerges(gunzipSync(readFileSync('bpe_simple_vocab_16e6.txt.gz')).toString('utf8'));
 * tok.encode('a photo of a cat'); // [320, 1125, 539, 320, 2368]
 */
export class CLIPTokenizer {
  readonly bos: number;
  readonly eos: number;
  readonly vocabSize: number;
  private readonly decoder = new Map<number, string>();
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>([
    [START, [START]],
    [END, [END]],
  ]);
  private readonly byteToChar: string[] = [];
  private readonly charToByte = new Map<string, number>();
  private readonly pattern = new RegExp(PRE_TOKENIZE, 'giu');
  private readonly cleanup: TextCleanup;

  private constructor(
    private readonly vocab: Map<string, number>,
    merges: [string, string][],
    options: CLIPTokenizerOptions,
  ) {
    const { bytes, chars } = byteAlphabet();
    bytes.forEach((b, i) => {
      this.byteToChar[b] = chars[i];
      this.charToByte.set(chars[i], b);
    });
    merges.forEach(([a, b], rank) => this.ranks.set(`${a} ${b}`, rank));
    for (const [piece, id] of vocab) this.decoder.set(id, piece);
    this.bos = this.requireId(START);
    this.eos = this.requireId(END);
    this.vocabSize = vocab.size;
    this.cleanup = options.cleanup ?? 'openai';
  }

  /**
   * Builds the tokenizer from OpenAI's merges file (`bpe_simple_vocab_16e6.txt`, gunzipped), or HF `merges.txt`:
   * the vocabulary is the 256 byte symbols, their `</w>` forms, one token per merge, then the two specials.
   * `mergeCount` keeps only the first merges (the small vocabularies of test pipelines).
   *
   * @example
   * const tok = CLIPTokenizer.fromMerges(mergesText);
   * tok.bos; // 49406
   */
  static fromMerges(
    mergesText: string,
    options: CLIPTokenizerOptions = {},
    mergeCount = MERGE_COUNT,
  ): CLIPTokenizer {
    const merges = parseMerges(firstLines(mergesText, Math.min(mergeCount, MERGE_COUNT) + 1).slice(1));
    const { chars } = byteAlphabet();
    const pieces = [...chars, ...chars.map((c) => `${c}</w>`), ...merges.map(([a, b]) => a + b), START, END];
    return new CLIPTokenizer(new Map(pieces.map((p, i) => [p, i])), merges, options);
  }

  /**
   * Builds the tokenizer from a diffusers folder's `tokenizer/vocab.json` and `tokenizer/merges.txt`.
   *
   * @example
   * const tok = CLIPTokenizer.fromHF(readFileSync('tokenizer/vocab.json', 'utf8'), readFileSync('tokenizer/merges.txt', 'utf8'));
   */
  static fromHF(vocabJson: string, mergesText: string, options: CLIPTokenizerOptions = {}): CLIPTokenizer {
    const parsed: unknown = JSON.parse(vocabJson);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('CLIP vocab.json: expected an object of token → id');
    }
    const vocab = new Map<string, number>();
    for (const [piece, id] of Object.entries(parsed)) {
      if (!Number.isInteger(id)) throw new Error(`CLIP vocab.json: id of "${piece}" is not an integer`);
      vocab.set(piece, id as number);
    }
    const merges = parseMerges(
      mergesText
        .trim()
        .split('\n')
        .slice(1, MERGE_COUNT + 1),
    );
    return new CLIPTokenizer(vocab, merges, options);
  }

  /**
   * The vocabulary and merges as a diffusers folder's `tokenizer/vocab.json` and `tokenizer/merges.txt` hold them.
   *
   * @example
   * const { vocabJson, mergesText } = CLIPTokenizer.fromMerges(text, {}, 486).toHF(); // a 1000-token vocab.json
   */
  toHF(): { vocabJson: string; mergesText: string } {
    const vocab = Object.fromEntries([...this.vocab].sort((a, b) => a[1] - b[1]));
    return {
      vocabJson: JSON.stringify(vocab),
      mergesText: `#version: 0.2\n${[...this.ranks.keys()].join('\n')}\n`,
    };
  }

  /** The id of one BPE piece (`',</w>'`, `'cat</w>'`), or undefined when it is not in the vocabulary. */
  idOf(piece: string): number | undefined {
    return this.vocab.get(piece);
  }

  /**
   * Cleans, pre-tokenizes and BPE-encodes text; no bos/eos. Unknown pieces map to eos (HF's `unk_token`).
   *
   * @example
   * tok.encode('hello, world!'); // [3306, 267, 1002, 256]
   */
  encode(text: string): number[] {
    const ids: number[] = [];
    const utf8 = new TextEncoder();
    for (const [word] of cleanText(text, this.cleanup).matchAll(this.pattern)) {
      const symbols = Array.from(utf8.encode(word), (b) => this.byteToChar[b]).join('');
      for (const piece of this.bpe(symbols)) ids.push(this.vocab.get(piece) ?? this.eos);
    }
    return ids;
  }

  /**
   * Maps ids back to text; each word end (`</w>`) becomes a space, as in the reference (so text ends with one).
   *
   * @example
   * tok.decode([320, 2368]); // 'a cat '
   */
  decode(ids: readonly number[]): string {
    const symbols = ids.map((id) => this.decoder.get(id) ?? '').join('');
    const bytes = Uint8Array.from(Array.from(symbols, (c) => this.charToByte.get(c) ?? 0x3f));
    return new TextDecoder('utf-8').decode(bytes).replaceAll('</w>', ' ');
  }

  private requireId(piece: string): number {
    const id = this.vocab.get(piece);
    if (id === undefined) throw new Error(`CLIP vocabulary has no "${piece}" token`);
    return id;
  }

  /** Merges the lowest-ranked adjacent pair, everywhere at once, until no ranked pair is left. */
  private bpe(token: string): string[] {
    const hit = this.cache.get(token);
    if (hit) return hit;
    let word = Array.from(token);
    word[word.length - 1] += '</w>';
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < word.length; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
      }
      if (best < 0) break;
      word = mergePair(word, word[best], word[best + 1]);
    }
    this.cache.set(token, word);
    return word;
  }
}

function mergePair(word: string[], first: string, second: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) {
    if (word[i] === first && word[i + 1] === second && i + 1 < word.length) {
      out.push(first + second);
      i++;
    } else out.push(word[i]);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ prompt chunking

export interface CLIPTokenizeOptions {
  pad: PadMode;
  /** Row length including bos and eos; each chunk carries `maxLength - 2` prompt tokens (A1111: 77 → 75). */
  maxLength?: number;
  /** A1111 `comma_padding_backtrack` (default 20, 0 disables): see {@link tokenizeForCLIP}. */
  commaBacktrack?: number;
}

export interface CLIPTokens {
  /** One `maxLength`-long row per chunk: bos, up to 75 tokens, eos, then padding. */
  ids: Int32Array[];
  /** Prompt tokens before chunking (what a UI shows as "n/75"). */
  tokenCount: number;
}

/**
 * Splits a prompt into 75-token chunks the way A1111 `tokenize_line` does (without its emphasis and BREAK
 * parsing: `(word:1.2)` stays plain text). When a chunk is full and the next token is not a comma, and the
 * chunk's last comma is at most `commaBacktrack` tokens from its end, the tokens after that comma move to
 * the next chunk. Rows are `[bos, ...tokens, eos, eos…]`; with `pad: 'zero'` everything after the first eos
 * becomes 0, as A1111's `process_tokens` does for OpenCLIP. An empty prompt still gives one row.
 *
 * @example
 * tokenizeForCLIP(tok, 'a photo of a cat', { pad: 'eos' }).ids[0].slice(0, 7);
 * // Int32Array [49406, 320, 1125, 539, 320, 2368, 49407]
 */
export function tokenizeForCLIP(tok: CLIPTokenizer, text: string, opts: CLIPTokenizeOptions): CLIPTokens {
  const maxLength = opts.maxLength ?? 77;
  const backtrack = opts.commaBacktrack ?? 20;
  if (!Number.isInteger(maxLength) || maxLength < 3)
    throw new Error(`CLIP maxLength must be ≥ 3, got ${maxLength}`);
  const tokens = tok.encode(text);
  return {
    ids: chunkTokens(tokens, tok, maxLength - 2, backtrack).map((c) => toRow(c, tok, maxLength, opts.pad)),
    tokenCount: tokens.length,
  };
}

function chunkTokens(tokens: number[], tok: CLIPTokenizer, size: number, backtrack: number): number[][] {
  const comma = tok.idOf(',</w>');
  const chunks: number[][] = [];
  let chunk: number[] = [];
  let lastComma = -1;
  const flush = (): void => {
    chunks.push(chunk);
    chunk = [];
    lastComma = -1;
  };
  for (const token of tokens) {
    if (token === comma) lastComma = chunk.length;
    else if (backtrack !== 0 && chunk.length === size && lastComma !== -1 && size - lastComma <= backtrack) {
      const moved = chunk.slice(lastComma + 1);
      chunk = chunk.slice(0, lastComma + 1);
      flush();
      chunk = moved;
    }
    if (chunk.length === size) flush();
    chunk.push(token);
  }
  if (chunk.length > 0 || chunks.length === 0) flush();
  return chunks;
}

function toRow(chunk: number[], tok: CLIPTokenizer, maxLength: number, pad: PadMode): Int32Array {
  const row = new Int32Array(maxLength).fill(tok.eos);
  row[0] = tok.bos;
  row.set(chunk, 1);
  // NOTE: like A1111, zero-padding starts after the FIRST eos, even one typed into the prompt.
  if (pad === 'zero') row.fill(0, row.indexOf(tok.eos) + 1);
  return row;
}

// ---------------------------------------------------------------------------------------------- text cleanup

const WS_RUN = new RegExp(`[${WS}]+`, 'gu');

/** `whitespace_clean(basic_clean(text)).lower()` (openai) or `whitespace_clean(fix_text(text)).lower()` (hf). */
export function cleanText(text: string, mode: TextCleanup = 'openai'): string {
  let out = fixText(text);
  if (mode === 'openai') out = pyHtmlUnescape(pyHtmlUnescape(out));
  return out.replace(WS_RUN, ' ').replace(/^ | $/g, '').toLowerCase();
}

/** ftfy `fix_text` minus mojibake repair; like ftfy, HTML is left alone from the first line containing `<`. */
function fixText(text: string): string {
  let html = true;
  return text
    .split(/(?<=\n)/)
    .map((segment) => {
      if (segment.includes('<')) html = false;
      return fixSegment(segment, html);
    })
    .join('');
}

// prettier-ignore
const LIGATURES: Record<string, string> = {
  Ĳ: 'IJ', ĳ: 'ij', ŉ: 'ʼn', Ǳ: 'DZ', ǲ: 'Dz', ǳ: 'dz', Ǆ: 'DŽ', ǅ: 'Dž', ǆ: 'dž', Ǉ: 'LJ', ǈ: 'Lj', ǉ: 'lj',
  Ǌ: 'NJ', ǋ: 'Nj', ǌ: 'nj', ﬀ: 'ff', ﬁ: 'fi', ﬂ: 'fl', ﬃ: 'ffi', ﬄ: 'ffl', ﬅ: 'ſt', ﬆ: 'st',
};
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'gu');

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC (ftfy `remove_terminal_escapes`)
const TERMINAL_ESCAPE = /\x1b\[[0-9;]*[a-zA-Z]/g;
// eslint-disable-next-line no-control-regex -- exactly the characters ftfy `remove_control_chars` drops
const CONTROL_CHARS = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;

/** ftfy's fixers in `fix_and_explain` order, repeated until the text stops changing. */
function fixSegment(segment: string, html: boolean): string {
  let text = segment;
  for (;;) {
    const before = text;
    if (html) text = text.replace(/&#?[0-9A-Za-z]{1,24};/g, ftfyEntity);
    text = text
      .replace(LIGATURE_RE, (c) => LIGATURES[c])
      .replace(/[\u3000\uff01-\uffef]/g, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC')))
      .replace(/[\u201c-\u201f]/g, '"')
      .replace(/[\u02bc\u2018-\u201b]/g, "'")
      .replace(/\r\n|[\r\u2028\u2029\x85]/g, '\n')
      .replace(TERMINAL_ESCAPE, '')
      .replace(CONTROL_CHARS, '')
      .normalize('NFC');
    if (text === before) return text;
  }
}

// HTML5 named references: the 106 that may omit `;` (Latin-1 block + 10 ASCII/uppercase), then common
// `;`-only ones. NOTE: the full HTML5 table has 2231 names; rarer names stay literal here (Python decodes them).
const LATIN1_NAMES =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute ' +
  'micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig ' +
  'Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash ' +
  'Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ' +
  'ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc ' +
  'uuml yacute thorn yuml';
// prettier-ignore
const LEGACY_ENTITIES: Record<string, string> = {
  ...Object.fromEntries(LATIN1_NAMES.split(' ').map((name, i) => [name, String.fromCharCode(0xa0 + i)])),
  amp: '&', AMP: '&', lt: '<', LT: '<', gt: '>', GT: '>', quot: '"', QUOT: '"', COPY: '©', REG: '®',
};
// prettier-ignore
const ENTITIES: Record<string, string> = {
  ...LEGACY_ENTITIES,
  apos: "'", hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', sbquo: '‚',
  bdquo: '„', bull: '•', trade: '™', euro: '€', larr: '←', rarr: '→', uarr: '↑', darr: '↓', hearts: '♥',
  star: '☆', starf: '★', check: '✓', dagger: '†', permil: '‰', prime: '′', Prime: '″', infin: '∞', ne: '≠',
  // Every HTML5 name that starts with a legacy name, so prefix matching never splits it (`&notin;` is ∉, not ¬in;).
  centerdot: '\u00b7', copysr: '\u2117', divideontimes: '\u22c7', gtcc: '\u2aa7', gtcir: '\u2a7a',
  gtdot: '\u22d7', gtlPar: '\u2995', gtquest: '\u2a7c', gtrapprox: '\u2a86', gtrarr: '\u2978',
  gtrdot: '\u22d7', gtreqless: '\u22db', gtreqqless: '\u2a8c', gtrless: '\u2277', gtrsim: '\u2273',
  ltcc: '\u2aa6', ltcir: '\u2a79', ltdot: '\u22d6', lthree: '\u22cb', ltimes: '\u22c9', ltlarr: '\u2976',
  ltquest: '\u2a7b', ltri: '\u25c3', ltrie: '\u22b4', ltrif: '\u25c2', ltrPar: '\u2996', notin: '\u2209',
  notindot: '\u22f5\u0338', notinE: '\u22f9\u0338', notinva: '\u2209', notinvb: '\u22f7', notinvc: '\u22f6',
  notni: '\u220c', notniva: '\u220c', notnivb: '\u22fe', notnivc: '\u22fd', parallel: '\u2225',
  timesb: '\u22a0', timesbar: '\u2a31', timesd: '\u2a30',
};

/** ftfy `unescape_html` for one `&name;`: known names, their all-caps forms, and fully consumed numbers. */
function ftfyEntity(ref: string): string {
  const name = ref.slice(1, -1);
  if (Object.hasOwn(ENTITIES, name)) return ENTITIES[name];
  const lower = name.toLowerCase();
  if (name === name.toUpperCase() && Object.hasOwn(ENTITIES, lower)) return ENTITIES[lower].toUpperCase();
  if (!ref.startsWith('&#')) return ref;
  const decoded = pyHtmlUnescape(ref);
  return decoded.includes(';') ? ref : decoded;
}

/** Python `html.unescape` (HTML5 rules) over the entity table above. */
export function pyHtmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu, (_m, ref: string) =>
    ref.startsWith('#') ? numericReference(ref) : namedReference(ref),
  );
}

function namedReference(ref: string): string {
  if (ref.endsWith(';') && Object.hasOwn(ENTITIES, ref.slice(0, -1))) return ENTITIES[ref.slice(0, -1)];
  const chars = Array.from(ref);
  for (let n = ref.endsWith(';') ? chars.length - 1 : chars.length; n >= 2; n--) {
    const prefix = chars.slice(0, n).join('');
    if (Object.hasOwn(LEGACY_ENTITIES, prefix)) return LEGACY_ENTITIES[prefix] + chars.slice(n).join('');
  }
  return `&${ref}`;
}

// Windows-1252 for references to C1 controls (HTML5 "invalid charrefs"); 0x81/8D/8F/90/9D stay themselves.
const CP1252_C1 = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ';

function numericReference(ref: string): string {
  const digits = ref.replace(/;$/, '');
  const hex = digits[1] === 'x' || digits[1] === 'X';
  const cp = hex ? parseInt(digits.slice(2), 16) : parseInt(digits.slice(1), 10);
  if (cp === 0) return '\ufffd';
  if (cp === 0x0d) return '\r';
  if (cp >= 0x80 && cp <= 0x9f) return CP1252_C1[cp - 0x80];
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return '\ufffd';
  const invalid =
    (cp >= 0x01 && cp <= 0x08) ||
    cp === 0x0b ||
    (cp >= 0x0e && cp <= 0x1f) ||
    cp === 0x7f ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe;
  return invalid ? '' : String.fromCodePoint(cp);
}
