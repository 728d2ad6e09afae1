// A DiffusionModel over a real checkpoint: text encoder(s), the UNet with a runtime LoRA whose A/B matrices
// and strength are session inputs (so base, any strength, and each training step's adapter share one
// compiled graph per shape), and the VAE decoder. Sessions compile lazily, one per (batch, size, tokens).
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Graph, type TensorValue } from '../engine';
import type { CompileOptions } from '../engine/runtime/compile';
import { compileGraph } from '../engine/runtime/compile';
import type { Session } from '../engine/runtime/session';
import type { LoRAAdapter } from '../lora/adapter-weights';
import { RuntimeLoRA, type InjectModule } from '../lora/inject';
import { a1111ShortHash, cachedFileSha256, fileSha256 } from '../lora/hashes';
import { Encoder, sdxlTimeIds } from '../models/conditioning';
import { unetLoRATargets } from '../models/keymap/lora-names';
import type { CLIPTokenizer } from '../models/tokenizer';
import { buildUNet } from '../models/unet';
import { VAE } from '../models/vae-run';
import { componentOf, openCheckpoint, type OpenedCheckpoint } from '../models/weights';
import type { Conditioning, DiffusionModel, UNetRequest } from './txt2img';
import { LoRAError } from '../lora/errors';

export interface CheckpointModelOptions extends CompileOptions {
  tokenizer: CLIPTokenizer;
  clipSkip?: number;
  /** Decode in overlapping tiles (large images on small devices). */
  tiledDecode?: boolean;
  /** Compute the A1111 model hash (sha256 of the file; slow for multi-GB files). Default true. */
  hash?: boolean;
}

/** Inject modules for every module of an adapter (rank and alpha per module), from the family's targets. */
export function injectModulesOf(ckpt: OpenedCheckpoint, adapter: LoRAAdapter): InjectModule[] {
  const targets = new Map(
    unetLoRATargets(ckpt.config, 'transformer').map((t) => [`unet.${t.internalPath}`, t]),
  );
  return adapter.modules.flatMap((m) => {
    const target = targets.get(m.module);
    return target ? [{ target, rank: m.rank, alpha: m.alpha }] : [];
  });
}

interface UNetProgram {
  session: Session;
  lora: RuntimeLoRA | null;
}

export class CheckpointModel implements DiffusionModel {
  readonly prediction: 'epsilon' | 'v';
  readonly latentChannels: number;
  private readonly programs = new Map<string, Promise<UNetProgram>>();
  private lora: { adapter: LoRAAdapter; strength: number; modules: InjectModule[] } | null = null;

  private constructor(
    readonly ckpt: OpenedCheckpoint,
    readonly name: string,
    readonly hash: string,
    private readonly encoder: Encoder,
    private readonly vae: VAE,
    private readonly options: CheckpointModelOptions,
  ) {
    this.prediction = ckpt.config.prediction;
    this.latentChannels = ckpt.config.vae.latentChannels;
  }

  /** @example const model = await CheckpointModel.open('/models/sd15.safetensors', { tokenizer, cacheDir }) */
  static async open(path: string, options: CheckpointModelOptions): Promise<CheckpointModel> {
    const ckpt = await openCheckpoint(path);
    const isFile = (await stat(path)).isFile();
    const full = () => (options.cacheDir ? cachedFileSha256(path, options.cacheDir) : fileSha256(path));
    const hash = isFile && options.hash !== false ? a1111ShortHash(await full()) : '';
    const encoder = Encoder.fromCheckpoint(ckpt, options.tokenizer, {
      ...options,
      clipSkip: options.clipSkip ?? 1,
    });
    const vae = VAE.fromCheckpoint(ckpt, options);
    return new CheckpointModel(ckpt, basename(path, extname(path)), hash, encoder, vae, options);
  }

  /** The adapter the UNet applies (null: the base model); the compiled graphs stay valid for the same modules. */
  setLoRA(adapter: LoRAAdapter | null, strength = 1): void {
    if (!adapter) {
      // Compiled graphs keep their LoRA inputs: strength 0 adds exactly zero, i.e. the base model.
      if (this.lora) this.lora = { ...this.lora, strength: 0 };
      return;
    }
    const modules = injectModulesOf(this.ckpt, adapter);
    if (!modules.length) throw new LoRAError('the adapter has no module this model can apply');
    const same = this.lora && sameModules(this.lora.modules, modules);
    this.lora = { adapter, strength, modules: same ? this.lora!.modules : modules };
    if (!same) this.programs.clear();
  }

  private empty: Promise<Conditioning> | null = null;

  private emptyPrompt(): Promise<Conditioning> {
    return (this.empty ??= this.encodePrompt(''));
  }

