// Engine figures for `npm run bench engine` (issue #3, docs/reference/ort-notes.md#graph-size and
// #cpu-speed): forward and forward+backward time and peak RSS of a 320-channel 64×64 conv stack and of
// 4096-token attention, session build time of a ~20k-node graph, and ops/lines per engine folder. Each graph
// case runs in its own process (bench-train.ts pattern) so its peak RSS is its own. Figures, not pass/fail.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Graph, nn, OP_KINDS, grad, type Node } from '../src-main/engine';
import { chunkedAttention } from '../src-main/engine/passes/attention';
import { ensureCached } from '../src-main/engine/onnx/cache';
import { emitModel } from '../src-main/engine/onnx/emit';
import { Session, type OptimizationLevel } from '../src-main/engine/runtime/session';
import type { TensorValue } from '../src-main/engine/runtime/tensor-io';
import { codeLines } from './sz';

const run = promisify(execFile);

/** A built case: named outputs and the feeds for every input. */
interface Built {
  outputs: Record<string, Node>;
  feeds: Record<string, TensorValue>;
}

interface Case {
  name: string;
  build: () => Built;
  optimization?: OptimizationLevel;
}

/** What one child process prints (seconds, MiB). */
interface Measured {
  nodes: number;
  graph: number;
  emit: number;
  create: number;
  median: number;
  peak: number;
}

const CHANNELS = 320;
const SIZE = 64;
const TOKENS = 4096;
const HEADS = 8;

/**
 * Deterministic, distinct per tensor (ORT shares identical initializers:
 * docs/reference/ort-notes.md#the-dedup-trap).
 */
const wave = (n: number, f: number, phase = 0) =>
  Float32Array.from({ length: n }, (_, i) => 0.05 * Math.sin(i * f + phase));

const f32 = (shape: number[], data: Float32Array): TensorValue => ({ dtype: 'f32', shape, data });

/** Σ y² (a scalar loss without a large constant). */
const sumSquares = (g: Graph, y: Node) =>
  g.reduceSum(
    g.mul(y, y),
    y.shape.map((_, i) => i),
    false,
  );

/** 4 × (conv 3×3 → groupNorm(32) → SiLU) at [1, 320, 64, 64]; frozen conv weights, trainable norm affine. */
function convStack(backward: boolean): Built {
  const g = new Graph();
  const x = g.input('x', 'f32', [1, CHANNELS, SIZE, SIZE]);
  const affine: Node[] = [];
  let h = x;
  for (let i = 0; i < 4; i++)
    h = g.scope(`block.${i}`, () => {
      const w = g.constant(wave(CHANNELS * CHANNELS * 9, 0.37, i), [CHANNELS, CHANNELS, 3, 3]);
      const [gamma, beta] = [g.input(`gamma${i}`, 'f32', [CHANNELS]), g.input(`beta${i}`, 'f32', [CHANNELS])];
      affine.push(gamma, beta);
      const y = nn.conv2d(g, h, w, undefined, { padding: 1 }); // [1, 320, 64, 64]
      return nn.silu(g, nn.groupNorm(g, y, 32, gamma, beta));
    });
  const feeds: Record<string, TensorValue> = {
    x: f32(x.shape as number[], wave(CHANNELS * SIZE * SIZE, 0.11)),
  };
  for (const p of affine)
    feeds[p.name!] = f32(
      [CHANNELS],
      wave(CHANNELS, 0.5, p.id).map((v) => 1 + v),
    );
  if (!backward) return { outputs: { y: h }, feeds };
  const loss = sumSquares(g, h);
  const grads = grad(g, loss, [x, ...affine]);
  return { outputs: { loss, ...Object.fromEntries(grads.map((d, i) => [`grad_${i}`, d])) }, feeds };
}

/** Self-attention over 4096 tokens, 8 heads × 40, from primitives (optionally in query chunks). */
function attention4096(backward: boolean, queryChunk?: number): Built {
  const g = new Graph();
  const c = HEADS * 40;
  const [q, k, v] = ['q', 'k', 'v'].map((n) => g.input(n, 'f32', [1, TOKENS, c]));
  const y = queryChunk
    ? chunkedAttention(g, q, k, v, { heads: HEADS, queryChunk })
    : nn.attention(g, q, k, v, { heads: HEADS }); // [1, 4096, 320]
  const feeds = Object.fromEntries(
    ['q', 'k', 'v'].map((n, i) => [n, f32([1, TOKENS, c], wave(TOKENS * c, 0.013 * (i + 1)))]),
  );
  if (!backward) return { outputs: { y }, feeds };
  const loss = sumSquares(g, y);
  const [dq, dk, dv] = grad(g, loss, [q, k, v]);
  return { outputs: { loss, dq, dk, dv }, feeds };
}

/**
 * GroupNorm composite + SiLU + conv 32ch 3×3 on [1, 32, 16, 16], repeated until ~20k op nodes
 * (docs/reference/ort-notes.md#graph-size).
 */
