// Florence-2's four ONNX sessions and the glue between them: image features and prompt embeddings joined
// into one encoder input, then a next-token scorer over the merged decoder, with or without its
// key/value cache. Tensor names and layout are the onnx-community export's.
import { join } from 'node:path';
import type { DType } from '../../engine/graph/dtype';
import { createSession } from '../../engine/runtime/providers';
import type { Feed, ProviderName, Session } from '../../engine/runtime/session';
import {
  convertFloat,
  tensor,
  toF32,
  type TensorData,
  type TensorValue,
} from '../../engine/runtime/tensor-io';
import { FLORENCE2_ONNX } from './config';
import type { NextTokenScorer } from './generate';

export interface Florence2SessionOptions {
  /** Preferred execution provider; the others follow as fallbacks. */
  provider?: ProviderName;
  /** ORT intra-op threads per session. */
  threads?: number;
}

/** The encoder's output for one image and prompt, batch 1. */
export interface EncodedImage {
  hidden: TensorValue;
  mask: TensorValue;
}

const PAST = /^past_key_values\.(\d+)\.(decoder|encoder)\.(key|value)$/;

interface CacheLayout {
  /** Every `past_key_values.*` input with its head count and head size. */
  pasts: { name: string; present: string; kind: 'decoder' | 'encoder'; heads: number; headDim: number }[];
}

function cacheLayout(decoder: Session, path: string): CacheLayout {
  const pasts = decoder.inputs.flatMap((io) => {
    const m = PAST.exec(io.name);
    if (!m) return [];
    const [, heads, , headDim] = io.shape;
    if (typeof heads !== 'number' || typeof headDim !== 'number')
      throw new Error(
        `${path}: ${io.name} must have fixed head count and size, got [${io.shape.join(', ')}]`,
      );
    return [
      {
        name: io.name,
        present: io.name.replace('past_key_values', 'present'),
        kind: m[2] as 'decoder' | 'encoder',
        heads,
        headDim,
      },
    ];
  });
  if (pasts.length === 0)
    throw new Error(
      `${path} has no past_key_values inputs: Tessera needs the merged decoder (decoder_model_merged.onnx)`,
    );
  return { pasts };
}

function requireIO(session: Session, path: string, inputs: string[], outputs: string[]): void {
  const names = (list: { name: string }[]) => new Set(list.map((x) => x.name));
  const haveIn = names(session.inputs);
  const haveOut = names(session.outputs);
  const missing = [
    ...inputs.filter((n) => !haveIn.has(n)).map((n) => `input '${n}'`),
    ...outputs.filter((n) => !haveOut.has(n)).map((n) => `output '${n}'`),
  ];
  if (missing.length)
    throw new Error(
      `${path} lacks ${missing.join(', ')}: it is not a Florence-2 export in the onnx-community layout`,
    );
}

/** Rows `index` of a batch-major tensor (beam reorder, batch expansion). */
export function gatherRows(t: TensorValue, index: readonly number[]): TensorValue {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new (t.data.constructor as new (n: number) => TensorData)(row * index.length);
  index.forEach((r, i) =>
    out.set((t.data as Float32Array).subarray(r * row, (r + 1) * row) as never, i * row),
  );
  return { dtype: t.dtype, shape: [index.length, ...t.shape.slice(1)], data: out };
}

function ids(rows: readonly (readonly number[])[]): TensorValue {
  const width = rows[0].length;
  return tensor(
    'i64',
    [rows.length, width],
    BigInt64Array.from(rows.flat(), (x) => BigInt(x)),
  );
}

function host(feed: Feed | undefined, what: string): TensorValue {
  if (!feed || 'kind' in feed) throw new Error(`Florence-2: ${what} did not come back to host memory`);
  return feed;
}

/** Every decoder row reads the same image: its tensors repeated to a row count, built once per count. */
function perRowCount<T>(build: (index: number[]) => T): (rows: number) => T {
  const byCount = new Map<number, T>();
  return (rows) => {
    if (!byCount.has(rows)) byCount.set(rows, build(Array<number>(rows).fill(0)));
    return byCount.get(rows)!;
  };
}

