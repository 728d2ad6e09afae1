// Gradient checkpointing: same gradients as plain grad() (reference interpreter and ORT CPU), recompute
// nodes that depend on the incoming gradient, and a lower measured peak RSS (child process).

import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src-main/engine/graph/interpret';
import type { Node } from '../../../src-main/engine/graph/node';
import { liveOrder, verify } from '../../../src-main/engine/graph/verify';
import { grad } from '../../../src-main/engine/autodiff/grad';
import { checkpointScopes, gradCheckpointed, recompute } from '../../../src-main/engine/passes/recompute';
import { buildStack, feedsFor } from './stack';
import { measurePeak } from './peak-rss';
import { relErr, runOrt } from './run-ort';

const SMALL = { blocks: 2, channels: 8, size: 4, rank: 2, heads: 2 };
const BLOCKS = checkpointScopes(/^block\.\d+/);

const named = (nodes: readonly Node[]) => Object.fromEntries(nodes.map((n, i) => [`grad_${i}`, n]));

/** Does `n` depend on `dep`? */
const dependsOn = (n: Node, dep: Node) => liveOrder([n]).some((m) => m.id === dep.id);

describe('checkpointScopes', () => {
  it('names the segment by the first match of the pattern', () => {
    expect(BLOCKS('block.3.conv')).toBe('block.3');
    expect(BLOCKS('block.12')).toBe('block.12');
    expect(BLOCKS('head.block.1')).toBeUndefined();
  });
});

describe('gradCheckpointed', () => {
  it('gives the same gradients as grad() and recomputes each block after its gradient arrives', () => {
    const { g, loss, lora, out } = buildStack(SMALL);
    const plain = grad(g, loss, lora);
    const ckpt = gradCheckpointed(g, loss, lora, { checkpoint: BLOCKS });
    expect(verify([loss, ...ckpt])).toEqual([]);
    const feeds = feedsFor([loss]);
    const [want, got] = [evaluate(plain, feeds), evaluate(ckpt, feeds)];
    got.forEach((v, i) =>
      expect(relErr(v.data as Float32Array, want[i].data as Float32Array)).toBeLessThan(1e-6),
    );
    const softmaxes = (ns: Node[]) => liveOrder(ns).filter((n) => n.op === 'Softmax');
    expect(softmaxes(plain)).toHaveLength(SMALL.blocks);
    const recomputed = softmaxes(ckpt).filter((s) => !softmaxes(plain).includes(s));
    expect(recomputed).toHaveLength(SMALL.blocks);
    // The forward copy must not depend on any gradient; each recomputed one depends on d loss/d out.
    const dOut = grad(g, loss, [out])[0];
    expect(dependsOn(softmaxes(plain)[1], dOut)).toBe(false);
    expect(recomputed.every((s) => dependsOn(s, dOut))).toBe(true);
  });

  it('keeps the outputs of keepOps instead of recomputing them, with the same gradients', () => {
    const { g, loss, lora } = buildStack(SMALL);
    const plain = grad(g, loss, lora);
    const full = gradCheckpointed(g, loss, lora, { checkpoint: BLOCKS });
    const keepConv = gradCheckpointed(g, loss, lora, {
      checkpoint: checkpointScopes(/^block\.\d+/, ['Conv']),
    });
    expect(verify([loss, ...keepConv])).toEqual([]);
    const feeds = feedsFor([loss]);
    const want = evaluate(plain, feeds);
    evaluate(keepConv, feeds).forEach((v, i) =>
      expect(relErr(v.data as Float32Array, want[i].data as Float32Array)).toBeLessThan(1e-6),
    );
    // Full recompute runs every conv twice, keepOps once; both still recompute the softmaxes.
    const convs = (ns: Node[]) => liveOrder(ns).filter((n) => n.op === 'Conv').length;
    expect(convs(full)).toBe(2 * convs(plain));
    expect(convs(keepConv)).toBe(convs(plain));
    const softmaxes = (ns: Node[]) => liveOrder(ns).filter((n) => n.op === 'Softmax').length;
    expect(softmaxes(keepConv)).toBe(softmaxes(full));
  });

  it('gates graph Inputs only for a segment that no op output enters (block 0 here)', () => {
    const { g, loss, lora } = buildStack(SMALL);
    const ckpt = gradCheckpointed(g, loss, lora, { checkpoint: BLOCKS });
    const gated = liveOrder(ckpt)
      .filter((n) => n.op === 'Add' && n.inputs[0].op === 'Input' && n.inputs[1].shape.length === 0)
      .map((n) => n.inputs[0].name!);
    expect(gated).toContain('x');
    expect(gated).toContain('block.0.conv.lora_A');
    expect(gated.filter((name) => name.startsWith('block.1'))).toEqual([]);
  });

  it('leaves scopes outside the policy alone (rematerialize returns the node itself)', () => {
    const { g, loss, lora } = buildStack({ ...SMALL, blocks: 1 });
    const hook = recompute(g, checkpointScopes(/^nothing/));
    expect(hook.read(loss, loss)).toBe(loss);
    expect(gradCheckpointed(g, loss, lora, { checkpoint: checkpointScopes(/^nothing/) })).toEqual(
      grad(g, loss, lora),
    );
  });

  it('matches plain gradients on ORT CPU at every optimization level', async () => {
    const { g, loss, lora } = buildStack(SMALL);
    const plain = grad(g, loss, lora);
    const ckpt = gradCheckpointed(g, loss, lora, { checkpoint: BLOCKS });
    const feeds = feedsFor([loss]);
    const want = await runOrt(named(plain), feeds, 'disabled');
    for (const level of ['disabled', 'all'] as const) {
      const got = await runOrt(named(ckpt), feeds, level);
      for (const k of Object.keys(want))
        expect(relErr(got[k].data as Float32Array, want[k].data as Float32Array)).toBeLessThan(1e-5);
    }
  });
});

describe('checkpointing memory', () => {
  it('lowers the measured peak RSS of a 24-block stack by more than 30%', async () => {
    const plain = await measurePeak('stack-plain');
    const ckpt = await measurePeak('stack-checkpoint');
    expect(ckpt.loss).toBe(plain.loss);
    // Measured on the 2-core dev box: +652 MiB plain, +285 MiB checkpointed (ORT CPU, level 'all').
    expect(ckpt.grewKiB).toBeLessThan(0.7 * plain.grewKiB);
  }, 60_000);
});
