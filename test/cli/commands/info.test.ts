// The human-readable `tessera info` report, from a ModelInfo DTO.
import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../../src-main/api/contract';
import { formatInfo } from '../../../src-main/cli/commands/info';

const info: ModelInfo = {
  path: '/m/sd15.safetensors',
  layout: 'single-file',
  family: 'sd1',
  familyLabel: 'Stable Diffusion 1.x',
  variant: 'normal',
  prediction: 'epsilon',
  evidence: ['cond_stage_model.transformer is CLIP-L → SD1.x'],
  architecture: [],
  refusal: null,
  components: [
    { name: 'unet', present: true, tensors: 686, params: 859_520_964, dtypes: { F16: 686 } },
    { name: 'text_encoder_2', present: false, tensors: 0, params: 0, dtypes: {} },
  ],
  totalParams: 1_066_235_307,
  tensorCount: 1131,
  fileBytes: 2_132_625_894,
  dtypes: { F16: 1131 },
  lora: null,
  metadata: {},
  warnings: ['vae: 2 unknown keys will be ignored'],
};

describe('formatInfo', () => {
  it('reads like a report', () => {
    const lines = formatInfo(info);
    expect(lines[0]).toBe('/m/sd15.safetensors');
    expect(lines).toContain('  Family          Stable Diffusion 1.x (sd1)');
    expect(lines).toContain('  Size            1.99 GiB · 1131 tensors · 1.07 B params');
    expect(lines).toContain('  UNet              859.5 M  F16 ×686');
    expect(lines).toContain('  Text encoder 2        —  not in this file');
    expect(lines.slice(-2)).toEqual(['Warnings', '  ! vae: 2 unknown keys will be ignored']);
    expect(lines).not.toContain('LoRA');
  });
});
