// Training state that stays on the device (WebGPU) between steps: the packed LoRA parameters, their AdamW
// moments and the packed gradient live as GPU buffers; the update runs as its own small graph; only the loss
// (and the all-finite flag, the gradient norm) come back each step, and the full state only when saved.
import { Graph, type Node, type TensorValue } from '../engine';
import { compileGraph, type CompileOptions } from '../engine/runtime/compile';
import { DeviceTensor, readBack, type Feed, type Session } from '../engine/runtime/session';
import { LORA_PACKED_INPUT } from '../lora/inject';
import type { OptimizerState, Tensors } from './optim/index';
import {
  ALL_FINITE_OUTPUT,
  buildStepGraph,
  PACKED_GRAD_OUTPUT,
  STEP_INPUTS,
  type StepGraphOptions,
} from './step-graph';

/** Hyper-parameters of one AdamW update, in the order of the `opt.hyper` input. */
const HYPER = ['lr', 'bc1', 'bc2sqrt', 'beta1', 'beta2', 'eps', 'decay', 'clip'] as const;

/**
 * AdamW (decoupled decay, bias correction, global-norm clipping) over flat f32 vectors, as a graph:
 * inputs `opt.p`, `opt.g`, `opt.m`, `opt.v` [size] and `opt.hyper` [8]; outputs the next p, m, v and the norm.
 */
export function adamwUpdateGraph(size: number): Record<string, Node> {
  const g = new Graph();
  const vec = (name: string) => g.input(name, 'f32', [size]);
  const [p, grad, m, v] = [vec('opt.p'), vec('opt.g'), vec('opt.m'), vec('opt.v')];
  const hyper = g.input('opt.hyper', 'f32', [HYPER.length]);
  const h = Object.fromEntries(HYPER.map((k, i) => [k, g.slice(hyper, [i], [i + 1], [0])])) as Record<
    (typeof HYPER)[number],
    Node
  >;
  const norm = g.sqrt(g.reduceSum(g.mul(grad, grad), [0], true)); // [1]
  // clip > 0: scale the gradient to at most `clip` in global norm (torch clip_grad_norm_), else 1.
  const scale = g.where(g.greater(h.clip, 0), g.min(g.div(h.clip, g.add(norm, 1e-6)), 1), 1);
  const gs = g.mul(grad, scale);
  const p1 = g.mul(p, h.decay);
  const m1 = g.add(m, g.mul(g.sub(gs, m), g.sub(1, h.beta1)));
  const v1 = g.add(g.mul(v, h.beta2), g.mul(g.mul(gs, gs), g.sub(1, h.beta2)));
  const denom = g.add(g.div(g.sqrt(v1), h.bc2sqrt), h.eps);
  const p2 = g.sub(p1, g.mul(g.div(h.lr, h.bc1), g.div(m1, denom)));
  return { 'opt.p.next': p2, 'opt.m.next': m1, 'opt.v.next': v1, 'opt.grad_norm': g.reshape(norm, []) };
}

export interface AdamWSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  maxGradNorm: number;
}

/** Where each named parameter sits in the packed vector. */
export interface Slot {
  name: string;
  at: number;
  size: number;
}

const f32 = (data: Float32Array): TensorValue => ({ dtype: 'f32', shape: [data.length], data });

async function host(f: Feed): Promise<Float32Array> {
  const t = f instanceof DeviceTensor ? await readBack(f) : f;
  return t.data as Float32Array;
}

/**
 * The training step and the AdamW update as two device sessions with the state kept on the device.
 * @example const d = await DeviceTrainer.create(stepOptions, settings, { providers: ['webgpu'] }, params)
 */
export class DeviceTrainer {
  private p: Feed;
  private m: Feed;
  private v: Feed;
  private grad: Feed | null = null;
  private t = 0;

  private readonly steps = new Map<string, Promise<Session>>();

  private constructor(
    private readonly makeStep: (shape: readonly number[], tokens: number) => Promise<Session>,
    private readonly update: Session,
    readonly slots: readonly Slot[],
    readonly size: number,
    private readonly settings: AdamWSettings,
    params: Tensors,
  ) {
    const flat = new Float32Array(size);
    for (const s of slots) flat.set(params.get(s.name)!, s.at);
    this.p = f32(flat);
    this.m = f32(new Float32Array(size));
    this.v = f32(new Float32Array(size));
  }

