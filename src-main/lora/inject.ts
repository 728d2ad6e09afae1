// The two implementations of the engine's Adapter hook (style.md "LoRA goes through one hook"): runtime mode
// adds (alpha/rank)·B(A x) with A/B as graph Inputs (training, live strength); merge mode folds W + scale·B·A
// into a constant. Both match a Linear or 1×1 conv by `g.scopeName === target.ldmPath` (lora-names.ts).

import { nn, type Adapter, type Conv2dOpts, type Graph, type Node, type TensorValue } from '../engine';
import type { LoRATarget } from '../models/keymap/lora-names';
import { deltaWeight, moduleName, type LoRAAdapter } from './adapter-weights';

/** One adapted module of a graph. */
export interface InjectModule {
  target: LoRATarget;
  rank: number;
  alpha: number;
}

/** The graph Inputs runtime mode created for one module (or, packed, its slices of `lora.packed`). */
export interface LoRAInputs {
  module: InjectModule;
  /** Parameter names (`lora.<ldmPath>.down/up`), also when the matrices are slices of the packed input. */
  names: { down: string; up: string };
  /** Packed mode: element offsets of A and B in `lora.packed`. */
  offsets?: { down: number; up: number };
  /** A, [rank, in]; named `lora.<ldmPath>.down`. */
  down: Node;
  /** B, [out, rank]; named `lora.<ldmPath>.up`. */
  up: Node;
}

/** Name of the strength Input (f32 scalar) when `strength: 'input'`. */
export const LORA_SCALE_INPUT = 'lora.scale';

/** Name of the one flat f32 Input holding every A and B in packed mode (module order, A then B). */
export const LORA_PACKED_INPUT = 'lora.packed';

/** @example loraInputNames(t).down === 'lora.input_blocks.1.1.transformer_blocks.0.attn1.to_q.down' */
export function loraInputNames(target: Pick<LoRATarget, 'ldmPath'>): { down: string; up: string } {
  return { down: `lora.${target.ldmPath}.down`, up: `lora.${target.ldmPath}.up` };
}

export interface InjectOptions {
  /** A fixed multiplier on every module's alpha/rank (default 1), or 'input' for a live `lora.scale` Input. */
  strength?: number | 'input';
  /** Scope the model is built under, if any (e.g. 'model.diffusion_model'); default none. */
  scopePrefix?: string;
  /**
   * One flat Input for all matrices, sliced in the graph (docs/reference/ort-notes.md#many-inputs: thousands
   * of separate inputs cost seconds per session and ~3× per step). Layout: modules in forward order, A then
   * B, row-major.
   */
  packed?: boolean;
}

function isPointwise(w: Node, o: Conv2dOpts): boolean {
  const [, , kh, kw] = w.shape;
  return kh === 1 && kw === 1 && (o.stride ?? 1) === 1 && (o.groups ?? 1) === 1 && (o.padding ?? 0) === 0;
}

function byScope<T extends { target: LoRATarget }>(items: readonly T[], prefix: string): Map<string, T> {
  return new Map(items.map((m) => [prefix ? `${prefix}.${m.target.ldmPath}` : m.target.ldmPath, m]));
}

/**
 * Runtime LoRA: `y = W x + b + s·B(A x)`, s = strength·alpha/rank. A and B are Inputs, created on first use,
 * so `inputs` lists exactly the modules the model reached (see `unreached`). One instance per Graph.
 * @example const lora = new RuntimeLoRA(mods); const g = new Graph({ adapter: lora }); buildUNet(g, …); lora.inputs
 */
export class RuntimeLoRA implements Adapter {
  private readonly modules: Map<string, InjectModule>;
  private readonly created = new Map<string, LoRAInputs>();
  private graph: Graph | undefined;
  private packedInput: Node | undefined;
  private nextOffset = 0;

  constructor(
    modules: readonly InjectModule[],
    private readonly options: InjectOptions = {},
  ) {
    this.modules = byScope(modules, options.scopePrefix ?? '');
  }

