// `tessera eval unet` and `eval lora-grad`: the UNet alone on given tensors (optionally with a LoRA at a
// strength), and the training step's loss and LoRA gradients, for checks against diffusers/PEFT on the same
// weights and inputs. Tensors in and out as safetensors.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Graph, type TensorValue } from '../../engine';
import { compileGraph } from '../../engine/runtime/compile';
import {
  readSafetensorsHeader,
  readTensorF32,
  tensorFromF32,
  writeSafetensors,
} from '../../formats/safetensors';
import { loadLoRA } from '../../lora/load';
import { RuntimeLoRA, loraInputNames } from '../../lora/inject';
import { buildUNet } from '../../models/unet';
import { componentOf, openCheckpoint } from '../../models/weights';
import { injectModulesOf } from '../../sample/checkpoint-model';
import { STEP_INPUTS } from '../../train/step-graph';
import { compileTrainStep } from '../../train/train-step';
import { numberArg } from '../args';
import { UsageError, type CliIo } from '../io';

export const EVAL_UNET_USAGE = `Usage: tessera eval unet --model M --inputs IN.safetensors --out OUT.safetensors [--lora L --scale S]

Runs the UNet once. IN holds 'sample' [N,4,h,w], 'timestep' [N], 'encoder_hidden_states' [N,T,C]
(SDXL also 'text_embeds' [N,1280] and 'time_ids' [N,6]). OUT gets 'out' (the ε or v prediction).

  --lora PATH    apply a LoRA (any naming) at --scale S (default 1)
  --onnx-cache DIR`;

export const EVAL_LORA_GRAD_USAGE = `Usage: tessera eval lora-grad --model M --lora L --inputs IN.safetensors --out OUT.safetensors [--min-snr G]

One training step's loss and gradients w.r.t. the LoRA matrices. IN holds 'latents' [N,4,h,w], 'noise'
(same shape), 'timesteps' [N] (integers 0…999), 'encoder_hidden_states' [N,T,C] (SDXL: 'text_embeds',
'time_ids'). OUT gets 'loss' and, per module, '<module>.lora_A.grad' / '<module>.lora_B.grad' (PEFT names).

  --min-snr G    min-SNR-γ weighting (default 0: off)
  --onnx-cache DIR`;

async function readTensors(path: string): Promise<Map<string, TensorValue>> {
  const header = await readSafetensorsHeader(path);
  const out = new Map<string, TensorValue>();
  for (const [name, e] of header.tensors)
    out.set(name, { dtype: 'f32', shape: e.shape, data: await readTensorF32(header, name) });
  return out;
}

function need(t: Map<string, TensorValue>, name: string, file: string): TensorValue {
  const v = t.get(name);
  if (!v) throw new UsageError(`${file} has no tensor '${name}'`);
  return v;
}

const cacheOf = (io: CliIo, dir: string | undefined) => (dir ? { cacheDir: resolve(io.cwd, dir) } : {});

/** @example await evalUnet(['--model', 'sd15.safetensors', '--inputs', 'in.safetensors', '--out', 'out.safetensors'], io) */
export async function evalUnet(args: string[], io: CliIo): Promise<number> {
  const { values: v } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      inputs: { type: 'string' },
      out: { type: 'string' },
      lora: { type: 'string' },
      scale: { type: 'string' },
      'onnx-cache': { type: 'string' },
    },
  });
  if (!v.model || !v.inputs || !v.out)
    throw new UsageError(`eval unet needs --model, --inputs and --out\n${EVAL_UNET_USAGE}`);
  const ckpt = await openCheckpoint(resolve(io.cwd, v.model));
  const inputsPath = resolve(io.cwd, v.inputs);
  const t = await readTensors(inputsPath);
  const sample = need(t, 'sample', inputsPath);
  const timestep = need(t, 'timestep', inputsPath);
  const context = need(t, 'encoder_hidden_states', inputsPath);
  const adapter = v.lora ? (await loadLoRA(resolve(io.cwd, v.lora))).adapter : null;
  const lora = adapter
    ? new RuntimeLoRA(injectModulesOf(ckpt, adapter), { strength: numberArg('--scale', v.scale, -10, 10, 1) })
    : null;
  const g = new Graph(lora ? { adapter: lora } : {});
  const feeds: Record<string, TensorValue> = { sample, timestep, context };
  const add = ckpt.config.unet.addition;
  const extra = add
    ? { textEmbeds: need(t, 'text_embeds', inputsPath), timeIds: need(t, 'time_ids', inputsPath) }
    : null;
  if (extra) Object.assign(feeds, { text_embeds: extra.textEmbeds, time_ids: extra.timeIds });
  const out = buildUNet(g, ckpt.config.unet, componentOf(ckpt, 'unet'), {
    sample: g.input('sample', 'f32', sample.shape),
    timestep: g.input('timestep', 'f32', timestep.shape),
    context: g.input('context', 'f32', context.shape),
    ...(extra
      ? {
          textEmbeds: g.input('text_embeds', 'f32', extra.textEmbeds.shape),
          timeIds: g.input('time_ids', 'f32', extra.timeIds.shape),
        }
      : {}),
  });
  if (lora && adapter) Object.assign(feeds, lora.feeds(adapter));
  const session = await compileGraph({ out }, cacheOf(io, v['onnx-cache']));
  try {
    const r = (await session.run(feeds)) as Record<string, TensorValue>;
    const outPath = resolve(io.cwd, v.out);
    await writeSafetensors(outPath, [tensorFromF32('out', 'F32', r.out.shape, r.out.data as Float32Array)]);
    io.out(`${outPath}: out [${r.out.shape.join(', ')}]`);
    return 0;
  } finally {
    session.dispose();
  }
}