function blocks20k(): Built {
  const g = new Graph();
  const x = g.input('x', 'f32', [1, 32, 16, 16]);
  let h = x;
  for (let i = 0; g.nodes.length < 20_000 + i; i++)
    h = g.scope(`block.${i}`, () => {
      const w = g.constant(wave(32 * 32 * 9, 0.29, i), [32, 32, 3, 3]); // one leaf per block
      return nn.conv2d(g, nn.silu(g, nn.groupNorm(g, h, 8)), w, undefined, { padding: 1 });
    });
  return { outputs: { y: h }, feeds: { x: f32([1, 32, 16, 16], wave(32 * 256, 0.7)) } };
}

const CASES: Case[] = [
  { name: 'conv stack 320ch 64×64 forward', build: () => convStack(false) },
  { name: 'conv stack 320ch 64×64 fwd+bwd', build: () => convStack(true) },
  { name: 'attention 4096×(8×40) forward', build: () => attention4096(false) },
  { name: 'attention 4096×(8×40) fwd+bwd', build: () => attention4096(true) },
  { name: 'attention 4096 fwd+bwd chunk 1024', build: () => attention4096(true, 1024) },
  { name: 'graph of ~20k nodes, optimization all', build: blocks20k },
  { name: 'graph of ~20k nodes, optimization disabled', build: blocks20k, optimization: 'disabled' },
];

const seconds = (from: number) => (performance.now() - from) / 1000;

/** One case, in this process: build, emit, create (fresh cache folder), 1 warm-up + 3 runs; prints JSON. */
async function measure(c: Case): Promise<void> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'tessera-bench-engine-'));
  try {
    let t = performance.now();
    const { outputs, feeds } = c.build();
    const graph = seconds(t);
    t = performance.now();
    const model = emitModel(outputs);
    const emit = seconds(t);
    t = performance.now();
    const session = await Session.create(ensureCached(model, cacheDir).modelPath, {
      providers: ['cpu'],
      optimization: c.optimization ?? 'all',
    });
    const create = seconds(t);
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      t = performance.now();
      await session.run(feeds);
      if (i > 0) times.push(seconds(t));
    }
    session.dispose();
    const median = times.sort((a, b) => a - b)[1];
    const peak = process.resourceUsage().maxRSS / 1024;
    const out: Measured = { nodes: model.nodeCount, graph, emit, create, median, peak };
    console.log(JSON.stringify(out));
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

function formatCase(name: string, r: Measured): string {
  const build = `graph ${r.graph.toFixed(2)} s · emit ${r.emit.toFixed(2)} s · session ${r.create.toFixed(2)} s`;
  return `  ${name.padEnd(44)} ${String(r.nodes).padStart(6)} nodes · ${build} · run ${(r.median * 1000).toFixed(0)} ms · peak RSS ${r.peak.toFixed(0)} MiB`;
}

/** Ops in the IR and code lines per engine folder (scripts/sz.ts counting). */
export function engineSize(root = 'src-main/engine'): string[] {
  const lines = [`  ops: ${OP_KINDS.length}`];
  const count = (dir: string): number =>
    readdirSync(dir).reduce((sum, name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sum + count(path);
      return name.endsWith('.ts') ? sum + codeLines(readFileSync(path, 'utf8')) : sum;
    }, 0);
  let total = 0;
  for (const folder of readdirSync(root).sort()) {
    const path = join(root, folder);
    const n = statSync(path).isDirectory() ? count(path) : codeLines(readFileSync(path, 'utf8'));
    total += n;
    lines.push(`  ${folder.padEnd(14)} ${String(n).padStart(6)} lines`);
  }
  lines.push(`  ${'total'.padEnd(14)} ${String(total).padStart(6)} lines`);
  return lines;
}

/**
 * Runs every case whose name contains `filter` in a child process, then the size table; returns printable lines.
 * @example for (const line of await benchEngine('attention')) console.log(line);
 */
export async function benchEngine(filter = ''): Promise<string[]> {
  const lines = [
    'engine (CPU provider, 2 threads, median of 3 runs after a warm-up; peak RSS of the process):',
  ];
  const self = fileURLToPath(import.meta.url);
  for (const c of CASES.filter((x) => x.name.includes(filter))) {
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', self, '--case', c.name], {
        maxBuffer: 1 << 24,
        timeout: 1800_000,
      });
      lines.push(formatCase(c.name, JSON.parse(stdout.trim().split('\n').pop()!) as Measured));
    } catch (err) {
      lines.push(`  ${c.name.padEnd(44)} failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return [...lines, 'engine size:', ...engineSize()];
}

const arg = process.argv.indexOf('--case');
if (arg > 0) {
  const c = CASES.find((x) => x.name === process.argv[arg + 1]);
  if (!c)
    throw new Error(
      `unknown case '${process.argv[arg + 1]}'; one of: ${CASES.map((x) => x.name).join(', ')}`,
    );
  await measure(c);
} else if (process.argv[1] === fileURLToPath(import.meta.url))
  for (const l of await benchEngine(process.argv[2] ?? '')) console.log(l);
