// VAE (AutoencoderKL) parameters of a config in both layouts: LDM (`encoder.down.i.block.j…`) and diffusers
// (`encoder.down_blocks.i.resnets.j…`), incl. the 1×1-conv ↔ linear attention and reversed decoder levels.
// Follows docs/reference/checkpoint-formats.md#vae-keys and #layer-constants (LDM `Encoder`/`Decoder`).
import type { VAEConfig } from '../families';
import { keysOf, PairList, type KeyLayout, type KeyShape, type ParamPair } from './params';

function resnet(p: PairList, ldm: string, diff: string, cin: number, cout: number): void {
  p.norm(`${ldm}.norm1`, `${diff}.norm1`, cin);
  p.conv(`${ldm}.conv1`, `${diff}.conv1`, cout, cin, 3);
  p.norm(`${ldm}.norm2`, `${diff}.norm2`, cout);
  p.conv(`${ldm}.conv2`, `${diff}.conv2`, cout, cout, 3);
  if (cin !== cout) p.conv(`${ldm}.nin_shortcut`, `${diff}.conv_shortcut`, cout, cin, 1);
}

function mid(p: PairList, side: 'encoder' | 'decoder', c: number): void {
  resnet(p, `${side}.mid.block_1`, `${side}.mid_block.resnets.0`, c, c);
  const ldm = `${side}.mid.attn_1`;
  const diff = `${side}.mid_block.attentions.0`;
  p.norm(`${ldm}.norm`, `${diff}.group_norm`, c);
  p.convAsLinear(`${ldm}.q`, `${diff}.to_q`, c, c);
  p.convAsLinear(`${ldm}.k`, `${diff}.to_k`, c, c);
  p.convAsLinear(`${ldm}.v`, `${diff}.to_v`, c, c);
  p.convAsLinear(`${ldm}.proj_out`, `${diff}.to_out.0`, c, c);
  resnet(p, `${side}.mid.block_2`, `${side}.mid_block.resnets.1`, c, c);
}

function encoder(p: PairList, config: VAEConfig): void {
  const chans = config.blockOutChannels;
  const last = chans.length - 1;
  p.conv('encoder.conv_in', 'encoder.conv_in', chans[0], config.inChannels, 3);
  let ch = chans[0];
  chans.forEach((out, i) => {
    for (let j = 0; j < config.layersPerBlock; j++) {
      resnet(p, `encoder.down.${i}.block.${j}`, `encoder.down_blocks.${i}.resnets.${j}`, ch, out);
      ch = out;
    }
    if (i < last)
      p.conv(`encoder.down.${i}.downsample.conv`, `encoder.down_blocks.${i}.downsamplers.0.conv`, ch, ch, 3);
  });
  mid(p, 'encoder', ch);
  p.norm('encoder.norm_out', 'encoder.conv_norm_out', ch);
  p.conv('encoder.conv_out', 'encoder.conv_out', 2 * config.latentChannels, ch, 3);
}

// LDM numbers decoder levels by resolution (up.0 is the widest-resolution level, built last); diffusers
// numbers them in execution order, so up.i ↔ up_blocks.{N−1−i}.
function decoder(p: PairList, config: VAEConfig): void {
  const chans = config.blockOutChannels;
  const last = chans.length - 1;
  let ch = chans[last];
  p.conv('decoder.conv_in', 'decoder.conv_in', ch, config.latentChannels, 3);
  mid(p, 'decoder', ch);
  for (let i = last; i >= 0; i--) {
    const k = last - i;
    for (let j = 0; j <= config.layersPerBlock; j++) {
      resnet(p, `decoder.up.${i}.block.${j}`, `decoder.up_blocks.${k}.resnets.${j}`, ch, chans[i]);
      ch = chans[i];
    }
    if (i > 0) p.conv(`decoder.up.${i}.upsample.conv`, `decoder.up_blocks.${k}.upsamplers.0.conv`, ch, ch, 3);
  }
  p.norm('decoder.norm_out', 'decoder.conv_norm_out', ch);
  p.conv('decoder.conv_out', 'decoder.conv_out', config.outChannels, ch, 3);
}

/** All VAE parameters, each named in both layouts. */
export function vaeParamPairs(config: VAEConfig): ParamPair[] {
  const p = new PairList();
  const z = config.latentChannels;
  encoder(p, config);
  p.conv('quant_conv', 'quant_conv', 2 * z, 2 * z, 1);
  p.conv('post_quant_conv', 'post_quant_conv', z, z, 1);
  decoder(p, config);
  return p.pairs;
}

/** VAE keys (no component prefix) in one layout. @example vaeKeys(FAMILIES.sd1.vae, 'diffusers') */
export function vaeKeys(config: VAEConfig, layout: KeyLayout): KeyShape[] {
  return keysOf(vaeParamPairs(config), layout);
}

/** LDM name → diffusers name for every VAE parameter. @example ldmToDiffusersVAE(cfg).get('decoder.up.0.block.0.conv1.weight') */
export function ldmToDiffusersVAE(config: VAEConfig): Map<string, string> {
  return new Map(vaeParamPairs(config).map((p) => [p.ldm, p.diffusers]));
}

/** diffusers name → LDM name for every VAE parameter. */
export function diffusersToLdmVAE(config: VAEConfig): Map<string, string> {
  return new Map(vaeParamPairs(config).map((p) => [p.diffusers, p.ldm]));
}
