// txt2img: prompt → conditioning → seeded noise → sampler loop over the (LoRA-adapted) UNet with CFG → VAE
// decode → PNG with A1111's `parameters` chunk. Model access goes through DiffusionModel, so the pipeline
// is the same for SD1/SD2/SDXL and for previews during training (same adapter bytes fed to the UNet).
import { rgbToPng } from '../dataset/image-encode';
import { addPngText, formatA1111Parameters, type A1111Parameters } from '../formats/png-text';
import { combineGuidance } from './cfg';
import { TorchCpuGenerator } from '../random';
import type { SamplePrompt } from './prompt-file';
import {
  isSamplerName,
  SAMPLERS,
  epsilonDenoiser,
  vPredictionDenoiser,
  type SamplerName,
  type UNetCall,
} from './samplers/index';
import { SD_SCHEDULE } from '../models/ddpm-schedule';
import { sigmaTable, sigmaToT } from './schedules';

/** Text conditioning of one prompt (opaque to the pipeline; the model knows its shape). */
export interface Conditioning {
  context: Float32Array;
  /** Token count of `context` (77 per 75-token chunk). */
  tokens: number;
  /** SDXL: pooled text embedding [1280]. */
  pooled?: Float32Array;
}

export interface UNetRequest {
  /** [B, 4, h, w] latents, already scaled by c_in. */
  x: Float32Array;
  batch: number;
  t: number;
  conds: readonly Conditioning[];
  /** Output image size, for SDXL size conditioning. */
  width: number;
  height: number;
}

/** What the pipeline needs from a loaded model. */
export interface DiffusionModel {
  readonly prediction: 'epsilon' | 'v';
  readonly latentChannels: number;
  /** Pixels per latent cell: 8 for SD VAEs (2 for the tiny test models). */
  readonly downscale: number;
  encodePrompt(text: string): Promise<Conditioning>;
  /** ε or v for the batch. */
  unet(req: UNetRequest): Promise<Float32Array>;
  /** Latents [1, 4, h, w] (as sampled, × scaling factor) → pixels [1, 3, H, W] in [-1, 1]. */
  decode(latents: Float32Array, width: number, height: number): Promise<Float32Array>;
  /** For the PNG metadata: the A1111 short hash and display name. */
  readonly hash: string;
  readonly name: string;
}

export interface Txt2ImgRequest {
  prompt: string;
  negative?: string;
  seed: number;
  steps: number;
  cfg: number;
  sampler: SamplerName;
  width: number;
  height: number;
  /** LoRA name and strength recorded in the PNG (the model applies it). */
  lora?: { name: string; strength: number; hash?: string };
}

/**
 * A prompt-file line as a txt2img request: its own options, the fallback seed when it sets none, and
 * Euler a when it names no sampler (or one Tessera does not have).
 * @example requestFromPrompt(parsePromptLine('a cat --w 768 --d 5', 0), 42).seed // 5
 */
export function requestFromPrompt(p: SamplePrompt, seed: number): Txt2ImgRequest {
  return {
    prompt: p.prompt,
    negative: p.negative,
    seed: p.seed ?? seed,
    steps: p.steps,
    cfg: p.cfg,
    sampler: p.sampler && isSamplerName(p.sampler) ? p.sampler : 'euler_a',
    width: p.width,
    height: p.height,
  };
}

export interface Txt2ImgResult {
  png: Uint8Array;
  parameters: string;
  latents: Float32Array;
}

/** Pixels [1, 3, H, W] in [-1, 1] → 8-bit RGB PNG bytes. */
export async function pixelsToPng(pixels: Float32Array, width: number, height: number): Promise<Uint8Array> {
  const plane = width * height;
  const rgb = Buffer.alloc(plane * 3);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) {
      const v = Math.round(((pixels[c * plane + i] + 1) / 2) * 255);
      rgb[i * 3 + c] = Math.min(255, Math.max(0, v));
    }
  return rgbToPng(rgb, width, height);
}

/** Runs the sampler; `onStep` sees each step's latent and denoised prediction (for live previews). */
export async function sampleLatents(
  model: DiffusionModel,
  req: Txt2ImgRequest,
  onStep?: (step: number, x: Float32Array, denoised: Float32Array) => void,
): Promise<Float32Array> {
  const f = model.downscale;
  if (req.width % f || req.height % f)
    throw new Error(`image size ${req.width}×${req.height} must be a multiple of ${f}`);
  const [h, w] = [req.height / f, req.width / f];
  const table = sigmaTable(SD_SCHEDULE);
  const spec = SAMPLERS[req.sampler];
  const sigmas = spec.sigmas(table, req.steps);
  const cond = await model.encodePrompt(req.prompt);
  const uncond = req.cfg === 1 ? cond : await model.encodePrompt(req.negative ?? '');
  const size = { width: req.width, height: req.height };
  // CFG on the prediction (ε or v): D is affine in it for a fixed x, so this equals guiding D itself.
  const unetCall: UNetCall = async (xIn, t) => {
    if (req.cfg === 1) return model.unet({ x: xIn, batch: 1, t, conds: [cond], ...size });
    const both = new Float32Array(xIn.length * 2);
    both.set(xIn, 0);
    both.set(xIn, xIn.length);
    const out = await model.unet({ x: both, batch: 2, t, conds: [uncond, cond], ...size });
    return combineGuidance(out.subarray(0, xIn.length), out.subarray(xIn.length), req.cfg);
  };
  const adapt = model.prediction === 'v' ? vPredictionDenoiser : epsilonDenoiser;
  const denoiser = adapt(unetCall, (s) => sigmaToT(table, s));
  // One generator: the initial noise first, then the ancestral samplers' per-step noise.
  const generator = new TorchCpuGenerator(req.seed);
  const x = generator.randn(model.latentChannels * h * w).map((v) => v * sigmas[0]);
  return spec.sample(denoiser, x, sigmas, { rng: generator, callback: onStep });
}

/**
 * One image for one prompt, as a PNG that A1111/ComfyUI read their settings from.
 * @example const { png } = await txt2img(model, { prompt: 'a cat', seed: 1, steps: 20, cfg: 7, sampler: 'euler', width: 512, height: 512 })
 */
export async function txt2img(
  model: DiffusionModel,
  req: Txt2ImgRequest,
  onStep?: (step: number, x: Float32Array, denoised: Float32Array) => void,
): Promise<Txt2ImgResult> {
  const latents = await sampleLatents(model, req, onStep);
  const pixels = await model.decode(latents, req.width, req.height);
  const params: A1111Parameters = {
    prompt: req.prompt,
    negative: req.negative ?? '',
    steps: req.steps,
    sampler: SAMPLERS[req.sampler].a1111Name,
    cfg: req.cfg,
    seed: req.seed,
    width: req.width,
    height: req.height,
    modelHash: model.hash,
    modelName: model.name,
    ...(req.lora && req.lora.strength !== 0 ? { lora: [req.lora] } : {}),
  };
  const parameters = formatA1111Parameters(params);
  const png = addPngText(await pixelsToPng(pixels, req.width, req.height), [
    { keyword: 'parameters', text: parameters },
  ]);
  return { png, parameters, latents };
}
