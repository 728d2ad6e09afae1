// The compiled training step: one ORT session over step-graph.ts outputs, fed data + LoRA A/B each step,
// returning the loss and one gradient per A/B. The loop (optimizer, accumulation) stays in TS.

import type { TensorValue } from '../engine/runtime/tensor-io';
import { compileRemembered, type CompileOptions } from '../engine/runtime/compile';
import type { Remembered } from '../engine/runtime/optimized-models';
import { DeviceTensor, readBack, type Feed } from '../engine/runtime/session';
import { moduleName } from '../lora/adapter-weights';
import { LORA_PACKED_INPUT } from '../lora/inject';
import {
  ALL_FINITE_OUTPUT,
  buildStepGraph,
  gradName,
  PACKED_GRAD_OUTPUT,
  type StepGraph,
  type StepGraphOptions,
} from './step-graph';

/** Which module and matrix an A/B Input carries (module as in `LoRAModuleWeights.module`). */
export interface ParamRole {
  module: string;
  role: 'A' | 'B';
}

export interface TrainStepResult {
  loss: number;
  /** d loss / d param, keyed like `paramNames`, shaped like the param. */
  grads: Map<string, Float32Array>;
  /** f16 graphs: false when some gradient overflowed (the step must be skipped). */
  allFinite?: boolean;
}

export interface TrainStep {
  /** LoRA Input names in forward order, A then B per module. */
  paramNames: string[];
  paramShapes: Map<string, number[]>;
  paramRoles: Map<string, ParamRole>;
  run(feeds: Record<string, TensorValue>, params: Map<string, Float32Array>): Promise<TrainStepResult>;
  dispose(): void;
}

async function hostValue(name: string, f: Feed | undefined): Promise<TensorValue> {
  if (!f) throw new Error(`the training session returned no '${name}'`);
  return f instanceof DeviceTensor ? readBack(f) : f;
}

function asF32(name: string, v: TensorValue): Float32Array {
  if (!(v.data instanceof Float32Array)) throw new Error(`'${name}' came back as ${v.dtype}, expected f32`);
  return v.data;
}

/** One LoRA matrix as the step takes it: name, shape, module and role, in the graph's (forward) order. */
interface ParamSlot extends ParamRole {
  name: string;
  shape: number[];
}

/** The step's parameter layout, read from the built graph (A then B per module, forward order). */
function slotsOf(built: StepGraph): ParamSlot[] {
  return built.params.flatMap((p) => {
    const module = moduleName(p.module.target);
    return [
      { name: p.names.down, shape: p.down.shape as number[], module, role: 'A' as const },
      { name: p.names.up, shape: p.up.shape as number[], module, role: 'B' as const },
    ];
  });
}

export interface TrainStepCompile extends CompileOptions {
  /**
   * JSON of everything that shapes the step besides its options' shape and packing (jobs/train-steps.ts
   * `stepRecipe`): the compiled step is then remembered in the cache folder, and a later run with the same
   * recipe loads it without building, differentiating or emitting the graph.
   */
  recipe?: unknown;
}

/**
 * Builds and compiles the step graph (or loads it, remembered by `compile.recipe`).
 * @example const step = await compileTrainStep(opts, { cacheDir }); const { loss, grads } = await step.run(feeds, params)
 */
export async function compileTrainStep(
  o: StepGraphOptions,
  compile: TrainStepCompile = {},
): Promise<TrainStep & { remembered: Remembered }> {
  // Packed by default: one input and one gradient output however many layers are adapted.
  const packed = o.packed ?? true;
  const { recipe, ...options } = compile;
  const build = () => {
    const built = buildStepGraph({ ...o, packed });
    return { outputs: built.outputs, meta: slotsOf(built) };
  };
  const { session, meta, hit } = await compileRemembered(
    recipe === undefined ? undefined : { recipe, shape: o.shape, packed },
    build,
    { name: 'train_step', ...options },
  );
  const paramNames: string[] = [];
  const paramShapes = new Map<string, number[]>();
  const paramRoles = new Map<string, ParamRole>();
  /** Where each parameter sits in the packed layout. */
  const slots: { name: string; at: number; size: number }[] = [];
  let total = 0;
  for (const { name, shape, module, role } of meta) {
    paramNames.push(name);
    paramShapes.set(name, shape);
    paramRoles.set(name, { module, role });
    slots.push({ name, at: total, size: shape[0] * shape[1] });
    total += shape[0] * shape[1];
  }
  const value = (params: Map<string, Float32Array>, name: string) => {
    const data = params.get(name);
    if (!data) throw new Error(`no value for LoRA parameter '${name}'`);
    return data;
  };
  const run = async (feeds: Record<string, TensorValue>, params: Map<string, Float32Array>) => {
    const all: Record<string, Feed> = { ...feeds };
    if (packed) {
      const flat = new Float32Array(total);
      for (const s of slots) flat.set(value(params, s.name), s.at);
      all[LORA_PACKED_INPUT] = { dtype: 'f32', shape: [total], data: flat };
    } else
      for (const name of paramNames)
        all[name] = { dtype: 'f32', shape: paramShapes.get(name)!, data: value(params, name) };
    const out = await session.run(all);
    const loss = asF32('loss', await hostValue('loss', out.loss))[0];
    const grads = new Map<string, Float32Array>();
    if (packed) {
      const flat = asF32(PACKED_GRAD_OUTPUT, await hostValue(PACKED_GRAD_OUTPUT, out[PACKED_GRAD_OUTPUT]));
      for (const s of slots) grads.set(s.name, flat.subarray(s.at, s.at + s.size));
    } else
      for (const name of paramNames)
        grads.set(name, asF32(gradName(name), await hostValue(gradName(name), out[gradName(name)])));
    const finite = out[ALL_FINITE_OUTPUT];
    if (finite === undefined) return { loss, grads };
    const flag = await hostValue(ALL_FINITE_OUTPUT, finite);
    return { loss, grads, allFinite: Number(flag.data[0]) !== 0 };
  };
  return { paramNames, paramShapes, paramRoles, run, remembered: hit, dispose: () => session.dispose() };
}
