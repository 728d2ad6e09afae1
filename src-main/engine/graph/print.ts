// Readable dump of the graph reaching some outputs: one line per node, `%id = Op(%in, …) {attrs} : dtype[shape]`.

import type { Node } from './node';
import { shapeToString } from './shape';
import { liveOrder } from './verify';

function label(n: Node): string {
  if (n.op === 'Input' || n.op === 'Param') return `${n.op}('${n.name}')`;
  if (n.op === 'Constant') {
    const d = n.data!;
    const head = Array.from(d.slice(0, 4) as ArrayLike<number | bigint>, String).join(',');
    return `Constant(${head}${d.length > 4 ? ',…' : ''})`;
  }
  const attrs = Object.keys(n.attrs).length ? ` ${JSON.stringify(n.attrs)}` : '';
  return `${n.op}(${n.inputs.map((i) => `%${i.id}`).join(', ')})${attrs}`;
}

/**
 * @example console.log(printGraph([loss]))  // %3 = MatMul(%0, %1) : f32[N,4]   # attn1
 */
export function printGraph(outputs: readonly Node[]): string {
  return liveOrder(outputs)
    .map(
      (n) =>
        `%${n.id} = ${label(n)} : ${n.dtype}${shapeToString(n.shape)}${n.scope ? `   # ${n.scope}` : ''}`,
    )
    .join('\n');
}
