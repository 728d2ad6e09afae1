// The VJP rule contract (style.md "VJP rule signature", tfjs `inputsToSave`/`outputsToSave`).

import type { Graph } from '../graph/builder';
import type { Node } from '../graph/node';

/**
 * One vector-Jacobian product: given the node and the gradient of its output, one gradient per input
 * (null where the input is not differentiable or not needed). A returned gradient may have the
 * output's broadcast shape: the driver un-broadcasts once. `needs[i]` says whether input i is on a
 * path to a `wrt` node, so rules skip building what nobody will use.
 */
export interface VjpRule {
  saves: readonly ('inputs' | 'output')[];
  vjp: (g: Graph, n: Node, dy: Node, needs: readonly boolean[]) => (Node | null)[];
}

export const rule = (saves: VjpRule['saves'], vjp: VjpRule['vjp']): VjpRule => ({ saves, vjp });