/** @example await evalLoraGrad(['--model', 'm.safetensors', '--lora', 'l.safetensors', '--inputs', 'in.safetensors', '--out', 'g.safetensors'], io) */
export async function evalLoraGrad(args: string[], io: CliIo): Promise<number> {
  const { values: v } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      lora: { type: 'string' },
      inputs: { type: 'string' },
      out: { type: 'string' },
      'min-snr': { type: 'string' },
      'onnx-cache': { type: 'string' },
    },
  });
  if (!v.model || !v.lora || !v.inputs || !v.out)
    throw new UsageError(`eval lora-grad needs --model, --lora, --inputs and --out\n${EVAL_LORA_GRAD_USAGE}`);
  const ckpt = await openCheckpoint(resolve(io.cwd, v.model));
  const { adapter } = await loadLoRA(resolve(io.cwd, v.lora));
  const modules = injectModulesOf(ckpt, adapter);
  const inputsPath = resolve(io.cwd, v.inputs);
  const t = await readTensors(inputsPath);
  const latents = need(t, 'latents', inputsPath);
  const context = need(t, 'encoder_hidden_states', inputsPath);
  const timesteps = need(t, 'timesteps', inputsPath);
  const feeds: Record<string, TensorValue> = {
    [STEP_INPUTS.latents]: latents,
    [STEP_INPUTS.noise]: need(t, 'noise', inputsPath),
    [STEP_INPUTS.context]: context,
    [STEP_INPUTS.timesteps]: {
      dtype: 'i64',
      shape: timesteps.shape,
      data: BigInt64Array.from(timesteps.data as Float32Array, (x) => BigInt(Math.round(x))),
    },
  };
  if (ckpt.config.unet.addition) {
    feeds[STEP_INPUTS.textEmbeds] = need(t, 'text_embeds', inputsPath);
    feeds[STEP_INPUTS.timeIds] = need(t, 'time_ids', inputsPath);
  }
  const unet = componentOf(ckpt, 'unet');
  const [n, , h, w] = latents.shape;
  const step = await compileTrainStep(
    {
      config: ckpt.config,
      modules,
      denoiser: (g, inputs) => buildUNet(g, ckpt.config.unet, unet, inputs),
      shape: { batch: n, height: h, width: w, contextLength: context.shape[1] },
      minSnrGamma: numberArg('--min-snr', v['min-snr'], 0, 100, 0),
    },
    cacheOf(io, v['onnx-cache']),
  );
  try {
    const byModule = new Map(adapter.modules.map((m) => [m.module, m]));
    const params = new Map<string, Float32Array>();
    for (const m of modules) {
      const names = loraInputNames(m.target);
      const weights = byModule.get(`${m.target.component}.${m.target.internalPath}`)!;
      params.set(names.down, weights.A);
      params.set(names.up, weights.B);
    }
    const { loss, grads } = await step.run(feeds, params);
    const tensors = [tensorFromF32('loss', 'F32', [], Float32Array.of(loss))];
    for (const name of step.paramNames) {
      const role = step.paramRoles.get(name)!;
      tensors.push(
        tensorFromF32(
          `${role.module}.lora_${role.role}.grad`,
          'F32',
          step.paramShapes.get(name)!,
          grads.get(name)!,
        ),
      );
    }
    const outPath = resolve(io.cwd, v.out);
    await writeSafetensors(outPath, tensors);
    io.out(`${outPath}: loss ${loss} and ${tensors.length - 1} LoRA gradients`);
    return 0;
  } finally {
    step.dispose();
  }
}