function mapValues<A, B>(record: Record<string, A>, f: (a: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

export class Florence2Model {
  private constructor(
    private readonly vision: Session,
    private readonly embed: Session,
    private readonly encoder: Session,
    private readonly decoder: Session,
    private readonly layout: CacheLayout,
  ) {}

  /** Opens the four sessions of a Florence-2 folder and checks their tensor names. */
  static async open(folder: string, options: Florence2SessionOptions = {}): Promise<Florence2Model> {
    const open = async (file: string) =>
      (
        await createSession(
          join(folder, file),
          { threads: options.threads },
          options.provider ? { prefer: [options.provider] } : {},
        )
      ).session;
    const sessions: Session[] = [];
    try {
      for (const file of Object.values(FLORENCE2_ONNX)) sessions.push(await open(file));
      const [vision, embed, encoder, decoder] = sessions;
      const p = (f: string) => join(folder, f);
      requireIO(vision, p(FLORENCE2_ONNX.vision), ['pixel_values'], ['image_features']);
      requireIO(embed, p(FLORENCE2_ONNX.embed), ['input_ids'], ['inputs_embeds']);
      requireIO(
        encoder,
        p(FLORENCE2_ONNX.encoder),
        ['inputs_embeds', 'attention_mask'],
        ['last_hidden_state'],
      );
      requireIO(
        decoder,
        p(FLORENCE2_ONNX.decoder),
        ['inputs_embeds', 'encoder_hidden_states', 'encoder_attention_mask', 'use_cache_branch'],
        ['logits'],
      );
      return new Florence2Model(
        vision,
        embed,
        encoder,
        decoder,
        cacheLayout(decoder, p(FLORENCE2_ONNX.decoder)),
      );
    } catch (err) {
      for (const s of sessions) s.dispose();
      throw err;
    }
  }

  private dtypeOf(session: Session, input: string): DType {
    return session.inputs.find((io) => io.name === input)!.dtype;
  }

  /** Token ids → embeddings `[rows, length, d_model]`. */
  async embedTokens(rows: readonly (readonly number[])[]): Promise<TensorValue> {
    return host((await this.embed.run({ input_ids: ids(rows) })).inputs_embeds, 'inputs_embeds');
  }

  /**
   * Image `[3, H, W]` floats and prompt ids → the encoder's states for them: image features first, then the
   * prompt's embeddings, all positions attended (as Florence-2's processor joins them).
   */
  async encode(
    pixels: Float32Array,
    height: number,
    width: number,
    promptIds: readonly number[],
  ): Promise<EncodedImage> {
    const pixelValues = convertFloat(
      tensor('f32', [1, 3, height, width], pixels),
      this.dtypeOf(this.vision, 'pixel_values'),
    );
    const image = host(
      (await this.vision.run({ pixel_values: pixelValues })).image_features,
      'image_features',
    );
    const text = await this.embedTokens([promptIds]);
    const [, n, d] = image.shape;
    const length = n + promptIds.length;
    const joined = new (image.data.constructor as new (n: number) => TensorData)(length * d);
    joined.set(image.data as never);
    joined.set(text.data as never, n * d);
    const mask = tensor('i64', [1, length], new BigInt64Array(length).fill(1n));
    const out = await this.encoder.run({
      inputs_embeds: { dtype: image.dtype, shape: [1, length, d], data: joined },
      attention_mask: mask,
    });
    return { hidden: host(out.last_hidden_state, 'last_hidden_state'), mask };
  }

  private emptyPasts(rows: number): Record<string, TensorValue> {
    return Object.fromEntries(
      this.layout.pasts.map((p) => [
        p.name,
        tensor(this.dtypeOf(this.decoder, p.name), [rows, p.heads, 0, p.headDim]),
      ]),
    );
  }

  private async runDecoder(
    encoder: EncodedImage,
    embeds: TensorValue,
    pasts: Record<string, TensorValue>,
    useCache: boolean,
  ): Promise<Record<string, Feed>> {
    return this.decoder.run({
      inputs_embeds: embeds,
      encoder_hidden_states: encoder.hidden,
      encoder_attention_mask: encoder.mask,
      use_cache_branch: tensor('bool', [1], Uint8Array.of(useCache ? 1 : 0)),
      ...pasts,
    });
  }

  /** Last position's logits of each row. */
  private lastLogits(out: Record<string, Feed>): Float32Array[] {
    const logits = host(out.logits, 'logits');
    const [rows, length, vocab] = logits.shape;
    const all = toF32(logits);
    return Array.from({ length: rows }, (_, r) =>
      all.slice(((r + 1) * length - 1) * vocab, (r + 1) * length * vocab),
    );
  }

  /**
   * A scorer for `generate.ts`. With `useCache`, each step feeds only the newest token and the previous step's
   * `present.*.decoder.*` (reordered by the rows' parents); the encoder's keys and values come from the first
   * step and are reused (some exports return them empty on the cache branch). Without it, every step runs the
   * decoder over the whole sequence from an empty cache.
   */
  scorer(encoded: EncodedImage, useCache = true): NextTokenScorer {
    const encoder = perRowCount((index) => ({
      hidden: gatherRows(encoded.hidden, index),
      mask: gatherRows(encoded.mask, index),
    }));
    const outputs = (out: Record<string, Feed>, kind: 'decoder' | 'encoder') =>
      Object.fromEntries(
        this.layout.pasts
          .filter((p) => p.kind === kind)
          .map((p) => [p.name, host(out[p.present], p.present)]),
      );
    let selfCache: Record<string, TensorValue> | null = null;
    let crossCache: ((rows: number) => Record<string, TensorValue>) | null = null;
    return async (rows, parents) => {
      if (!useCache || !selfCache || !crossCache) {
        const embeds = await this.embedTokens(rows);
        const out = await this.runDecoder(encoder(rows.length), embeds, this.emptyPasts(rows.length), false);
        if (useCache) {
          selfCache = outputs(out, 'decoder');
          const cross = outputs(out, 'encoder');
          crossCache = perRowCount((index) => mapValues(cross, (t) => gatherRows(t, index)));
        }
        return this.lastLogits(out);
      }
      const pasts = { ...mapValues(selfCache, (t) => gatherRows(t, parents)), ...crossCache(rows.length) };
      const embeds = await this.embedTokens(rows.map((r) => [r[r.length - 1]]));
      const out = await this.runDecoder(encoder(rows.length), embeds, pasts, true);
      selfCache = outputs(out, 'decoder');
      return this.lastLogits(out);
    };
  }

  dispose(): void {
    for (const s of [this.vision, this.embed, this.encoder, this.decoder]) s.dispose();
  }
}
