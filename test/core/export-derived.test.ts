// Adapters of models whose architecture is read from their own file (here an SDXL with other transformer
// depths, as in SSD-1B): re-exporting from the run folder and converting with --model keep every module;
// without the base model, nothing is dropped silently.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main';
import { TrainingService } from '../../src-main/core/training';
import { readSafetensorsHeader } from '../../src-main/formats/safetensors/index';
import { unetLoRATargets } from '../../src-main/models/keymap/lora-names';
import { makeTinyCheckpoints, TINY_VARIANTS, writeTinyLoRA } from '../../scripts/make-tiny-checkpoints';
import { memoryIo } from '../fixtures/cli-io';

const config = TINY_VARIANTS['tiny-sdxl-depths'];
const modules = unetLoRATargets(config).length;
let dir = '';
let model = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-export-derived-'));
  model = (await makeTinyCheckpoints(join(dir, 'models')))['tiny-sdxl-depths'];
  await mkdir(join(dir, 'run'));
  await writeTinyLoRA(join(dir, 'run', 'ink.safetensors'), 'ink', config);
  await writeFile(join(dir, 'run', 'job.json'), JSON.stringify({ modelPath: model }));
  await writeTinyLoRA(join(dir, 'loose.safetensors'), 'loose', config);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const keysOf = async (path: string) => [...(await readSafetensorsHeader(path)).tensors.keys()];

describe('adapters of architectures read from the model', () => {
  it('re-export from the run folder keeps every module (the run’s base model names them)', async () => {
    expect(modules).toBe(120); // more than the tiny SDXL family row has: its depths would drop 24
    const out = join(dir, 'out', 'ink-peft.safetensors');
    const written = await TrainingService.exportOnly({
      adapterPath: join(dir, 'run', 'ink.safetensors'),
      format: 'peft',
      precision: 'fp32',
      outPath: out,
    });
    expect(written.tensors).toBe(2 * modules);
    expect(
      (await keysOf(out)).filter((k) => k.includes('.up_blocks.1.attentions.1.transformer_blocks.1.')),
    ).not.toEqual([]);
  });

  it('outside a run folder the export refuses to drop modules, naming one', async () => {
    await expect(
      TrainingService.exportOnly({
        adapterPath: join(dir, 'loose.safetensors'),
        format: 'kohya',
        precision: 'fp16',
        outPath: join(dir, 'out', 'loose.safetensors'),
      }),
    ).rejects.toThrow(
      /24 of its modules would be dropped \(e\.g\. lora_unet_.*not a known tiny-sdxl LoRA target\)/,
    );
  });

  it('convert-lora --model converts every module; without it the drop is refused', async () => {
    const args = ['convert-lora', join(dir, 'loose.safetensors'), '--to', 'peft'];
    const refused = memoryIo(dir);
    expect(await runCli([...args, '--out', join(dir, 'out', 'a.safetensors')], refused)).not.toBe(0);
    expect(refused.errors.join('\n')).toMatch(/24 module\(s\) would be dropped/);
    const io = memoryIo(dir);
    const out = join(dir, 'out', 'b.safetensors');
    expect(await runCli([...args, '--model', model, '--out', out], io), io.errors.join('\n')).toBe(0);
    expect(await keysOf(out)).toHaveLength(2 * modules);
  });
});
