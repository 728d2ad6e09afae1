// `tessera caption DATASET --model ID`: writes kohya `.txt` captions (same name as each image, written
// atomically) from a catalogue model: a WD tagger's booru tags or a Florence-2 sentence. Models come
// from a folder the user names, or the cache, downloaded only with --download.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { combineCaption } from '../../caption/apply';
import { CATALOGUE, catalogueEntry, DEFAULT_HUB } from '../../caption/catalogue';
import { FLORENCE2_TASKS, type Florence2Task } from '../../caption/florence2/index';
import { openCaptioner } from '../../caption/index';
import { cachedModelDir, missingFiles, resolveModelFolder } from '../../caption/model-folder';
import type { CaptionMode, CaptionProgress } from '../../caption/types';
import { TAG_DEFAULTS } from '../../caption/wd-tagger/postprocess';
import { readCaption, writeCaption } from '../../dataset/captions';
import { listDataset } from '../../dataset/project-files';
import { cacheDirArg, COMPUTE_USAGE, computeArgs, numberArg, splitList } from '../args';
import { UsageError, type CliCommand, type CliIo } from '../io';

const MODES: readonly CaptionMode[] = ['fill-empty', 'append', 'replace'];
const TAGGER_ONLY = ['threshold', 'character-threshold', 'rating', 'exclude', 'keep-underscores'] as const;
const FLORENCE_ONLY = ['task', 'beams', 'max-tokens'] as const;
/** Images captioned between writes and progress lines. */
const CHUNK = 8;

const USAGE = `Usage: tessera caption DATASET [options]
       tessera caption --list [--cache DIR]

Captions every image of a dataset folder (and its "N_name" repeat folders) into a same-name .txt file.

  --model ID                 ${CATALOGUE.filter((e) => e.kind === 'wd-tagger')[0].id} (default), florence2-base, … (--list shows all)
  --mode MODE                fill-empty: only images without a caption (default)
                             append: keep each caption, add the new tags it lacks
                             replace: overwrite every caption
  --prefix "a, b"            trigger word(s) written first in every caption written
  --dry-run                  print the captions instead of writing them
Taggers (wd-*):
  --threshold X              general tags at or above X (default ${TAG_DEFAULTS.generalThreshold})
  --character-threshold X    character tags at or above X (default ${TAG_DEFAULTS.characterThreshold})
  --rating                   add the rating tag (general, sensitive, questionable, explicit) last
  --exclude "a, b"           tags never written
  --keep-underscores         write long_hair, not long hair
Florence-2 (florence2-*):
  --task TASK                caption: one sentence (default); detailed; more-detailed: a paragraph
  --beams N                  beam search width (default: the model's, 3); 1 is greedy decoding
  --max-tokens N             longest caption in tokens (default 256)
Model files (nothing is downloaded unless --download is given):
  --model-dir DIR            a folder that already holds the model's files (used as is)
  --download                 fetch missing files into the cache (resumes; checks sha256)
  --hub URL                  model hub or mirror (default $TESSERA_MODEL_HUB or ${DEFAULT_HUB})
  --cache DIR                where downloaded models live (<cache>/caption-models/<id>)
  --batch N                  images per model run (default 4)
${COMPUTE_USAGE.join('\n')}`;

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      model: { type: 'string', default: 'wd-swinv2-v3' },
      mode: { type: 'string', default: 'fill-empty' },
      prefix: { type: 'string', default: '' },
      'dry-run': { type: 'boolean' },
      threshold: { type: 'string' },
      'character-threshold': { type: 'string' },
      rating: { type: 'boolean' },
      exclude: { type: 'string' },
      'keep-underscores': { type: 'boolean' },
      task: { type: 'string' },
      beams: { type: 'string' },
      'max-tokens': { type: 'string' },
      'model-dir': { type: 'string' },
      download: { type: 'boolean' },
      hub: { type: 'string' },
      cache: { type: 'string' },
      batch: { type: 'string' },
      list: { type: 'boolean' },
      device: { type: 'string' },
      threads: { type: 'string' },
    },
    allowPositionals: true,
  });
}

async function listModels(cacheDir: string, io: CliIo): Promise<number> {
  for (const entry of CATALOGUE) {
    const here = (await missingFiles(entry, cachedModelDir(cacheDir, entry.id))).length === 0;
    io.out(
      `${entry.id.padEnd(18)} ${entry.kind.padEnd(10)} ${entry.licence.padEnd(11)} ${here ? 'downloaded' : '-'.padEnd(10)} ${entry.name}: ${entry.summary} (${entry.repo})`,
    );
  }
  return 0;
}

/** Download progress at most every 10%. */
function progressPrinter(io: CliIo): (p: CaptionProgress) => void {
  let last = '';
  return (p) => {
    const step = p.total > 0 ? Math.floor((p.done / p.total) * 10) * 10 : 0;
    const line = `downloading ${p.item ?? ''}: ${p.total > 0 ? `${step}%` : `${p.done} bytes`}`;
    if (line !== last) io.out((last = line));
  };
}

