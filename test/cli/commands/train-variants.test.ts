// `tessera train` on architectures no family row has (make-tiny-checkpoints TINY_VARIANTS), in a child process:
// a short run finishes, its kohya export follows the family's naming rules, loads back onto the same model
// with every key applied and merges into it; a model refused at inspection or by the plan checks (a LoRA as the
// base model) stops before any work.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTraining } from '../../../src-main/jobs/train-plan';
import { readSafetensorsHeader } from '../../../src-main/formats/safetensors/index';
import { targetsOf } from '../../../src-main/lora/adapter-weights';
import { loadLoRA } from '../../../src-main/lora/load';
import { mergeLoRA } from '../../../src-main/lora/merge';
import { unetLoRATargets } from '../../../src-main/models/keymap/lora-names';
import { openCheckpoint } from '../../../src-main/models/weights';
import { injectModulesOf } from '../../../src-main/sample/checkpoint-model';
import { BPE_PATH } from '../../fixtures/tokenizer';
import { tinyWorkspace } from '../../fixtures/tiny-workspace';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  ({ dir, paths } = await tinyWorkspace('cli-variants'));
  await mkdir(join(dir, 'data'));
  const px = Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (90 + i) & 255));
  await writeFile(
    join(dir, 'data', 'a.png'),
    await sharp(px, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer(),
  );
  await writeFile(join(dir, 'data', 'a.txt'), 'ink, a');
  await mkdir(join(dir, 'cache'));
  await copyFile(BPE_PATH, join(dir, 'cache', 'bpe_simple_vocab_16e6.txt.gz'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function train(model: string, out: string): Promise<{ code: number | null; output: string }> {
  const args = [
    ...['--import', 'tsx', 'src-main/cli/main.ts', 'train', '--model', model, '--dataset', join(dir, 'data')],
    ...['--out', out, '--name', 'ink', '--cache', join(dir, 'cache'), '--resolution', '64'],
    ...['--max-steps', '2', '--save-every-steps', '2', '--warmup-steps', '0', '--rank', '4', '--alpha', '4'],
    ...['--save-dtype', 'fp32', '--sample-every-steps', '0'],
  ];
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolveRun({ code, output }));
  });
}

const KOHYA_KEY = /^lora_unet_[a-z0-9_]+\.(lora_down\.weight|lora_up\.weight|alpha)$/;

describe('tessera train on derived architectures', () => {
  it.each([
    ['tiny-distilled', 'input_blocks'],
    ['tiny-sdxl-depths-diffusers', 'down_blocks'],
    ['tiny-inpaint', 'input_blocks'],
    ['tiny-pipe-diffusers', 'input_blocks'], // its own 1000-token tokenizer in tokenizer/
  ])('%s: trains, and its export loads back with every key applied', async (name, foreignStem) => {
    const out = join(dir, `run-${name}`);
    const run = await train(paths[name], out);
    expect(run.code, run.output).toBe(0);
    const exported = join(out, 'ink.safetensors');
    const header = await readSafetensorsHeader(exported);
    const keys = [...header.tensors.keys()];
    expect(keys.every((k) => KOHYA_KEY.test(k))).toBe(true);
    // SD1 stems name diffusers modules, SDXL stems LDM modules (docs/reference/lora-formats.md#export-rules),
    // never mixed.
    expect(keys.some((k) => k.includes(foreignStem))).toBe(false);
    const ckpt = await openCheckpoint(paths[name]);
    const loaded = await loadLoRA(exported, { targets: targetsOf(ckpt.config) });
    expect(loaded.skipped).toEqual([]);
    expect(loaded.unknownKeys).toEqual([]);
    const planned = unetLoRATargets(ckpt.config, 'attention');
    expect(loaded.adapter.modules).toHaveLength(planned.length);
    expect(injectModulesOf(ckpt, loaded.adapter)).toHaveLength(planned.length);
    expect(keys).toHaveLength(3 * planned.length);
    if (!name.endsWith('-diffusers')) {
      const merged = await mergeLoRA(paths[name], loaded.adapter, join(out, 'merged.safetensors'));
      expect(merged.mergedKeys).toHaveLength(planned.length); // every module baked into the base's own keys
    }
  });

  it('refuses the test-pipeline shape without its own tokenizer (a bare single file) before any work, saying why', async () => {
    const run = await train(paths['tiny-pipe'], join(dir, 'run-pipe'));
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(
      /cannot be trained on: text_encoder: a 1000-token vocabulary, smaller than the 49408-token tokenizer.*tokenizer\/vocab\.json/,
    );
    expect(run.output).not.toMatch(/Encoding images/);
  });

  it("refuses a LoRA given as the base model with the app's plan problem, exit 1, before any work", async () => {
    const out = join(dir, 'run-lora');
    const run = await train(paths['tiny-sd1-lora'], out);
    const plan = await planTraining({
      modelPath: paths['tiny-sd1-lora'],
      datasetDir: join(dir, 'data'),
      name: 'ink',
      runsDir: dir,
      config: { resolution: 64 },
    });
    expect(plan.problems).toEqual([`${paths['tiny-sd1-lora']} is a LoRA, not a base model.`]);
    expect(run.code).toBe(1);
    expect(run.output).toContain(`tessera: ${plan.problems.join(' ')}`);
    expect(run.output).not.toMatch(/Choosing the compute device|Encoding images/);
    expect(existsSync(join(out, 'job.json'))).toBe(false);
  });
});
