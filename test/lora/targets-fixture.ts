// Test-only attention-target tables for SD1/SD2/SDXL, written out from the reference's block inventory
// (docs/reference/lora-formats.md#attention-targets), plus seeded random adapters and temp dirs.
// NOTE: kept independent of models/keymap/lora-names.ts so a test can check that table against it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoRAAdapter, LoRAFamily, LoRAModuleWeights } from '../../src-main/lora/adapter-weights';
import { FAMILIES } from '../../src-main/models/families';
import { seededRandom } from '../formats/safetensors/craft';

/** mulberry32, seeded: one implementation shared by the test helpers. */
export { seededRandom };

interface Block {
  diffusers: string;
  ldm: string;
  channels: number;
  depth: number;
}

const SD_BLOCKS: Block[] = [
  ...[0, 1].flatMap((j) => [
    { diffusers: `down_blocks.0.attentions.${j}`, ldm: `input_blocks.${1 + j}.1`, channels: 320, depth: 1 },
    { diffusers: `down_blocks.1.attentions.${j}`, ldm: `input_blocks.${4 + j}.1`, channels: 640, depth: 1 },
    { diffusers: `down_blocks.2.attentions.${j}`, ldm: `input_blocks.${7 + j}.1`, channels: 1280, depth: 1 },
  ]),
  { diffusers: 'mid_block.attentions.0', ldm: 'middle_block.1', channels: 1280, depth: 1 },
  ...[0, 1, 2].flatMap((j) => [
    { diffusers: `up_blocks.1.attentions.${j}`, ldm: `output_blocks.${3 + j}.1`, channels: 1280, depth: 1 },
    { diffusers: `up_blocks.2.attentions.${j}`, ldm: `output_blocks.${6 + j}.1`, channels: 640, depth: 1 },
    { diffusers: `up_blocks.3.attentions.${j}`, ldm: `output_blocks.${9 + j}.1`, channels: 320, depth: 1 },
  ]),
];

const SDXL_BLOCKS: Block[] = [
  ...[0, 1].flatMap((j) => [
    { diffusers: `down_blocks.1.attentions.${j}`, ldm: `input_blocks.${4 + j}.1`, channels: 640, depth: 2 },
    { diffusers: `down_blocks.2.attentions.${j}`, ldm: `input_blocks.${7 + j}.1`, channels: 1280, depth: 10 },
  ]),
  { diffusers: 'mid_block.attentions.0', ldm: 'middle_block.1', channels: 1280, depth: 10 },
  ...[0, 1, 2].flatMap((j) => [
    { diffusers: `up_blocks.0.attentions.${j}`, ldm: `output_blocks.${j}.1`, channels: 1280, depth: 10 },
    { diffusers: `up_blocks.1.attentions.${j}`, ldm: `output_blocks.${3 + j}.1`, channels: 640, depth: 2 },
  ]),
];

const PROJECTIONS = ['to_q', 'to_k', 'to_v', 'to_out.0'];

/** One attention target as the reference tables spell it. */
export interface ReferenceTarget {
  internalPath: string;
  kohyaStem: string;
  inFeatures: number;
  outFeatures: number;
}

function blockTargets(block: Block, family: LoRAFamily): ReferenceTarget[] {
  const useLdm = family === 'sdxl';
  return Array.from({ length: block.depth }, (_, t) =>
    ['attn1', 'attn2'].flatMap((attn) =>
      PROJECTIONS.map((proj) => {
        const tail = `transformer_blocks.${t}.${attn}.${proj}`;
        const crossInput = attn === 'attn2' && (proj === 'to_k' || proj === 'to_v');
        return {
          internalPath: `${block.diffusers}.${tail}`,
          kohyaStem: `lora_unet_${(useLdm ? block.ldm : block.diffusers).replaceAll('.', '_')}_${tail.replaceAll('.', '_')}`,
          inFeatures: crossInput ? FAMILIES[family].unet.crossAttentionDim : block.channels,
          outFeatures: block.channels,
        };
      }),
    ),
  ).flat();
}

/** Attention-only targets of sd1/sd2/sdxl written out from the reference tables, independent of models/keymap. */
export const referenceTargets = (family: 'sd1' | 'sd2' | 'sdxl'): ReferenceTarget[] =>
  (family === 'sdxl' ? SDXL_BLOCKS : SD_BLOCKS).flatMap((b) => blockTargets(b, family));

function randomArray(n: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

/** A random adapter on the reference targets (or the first `limit` of them) with one rank and alpha. */
export function randomAdapter(
  family: 'sd1' | 'sd2' | 'sdxl',
  options: { rank?: number; alpha?: number; limit?: number; seed?: number } = {},
): LoRAAdapter {
  const { rank = 4, alpha = 2, limit = Infinity, seed = 1 } = options;
  const rand = seededRandom(seed);
  const modules: LoRAModuleWeights[] = referenceTargets(family)
    .slice(0, limit)
    .map((t) => ({
      module: `unet.${t.internalPath}`,
      A: randomArray(rank * t.inFeatures, rand),
      B: randomArray(t.outFeatures * rank, rand),
      rank,
      inFeatures: t.inFeatures,
      outFeatures: t.outFeatures,
      alpha,
    }));
  return { family, modules, metadata: {} };
}

export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-lora-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