  get downscale(): number {
    return this.vae.downscale;
  }

  async encodePrompt(text: string): Promise<Conditioning> {
    const c = await this.encoder.encode(text);
    return { context: c.context, tokens: c.shape[1], ...(c.pooled ? { pooled: c.pooled } : {}) };
  }

  private program(
    batch: number,
    h: number,
    w: number,
    tokens: number,
    channels: number,
  ): Promise<UNetProgram> {
    const key = `${batch}x${h}x${w}x${tokens}`;
    let p = this.programs.get(key);
    if (!p) {
      const modules = this.lora?.modules;
      p = (async () => {
        const lora = modules ? new RuntimeLoRA(modules, { strength: 'input' }) : null;
        const g = new Graph(lora ? { adapter: lora } : {});
        const cfg = this.ckpt.config.unet;
        const add = cfg.addition;
        const out = buildUNet(g, cfg, componentOf(this.ckpt, 'unet'), {
          sample: g.input('sample', 'f32', [batch, this.latentChannels, h, w]),
          timestep: g.input('timestep', 'f32', [batch]),
          context: g.input('context', 'f32', [batch, tokens, channels]),
          ...(add
            ? {
                textEmbeds: g.input('text_embeds', 'f32', [batch, add.inputDim - 6 * add.timeEmbedDim]),
                timeIds: g.input('time_ids', 'f32', [batch, 6]),
              }
            : {}),
        });
        return { session: await compileGraph({ out }, this.options), lora };
      })();
      this.programs.set(key, p);
    }
    return p;
  }

  async unet(req: UNetRequest): Promise<Float32Array> {
    const { batch } = req;
    const [h, w] = [req.height / this.downscale, req.width / this.downscale];
    const tokens = Math.max(...req.conds.map((c) => c.tokens));
    const channels = req.conds[0].context.length / req.conds[0].tokens;
    const prog = await this.program(batch, h, w, tokens, channels);
    const context = new Float32Array(batch * tokens * channels);
    const empty = req.conds.some((c) => c.tokens < tokens) ? (await this.emptyPrompt()).context : null;
    req.conds.forEach((c, i) => {
      // A shorter prompt is padded with empty-prompt chunks (A1111's pad_cond), so cond and uncond batch together.
      const row = i * tokens * channels;
      context.set(c.context, row);
      for (let at = c.context.length; at < tokens * channels; at += empty!.length)
        context.set(empty!.subarray(0, Math.min(empty!.length, tokens * channels - at)), row + at);
    });
    const feeds: Record<string, TensorValue> = {
      sample: { dtype: 'f32', shape: [batch, this.latentChannels, h, w], data: req.x },
      timestep: { dtype: 'f32', shape: [batch], data: new Float32Array(batch).fill(req.t) },
      context: { dtype: 'f32', shape: [batch, tokens, channels], data: context },
    };
    const add = this.ckpt.config.unet.addition;
    if (add) {
      const width = add.inputDim - 6 * add.timeEmbedDim;
      const pooled = new Float32Array(batch * width);
      req.conds.forEach((c, i) => pooled.set(c.pooled ?? new Float32Array(width), i * width));
      const size = { width: req.width, height: req.height };
      const ids = new Float32Array(batch * 6);
      for (let i = 0; i < batch; i++) ids.set(sdxlTimeIds(size, { top: 0, left: 0 }, size), i * 6);
      feeds.text_embeds = { dtype: 'f32', shape: [batch, width], data: pooled };
      feeds.time_ids = { dtype: 'f32', shape: [batch, 6], data: ids };
    }
    if (prog.lora && this.lora) Object.assign(feeds, prog.lora.feeds(this.lora.adapter, this.lora.strength));
    const out = (await prog.session.run(feeds)) as Record<string, TensorValue>;
    return out.out.data as Float32Array;
  }

  async decode(latents: Float32Array, width: number, height: number): Promise<Float32Array> {
    const f = this.vae.downscale;
    const t = { data: latents, shape: [1, this.latentChannels, height / f, width / f] as const };
    const pixels = this.options.tiledDecode ? await this.vae.decodeTiled(t) : await this.vae.decode(t);
    return pixels.data;
  }

  dispose(): void {
    this.encoder.dispose();
    this.vae.dispose();
    for (const p of this.programs.values()) void p.then((x) => x.session.dispose());
    this.programs.clear();
  }
}

function sameModules(a: readonly InjectModule[], b: readonly InjectModule[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (m, i) => m.target.ldmPath === b[i].target.ldmPath && m.rank === b[i].rank && m.alpha === b[i].alpha,
    )
  );
}
