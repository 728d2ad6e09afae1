// Dead-code elimination on the fetch set: ORT executes every node it is given, even unused ones
// (docs/reference/ort-notes.md#ort-prunes-nothing), so the emitter only ever sees what the requested outputs reach.

import type { Node } from '../graph/node';
import { liveOrder } from '../graph/verify';

/**
 * The nodes the outputs depend on, in id order (ids grow in creation order, so this is topological).
 * The walk itself lives with the IR checker; DCE is that walk applied to the fetch set.
 * @example const live = liveNodes([loss, ...grads]); // dead branches are simply absent
 */
export const liveNodes: (outputs: readonly Node[]) => Node[] = liveOrder;

/** How many of `all` the outputs do not reach (for logs and tests). */
export function deadCount(all: readonly Node[], outputs: readonly Node[]): number {
  const live = new Set(liveNodes(outputs).map((n) => n.id));
  return all.filter((n) => !live.has(n.id)).length;
}