  /** The A/B Inputs created so far, in creation (forward) order. */
  get inputs(): LoRAInputs[] {
    return [...this.created.values()];
  }

  /** Packed mode: the flat Input, once the model has reached a module. */
  get packedNode(): Node | undefined {
    return this.packedInput;
  }

  /** Elements of `lora.packed`: every planned module's A and B. */
  get packedSize(): number {
    let n = 0;
    for (const m of this.modules.values()) n += m.rank * (m.target.inFeatures + m.target.outFeatures);
    return n;
  }

  /** Planned modules the model never built: a wrong scope or target table, reported instead of ignored. */
  unreached(): InjectModule[] {
    const hit = new Set(this.inputs.map((i) => i.module));
    return [...this.modules.values()].filter((m) => !hit.has(m));
  }

  linear(g: Graph, x: Node, weight: Node, bias: Node | undefined): Node | undefined {
    const m = this.modules.get(g.scopeName);
    if (!m || m.target.conv1x1) return undefined;
    const { down, up } = this.inputsFor(g, m);
    const h = this.scaled(g, m, g.matmul(g.cast(x, 'f32'), g.transpose(down, [1, 0]))); // [..., rank]
    const delta = g.matmul(h, g.transpose(up, [1, 0])); // [..., out]
    return g.add(nn.linearPlain(g, x, weight, bias), g.cast(delta, x.dtype));
  }

  conv2d(g: Graph, x: Node, weight: Node, bias: Node | undefined, o: Conv2dOpts): Node | undefined {
    const m = this.modules.get(g.scopeName);
    if (!m || !m.target.conv1x1) return undefined;
    if (!isPointwise(weight, o)) throw new Error(`${g.scopeName}: LoRA target is 1×1 but the conv is not`);
    const { down, up } = this.inputsFor(g, m);
    const { rank, target } = m;
    const low = g.conv(g.cast(x, 'f32'), g.reshape(down, [rank, target.inFeatures, 1, 1]));
    const h = this.scaled(g, m, low); // [N, rank, H, W]
    const delta = g.conv(h, g.reshape(up, [target.outFeatures, rank, 1, 1])); // [N, out, H, W]
    return g.add(nn.conv2dPlain(g, x, weight, bias, o), g.cast(delta, x.dtype));
  }

  /** Feeds for the A/B Inputs (and `lora.scale`) from an adapter holding every created module. */
  feeds(adapter: LoRAAdapter, strength = 1): Record<string, TensorValue> {
    const byModule = new Map(adapter.modules.map((m) => [m.module, m]));
    const out: Record<string, TensorValue> = {};
    const packed = this.options.packed ? new Float32Array(this.packedSize) : null;
    for (const { module, down, up, names, offsets } of this.inputs) {
      const w = byModule.get(moduleName(module.target));
      if (!w) throw new Error(`adapter lacks ${moduleName(module.target)}, which the graph adapts`);
      if (packed && offsets) {
        packed.set(w.A, offsets.down);
        packed.set(w.B, offsets.up);
        continue;
      }
      out[names.down] = { dtype: 'f32', shape: down.shape as number[], data: w.A };
      out[names.up] = { dtype: 'f32', shape: up.shape as number[], data: w.B };
    }
    if (packed) out[LORA_PACKED_INPUT] = { dtype: 'f32', shape: [packed.length], data: packed };
    if (this.options.strength === 'input')
      out[LORA_SCALE_INPUT] = { dtype: 'f32', shape: [], data: Float32Array.of(strength) };
    return out;
  }

