// The architecture a model declares: derived from a diffusers folder's config.json files (derive-diffusers.ts)
// or a single file's shapes (derive-keys.ts), checked for what the graph code can build, and described in
// lines for `tessera info`. The family table row only lends names, labels and defaults.
import {
  ArchitectureError,
  textEncoderFromDiffusers,
  unetFromDiffusers,
  vaeFromDiffusers,
} from './derive-diffusers';
import { attentionHeads, type FamilyConfig, type UNetConfig } from './families';

type Json = Readonly<Record<string, unknown>>;

/** The config.json files of a diffusers folder by component (absent ones undefined). */
export interface ComponentJsons {
  unet: Json;
  vae?: Json;
  text_encoder?: Json;
  text_encoder_2?: Json;
}

/**
 * The whole architecture of a diffusers folder; `row` lends names and defaults. Throws `ArchitectureError`.
 * @example architectureFromDiffusers({ unet, vae, text_encoder }, FAMILIES.sd1).unet.blockOutChannels
 */
export function architectureFromDiffusers(files: ComponentJsons, row: FamilyConfig): FamilyConfig {
  const unet = unetFromDiffusers(files.unet);
  const vae = files.vae ? vaeFromDiffusers(files.vae, row.vae) : row.vae;
  const textEncoders = row.textEncoders.map((te) => {
    const json = files[te.component];
    return json ? textEncoderFromDiffusers(json, te) : te;
  });
  return { ...row, unet, vae, textEncoders };
}

function unetProblems(u: UNetConfig): string[] {
  const problems: string[] = [];
  const last = u.blockOutChannels.length - 1;
  u.blockOutChannels.forEach((c, level) => {
    if (c % u.normGroups)
      problems.push(`UNet level ${level}: ${c} channels do not split into ${u.normGroups} norm groups`);
    const used = u.attention[level] || (level === last && u.midBlock);
    const heads = attentionHeads(u, level);
    if (used && !(Number.isInteger(heads) && heads > 0 && c % heads === 0))
      problems.push(`UNet level ${level}: ${c} channels do not split into ${heads} attention heads`);
  });
  if (u.attention.some((a, i) => a !== u.transformerDepth[i] > 0))
    problems.push('UNet: a level marked with attention has no transformer blocks');
  const up = u.upTransformerDepth;
  if (
    up &&
    (up.length !== u.attention.length ||
      up.some(
        (layers, i) => layers.length !== u.layersPerBlock + 1 || layers.some((d) => d > 0 !== u.attention[i]),
      ))
  )
    problems.push('UNet: the up-path depths do not give every layer of every attention level a transformer');
  return problems;
}

/** What keeps a derived architecture from being built, one line per problem; empty when it can be. */
export function architectureProblems(config: FamilyConfig): string[] {
  const u = config.unet;
  const problems = unetProblems(u);
  const context = config.textEncoders.reduce((n, t) => n + t.hidden, 0);
  if (u.crossAttentionDim !== context)
    problems.push(
      `the UNet attends to ${u.crossAttentionDim}-wide text, the text encoders give ${context} (${config.textEncoders.map((t) => t.hidden).join(' + ')})`,
    );
  if (u.addition) {
    const ids = config.family === 'sdxl-refiner' ? 5 : 6;
    const pooled = config.textEncoders.at(-1)?.projectionDim ?? 0;
    const want = pooled + ids * u.addition.timeEmbedDim;
    if (u.addition.inputDim !== want)
      problems.push(
        `the UNet's added conditioning takes ${u.addition.inputDim} values, ${pooled} pooled + ${ids} size ids give ${want}`,
      );
  }
  if (u.outChannels !== config.vae.latentChannels)
    problems.push(
      `the UNet predicts ${u.outChannels} channels, the VAE latents have ${config.vae.latentChannels}`,
    );
  if (u.inChannels < u.outChannels)
    problems.push(
      `the UNet takes ${u.inChannels} input channels, fewer than its ${u.outChannels} latent channels`,
    );
  for (const c of config.vae.blockOutChannels)
    if (c % config.vae.normGroups)
      problems.push(`VAE: ${c} channels do not split into ${config.vae.normGroups} norm groups`);
  for (const t of config.textEncoders)
    if (t.hidden % t.heads)
      problems.push(`${t.component}: width ${t.hidden} does not split into ${t.heads} heads`);
  return problems;
}

