// Child process for the peak-memory checks: builds one case, runs it once on ORT CPU and prints the
// process's peak RSS before and after the run as JSON. argv: <case> (a key of CASES).

import { Graph } from '../../../src-main/engine/graph/builder';
import type { Node } from '../../../src-main/engine/graph/node';
import * as nn from '../../../src-main/engine/graph/nn';
import { grad } from '../../../src-main/engine/autodiff/grad';
import { chunkedAttention } from '../../../src-main/engine/passes/attention';
import { checkpointScopes, gradCheckpointed } from '../../../src-main/engine/passes/recompute';
import { buildStack, feedsFor } from './stack';
import { runOrt } from './run-ort';

/** Forward + backward of a 24-block LoRA conv stack ([1, 64, 128, 128] activations, 4 MiB each). */
function stack(checkpoint: boolean): Record<string, Node> {
  const { g, loss, lora } = buildStack({ blocks: 24, channels: 64, size: 128, rank: 4, heads: 0 });
  const grads = checkpoint
    ? gradCheckpointed(g, loss, lora, { checkpoint: checkpointScopes(/^block\.\d+/) })
    : grad(g, loss, lora);
  return { loss, ...Object.fromEntries(grads.map((n, i) => [`grad_${i}`, n])) };
}

/** Forward self-attention over 4096 tokens, 2 heads: 128 MiB of scores unchunked. */
function attention(chunked: boolean): Record<string, Node> {
  const g = new Graph();
  const x = g.input('x', 'f32', [1, 4096, 64]);
  const y = chunked
    ? chunkedAttention(g, x, x, x, { heads: 2, queryChunk: 512 })
    : nn.attention(g, x, x, x, { heads: 2 });
  return { loss: g.reduceMean(y, [0, 1, 2], false) };
}

const CASES: Record<string, () => Record<string, Node>> = {
  'stack-plain': () => stack(false),
  'stack-checkpoint': () => stack(true),
  'attention-plain': () => attention(false),
  'attention-chunked': () => attention(true),
};

const build = CASES[process.argv[2]];
if (!build) throw new Error(`unknown case '${process.argv[2]}'; one of ${Object.keys(CASES).join(', ')}`);
const outputs = build();
const feeds = feedsFor(Object.values(outputs));
const beforeKiB = process.resourceUsage().maxRSS;
const out = await runOrt(outputs, feeds);
const peakKiB = process.resourceUsage().maxRSS;
process.stdout.write(JSON.stringify({ beforeKiB, peakKiB, loss: out.loss.data[0] }) + '\n');
