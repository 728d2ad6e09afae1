// Gradient checkpointing: a segment's forward activations are not kept for the backward; the backward re-runs
// the segment from its gated inputs (docs/reference/ort-notes.md#execution-order; tinygrad/torch
// `checkpoint`).

import type { Graph } from '../graph/builder';
import { isFloat } from '../graph/dtype';
import type { Node } from '../graph/node';
import type { OpKind } from '../graph/ops';
import { grad, type GradOptions, type Rematerializer } from '../autodiff/grad';
import { gateOn } from './gate';

/**
 * The checkpoint segment a node's scope belongs to, or undefined (its activations are kept). `keepOps`: ops
 * whose outputs are kept even inside a segment, so the backward reads them instead of recomputing them.
 */
export type CheckpointPolicy = ((scope: string) => string | undefined) & { keepOps?: ReadonlySet<string> };

/**
 * A policy from a scope pattern: the segment is the pattern's first match, so every module instance
 * the pattern names is its own segment; `keepOps` are never recomputed (see CheckpointPolicy).
 * @example checkpointScopes(/^(input_blocks\.\d+|middle_block|output_blocks\.\d+)/, ['Conv'])
 */
export function checkpointScopes(pattern: RegExp, keepOps: readonly OpKind[] = []): CheckpointPolicy {
  return Object.assign((scope: string) => pattern.exec(scope)?.[0], { keepOps: new Set<string>(keepOps) });
}

/** One segment's recomputed copies, all downstream of a gate on the gradients that reach the segment. */
class Segment {
  private readonly copies = new Map<number, Node>();
  private readonly kept = new Map<number, Node>();
  /** Whether graph Inputs are gated too: only when no op output enters the segment (see `copy`). */
  private readonly gateInputs: boolean;

  constructor(
    private readonly g: Graph,
    readonly key: string,
    private readonly policy: CheckpointPolicy,
    private readonly deps: readonly Node[],
    first: Node,
  ) {
    this.gateInputs = !this.entered(first).some((n) => n.inputs.length > 0 && isFloat(n.dtype));
  }

  /** Whether `n` lies outside this segment (leaves always do: they are shared or gated, never copied). */
  outside(n: Node): boolean {
    return n.inputs.length === 0 || this.policy(n.scope) !== this.key;
  }

  /** The outside nodes that in-segment ancestors of `n` read. */
  private entered(n: Node): Node[] {
    const seen = new Set<number>();
    const found: Node[] = [];
    const stack = [n];
    while (stack.length) {
      const m = stack.pop()!;
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      if (this.outside(m)) found.push(m);
      else stack.push(...m.inputs);
    }
    return found;
  }

  /**
   * The recomputed `n`. Float op outputs entering the segment are gated. Params, Constants, non-floats
   * and graph Inputs are shared: ORT keeps them for the whole run, and gating a packed-parameter Input
   * would copy all of it. A segment fed only by Inputs gates them, or its copy would intern to the forward.
   */
  copy(n: Node, asInput = false): Node {
    // A kept op's output is read where the segment's recomputed nodes consume it; the VJP rule of the op
    // itself still gets a copy (its inputs and attributes), which the DCE drops where no gradient reads it.
    if (asInput && this.policy.keepOps?.has(n.op) && !this.outside(n)) {
      const kept = this.kept.get(n.id) ?? gateOn(this.g, n, this.deps);
      this.kept.set(n.id, kept);
      return kept;
    }
    const done = this.copies.get(n.id);
    if (done) return done;
    let out: Node;
    const leaf = n.inputs.length === 0;
    if (!isFloat(n.dtype) || (leaf && (n.op !== 'Input' || !this.gateInputs))) out = n;
    else if (this.outside(n)) out = gateOn(this.g, n, this.deps);
    else {
      const inputs = n.inputs.map((i) => this.copy(i, true));
      out = this.g.scope(n.scope, () => this.g.op(n.op as OpKind, inputs, n.attrs));
    }
    this.copies.set(n.id, out);
    return out;
  }
}

/**
 * Checkpointing as grad()'s Rematerializer. Nodes of a checkpointed segment hand their VJP rule a
 * recomputed copy. Its gate waits for the segment's incoming gradient and for every gradient the
 * previous segment sent out (weight gradients included): ORT otherwise defers those to the end of the
 * run and keeps each segment's recomputed activations alive until then (measured: +20 MiB per block).
 */
class Checkpointer implements Rematerializer {
  private readonly segments = new Map<string, Segment>();
  private sentOut: Node[] = [];

  constructor(
    private readonly g: Graph,
    private readonly policy: CheckpointPolicy,
  ) {}

  read(n: Node, dy: Node): Node {
    const key = this.policy(n.scope);
    if (key === undefined) return n;
    let segment = this.segments.get(key);
    if (!segment) {
      segment = new Segment(this.g, key, this.policy, [dy, ...this.sentOut], n);
      this.segments.set(key, segment);
      this.sentOut = [];
    }
    return segment.copy(n);
  }

  produced(n: Node, input: Node, dx: Node): void {
    const key = this.policy(n.scope);
    const segment = key === undefined ? undefined : this.segments.get(key);
    if (segment?.outside(input)) this.sentOut.push(dx);
  }
}

/**
 * The Rematerializer for grad(): the given segments are recomputed in the backward instead of kept.
 * It holds per-backward state: make a new one for each grad() call.
 * @example grad(g, loss, lora, { rematerialize: recompute(g, checkpointScopes(/^block\.\d+/)) })
 */
export function recompute(g: Graph, policy: CheckpointPolicy): Rematerializer {
  return new Checkpointer(g, policy);
}

export interface CheckpointGradOptions extends Omit<GradOptions, 'rematerialize'> {
  checkpoint: CheckpointPolicy;
}

/**
 * grad() with the given segments recomputed in the backward instead of kept.
 * @example const [dA] = gradCheckpointed(g, loss, [a], { checkpoint: checkpointScopes(/^block\.\d+/) })
 */
export function gradCheckpointed(
  g: Graph,
  loss: Node,
  wrt: readonly Node[],
  o: CheckpointGradOptions,
): Node[] {
  return grad(g, loss, wrt, { seed: o.seed, rematerialize: recompute(g, o.checkpoint) });
}
