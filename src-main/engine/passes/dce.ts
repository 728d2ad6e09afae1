// Dead-code elimination on the fetch set: ORT executes every node it is given, even unused ones
// (ort-notes.md §3), so the emitter only ever sees what the requested outputs reach.

import type { Node } from '../graph/node';

/**
 * The nodes the outputs depend on, in id order (ids grow in creation order, so this is topological).
 * @example const live = liveNodes([loss, ...grads]); // dead branches are simply absent
 */
export function liveNodes(outputs: readonly Node[]): Node[] {
  const seen = new Map<number, Node>();
  const stack = [...outputs];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.set(n.id, n);
    for (const i of n.inputs) if (!seen.has(i.id)) stack.push(i);
  }
  return [...seen.values()].sort((a, b) => a.id - b.id);
}

/** How many of `all` the outputs do not reach (for logs and tests). */
export function deadCount(all: readonly Node[], outputs: readonly Node[]): number {
  const live = new Set(liveNodes(outputs).map((n) => n.id));
  return all.filter((n) => !live.has(n.id)).length;
}
