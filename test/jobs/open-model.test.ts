// The one way jobs open a model: the device chosen once with its session options, a base model opened for
// training (checkpoint, tokenizer from the cache), a renderable model, and the Start screen's refusal of a LoRA.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCompute, openBaseModel, openRenderModel, renderModelOf } from '../../src-main/jobs/open-model';
import { tinyWorkspace } from '../fixtures/tiny-workspace';

let dir = '';
let paths: Record<string, string> = {};
beforeAll(async () => {
  ({ dir, paths } = await tinyWorkspace('open-model', { cache: true }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('opening a model for a job', () => {
  it('chooses the asked-for device once and puts compiled models under <cache>/onnx', async () => {
    const { report, onnx } = await chooseCompute('/c', { device: 'cpu', threads: 2 });
    expect(report.chosen).toBe('cpu');
    expect(onnx).toEqual({ cacheDir: join('/c', 'onnx'), providers: ['cpu'], threads: 2 });
  });

  it('opens a base model for training: family, tokenizer and file or folder', async () => {
    const file = await openBaseModel(paths['tiny-sd1'], join(dir, 'cache'), 'trained on');
    expect(file.ckpt.config.id).toBe('tiny-sd1');
    expect(file.isDir).toBe(false);
    expect(file.tokenizer.encode('ink').length).toBeGreaterThan(0);
    const folder = await openBaseModel(paths['tiny-sd1-diffusers'], join(dir, 'cache'), 'trained on');
    expect(folder.isDir).toBe(true);
  });

  it('opens a renderable model, alone or over an open base model', async () => {
    const options = { cacheDir: join(dir, 'cache', 'onnx'), providers: ['cpu'] as const, hash: false };
    const model = await openRenderModel(paths['tiny-sd1'], join(dir, 'cache'), 'sampled', options);
    expect(model.ckpt.config.id).toBe('tiny-sd1');
    model.dispose();
    const base = await openBaseModel(paths['tiny-sd1'], join(dir, 'cache'), 'trained on');
    const over = await renderModelOf(base, options);
    expect(over.downscale).toBe(model.downscale);
    over.dispose();
  });

  it("refuses a LoRA with the Start screen's words, naming the purpose", async () => {
    await expect(openBaseModel(paths['tiny-sd1-lora'], join(dir, 'cache'), 'trained on')).rejects.toThrow(
      /cannot be trained on/,
    );
    await expect(
      openRenderModel(paths['tiny-sd1-lora'], join(dir, 'cache'), 'sampled', { hash: false }),
    ).rejects.toThrow(/cannot be sampled/);
  });
});
