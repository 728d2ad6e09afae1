// The ONNX path (four sessions, merged decoder with and without its cache) against the plain-TypeScript
// recomputation of the same random weights.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../../src-main/engine/runtime/session';
import { tensor, toF32, type TensorValue } from '../../../src-main/engine/runtime/tensor-io';
import { beamDecode, greedyDecode, type DecodeSettings } from '../../../src-main/caption/florence2/generate';
import { Florence2Model, gatherRows } from '../../../src-main/caption/florence2/model';
import { makeTinyFlorence2, TINY_FLORENCE2, type TinyFlorence2 } from '../../fixtures/tiny-florence2';
import { referenceEncode, referenceImageFeatures, referenceLogits } from './reference';

let tiny: TinyFlorence2;
let model: Florence2Model;
const SIZE = 384; // 2×2 image tokens keep the float64 reference quick; the real size is in captioner.test.ts
const pixels = Float32Array.from({ length: 3 * SIZE * SIZE }, (_, i) => Math.sin(i * 0.37) * 2);
const prompt = [0, 120, 261, 267, 2];

const settings: DecodeSettings = {
  decoderStartId: 2,
  eosId: 2,
  forcedBosId: 0,
  forcedEosId: 2,
  noRepeatNgram: 3,
  lengthPenalty: 1,
  maxNewTokens: 10,
};

beforeAll(async () => {
  tiny = await makeTinyFlorence2(await mkdtemp(join(tmpdir(), 'tessera-f2-model-')));
  model = await Florence2Model.open(tiny.dir, { threads: 1 });
});
afterAll(async () => {
  model?.dispose();
  await rm(tiny.dir, { recursive: true, force: true });
});

function referenceEncoder(): number[][] {
  return referenceEncode(tiny.weights, referenceImageFeatures(tiny.weights, pixels, SIZE, SIZE), prompt);
}

const referenceScorer = (encoder: number[][]) => async (rows: readonly number[][]) =>
  rows.map((r) => referenceLogits(tiny.weights, encoder, r));

describe('the tiny export', () => {
  it('has the published tensor names, dtypes and symbolic dims', async () => {
    const io = async (file: string) => {
      const s = await Session.create(join(tiny.dir, 'onnx', file));
      const fmt = (list: typeof s.inputs) => list.map((x) => `${x.name}:${x.dtype}[${x.shape.join(',')}]`);
      const result = { inputs: fmt(s.inputs), outputs: fmt(s.outputs) };
      s.dispose();
      return result;
    };
    const d = TINY_FLORENCE2.dModel;
    expect(await io('vision_encoder.onnx')).toEqual({
      inputs: ['pixel_values:f32[batch_size,3,height,width]'],
      outputs: [`image_features:f32[batch_size,image_sequence_length,${d}]`],
    });
    expect(await io('embed_tokens.onnx')).toEqual({
      inputs: ['input_ids:i64[batch_size,sequence_length]'],
      outputs: [`inputs_embeds:f32[batch_size,sequence_length,${d}]`],
    });
    expect(await io('encoder_model.onnx')).toEqual({
      inputs: [
        `inputs_embeds:f32[batch_size,encoder_sequence_length,${d}]`,
        'attention_mask:i64[batch_size,encoder_sequence_length]',
      ],
      outputs: [`last_hidden_state:f32[batch_size,encoder_sequence_length,${d}]`],
    });
    const dec = await io('decoder_model_merged.onnx');
    expect(dec.inputs.slice(0, 4)).toEqual([
      'encoder_attention_mask:i64[batch_size,encoder_sequence_length]',
      `encoder_hidden_states:f32[batch_size,encoder_sequence_length,${d}]`,
      `inputs_embeds:f32[batch_size,decoder_sequence_length,${d}]`,
      'past_key_values.0.decoder.key:f32[batch_size,2,past_decoder_sequence_length,8]',
    ]);
    expect(dec.inputs).toContain(
      'past_key_values.1.encoder.value:f32[batch_size,2,encoder_sequence_length_out,8]',
    );
    expect(dec.inputs.at(-1)).toBe('use_cache_branch:bool[1]');
    expect(dec.outputs[0]).toBe(`logits:f32[batch_size,decoder_sequence_length,${tiny.weights.vocab}]`);
    expect(dec.outputs).toContain(
      'present.1.decoder.key:f32[batch_size,2,present_decoder_sequence_length,8]',
    );
    expect(dec.outputs).toHaveLength(1 + 4 * TINY_FLORENCE2.layers);
  });
});