  static async create(
    o: StepGraphOptions,
    settings: AdamWSettings,
    compile: CompileOptions,
    params: Tensors,
  ): Promise<DeviceTrainer> {
    const built = buildStepGraph({ ...o, packed: true });
    const slots: Slot[] = [];
    let size = 0;
    for (const p of built.params)
      for (const [node, name] of [
        [p.down, p.names.down],
        [p.up, p.names.up],
      ] as const) {
        const n = (node.shape as number[]).reduce((a, b) => a * b, 1);
        slots.push({ name, at: size, size: n });
        size += n;
      }
    // One step session per batch shape (aspect buckets), all reading the same device-resident state.
    const makeStep = (shape: readonly number[], tokens: number) =>
      compileGraph(
        buildStepGraph({
          ...o,
          packed: true,
          shape: { batch: shape[0], height: shape[2], width: shape[3], contextLength: tokens },
        }).outputs,
        { ...compile, name: 'train_step', keepOnDevice: [PACKED_GRAD_OUTPUT] },
      );
    const update = await compileGraph(adamwUpdateGraph(size), {
      ...compile,
      name: 'adamw',
      keepOnDevice: ['opt.p.next', 'opt.m.next', 'opt.v.next'],
    });
    return new DeviceTrainer(makeStep, update, slots, size, settings, params);
  }

  /** True once the parameters live in device memory (WebGPU outputs kept on the device). */
  get resident(): boolean {
    return this.p instanceof DeviceTensor && this.m instanceof DeviceTensor && this.v instanceof DeviceTensor;
  }

  /** Forward + backward on the current parameters; the gradient stays on the device for `apply`. */
  async forward(feeds: Record<string, TensorValue>): Promise<{ loss: number; allFinite?: boolean }> {
    const shape = feeds[STEP_INPUTS.latents].shape;
    const tokens = feeds[STEP_INPUTS.context].shape[1];
    const key = `${shape.join('x')}:${tokens}`;
    let step = this.steps.get(key);
    if (!step) {
      step = this.makeStep(shape, tokens);
      this.steps.set(key, step);
    }
    const out = await (await step).run({ ...feeds, [LORA_PACKED_INPUT]: this.p });
    this.grad = out[PACKED_GRAD_OUTPUT];
    const loss = (await host(out.loss))[0];
    const finite = out[ALL_FINITE_OUTPUT];
    return finite === undefined ? { loss } : { loss, allFinite: Number((await host(finite))[0]) !== 0 };
  }

  /** One AdamW update from the last gradient at learning rate `lr`; returns the gradient's global norm. */
  async apply(lr: number): Promise<number> {
    if (!this.grad) throw new Error('apply() needs a forward() first');
    this.t += 1;
    const { beta1, beta2, epsilon, weightDecay, maxGradNorm } = this.settings;
    const hyper = Float32Array.from([
      lr,
      1 - beta1 ** this.t,
      Math.sqrt(1 - beta2 ** this.t),
      beta1,
      beta2,
      epsilon,
      1 - lr * weightDecay,
      maxGradNorm,
    ]);
    const out = await this.update.run({
      'opt.p': this.p,
      'opt.g': this.grad,
      'opt.m': this.m,
      'opt.v': this.v,
      'opt.hyper': f32(hyper),
    });
    [this.p, this.m, this.v] = [out['opt.p.next'], out['opt.m.next'], out['opt.v.next']];
    return (await host(out['opt.grad_norm']))[0];
  }

  /** The parameters and AdamW state on the host, in the host optimizer's format (for saving and previews). */
  async download(): Promise<{ params: Tensors; state: OptimizerState }> {
    const [p, m, v] = [await host(this.p), await host(this.m), await host(this.v)];
    const params: Tensors = new Map();
    const expAvg: Record<string, Float32Array> = {};
    const expAvgSq: Record<string, Float32Array> = {};
    for (const s of this.slots) {
      params.set(s.name, p.slice(s.at, s.at + s.size));
      expAvg[s.name] = m.slice(s.at, s.at + s.size);
      expAvgSq[s.name] = v.slice(s.at, s.at + s.size);
    }
    return { params, state: { slots: { exp_avg: expAvg, exp_avg_sq: expAvgSq }, scalars: { step: this.t } } };
  }

  /** Puts saved parameters and AdamW state back on the device (resume). */
  upload(params: Tensors, state: OptimizerState): void {
    const pack = (get: (name: string) => Float32Array | undefined) => {
      const flat = new Float32Array(this.size);
      for (const s of this.slots) {
        const d = get(s.name);
        if (d) flat.set(d, s.at);
      }
      return f32(flat);
    };
    this.p = pack((n) => params.get(n));
    this.m = pack((n) => state.slots.exp_avg?.[n]);
    this.v = pack((n) => state.slots.exp_avg_sq?.[n]);
    this.t = state.scalars.step ?? 0;
  }

  dispose(): void {
    for (const s of this.steps.values()) void s.then((x) => x.dispose());
    this.update.dispose();
  }
}