  private inputsFor(g: Graph, m: InjectModule): LoRAInputs {
    // NOTE: the Inputs are nodes of one Graph; reusing them in another would wire foreign nodes in
    if (this.graph && this.graph !== g) throw new Error('a RuntimeLoRA serves one Graph; make one per graph');
    this.graph = g;
    const prior = this.created.get(m.target.ldmPath);
    if (prior) return prior;
    const names = loraInputNames(m.target);
    const [downShape, upShape] = [
      [m.rank, m.target.inFeatures],
      [m.target.outFeatures, m.rank],
    ];
    let made: LoRAInputs;
    if (this.options.packed) {
      // Each module reads its slices of the one flat input; offsets follow creation (forward) order.
      this.packedInput ??= g.input(LORA_PACKED_INPUT, 'f32', [this.packedSize]);
      const flat = this.packedInput;
      const take = (shape: number[]) => {
        const at = this.nextOffset;
        this.nextOffset += shape[0] * shape[1];
        return { at, node: g.reshape(g.slice(flat, [at], [this.nextOffset], [0]), shape) };
      };
      const [a, b] = [take(downShape), take(upShape)];
      made = { module: m, names, offsets: { down: a.at, up: b.at }, down: a.node, up: b.node };
    } else
      made = {
        module: m,
        names,
        down: g.input(names.down, 'f32', downShape),
        up: g.input(names.up, 'f32', upShape),
      };
    this.created.set(m.target.ldmPath, made);
    return made;
  }

  /**
   * `strength·alpha/rank` applied to the rank-wide A·x rather than to the full-width B·A·x (PEFT's order). For
   * a power-of-two factor (kohya's usual alpha/rank, and 1) the bits are the same; otherwise they differ by
   * rounding. What it buys: the scaling and its gradient touch a rank-wide tensor instead of a full-width one
   * in the forward and the backward, and a factor of exactly 1 costs no op at all.
   */
  private scaled(g: Graph, m: InjectModule, h: Node): Node {
    const { strength = 1 } = this.options;
    const factor = (m.alpha / m.rank) * (strength === 'input' ? 1 : strength);
    const s = factor === 1 ? h : g.mul(h, factor);
    return strength === 'input' ? g.mul(s, g.input(LORA_SCALE_INPUT, 'f32', [])) : s;
  }
}

/**
 * Merge mode: the graph reads `W + strength·(alpha/rank)·B·A` (a constant ΔW added to the stored weight),
 * so the adapted model costs nothing extra per step. Modules come from an adapter record.
 * @example new Graph({ adapter: new MergedLoRA(adapter, planTargets(plan)) })
 */
export class MergedLoRA implements Adapter {
  private readonly deltas: Map<string, { target: LoRATarget; delta: Float32Array }>;

  constructor(
    adapter: LoRAAdapter,
    targets: readonly LoRATarget[],
    options: Omit<InjectOptions, 'strength'> & { strength?: number } = {},
  ) {
    const byModule = new Map(targets.map((t) => [moduleName(t), t]));
    const strength = options.strength ?? 1;
    const items = adapter.modules.map((m) => {
      const target = byModule.get(m.module);
      if (!target) throw new Error(`${m.module}: not among the targets this model is built with`);
      const delta = deltaWeight(m).map((v) => v * strength);
      return { target, delta };
    });
    this.deltas = byScope(items, options.scopePrefix ?? '');
  }

  linear(g: Graph, x: Node, weight: Node, bias: Node | undefined): Node | undefined {
    const d = this.deltas.get(g.scopeName);
    if (!d || d.target.conv1x1) return undefined;
    return nn.linearPlain(g, x, this.merged(g, weight, d.delta), bias);
  }

  conv2d(g: Graph, x: Node, weight: Node, bias: Node | undefined, o: Conv2dOpts): Node | undefined {
    const d = this.deltas.get(g.scopeName);
    if (!d || !d.target.conv1x1) return undefined;
    if (!isPointwise(weight, o)) throw new Error(`${g.scopeName}: LoRA target is 1×1 but the conv is not`);
    return nn.conv2dPlain(g, x, this.merged(g, weight, d.delta), bias, o);
  }

  private merged(g: Graph, weight: Node, delta: Float32Array): Node {
    const dW = g.constant(delta, weight.shape as number[], 'f32'); // same row-major [out, in(,1,1)]
    return g.cast(g.add(g.cast(weight, 'f32'), dW), weight.dtype);
  }
}