describe('the tiny merged decoder', () => {
  it('appends to the self-attention cache and passes the encoder cache through on the cache branch', async () => {
    const s = await Session.create(join(tiny.dir, 'onnx/decoder_model_merged.onnx'));
    const { dModel: d, heads, headDim, layers } = TINY_FLORENCE2;
    const feeds = (useCache: boolean, pastDecoder: number, pastEncoder: number) => ({
      inputs_embeds: tensor('f32', [1, 1, d]),
      encoder_hidden_states: tensor('f32', [1, 5, d], new Float32Array(5 * d).fill(1)), // fresh K/V would be non-zero
      encoder_attention_mask: tensor('i64', [1, 5], new BigInt64Array(5).fill(1n)),
      use_cache_branch: tensor('bool', [1], Uint8Array.of(useCache ? 1 : 0)),
      ...Object.fromEntries(
        Array.from({ length: layers }, (_, l) => [
          [`past_key_values.${l}.decoder.key`, tensor('f32', [1, heads, pastDecoder, headDim])],
          [`past_key_values.${l}.decoder.value`, tensor('f32', [1, heads, pastDecoder, headDim])],
          [`past_key_values.${l}.encoder.key`, tensor('f32', [1, heads, pastEncoder, headDim])],
          [`past_key_values.${l}.encoder.value`, tensor('f32', [1, heads, pastEncoder, headDim])],
        ]).flat(),
      ),
    });
    const first = await s.run(feeds(false, 0, 0));
    expect(first['present.1.decoder.key'].shape).toEqual([1, heads, 1, headDim]);
    expect(first['present.1.encoder.key'].shape).toEqual([1, heads, 5, headDim]);
    const next = await s.run(feeds(true, 3, 5));
    expect(next['present.1.decoder.value'].shape).toEqual([1, heads, 4, headDim]);
    expect(next['present.1.encoder.value'].shape).toEqual([1, heads, 5, headDim]);
    expect(Array.from(toF32(next['present.0.encoder.key'] as TensorValue))).toEqual(
      Array(heads * 5 * headDim).fill(0),
    );
    s.dispose();
  });
});

describe('Florence2Model', () => {
  it('encodes image features followed by the prompt embeddings, as the reference does', async () => {
    const encoded = await model.encode(pixels, SIZE, SIZE, prompt);
    const want = referenceEncoder();
    expect(encoded.hidden.shape).toEqual([1, 4 + prompt.length, TINY_FLORENCE2.dModel]);
    expect([...encoded.mask.data]).toEqual(Array(4 + prompt.length).fill(1n));
    expect(Array.from(toF32(encoded.hidden))).toEqual(want.flat().map((x) => expect.closeTo(x, 4)));
  });

  it('gives the reference logits step by step with the cache, rows reordered by their parents', async () => {
    const encoded = await model.encode(pixels, SIZE, SIZE, prompt);
    const encoder = referenceEncoder();
    const score = model.scorer(encoded, true);
    // Two rows from one start; then row 1 continues row 0 twice (a beam reorder), then a swap.
    const steps: [number[][], number[]][] = [
      [
        [[2], [2]],
        [0, 0],
      ],
      [
        [
          [2, 0],
          [2, 0],
        ],
        [0, 0],
      ],
      [
        [
          [2, 0, 7],
          [2, 0, 9],
        ],
        [1, 1],
      ],
      [
        [
          [2, 0, 9, 5],
          [2, 0, 7, 5],
        ],
        [1, 0],
      ],
    ];
    for (const [rows, parents] of steps) {
      const got = await score(rows, parents);
      rows.forEach((r, i) => {
        const want = referenceLogits(tiny.weights, encoder, r);
        expect(Array.from(got[i])).toEqual(Array.from(want).map((x) => expect.closeTo(x, 3)));
      });
    }
  });

  it('greedy decoding gives the reference tokens with and without the cache', async () => {
    const encoded = await model.encode(pixels, SIZE, SIZE, prompt);
    const want = await greedyDecode(referenceScorer(referenceEncoder()), settings);
    expect(want.length).toBeGreaterThan(3);
    expect(await greedyDecode(model.scorer(encoded, true), settings)).toEqual(want);
    expect(await greedyDecode(model.scorer(encoded, false), settings)).toEqual(want);
  });

  it('beam search gives the reference tokens with and without the cache', async () => {
    const encoded = await model.encode(pixels, SIZE, SIZE, prompt);
    const want = await beamDecode(referenceScorer(referenceEncoder()), settings, 3);
    expect(await beamDecode(model.scorer(encoded, true), settings, 3)).toEqual(want);
    expect(await beamDecode(model.scorer(encoded, false), settings, 3)).toEqual(want);
  });

  it('refuses a folder whose decoder has no cache inputs, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-f2-bad-'));
    try {
      await makeTinyFlorence2(dir);
      const { copyFile } = await import('node:fs/promises');
      await copyFile(join(dir, 'onnx/encoder_model.onnx'), join(dir, 'onnx/decoder_model_merged.onnx'));
      await expect(Florence2Model.open(dir, { threads: 1 })).rejects.toThrow(
        /decoder_model_merged\.onnx lacks input 'encoder_hidden_states'.*onnx-community layout/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('gatherRows', () => {
  it('picks batch rows in any order, repeating as asked', () => {
    const t = { dtype: 'f32' as const, shape: [3, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6) };
    expect(gatherRows(t, [2, 0, 0])).toEqual({
      dtype: 'f32',
      shape: [3, 2],
      data: Float32Array.of(5, 6, 1, 2, 1, 2),
    });
  });
});
