// Finds the CLIP BPE vocabulary (diffusers `tokenizer/`, OpenAI's merges gz, the app cache, or a download) and
// builds a CLIPTokenizer from it. File names follow diffusers folders and OpenAI CLIP `clip/`.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CLIPTokenizer, type CLIPTokenizerOptions } from './tokenizer';

/** OpenAI's merges file as shipped in `openai/CLIP` `clip/` (MIT). */
export const CLIP_BPE_FILE = 'bpe_simple_vocab_16e6.txt.gz';
/** The same merges as HF `merges.txt`; what a download stores in the cache. */
export const CLIP_MERGES_FILE = 'merges.txt';
export const CLIP_MERGES_URL = 'https://huggingface.co/openai/clip-vit-large-patch14/resolve/main/merges.txt';
/** Full CLIP vocabulary: 512 byte tokens + 48894 merges + 2 specials; anything else is a wrong download. */
const CLIP_VOCAB_SIZE = 49408;

export interface LoadTokenizerOptions extends CLIPTokenizerOptions {
  /** A model folder: a diffusers folder (with `tokenizer/`) or the folder holding a single-file checkpoint. */
  modelDir?: string;
  /** The diffusers tokenizer subfolder; SDXL's second encoder uses `tokenizer_2` (same vocabulary). */
  component?: 'tokenizer' | 'tokenizer_2';
  /** The app's cache folder; downloads land here. */
  cacheDir?: string;
  allowDownload?: boolean;
  /** Where to download HF `merges.txt` from (default {@link CLIP_MERGES_URL}). */
  downloadUrl?: string;
}

/** Thrown when no source worked; `searched` lists every path looked at, in order. */
export class TokenizerFilesError extends Error {
  override name = 'TokenizerFilesError';
  constructor(
    message: string,
    readonly searched: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Source =
  | { kind: 'hf'; vocab: string; merges: string }
  | { kind: 'gz'; file: string }
  | { kind: 'merges'; file: string };

/**
 * Where {@link loadTokenizer} looks, in order: `modelDir/tokenizer/{vocab.json,merges.txt}`,
 * `modelDir/bpe_simple_vocab_16e6.txt.gz`, `cacheDir/bpe_simple_vocab_16e6.txt.gz`, `cacheDir/merges.txt`.
 *
 * @example
 * tokenizerSearchPaths({ cacheDir: '/cache' }); // ['/cache/bpe_simple_vocab_16e6.txt.gz', '/cache/merges.txt']
 */
export function tokenizerSearchPaths(opts: LoadTokenizerOptions): string[] {
  return tokenizerSources(opts).map((s) => (s.kind === 'hf' ? path.dirname(s.vocab) + path.sep : s.file));
}

function tokenizerSources(opts: LoadTokenizerOptions): Source[] {
  const sources: Source[] = [];
  if (opts.modelDir) {
    const dir = path.join(opts.modelDir, opts.component ?? 'tokenizer');
    sources.push({ kind: 'hf', vocab: path.join(dir, 'vocab.json'), merges: path.join(dir, 'merges.txt') });
    sources.push({ kind: 'gz', file: path.join(opts.modelDir, CLIP_BPE_FILE) });
  }
  if (opts.cacheDir) {
    sources.push({ kind: 'gz', file: path.join(opts.cacheDir, CLIP_BPE_FILE) });
    sources.push({ kind: 'merges', file: path.join(opts.cacheDir, CLIP_MERGES_FILE) });
  }
  return sources;
}

/**
 * Loads the CLIP tokenizer from the first source that exists, else downloads HF `merges.txt` into `cacheDir`
 * when `allowDownload` is set, else throws a {@link TokenizerFilesError} saying where it looked.
 *
 * @example
 * const tok = await loadTokenizer({ modelDir: '/models/sd15', cacheDir: '/cache', allowDownload: true });
 * tok.encode('a photo of a cat'); // [320, 1125, 539, 320, 2368]
 */
export async function loadTokenizer(opts: LoadTokenizerOptions): Promise<CLIPTokenizer> {
  for (const source of tokenizerSources(opts)) {
    const tok = await tryLoad(source, opts);
    if (tok) return tok;
  }
  const searched = tokenizerSearchPaths(opts);
  if (opts.allowDownload && opts.cacheDir) return download(opts.cacheDir, opts, searched);
  throw new TokenizerFilesError(notFoundMessage(opts, searched), searched);
}

async function tryLoad(source: Source, options: CLIPTokenizerOptions): Promise<CLIPTokenizer | null> {
  if (source.kind === 'hf') {
    const vocab = await readIfExists(source.vocab);
    const merges = await readIfExists(source.merges);
    if (!vocab || !merges) return null;
    return CLIPTokenizer.fromHF(vocab.toString('utf8'), merges.toString('utf8'), options);
  }
  const bytes = await readIfExists(source.file);
  if (!bytes) return null;
  const text = source.kind === 'gz' ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return CLIPTokenizer.fromMerges(text, options);
}

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

async function download(
  cacheDir: string,
  opts: LoadTokenizerOptions,
  searched: string[],
): Promise<CLIPTokenizer> {
  const url = opts.downloadUrl ?? CLIP_MERGES_URL;
  const text = await fetchText(url).catch((err: unknown) => {
    const why =
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new TokenizerFilesError(
      `${notFoundMessage(opts, searched)}\nDownload from ${url} failed: ${why}`,
      searched,
      {
        cause: err,
      },
    );
  });
  const tok = parseDownload(text, opts, url, searched);
  // Write then rename, so an interrupted download never leaves a half file that later loads would trust.
  await mkdir(cacheDir, { recursive: true });
  const target = path.join(cacheDir, CLIP_MERGES_FILE);
  await writeFile(`${target}.part`, text, 'utf8');
  await rename(`${target}.part`, target);
  return tok;
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

/** A login or error page instead of the merges must not reach the cache. */
function parseDownload(
  text: string,
  options: CLIPTokenizerOptions,
  url: string,
  searched: string[],
): CLIPTokenizer {
  const reject = (cause?: unknown): TokenizerFilesError =>
    new TokenizerFilesError(`Downloaded ${url} is not CLIP's merges file`, searched, { cause });
  let tok: CLIPTokenizer;
  try {
    tok = CLIPTokenizer.fromMerges(text, options);
  } catch (err) {
    throw reject(err);
  }
  if (tok.vocabSize !== CLIP_VOCAB_SIZE)
    throw reject(new Error(`vocabulary ${tok.vocabSize}, expected ${CLIP_VOCAB_SIZE}`));
  return tok;
}

function notFoundMessage(opts: LoadTokenizerOptions, searched: string[]): string {
  const looked =
    searched.length > 0 ? searched.map((p) => `  - ${p}`).join('\n') : '  (no model or cache folder given)';
  const where = opts.cacheDir ?? opts.modelDir ?? 'the model folder';
  return (
    `CLIP tokenizer files not found. Looked in:\n${looked}\n` +
    `Put ${CLIP_BPE_FILE} (from github.com/openai/CLIP, folder clip/) or HF ${CLIP_MERGES_FILE} into ${where}, ` +
    `or use a diffusers model folder with tokenizer/vocab.json and tokenizer/merges.txt` +
    (opts.allowDownload ? '.' : `, or go online and allow the download of ${CLIP_MERGES_URL}.`)
  );
}
