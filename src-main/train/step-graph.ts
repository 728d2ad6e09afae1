// The training step as one graph: noisy latents from the DDPM tables, the denoiser with runtime LoRA, the ε or v
// target, per-sample MSE with min-SNR-γ weights, mean loss, and d loss/d A, B for every LoRA Input (autodiff).
// Randomness (noise, timesteps, offset noise) stays in TS and is fed; tables: noise-schedule.ts.

import { grad, Graph, type Dim, type Node } from '../engine';
import { applyPrecision, LOSS_SCALE_INPUT, scaledGrad } from '../engine/passes/precision';
import { gateOn } from '../engine/passes/gate';
import { unetF32Scopes } from '../models/unet';
import {
  checkpointScopes,
  gradCheckpointed,
  recompute,
  type CheckpointPolicy,
} from '../engine/passes/recompute';
import type { FamilyConfig } from '../models/families';
import { RuntimeLoRA, type InjectModule, type LoRAInputs } from '../lora/inject';
import { noiseTables } from './noise-schedule';

/** What a denoiser receives; models/unet.ts `buildUNet(g, config.unet, weights, inputs)` fits. */
export interface DenoiserInputs {
  sample: Node;
  timestep: Node;
  context: Node;
  textEmbeds?: Node;
  timeIds?: Node;
}

export type Denoiser = (g: Graph, inputs: DenoiserInputs) => Node;

export interface StepShape {
  batch: Dim;
  /** Latent height and width (image / 8). */
  height: Dim;
  width: Dim;
  /** Tokens of the text conditioning (77). */
  contextLength: Dim;
}

export interface StepGraphOptions {
  config: FamilyConfig;
  modules: readonly InjectModule[];
  denoiser: Denoiser;
  shape: StepShape;
  /** min-SNR-γ loss weighting; absent or 0 (as the option's help promises) means plain MSE. */
  minSnrGamma?: number;
  /** > 0 adds the Input `offset_noise` [B, C, 1, 1] (standard normal, drawn in TS): ε += offset·it. */
  noiseOffset?: number;
  /** Dtype of the `timesteps` Input (default i64, integer steps 0…999). */
  timestepDtype?: 'i64' | 'f32';
  /** Gradient checkpointing: recompute these segments in the backward (e.g. `UNET_BLOCK_SEGMENTS`). */
  checkpoint?: CheckpointPolicy;
  /** 'f16': half-precision compute with f32 master weights and a `loss_scale` Input (GPU providers). */
  precision?: 'f32' | 'f16';
  /** All A/B matrices in one `lora.packed` Input and their gradients in one `grad.packed` output. */
  packed?: boolean;
}

/**
 * One checkpoint segment per UNet block (`input_blocks.N`, `middle_block`, `output_blocks.N`). Conv outputs are
 * kept: a conv costs channels² × 9 per pixel and stores only its channels, while what is recomputed (norms,
 * activations, attention scores) is cheap and large. Measured on the SD1.5 256 px step (`npm run bench train`):
 * the checkpointed step 12% faster for +0.01 GiB of activations.
 */
export const UNET_BLOCK_SEGMENTS: CheckpointPolicy = checkpointScopes(
  /^(input_blocks\.\d+|middle_block|output_blocks\.\d+)/,
  ['Conv'],
);

/**
 * Memory-efficient attention: only each attention core (`…attn1`/`…attn2`, or each query chunk of it) is
 * recomputed in the backward, from the kept Q, K and V. Its [heads, tokens, tokens] maps are the largest
 * activations a UNet keeps: five 32 MiB maps at 256 px on SD1.5, five 512 MiB maps at 512 px. Measured on the
 * SD1.5 step at 512 px (`npm run bench train`): activations 6.29 → 3.88 GiB for +4% step time (+16% in another
 * run; block checkpointing: 3.17 GiB, +30–45%); at 256 px 0.84 → 0.74 GiB for +3%.
 */
export const ATTENTION_CORE_SEGMENTS: CheckpointPolicy = checkpointScopes(/^.*\.attn\d+(\.q_chunk\d+)?$/);

