// `tessera caption` end to end: a tiny dataset, the project's own tiny WD tagger in a local folder or served
// by a local hub, real ORT, sharp and files. Each option is shown by its effect on the .txt files.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogueEntry } from '../../../src-main/caption/catalogue';
import { runCli } from '../../../src-main/cli/main';
import { memoryIo } from '../../fixtures/cli-io';
import { makeTinyFlorence2 } from '../../fixtures/tiny-florence2';
import { startHubServer, type HubServer } from '../../fixtures/hub-server';
import {
  makeTinyWdTagger,
  selectedTagsCsv,
  TINY_TAGS,
  tinyWdTaggerModel,
} from '../../fixtures/tiny-wd-tagger';

// Columns follow TINY_TAGS: general sensitive questionable explicit 1girl long_hair red_theme blue_theme ^_^ hatsune_miku.
const HEAD = [
  [0, 0, 0, 0, 0, 0, -10, 10, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 10],
  [0, 0, 0, 0, 0, 0, 10, -10, 0, 0],
];
const BIAS = [2, -2, -2, -2, 0, -3, -1, -1, 1, -5];
// Scores: red image → red_theme σ(9), ^_^ σ(1)=0.73, 1girl 0.5, rating general σ(2)=0.88;
//         blue image (in 10_blue/) → blue_theme σ(9), ^_^, 1girl; green → hatsune_miku σ(5)=0.993, ^_^, 1girl.

let root: string;
let modelDir: string;
let hub: HubServer;
let data: string;
const caption = async (name: string) => readFile(join(data, name), 'utf8');

async function png(path: string, rgb: [number, number, number]): Promise<void> {
  await sharp({
    create: { width: 40, height: 40, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  })
    .png()
    .toFile(path);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-caption-cli-'));
  modelDir = await makeTinyWdTagger(join(root, 'wd'), { head: HEAD, bias: BIAS });
  const repo = catalogueEntry('wd-swinv2-v3').repo;
  hub = await startHubServer([
    { repo, path: 'model.onnx', bytes: tinyWdTaggerModel({ head: HEAD, bias: BIAS }) },
    { repo, path: 'selected_tags.csv', bytes: new TextEncoder().encode(selectedTagsCsv(TINY_TAGS)) },
  ]);
});
afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  data = await mkdtemp(join(root, 'data-'));
  await png(join(data, 'red.png'), [255, 0, 0]);
  await png(join(data, 'green.png'), [0, 255, 0]);
  await mkdir(join(data, '10_blue'));
  await png(join(data, '10_blue', 'blue.png'), [0, 0, 255]);
  await writeFile(join(data, 'green.txt'), 'mine, hatsune miku');
});

const run = async (...args: string[]) => {
  const io = memoryIo(root);
  const code = await runCli(['caption', ...args, '--threads', '1'], io);
  return { code, io };
};