export const captionCommand: CliCommand = {
  name: 'caption',
  summary: 'write captions for a dataset with a WD tagger or Florence-2',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values: v, positionals } = parse(args);
    const cacheDir = cacheDirArg(v.cache, io.cwd);
    if (v.list) return listModels(cacheDir, io);
    if (positionals.length !== 1) throw new UsageError('caption needs one DATASET folder');
    if (!(MODES as readonly string[]).includes(v.mode))
      throw new UsageError(`--mode must be one of ${MODES.join(', ')}, not "${v.mode}"`);
    const entry = catalogueEntry(v.model);
    const given = TAGGER_ONLY.filter((name) => v[name] !== undefined);
    if (entry.kind !== 'wd-tagger' && given.length)
      throw new UsageError(`--${given.join(', --')} only apply to WD tagger models, not ${entry.id}`);
    const florenceGiven = FLORENCE_ONLY.filter((name) => v[name] !== undefined);
    if (entry.kind !== 'florence2' && florenceGiven.length)
      throw new UsageError(
        `--${florenceGiven.join(', --')} only apply to Florence-2 models, not ${entry.id}`,
      );
    if (v.task !== undefined && !(FLORENCE2_TASKS as readonly string[]).includes(v.task))
      throw new UsageError(`--task must be one of ${FLORENCE2_TASKS.join(', ')}, not "${v.task}"`);
    const florence2 = {
      task: (v.task ?? 'caption') as Florence2Task,
      ...(v.beams !== undefined ? { beams: numberArg('--beams', v.beams, 1, 16, 3) } : {}),
      ...(v['max-tokens'] !== undefined
        ? { maxNewTokens: numberArg('--max-tokens', v['max-tokens'], 1, 1024, 256) }
        : {}),
    };
    const tagger = {
      generalThreshold: numberArg('--threshold', v.threshold, 0, 1, TAG_DEFAULTS.generalThreshold),
      characterThreshold: numberArg(
        '--character-threshold',
        v['character-threshold'],
        0,
        1,
        TAG_DEFAULTS.characterThreshold,
      ),
      rating: v.rating === true,
      exclude: splitList(v.exclude),
      underscoresToSpaces: v['keep-underscores'] !== true,
      batchSize: numberArg('--batch', v.batch, 1, 256, 4),
    };
    const compute = computeArgs(v);
    const mode = v.mode as CaptionMode;
    const dataset = resolve(io.cwd, positionals[0]);

    const images = await listDataset(dataset);
    if (images.length === 0)
      throw new UsageError(`${dataset} has no images (looked in the folder and its N_name subfolders)`);
    const existing = await Promise.all(images.map((image) => readCaption(image.path)));
    const todo = images
      .map((image, i) => ({ ...image, existing: existing[i] }))
      .filter((x) => mode !== 'fill-empty' || x.existing.trim() === '');
    if (todo.length === 0) {
      io.out(`all ${images.length} images already have captions (--mode fill-empty); nothing to do`);
      return 0;
    }

    const folder = await resolveModelFolder(entry, {
      cacheDir,
      ...(v['model-dir'] ? { modelDir: resolve(io.cwd, v['model-dir']) } : {}),
      download: v.download === true,
      ...(v.hub ? { hub: v.hub } : {}),
      onProgress: progressPrinter(io),
    });
    const captioner = await openCaptioner(entry, folder, {
      tagger,
      florence2,
      session: compute.threads ? { threads: compute.threads } : {},
      provider: compute.device ? { prefer: [compute.device] } : {},
    });
    const started = performance.now();
    let written = 0;
    try {
      for (let i = 0; i < todo.length; i += CHUNK) {
        const group = todo.slice(i, i + CHUNK);
        const captions = await captioner.caption(group.map((x) => x.path));
        for (const [k, item] of group.entries()) {
          const next = combineCaption(item.existing, captions[k], mode, v.prefix);
          if (next === null || next === item.existing) continue;
          if (v['dry-run']) io.out(`${item.rel}: ${next}`);
          else await writeCaption(item.path, next);
          written++;
        }
        if (!v['dry-run'] && todo.length > CHUNK)
          io.out(`captioned ${Math.min(i + CHUNK, todo.length)}/${todo.length}`);
      }
    } finally {
      await captioner.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    const kept = images.length - todo.length;
    io.out(
      `${todo.length} images captioned with ${entry.id} in ${seconds.toFixed(1)} s (${(todo.length / seconds).toFixed(1)} images/s): ` +
        `${written} captions ${v['dry-run'] ? 'would be written' : 'written'}, ${todo.length - written} unchanged` +
        (kept ? `, ${kept} kept (already captioned)` : ''),
    );
    return 0;
  },
};