/** Data Input names of the step graph; LoRA Inputs are named by lora/inject.ts `loraInputNames`. */
export const STEP_INPUTS = {
  latents: 'latents',
  noise: 'noise',
  timesteps: 'timesteps',
  context: 'context',
  textEmbeds: 'text_embeds',
  timeIds: 'time_ids',
  offsetNoise: 'offset_noise',
  /** f16 graphs only: the dynamic loss scale (a scalar). */
  lossScale: LOSS_SCALE_INPUT,
} as const;

export interface StepGraph {
  graph: Graph;
  lora: RuntimeLoRA;
  /** The A/B Inputs, in forward order. */
  params: LoRAInputs[];
  /** Scalar mean loss. */
  loss: Node;
  /** The denoiser output and the target it is compared with, [B, C, h, w]. */
  prediction: Node;
  target: Node;
  /** `loss` and `grad.<input name>` for every A/B Input: the outputs to compile. */
  outputs: Record<string, Node>;
}

/** Name of the gradient output of a LoRA Input. @example gradName('lora.x.down') === 'grad.lora.x.down' */
export const gradName = (inputName: string): string => `grad.${inputName}`;

/**
 * The LoRA gradients (forward module order), each gated on the next module's
 * (docs/reference/ort-notes.md#the-default-run-order). ORT walks from the outputs and would first chase the
 * first module's gradient, which needs the whole backward, leaving every other module's weight gradient, and
 * the activations and upstream gradients it reads, alive until the end (about 0.9 GiB at the peak of a
 * checkpointed SDXL step, simulated). Gated, each weight gradient is computed as soon as its block's backward
 * is done. Values are unchanged: the gate adds an exact zero (a -0 element becomes +0).
 */
function inBackwardOrder(g: Graph, grads: readonly Node[]): Node[] {
  const gated = [...grads];
  for (let i = gated.length - 2; i >= 0; i--) gated[i] = gateOn(g, gated[i], [gated[i + 1]]);
  return gated;
}

/** The one gradient output of packed step graphs (same layout as `lora.packed`). */
export const PACKED_GRAD_OUTPUT = 'grad.packed';

/** Bool output of f16 step graphs: every gradient is finite (else the loop skips the step). */
export const ALL_FINITE_OUTPUT = 'all_finite';
const LOSS_SCOPE = 'loss';

function conditioning(
  g: Graph,
  config: FamilyConfig,
  s: StepShape,
): Omit<DenoiserInputs, 'sample' | 'timestep'> {
  const context = g.input(STEP_INPUTS.context, 'f32', [
    s.batch,
    s.contextLength,
    config.unet.crossAttentionDim,
  ]);
  const add = config.unet.addition;
  if (!add) return { context };
  const pooled = config.textEncoders.at(-1)?.projectionDim;
  if (!pooled) throw new Error(`${config.id}: text_time conditioning needs a pooled projection width`);
  const ids = (add.inputDim - pooled) / add.timeEmbedDim;
  return {
    context,
    textEmbeds: g.input(STEP_INPUTS.textEmbeds, 'f32', [s.batch, pooled]),
    timeIds: g.input(STEP_INPUTS.timeIds, 'f32', [s.batch, ids]),
  };
}

/** ε, plus offset·N [B, C, 1, 1] broadcast over h, w when a noise offset is set. */
function noiseInput(g: Graph, o: StepGraphOptions, latentShape: Dim[]): Node {
  const eps = g.input(STEP_INPUTS.noise, 'f32', latentShape);
  if (!o.noiseOffset) return eps;
  const offset = g.input(STEP_INPUTS.offsetNoise, 'f32', [latentShape[0], latentShape[1], 1, 1]);
  return g.add(eps, g.mul(offset, o.noiseOffset));
}

/**
 * Builds the step graph on a fresh Graph whose adapter is a RuntimeLoRA over `modules`. Throws when the
 * denoiser never reaches a planned module (a scope mismatch would otherwise train nothing).
 * @example const step = buildStepGraph({ config, modules, denoiser, shape }); step.outputs.loss
 */