describe('tessera caption', () => {
  it('fills empty captions from a local model folder, trigger word first, leaving written captions alone', async () => {
    const { code, io } = await run(data, '--model-dir', modelDir, '--prefix', 'inkstyle');
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    expect(await caption('red.txt')).toBe('inkstyle, red theme, ^_^, 1girl');
    expect(await caption('10_blue/blue.txt')).toBe('inkstyle, blue theme, ^_^, 1girl');
    expect(await caption('green.txt')).toBe('mine, hatsune miku');
    expect(io.lines.at(-1)).toMatch(
      /^2 images captioned with wd-swinv2-v3 in .* images\/s\): 2 captions written, 0 unchanged, 1 kept \(already captioned\)$/,
    );
    // Atomic writes leave no temp files behind.
    expect((await readdir(data)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('append adds the tags a caption lacks; replace overwrites', async () => {
    expect((await run(data, '--model-dir', modelDir, '--mode', 'append')).code).toBe(0);
    expect(await caption('green.txt')).toBe('mine, hatsune miku, ^_^, 1girl');
    expect((await run(data, '--model-dir', modelDir, '--mode', 'replace', '--prefix', 'ink')).code).toBe(0);
    expect(await caption('green.txt')).toBe('ink, hatsune miku, ^_^, 1girl');
  });

  it('takes thresholds, rating, exclusions and underscores as its help says', async () => {
    const args = [data, '--model-dir', modelDir, '--mode', 'replace'];
    await run(...args, '--threshold', '0.6', '--rating');
    expect(await caption('red.txt')).toBe('red theme, ^_^, general');
    await run(...args, '--character-threshold', '0.999');
    expect(await caption('green.txt')).toBe('^_^, 1girl');
    await run(...args, '--exclude', '^_^, red_theme', '--keep-underscores');
    expect(await caption('red.txt')).toBe('1girl');
    expect(await caption('10_blue/blue.txt')).toBe('blue_theme, 1girl');
  });

  it('--batch sets images per run without changing the result, within bounds', async () => {
    expect((await run(data, '--model-dir', modelDir, '--batch', '1')).code).toBe(0);
    expect(await caption('red.txt')).toBe('red theme, ^_^, 1girl');
    expect((await run(data, '--model-dir', modelDir, '--batch', '0')).io.errors[0]).toMatch(
      /--batch must be a number from 1 to 256/,
    );
  });

  it('--dry-run prints and writes nothing', async () => {
    const { code, io } = await run(data, '--model-dir', modelDir, '--dry-run');
    expect(code).toBe(0);
    expect(io.lines).toContain('red.png: red theme, ^_^, 1girl');
    expect(io.lines).toContain('10_blue/blue.png: blue theme, ^_^, 1girl');
    expect(io.lines.at(-1)).toMatch(/2 captions would be written/);
    await expect(caption('red.txt')).rejects.toThrow(/ENOENT/);
  });

  it('downloads only with --download, from the hub given, then works from the cache', async () => {
    const cache = join(root, 'cache');
    const refused = await run(data, '--cache', cache, '--hub', hub.url);
    expect(refused.code).toBe(1);
    expect(refused.io.errors[0]).toMatch(
      /is not downloaded: .*Allow the download \(tessera caption --download\)/,
    );
    expect(hub.log).toEqual([]);

    // The hub can also come from the environment (a mirror for every run).
    process.env.TESSERA_MODEL_HUB = hub.url;
    const fetched = await run(data, '--cache', cache, '--download').finally(
      () => delete process.env.TESSERA_MODEL_HUB,
    );
    expect(fetched.io.errors).toEqual([]);
    expect(fetched.io.lines).toContain('downloading model.onnx: 100%');
    expect(await caption('red.txt')).toBe('red theme, ^_^, 1girl');

    const listed = memoryIo(root);
    expect(await runCli(['caption', '--list', '--cache', cache], listed)).toBe(0);
    expect(listed.lines.find((l) => l.startsWith('wd-swinv2-v3'))).toMatch(/Apache-2.0 +downloaded/);
    expect(listed.lines.find((l) => l.startsWith('wd-vit-v3'))).not.toMatch(/downloaded/);
  });

  it('says what is wrong: offline, unknown model, bad mode, tagger flags on Florence-2, empty folder', async () => {
    const gone = await startHubServer([]);
    await gone.close();
    const offline = await run(data, '--cache', join(root, 'cache-off'), '--hub', gone.url, '--download');
    expect(offline.code).toBe(1);
    expect(offline.io.errors[0]).toMatch(
      /tessera: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): this machine seems to be offline\. .*--model-dir/,
    );
    expect((await run(data, '--model', 'wd14')).io.errors[0]).toMatch(
      /unknown captioning model "wd14"; known models: wd-swinv2-v3/,
    );
    const mode = await run(data, '--mode', 'overwrite');
    expect([mode.code, mode.io.errors[0]]).toEqual([
      2,
      'tessera: --mode must be one of fill-empty, append, replace, not "overwrite" (see tessera --help)',
    ]);
    expect((await run(data, '--model', 'florence2-base', '--threshold', '0.5')).io.errors[0]).toMatch(
      /--threshold only apply to WD tagger models, not florence2-base/,
    );
    expect((await run(data, '--beams', '2')).io.errors[0]).toMatch(
      /--beams only apply to Florence-2 models, not wd-swinv2-v3/,
    );
    const empty = await mkdtemp(join(root, 'empty-'));
    expect((await run(empty, '--model-dir', modelDir)).io.errors[0]).toMatch(/has no images/);
  });

  it('Florence-2 writes sentence captions; --task, --beams and --max-tokens change them as their help says', async () => {
    const florence = (await makeTinyFlorence2(join(root, 'florence'))).dir;
    const captions = async (...extra: string[]) => {
      const { code, io } = await run(
        data,
        '--model',
        'florence2-base',
        '--model-dir',
        florence,
        '--dry-run',
        ...extra,
      );
      expect(io.errors).toEqual([]);
      expect(code).toBe(0);
      return io.lines.filter((l) => /^(red|10_blue\/blue)\.png: /.test(l));
    };
    const plain = await captions();
    expect(plain).toHaveLength(2);
    expect(plain.every((l) => l.split(': ')[1].length > 0)).toBe(true);
    expect(await captions('--task', 'more-detailed')).not.toEqual(plain);
    expect(await captions('--beams', '1')).not.toEqual(await captions('--beams', '3'));
    const short = await captions('--max-tokens', '3');
    expect(short.every((l, i) => l.length <= plain[i].length)).toBe(true);
    expect(short).not.toEqual(plain);
    expect((await run(data, '--model', 'florence2-base', '--task', 'ocr')).io.errors[0]).toMatch(
      /--task must be one of caption, detailed, more-detailed/,
    );
  });
});