/**
 * What keeps a buildable model from being sampled or trained (its graphs still build and evaluate): a
 * tokenizer whose ids run past a text encoder's embedding table. `tokenizerVocab` is the size of the
 * tokenizer prompts will be encoded with (`tokenizerVocabSize`; the CLIP vocabulary unless the model
 * folder brings its own).
 * @example usageProblems(tinyPipe, 49408) // ['text_encoder: a 1000-token vocabulary …']
 */
export function usageProblems(config: FamilyConfig, tokenizerVocab: number): string[] {
  return config.textEncoders
    .filter((t) => t.vocab < tokenizerVocab)
    .map(
      (t) =>
        `${t.component}: a ${t.vocab}-token vocabulary, smaller than the ${tokenizerVocab}-token tokenizer prompts ` +
        "would be encoded with; put the model's own tokenizer (tokenizer/vocab.json and merges.txt) in its folder",
    );
}

/** Throws `ArchitectureError` listing every problem. */
export function assertBuildable(config: FamilyConfig): void {
  const problems = architectureProblems(config);
  if (problems.length) throw new ArchitectureError(`cannot build this model: ${problems.join('; ')}`);
}

const list = (xs: readonly (number | string)[]) => xs.join('/');

/**
 * The architecture in lines for people (`tessera info`).
 * @example describeArchitecture(FAMILIES.sd1)[0] === 'UNet: 4 levels 320/640/1280/1280, 2 ResBlock(s) per level, …'
 */
export function describeArchitecture(config: FamilyConfig): string[] {
  const u = config.unet;
  const levels = u.blockOutChannels.map((_, i) => i);
  const heads = levels.map((i) => (u.attention[i] ? attentionHeads(u, i) : '-'));
  const midHeads = attentionHeads(u, levels.length - 1);
  const lines = [
    `UNet: ${levels.length} levels ${list(u.blockOutChannels)}, ${u.layersPerBlock} ResBlock(s) per level, ` +
      `in ${u.inChannels} / out ${u.outChannels} channels`,
    `  transformer depth per level ${list(u.transformerDepth)}` +
      (u.upTransformerDepth
        ? ` (up path ${[...u.upTransformerDepth]
            .reverse()
            .map((layers) => list(layers))
            .join(' | ')})`
        : '') +
      `, heads ${list(heads)}, ` +
      (u.midBlock ? `mid block depth ${u.midTransformerDepth} (${midHeads} heads)` : 'no mid block'),
    `  cross-attention ${u.crossAttentionDim} wide, ${u.useLinearProjection ? 'linear' : '1×1-conv'} projections, ` +
      `${u.normGroups} norm groups` +
      (u.upcastAttention ? ', fp32 attention' : '') +
      (u.addition
        ? `, added conditioning ${u.addition.inputDim} (size ids ${u.addition.timeEmbedDim} wide)`
        : ''),
  ];
  for (const t of config.textEncoders)
    lines.push(
      `${t.component}: ${t.kind === 'clip' ? 'CLIP' : 'OpenCLIP'} ${t.layers} layers × ${t.hidden} wide, ${t.heads} heads, ` +
        `MLP ${t.mlp} (${t.act}), vocabulary ${t.vocab}, ${t.maxPositions} positions` +
        (t.projectionDim !== null ? `, projection ${t.projectionDim}` : ''),
    );
  const v = config.vae;
  lines.push(
    `VAE: ${v.blockOutChannels.length} levels ${list(v.blockOutChannels)}, ${v.layersPerBlock} ResBlock(s) per level, ` +
      `${v.latentChannels} latent channels, scaling ${v.scalingFactor}`,
  );
  return lines;
}

/** Runs a derivation and checks it; an `ArchitectureError` becomes the detection's refusal (bugs still throw). */
export function deriveChecked(
  build: () => FamilyConfig,
  configId: string | null,
  evidence: string[],
  source: string,
): { architecture: FamilyConfig | null; refusal: string | null } {
  if (!configId) return { architecture: null, refusal: 'not a Stable Diffusion 1.x, 2.x or XL model' };
  try {
    const architecture = build();
    assertBuildable(architecture);
    evidence.push(`architecture read from the ${source}`);
    return { architecture, refusal: null };
  } catch (err) {
    if (err instanceof ArchitectureError) return { architecture: null, refusal: err.message };
    throw err;
  }
}

export { ArchitectureError };