export function buildStepGraph(o: StepGraphOptions): StepGraph {
  const { config, shape: s } = o;
  const lora = new RuntimeLoRA(o.modules, { packed: o.packed === true });
  const g = new Graph({ adapter: lora });
  const latentShape: Dim[] = [s.batch, config.unet.outChannels, s.height, s.width];
  const x0 = g.input(STEP_INPUTS.latents, 'f32', latentShape);
  const eps = noiseInput(g, o, latentShape);
  const t = g.input(STEP_INPUTS.timesteps, o.timestepDtype ?? 'i64', [s.batch]);
  // NOTE: γ = 0 would weight every step by min(SNR, 0)/SNR = 0 and train nothing; 0 means "off".
  const gamma = o.minSnrGamma !== undefined && o.minSnrGamma > 0 ? o.minSnrGamma : undefined;
  const tables = noiseTables(config, gamma);
  const steps = tables.signal.length;
  const perSample = (table: Float32Array) =>
    g.reshape(g.gather(g.constant(table, [steps]), g.cast(t, 'i64')), [s.batch, 1, 1, 1]); // [B,1,1,1]
  const [signal, noise] = [perSample(tables.signal), perSample(tables.noise)];
  const noisy = g.add(g.mul(signal, x0), g.mul(noise, eps)); // [B, C, h, w]
  const prediction = o.denoiser(g, { sample: noisy, timestep: t, ...conditioning(g, config, s) });
  const target = config.prediction === 'v' ? g.sub(g.mul(signal, eps), g.mul(noise, x0)) : eps;
  // The loss lives in its own scope so the f16 policy keeps it in f32.
  const loss = g.scope(LOSS_SCOPE, () => {
    const diff = g.sub(g.cast(prediction, 'f32'), target);
    const mse = g.reduceMean(g.mul(diff, diff), [1, 2, 3], false); // [B]
    const weighted = gamma === undefined ? mse : g.mul(mse, g.reshape(perSample(tables.weight), [s.batch]));
    return g.reduceMean(weighted, [0], false); // []
  });
  const unreached = lora.unreached();
  if (unreached.length)
    throw new Error(
      `the denoiser never built ${unreached.length} LoRA targets, e.g. ${unreached[0].target.ldmPath} (scope names must equal LDM paths)`,
    );
  const params = lora.inputs;
  const wrt = params.flatMap((p) => [p.down, p.up]);
  const named = (lossOut: Node, raw: readonly Node[], gg: Graph = g) => {
    const outputs: Record<string, Node> = { loss: lossOut };
    const grads = inBackwardOrder(gg, raw);
    if (o.packed) {
      // One flat gradient in the packed layout (module order, A then B), like the input it belongs to.
      outputs[PACKED_GRAD_OUTPUT] = gg.concat(
        grads.map((d) => gg.reshape(d, [-1])),
        0,
      );
      return outputs;
    }
    params.forEach((p, i) => {
      outputs[gradName(p.names.down)] = grads[2 * i];
      outputs[gradName(p.names.up)] = grads[2 * i + 1];
    });
    return outputs;
  };
  if (o.precision === 'f16') {
    const attentionUpcast = unetF32Scopes(config.unet);
    // f16 compute, f32 master LoRA weights and loss; the loss is scaled by the `loss_scale` Input and the
    // gradients unscaled, with `all_finite` telling the loop whether to apply or skip the step.
    const p = applyPrecision(
      { loss },
      {
        compute: 'f16',
        master: o.packed && lora.packedNode ? [lora.packedNode] : wrt,
        f32Scopes: (sc) => sc.startsWith(LOSS_SCOPE) || (attentionUpcast?.(sc) ?? false),
      },
    );
    const remat = o.checkpoint ? recompute(p.graph, o.checkpoint) : undefined;
    const sg = scaledGrad(p.graph, p.node(loss), wrt.map(p.node), remat ? { rematerialize: remat } : {});
    const outputs = { ...named(p.outputs.loss, sg.grads, p.graph), [ALL_FINITE_OUTPUT]: sg.allFinite };
    return { graph: p.graph, lora, params, loss: p.outputs.loss, prediction, target, outputs };
  }
  const grads = o.checkpoint
    ? gradCheckpointed(g, loss, wrt, { checkpoint: o.checkpoint })
    : grad(g, loss, wrt);
  return { graph: g, lora, params, loss, prediction, target, outputs: named(loss, grads) };
}
