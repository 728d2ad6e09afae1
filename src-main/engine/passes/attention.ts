// Attention memory control: queries in chunks, so only one [N, heads, chunk, Tk] score block lives at a time
// in the forward (docs/reference/ort-notes.md#cpu-speed: 4096-token attention from primitives peaks at
// 3.4 GB). Chunks are chained by ordering gates (gate.ts): ORT 1.30 happened to run ungated chunks in turn
// too (measured +48 vs +51 MiB), but its order is unspecified, so the gate makes it a data dependency.

import type { Graph } from '../graph/builder';
import type { Node } from '../graph/node';
import { attention, type AttentionOpts } from '../graph/nn';
import { gateOn } from './gate';

export interface ChunkedAttentionOpts extends AttentionOpts {
  /** Queries per chunk; a static Tq no longer than this is plain nn.attention. */
  queryChunk: number;
}

/**
 * nn.attention over q [N, Tq, C] in query chunks of `queryChunk`, concatenated back to [N, Tq, C]. Each
 * chunk is built in scope `q_chunk<i>`, so checkpointScopes(/q_chunk\d+$/) can recompute chunk by chunk.
 * Needs a static Tq and no causal mask (UNet attention is neither symbolic-length after bucketing nor causal).
 * @example const out = chunkedAttention(g, q, k, v, { heads: 8, queryChunk: 1024 })
 */
export function chunkedAttention(g: Graph, q: Node, k: Node, v: Node, o: ChunkedAttentionOpts): Node {
  const tq = q.shape[1];
  if (o.causal) throw new Error(`${g.scopeName}: chunkedAttention does not support a causal mask`);
  if (typeof tq !== 'number')
    throw new Error(`${g.scopeName}: chunkedAttention needs a static query length, got ${tq}`);
  if (!(o.queryChunk >= 1)) throw new Error(`${g.scopeName}: queryChunk ${o.queryChunk} must be ≥ 1`);
  if (tq <= o.queryChunk) return attention(g, q, k, v, { heads: o.heads });
  const outs: Node[] = [];
  for (let start = 0; start < tq; start += o.queryChunk) {
    const slice = g.slice(q, [start], [Math.min(start + o.queryChunk, tq)], [1]); // [N, chunk, C]
    const prev = outs.at(-1);
    const qc = prev ? gateOn(g, slice, [prev]) : slice;
    outs.push(g.scope(`q_chunk${outs.length}`, () => attention(g, qc, k, v, { heads: o.heads }))); // [N, chunk, C]
  }
  return g.concat(outs, 1); // [N, Tq, C]
}
