// `tessera eval unet` and `eval lora-grad`: the UNet alone on given tensors (optionally with a LoRA at a
// strength), and the training step's loss and LoRA gradients, for checks against diffusers/PEFT on the same
// weights and inputs. Tensors in and out as safetensors.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { grad, Graph, type Node, type TensorValue } from '../../engine';
import { compileGraph } from '../../engine/runtime/compile';
import {
  readSafetensorsHeader,
  readTensorF32,
  tensorFromF32,
  writeSafetensors,
} from '../../formats/safetensors';
import { targetsOf } from '../../lora/adapter-weights';
import { loadLoRA } from '../../lora/load';
import { RuntimeLoRA } from '../../lora/inject';
import { buildUNet, type UNetInputs } from '../../models/unet';
import { componentOf, openCheckpoint } from '../../models/weights';
import { injectModulesOf } from '../../sample/checkpoint-model';
import { numberArg } from '../args';
import { UsageError, type CliIo } from '../io';

export const EVAL_UNET_USAGE = `Usage: tessera eval unet --model M --inputs IN.safetensors --out OUT.safetensors [--lora L --lora-scale S]

Runs the UNet once. IN holds 'sample' [N,4,h,w], 'timestep' [N], 'encoder_hidden_states' [N,T,C]
(SDXL also 'text_embeds' [N,1280] and 'time_ids' [N,6]). OUT gets 'out' (the ε or v prediction).

  --lora PATH    apply a LoRA (any naming) at --lora-scale S (default 1; --scale is accepted too)
  --onnx-cache DIR`;

export const EVAL_LORA_GRAD_USAGE = `Usage: tessera eval lora-grad --model M --lora L.safetensors --inputs IN.safetensors --out OUT.safetensors

The MSE loss (mean) between the LoRA-adapted UNet's prediction and a target, and its gradient for every
LoRA matrix, under the LoRA file's own key names (kohya '.lora_down.weight'/'.lora_up.weight', or PEFT
'.lora_A.weight'/'.lora_B.weight'). IN holds the 'eval unet' inputs ('sample', 'timestep',
'encoder_hidden_states'; SDXL also 'text_embeds', 'time_ids') plus 'target' (same shape as 'sample').

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

/** The UNet inputs named in an `eval` inputs file, as graph Inputs and the matching feeds (SDXL adds two). */
function unetInputsFrom(
  g: Graph,
  t: Map<string, TensorValue>,
  file: string,
  sdxl: boolean,
): { inputs: UNetInputs; feeds: Record<string, TensorValue> } {
  const feeds: Record<string, TensorValue> = {};
  const input = (feed: string, stored: string) => {
    const value = need(t, stored, file);
    feeds[feed] = value;
    return g.input(feed, 'f32', value.shape);
  };
  const inputs: UNetInputs = {
    sample: input('sample', 'sample'),
    timestep: input('timestep', 'timestep'),
    context: input('context', 'encoder_hidden_states'),
    ...(sdxl
      ? { textEmbeds: input('text_embeds', 'text_embeds'), timeIds: input('time_ids', 'time_ids') }
      : {}),
  };
  return { inputs, feeds };
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
      'lora-scale': { type: 'string' },
      'onnx-cache': { type: 'string' },
    },
  });
  if (!v.model || !v.inputs || !v.out)
    throw new UsageError(`eval unet needs --model, --inputs and --out\n${EVAL_UNET_USAGE}`);
  const ckpt = await openCheckpoint(resolve(io.cwd, v.model));
  const inputsPath = resolve(io.cwd, v.inputs);
  const t = await readTensors(inputsPath);
  const adapter = v.lora
    ? (await loadLoRA(resolve(io.cwd, v.lora), { targets: targetsOf(ckpt.config) })).adapter
    : null;
  const lora = adapter
    ? new RuntimeLoRA(injectModulesOf(ckpt, adapter), {
        strength: numberArg('--lora-scale', v['lora-scale'] ?? v.scale, -10, 10, 1),
      })
    : null;
  const g = new Graph(lora ? { adapter: lora } : {});
  const { inputs, feeds } = unetInputsFrom(g, t, inputsPath, ckpt.config.unet.addition !== null);
  const out = buildUNet(g, ckpt.config.unet, componentOf(ckpt, 'unet'), inputs);
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

/** The file's key for a module's A (down) or B (up) matrix, in the file's naming. */
function fileKey(
  naming: string,
  target: { kohyaStem: string; component: string; internalPath: string },
  role: 'A' | 'B',
): string {
  if (naming === 'kohya')
    return role === 'A' ? `${target.kohyaStem}.lora_down.weight` : `${target.kohyaStem}.lora_up.weight`;
  return `${target.component}.${target.internalPath}.lora_${role}.weight`;
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
      'onnx-cache': { type: 'string' },
    },
  });
  if (!v.model || !v.lora || !v.inputs || !v.out)
    throw new UsageError(`eval lora-grad needs --model, --lora, --inputs and --out\n${EVAL_LORA_GRAD_USAGE}`);
  const ckpt = await openCheckpoint(resolve(io.cwd, v.model));
  const { adapter, naming } = await loadLoRA(resolve(io.cwd, v.lora), { targets: targetsOf(ckpt.config) });
  const modules = injectModulesOf(ckpt, adapter);
  const inputsPath = resolve(io.cwd, v.inputs);
  const t = await readTensors(inputsPath);
  const target = need(t, 'target', inputsPath);
  const lora = new RuntimeLoRA(modules);
  const g = new Graph({ adapter: lora });
  const { inputs, feeds: unetFeeds } = unetInputsFrom(g, t, inputsPath, ckpt.config.unet.addition !== null);
  const pred = buildUNet(g, ckpt.config.unet, componentOf(ckpt, 'unet'), inputs);
  const diff = g.sub(pred, g.input('target', 'f32', target.shape));
  const loss = g.reduceMean(
    g.mul(diff, diff),
    pred.shape.map((_, i) => i),
    false,
  );
  const wrt = lora.inputs.flatMap((i) => [i.down, i.up]);
  const grads = grad(g, loss, wrt);
  const outputs: Record<string, Node> = { loss };
  wrt.forEach((w, i) => (outputs[`grad.${w.name}`] = grads[i]));
  const feeds: Record<string, TensorValue> = { ...unetFeeds, target, ...lora.feeds(adapter) };
  const session = await compileGraph(outputs, cacheOf(io, v['onnx-cache']));
  try {
    const r = (await session.run(feeds)) as Record<string, TensorValue>;
    const tensors = [tensorFromF32('loss', 'F32', [], r.loss.data as Float32Array)];
    for (const { module, down, up } of lora.inputs) {
      const conv = module.target.conv1x1 === true;
      for (const [node, role] of [
        [down, 'A'],
        [up, 'B'],
      ] as const) {
        const shape = conv ? [...(node.shape as number[]), 1, 1] : (node.shape as number[]);
        tensors.push(
          tensorFromF32(
            fileKey(naming, module.target, role),
            'F32',
            shape,
            r[`grad.${node.name}`].data as Float32Array,
          ),
        );
      }
    }
    const outPath = resolve(io.cwd, v.out);
    await writeSafetensors(outPath, tensors);
    io.out(`${outPath}: loss ${(r.loss.data as Float32Array)[0]} and ${tensors.length - 1} gradients`);
    return 0;
  } finally {
    session.dispose();
  }
}
