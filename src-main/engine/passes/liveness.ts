// Where the activation memory of an emitted graph goes: a simulated run, in ORT's default order or the
// emitter's (live nodes by id), that allocates each op's output when it runs and frees it after its last consumer. Leaves (inputs,
// weights, constants) are not counted: weights are read in place from the checkpoint.
//
// It is a model of ORT's CPU run, not a measurement: ORT runs its own topological order of its optimized graph
// (fusions remove some intermediates, in-place reuse of elementwise inputs removes more) and its arena rounds
// and fragments. It tells which tensors are live at the peak, which is what a recompute policy must change;
// `npm run bench train` prints it beside the measured RSS.
import { DTYPES } from '../graph/dtype';
import type { Node } from '../graph/node';
import { liveOrder } from '../graph/verify';

/** Ops whose output is a view of their first input in ORT (no new buffer). */
const ALIASES = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);
const LEAVES = new Set(['Input', 'Param', 'Constant']);

/**
 * The order ORT's CPU provider runs a graph in by default (docs/reference/ort-notes.md#the-default-run-order): a
 * depth-first walk up the inputs from every node nobody consumes, leaves taken last-first and inputs
 * highest-index-first, each node run once all its inputs have run. Node indices are our emission order (id).
 * @example const order = ortRunOrder(Object.values(built.outputs))
 */
export function ortRunOrder(roots: readonly Node[]): Node[] {
  return depthFirstRunOrder(liveOrder(roots));
}

/** `ortRunOrder` over the graph's live nodes, already listed. */
function depthFirstRunOrder(live: readonly Node[]): Node[] {
  const ops = live.filter((n) => !LEAVES.has(n.op));
  const consumed = new Set<number>();
  for (const n of ops) for (const x of n.inputs) consumed.add(x.id);
  const stack: [Node, boolean][] = ops.filter((n) => !consumed.has(n.id)).map((n) => [n, false]);
  const visited = new Set<number>();
  const order: Node[] = [];
  while (stack.length) {
    const [n, leaving] = stack.pop()!;
    if (leaving) {
      order.push(n);
      continue;
    }
    if (visited.has(n.id)) continue;
    visited.add(n.id);
    stack.push([n, true]);
    const inputs = [...new Map(n.inputs.filter((x) => !LEAVES.has(x.op)).map((x) => [x.id, x])).values()];
    for (const x of inputs.sort((a, b) => a.id - b.id)) if (!visited.has(x.id)) stack.push([x, false]);
  }
  return order;
}

export interface LiveTensor {
  node: Node;
  bytes: number;
  /** Computed before the loss (kept for the backward) or after it (backward temporaries, recomputation). */
  phase: 'forward' | 'backward';
}

export interface Liveness {
  /** Highest sum of live activation bytes. */
  peakBytes: number;
  /** Position in the run order where the peak is reached, and the node that runs there. */
  peakAt: number;
  peakNode: Node;
  /** Tensors live at the peak, largest first. */
  live: LiveTensor[];
  /** Ops simulated (leaves, aliases and constant subgraphs excluded). */
  ops: number;
}

function bytesOf(n: Node): number {
  const count = n.shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
  return count * DTYPES[n.dtype].bytes;
}

/**
 * Simulates the run of `outputs` (graph outputs live to the end) and reports the peak. `loss`, when given,
 * splits nodes into the forward (its ancestors) and the rest.
 * @example const { peakBytes, live } = simulateLiveness(built.outputs, built.outputs.loss)
 */
export function simulateLiveness(
  outputs: Record<string, Node>,
  loss?: Node,
  runOrder: 'emitted' | 'ort' = 'ort',
): Liveness {
  const roots = Object.values(outputs);
  const all = liveOrder(roots);
  const order = runOrder === 'ort' ? depthFirstRunOrder(all) : all;
  const forward = new Set(loss ? liveOrder([loss]).map((n) => n.id) : []);
  // An alias shares its source's buffer: resolve to the node that owns the bytes.
  const owner = new Map<number, Node>();
  const ownerOf = (n: Node): Node => owner.get(n.id) ?? n;
  for (const n of all) if (ALIASES.has(n.op) && n.inputs.length) owner.set(n.id, ownerOf(n.inputs[0]));
  // Ops over weights and constants only (a weight's transpose) are folded by ORT at session creation or fused
  // into their consumer (MatMul with transB): not activations.
  const constant = new Set<number>();
  for (const n of all)
    if (
      n.op === 'Param' ||
      n.op === 'Constant' ||
      (n.inputs.length && n.inputs.every((x) => constant.has(x.id)))
    )
      constant.add(n.id);
  const counted = (n: Node) => !LEAVES.has(n.op) && !owner.has(n.id) && !constant.has(n.id);
  // Last position at which each buffer is read (outputs: never freed).
  const position = new Map(order.map((n, i) => [n.id, i]));
  const lastUse = new Map<number, number>();
  for (const n of order)
    for (const x of n.inputs) {
      const o = ownerOf(x);
      lastUse.set(o.id, Math.max(lastUse.get(o.id) ?? -1, position.get(n.id)!));
    }
  for (const r of roots) lastUse.set(ownerOf(r).id, Infinity);
  // A buffer is freed after the op at its last use runs (its own position when nothing reads it).
  const freeAt = new Map<number, Node[]>();
  const freedAfter = (n: Node) => lastUse.get(n.id) ?? position.get(n.id)!;
  for (const n of order) {
    if (!counted(n)) continue;
    const at = freedAfter(n);
    if (at === Infinity) continue;
    const list = freeAt.get(at);
    if (list) list.push(n);
    else freeAt.set(at, [n]);
  }
  let bytes = 0;
  let peak = { bytes: -1, at: 0 };
  let ops = 0;
  order.forEach((n, i) => {
    if (counted(n)) {
      ops++;
      bytes += bytesOf(n);
      if (bytes > peak.bytes) peak = { bytes, at: i };
    }
    for (const dead of freeAt.get(i) ?? []) bytes -= bytesOf(dead);
  });
  // Live at the peak: allocated by then and freed no earlier than the op that reached it.
  const liveAtPeak = order.filter((n, i) => counted(n) && i <= peak.at && freedAfter(n) >= peak.at);
  return {
    peakBytes: Math.max(0, peak.bytes),
    peakAt: peak.at,
    peakNode: order[peak.at],
    live: liveAtPeak
      .map(
        (node) =>
          ({ node, bytes: bytesOf(node), phase: forward.has(node.id) ? 'forward' : 'backward' }) as const,
      )
      .sort((a, b) => b.bytes - a.bytes),
    ops,
  };
}

export interface LiveGroup {
  group: string;
  bytes: number;
  count: number;
}

/**
 * Live-at-peak tensors summed by a key (largest first), e.g. by phase and op, or by top-level block.
 * @example groupLive(l.live, (t) => `${t.phase} ${t.node.op}`).slice(0, 8)
 */
export function groupLive(live: readonly LiveTensor[], key: (t: LiveTensor) => string): LiveGroup[] {
  const groups = new Map<string, LiveGroup>();
  for (const t of live) {
    const k = key(t);
    const g = groups.get(k) ?? { group: k, bytes: 0, count: 0 };
    g.bytes += t.bytes;
    g.count++;
    groups.set(k, g);
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}

/** The UNet block a scope belongs to: `input_blocks.4`, `mid_block`, `output_blocks.7`, or its first part. */
export function blockOf(scope: string): string {
  const parts = scope.split('.');
  return /^\d+$/.test(parts[1] ?? '') ? `${parts[0]}.${parts[1]}` : parts[0] || '(root)';
}
