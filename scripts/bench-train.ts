// Training figures for `npm run bench train` (CPU provider): where the time to the first step goes (graph
// build, autodiff and passes, emission, weight mapping, session creation, first runs), the step time, where
// the memory goes (weights read in place, activations and workspace, with and without gradient
// checkpointing), disk written, a training run with previews beside one without, a full-size SDXL step at
// 512 px, and `tessera train` / `tessera sample` from a cold and a warm start on a full SD1.5 checkpoint.
// Full-size models have random weights (scripts/random-checkpoint.ts). Each case runs in its own process so
// its peak RSS is its own. Figures, not pass/fail.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { Graph, type TensorValue } from '../src-main/engine';
import { emitModel } from '../src-main/engine/onnx/emit';
import { weightRequests, weightStore } from '../src-main/engine/runtime/compile';
import { optimizedSession } from '../src-main/engine/runtime/optimized-models';
import { Session, type Feed } from '../src-main/engine/runtime/session';
import { physicalCores } from '../src-main/engine/runtime/threads';
import { RuntimeLoRA } from '../src-main/lora/inject';
import { planTargets } from '../src-main/lora/plan';
import { FAMILIES, type FamilyId } from '../src-main/models/families';
import { buildUNet } from '../src-main/models/unet';
import { componentOf, openCheckpoint } from '../src-main/models/weights';
import { groupLive, simulateLiveness } from '../src-main/engine/passes/liveness';
import { DEFAULT_CONFIG } from '../src-main/train/config';
import { createOptimizer } from '../src-main/train/optim/index';
import { ATTENTION_CORE_SEGMENTS, buildStepGraph, UNET_BLOCK_SEGMENTS } from '../src-main/train/step-graph';
import { makeTinyCheckpoints } from './make-tiny-checkpoints';
import { randomCheckpoint } from './random-checkpoint';
import { stepFeeds, wave } from './step-feeds';

const run = promisify(execFile);
const WORK = process.env.TESSERA_BENCH_DIR ?? join(tmpdir(), 'tessera-bench');
const GiB = 2 ** 30;

/** diffusers + PEFT on PyTorch 1.13.1 (Debian), same machine, same step: issue #13's measurements. */
const PYTORCH = { step: 10.1, firstStep: 32.3, peak: 5.52, ckptStep: 15.9, ckptPeak: 5.06 };

interface StepCase {
  name: string;
  family: FamilyId;
  latent: number;
  checkpointing?: boolean;
  /** Memory-efficient attention (the recomputeAttention option): only attention cores recomputed. */
  attention?: boolean;
  /** Also compile and run a preview UNet (runtime LoRA) between steps, as a run with previews does. */
  previews?: boolean;
  steps: number;
}

const STEP_CASES: StepCase[] = [
  { name: 'tiny-sd1 32×32', family: 'tiny-sd1', latent: 32, steps: 5 },
  { name: 'SD1.5 256px', family: 'sd1', latent: 32, steps: 5 },
  { name: 'SD1.5 256px ckpt', family: 'sd1', latent: 32, checkpointing: true, steps: 5 },
  { name: 'SD1.5 256px + previews', family: 'sd1', latent: 32, previews: true, steps: 5 },
  { name: 'SD1.5 512px', family: 'sd1', latent: 64, steps: 3 },
  { name: 'SD1.5 512px attn', family: 'sd1', latent: 64, attention: true, steps: 3 },
  { name: 'SD1.5 512px ckpt', family: 'sd1', latent: 64, checkpointing: true, steps: 3 },
  { name: 'SDXL 512px ckpt', family: 'sdxl', latent: 64, checkpointing: true, steps: 3 },
];

async function unetFile(family: FamilyId): Promise<string> {
  if (family.startsWith('tiny-')) return (await makeTinyCheckpoints(join(WORK, 'tiny')))[family];
  return randomCheckpoint(family, 'F32', 'unet', join(WORK, `${family}-unet-f32.safetensors`));
}

const rss = () => process.memoryUsage().rss;

/**
 * Anonymous resident memory of this process (Linux RssAnon; 0 elsewhere): what activations and workspace take,
 * without the checkpoint's file-backed pages. ORT's arena keeps what a run grew to, so after the runs it is
 * the peak.
 */
function rssAnon(): number {
  try {
    const m = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Feeds for every input of a session with static shapes (LoRA A small, B zero, data waves). */
function feedsFor(s: Session, given: Record<string, TensorValue>): Record<string, Feed> {
  const out: Record<string, Feed> = {};
  for (const i of s.inputs) {
    if (given[i.name]) {
      out[i.name] = given[i.name];
      continue;
    }
    const shape = i.shape.map((d) => (typeof d === 'number' ? d : 1));
    const n = shape.reduce((a, b) => a * b, 1);
    out[i.name] = {
      dtype: 'f32',
      shape,
      data: i.name.endsWith('.up') ? new Float32Array(n) : wave(n, 0.01, 0.05),
    };
  }
  return out;
}

function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((a, e) => a + statSync(join(e.parentPath, e.name)).size, 0);
}

/** One step case, in this process: prints one JSON line of seconds and bytes. */
async function measureStep(c: StepCase): Promise<void> {
  const cfg = FAMILIES[c.family];
  const path = await unetFile(c.family);
  const cacheDir = join(WORK, 'onnx');
  const diskBefore = bytesUnder(cacheDir);
  const base = rss();
  const t: Record<string, number> = {};
  let at = performance.now();
  const lap = (k: string) => {
    const now = performance.now();
    t[k] = (now - at) / 1000;
    at = now;
  };
  const ckpt = await openCheckpoint(path, { configId: c.family });
  const weights = componentOf(ckpt, 'unet');
  const [n, tokens, ctx] = [1, 77, cfg.unet.crossAttentionDim];
  const rank = 16;
  const modules = planTargets({ family: c.family, targetSet: 'attention', rank, alpha: rank }).map(
    (target) => ({ target, rank, alpha: rank }),
  );
  lap('open');
  // The forward graph alone, to split graph building from autodiff and passes.
  const gf = new Graph();
  const lat = [n, 4, c.latent, c.latent];
  const addition = cfg.unet.addition;
  const pooledWidth = cfg.textEncoders.at(-1)?.projectionDim ?? 0;
  buildUNet(gf, cfg.unet, weights, {
    sample: gf.input('sample', 'f32', lat),
    timestep: gf.input('timestep', 'f32', [n]),
    context: gf.input('context', 'f32', [n, tokens, ctx]),
    ...(addition
      ? {
          textEmbeds: gf.input('text_embeds', 'f32', [n, pooledWidth]),
          timeIds: gf.input('time_ids', 'f32', [
            n,
            (addition.inputDim - pooledWidth) / addition.timeEmbedDim,
          ]),
        }
      : {}),
  });
  lap('build');
  const built = buildStepGraph({
    config: cfg,
    modules,
    denoiser: (g, inputs) => buildUNet(g, cfg.unet, weights, inputs),
    shape: { batch: n, height: c.latent, width: c.latent, contextLength: tokens },
    minSnrGamma: 5,
    packed: true,
    ...(c.checkpointing ? { checkpoint: UNET_BLOCK_SEGMENTS } : {}),
    ...(c.attention ? { checkpoint: ATTENTION_CORE_SEGMENTS } : {}),
  });
  t.autodiff = Math.max(0, (performance.now() - at) / 1000 - t.build);
  at = performance.now();
  const store = weightStore(cacheDir);
  await store.prepare(weightRequests(built.outputs));
  lap('weights');
  const m = emitModel(built.outputs, { name: 'train_step', place: store.place });
  lap('emit');
  // A fresh folder for the optimized graph, so this is the cold path: ORT optimizes and writes it.
  const graphs = await mkdtemp(join(WORK, 'graphs-'));
  const session = (await optimizedSession(m, graphs)).session;
  lap('session');
  const afterCreate = rss();
  // The model runs before the baseline so its own JS allocations are not counted as the step's memory.
  const sim = simulateLiveness(built.outputs, built.outputs.loss);
  const simGroups = groupLive(sim.live, (x) => `${x.phase} ${x.node.op}`).slice(0, 4);
  const anonBefore = rssAnon();
  const data = stepFeeds(cfg, c.latent);
  const feeds = feedsFor(session, data);
  const before = usage();
  await session.run(feeds);
  lap('run1');
  const firstRun = usage(before);
  await session.run(feeds);
  lap('run2');
  const anonRun = rssAnon() - anonBefore;
  let preview: Session | null = null;
  const times: number[] = [];
  for (let i = 0; i < c.steps; i++) {
    if (c.previews && i === 1) {
      // A preview: the UNet with the LoRA as runtime inputs, batch 2 (CFG), as CheckpointModel builds it.
      const lora = new RuntimeLoRA(modules, { strength: 'input' });
      const g = new Graph({ adapter: lora });
      const out = buildUNet(g, cfg.unet, weights, {
        sample: g.input('sample', 'f32', [2, 4, c.latent, c.latent]),
        timestep: g.input('timestep', 'f32', [2]),
        context: g.input('context', 'f32', [2, tokens, ctx]),
      });
      const pm = emitModel({ out }, { place: store.place });
      preview = await Session.create({ bytes: pm.bytes, ...(pm.baseDir ? { baseDir: pm.baseDir } : {}) });
      for (let k = 0; k < 2; k++) await preview.run(feedsFor(preview, {}));
    }
    const s = performance.now();
    await session.run(feeds);
    times.push((performance.now() - s) / 1000);
  }
  times.sort((a, b) => a - b);
  // The host side of an optimizer step on the CPU provider: AdamW in TypeScript over every LoRA matrix.
  const optimizer = createOptimizer({ ...DEFAULT_CONFIG, optimizer: 'adamw' });
  const params = new Map(
    built.params
      .flatMap((p) => [p.down, p.up])
      .map((n, i) => [
        String(i),
        wave(
          n.shape.reduce<number>((a, d) => a * (d as number), 1),
          0.01,
          0.05,
        ),
      ]),
  );
  const grads = new Map([...params].map(([k, v]) => [k, v.map((x) => x * 0.1)]));
  const updates: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    optimizer.step(params, grads, 1e-4);
    updates.push((performance.now() - s) / 1000);
  }
  // A later run's session: the optimized graph remembered above, loaded with ORT's optimizer off.
  at = performance.now();
  const again = await optimizedSession(m, graphs);
  lap('sessionRemembered');
  again.session.dispose();
  await rm(graphs, { recursive: true, force: true });
  const weightsBytes = weightRequests(built.outputs).reduce(
    (a, w) => a + (w.param.byteEnd - w.param.byteStart),
    0,
  );
  console.log(
    JSON.stringify({
      ...t,
      first: t.open + t.build + t.autodiff + t.weights + t.emit + t.session + t.run1,
      median: times[times.length >> 1],
      nodes: m.nodeCount,
      base,
      afterCreate,
      peak: process.resourceUsage().maxRSS * 1024,
      weightsBytes,
      disk: bytesUnder(cacheDir) - diskBefore,
      hasPreview: preview !== null,
      anonRun,
      hostUpdate: updates.sort((a, b) => a - b)[1],
      loraParams: [...params.values()].reduce((a, v) => a + v.length, 0),
      simPeak: sim.peakBytes,
      simGroups: simGroups
        .map((x) => `${x.group} ${(x.bytes / 2 ** 20).toFixed(0)} MiB (${x.count})`)
        .join(', '),
      run1Faults: firstRun.faults,
      run1System: firstRun.system,
    }),
  );
}

/** A case's figures (numbers, plus the simulated table's text in `simGroups`). */
type Measured = Record<string, number> & { simGroups: string };

/** Minor page faults and system CPU seconds since `since` (or since the process started). */
function usage(since?: { faults: number; system: number }): { faults: number; system: number } {
  const u = process.resourceUsage();
  const now = { faults: u.minorPageFault, system: u.systemCPUTime / 1e6 };
  return since ? { faults: now.faults - since.faults, system: now.system - since.system } : now;
}

/**
 * What this machine charges for memory touched the first time: seconds per GiB of fresh 4 KiB pages. A run's
 * first pass touches every activation buffer once, so its extra time over the second is mostly this figure
 * times the fresh memory (on the project's microVM each fault also waits for the host to back the page).
 */
function firstTouchSecondsPerGiB(): number {
  const bytes = 256 * 2 ** 20;
  const t = performance.now();
  const b = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) b[i] = 1;
  return ((performance.now() - t) / 1000) * (GiB / bytes);
}

/** Pss of a process in bytes (Linux): shared file pages mapped twice in one process count once, unlike Rss. */
function pssOf(pid: number): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Runs one case in a child process; adds its peak Pss, sampled every 250 ms from here (ORT's run() blocks the
 * child's own timers). ORT maps external data once per session, so two sessions over one checkpoint count
 * its pages twice in Rss although they are one copy in memory: Pss tells the real footprint.
 */
async function child(args: string[]): Promise<Measured> {
  const self = fileURLToPath(import.meta.url);
  const p = run(process.execPath, ['--import', 'tsx', self, ...args], {
    maxBuffer: 1 << 24,
    timeout: 3600_000,
  });
  let peakPss = 0;
  const pid = p.child.pid;
  const timer = setInterval(() => {
    const v = pid === undefined ? null : pssOf(pid);
    if (v !== null) peakPss = Math.max(peakPss, v);
  }, 250);
  try {
    const { stdout } = await p;
    return { ...JSON.parse(stdout.trim().split('\n').pop()!), peakPss } as Measured;
  } finally {
    clearInterval(timer);
  }
}

const s1 = (v: number) => `${v.toFixed(1)} s`;
const gib = (v: number) => `${(v / GiB).toFixed(2)} GiB`;

function stepLines(c: StepCase, r: Measured, plain?: Measured): string[] {
  const mib = (v: number) => `${(v / 2 ** 20).toFixed(0)} MiB`;
  const lines = [
    `  ${c.name}: step ${r.median.toFixed(2)} s · first step ${s1(r.first)} · peak RSS ${gib(r.peak)} · peak Pss ${gib(r.peakPss)} (${r.nodes} ONNX nodes)`,
    `    time to first step: open ${s1(r.open)} · graph ${s1(r.build)} · autodiff+passes ${s1(r.autodiff)} · ` +
      `weight mapping ${s1(r.weights)} · emission ${s1(r.emit)} · session ${s1(r.session)} · first run ${s1(r.run1)} (second ${s1(r.run2)}; ` +
      `the first took ${Math.round(r.run1Faults / 1000)}k page faults and ${s1(r.run1System)} of system time)`,
    `    a later run, the step remembered (optimized-models.ts): no graph, autodiff or emission; session ${s1(r.sessionRemembered)} ` +
      `from ORT's optimized graph with its optimizer off (${s1(r.session)} above, optimizing and writing it)`,
    `    memory: weights read in place ${gib(r.weightsBytes)} (file-backed, shared) · process before ${gib(r.base)} · ` +
      `after session ${gib(r.afterCreate)} (graph and session structures) · activations + workspace ${gib(r.anonRun)} ` +
      `(anonymous memory the runs add) · disk written ${(r.disk / 2 ** 20).toFixed(1)} MiB`,
    `    host update (AdamW in TypeScript over ${(r.loraParams / 1e6).toFixed(2)}M LoRA values): ${(r.hostUpdate * 1000).toFixed(0)} ms, ` +
      `${((100 * r.hostUpdate) / (r.median + r.hostUpdate)).toFixed(1)}% of the step`,
    `    simulated in ORT's run order (passes/liveness.ts): activations peak ${mib(r.simPeak)}; live at the peak: ${r.simGroups}`,
  ];
  if (plain) {
    if (c.checkpointing || c.attention)
      lines.push(
        `    ${c.checkpointing ? 'gradient checkpointing' : 'memory-efficient attention'}: activations + workspace −${(100 * (1 - r.anonRun / plain.anonRun)).toFixed(0)}% ` +
          `(simulated activations −${(100 * (1 - r.simPeak / plain.simPeak)).toFixed(0)}%), step +${(100 * (r.median / plain.median - 1)).toFixed(0)}%`,
      );
    if (c.previews)
      lines.push(
        `    with previews / without: peak Pss ×${(r.peakPss / plain.peakPss).toFixed(2)} (peak RSS ×${(r.peak / plain.peak).toFixed(2)}, counting the checkpoint once per session)`,
      );
  }
  return lines;
}

/** Runs `tessera` as a user would; resolves with seconds until `marker` appears on stdout, and the total. */
function timed(args: string[], marker: RegExp): Promise<{ toMarker: number; total: number }> {
  const bin = fileURLToPath(new URL('../bin/tessera.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let toMarker = NaN;
    let out = '';
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (Number.isNaN(toMarker) && marker.test(out)) toMarker = (performance.now() - start) / 1000;
    });
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.on('close', (code) =>
      code === 0
        ? resolve({ toMarker, total: (performance.now() - start) / 1000 })
        : reject(new Error(`tessera ${args[0]} exited ${code}: ${out.slice(-400)}`)),
    );
  });
}

/**
 * `tessera train` to its first step and `tessera sample` to its image, cold (fresh cache) then warm. They run
 * the built CLI (`npm run build`, as the installers ship it): from source, tsx adds ~0.6 s of start-up.
 */
async function endToEnd(): Promise<string[]> {
  await run(
    process.execPath,
    [fileURLToPath(new URL('../node_modules/electron-vite/bin/electron-vite.js', import.meta.url)), 'build'],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    },
  );
  const model = await randomCheckpoint('sd1', 'F32', 'full', join(WORK, 'sd1-full-f32.safetensors'));
  const dir = join(WORK, 'e2e');
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  await sharp({ create: { width: 256, height: 256, channels: 3, background: '#7a4' } })
    .png()
    .toFile(join(dir, 'data', 'a.png'));
  writeFileSync(join(dir, 'data', 'a.txt'), 'a green square');
  const cache = join(dir, 'cache');
  const train = (run: string) =>
    timed(
      [
        'train',
        '--model',
        model,
        '--dataset',
        join(dir, 'data'),
        '--out',
        join(dir, run),
        '--cache',
        cache,
        '--resolution',
        '256',
        '--max-steps',
        '1',
        '--sample-every-steps',
        '0',
        '--save-every-steps',
        '0',
      ],
      /step 1\/1/,
    );
  const sample = () =>
    timed(
      [
        'sample',
        '--model',
        model,
        '--prompt',
        'a green square',
        '--out',
        join(dir, 'x.png'),
        '--cache',
        cache,
        '--width',
        '256',
        '--height',
        '256',
        '--steps',
        '1',
      ],
      /x\.png/,
    );
  const cold = await train('cold');
  // Warm: the median of three runs, since one run on this VM varies by a second or more.
  const warmRuns = [await train('warm'), await train('warm2'), await train('warm3')];
  const warm = [...warmRuns].sort((a, b) => a.toMarker - b.toMarker)[1];
  // The warm run loads the step the cold one compiled (optimized-models.ts): its adapter must be the same bytes.
  const tensorBytes = (run: string) => {
    const buf = readFileSync(join(dir, run, 'lora.safetensors'));
    return buf.subarray(8 + Number(buf.readBigUInt64LE(0)));
  };
  const same = tensorBytes('cold').equals(tensorBytes('warm'));
  await sample();
  const samples = [await sample(), await sample(), await sample()];
  const sampleWarm = [...samples].sort((a, b) => a.total - b.total)[1];
  const written = bytesUnder(cache);
  return [
    `  disk written by the trains and samples into the cache: ${(written / 2 ** 20).toFixed(1)} MiB ` +
      `(${((100 * written) / statSync(model).size).toFixed(2)}% of the model; optimized graphs, latents and hashes only; weights are read from the checkpoint)`,
    `  tessera train (built CLI), full SD1.5 (f32 single file, 256 px, 1 image): first step ${s1(cold.toMarker)} with an empty cache, ` +
      `${s1(warm.toMarker)} when run again (median of ${warmRuns.map((r) => r.toMarker.toFixed(1)).join(', ')} s), its step loaded as compiled by the first run (PyTorch reference: ${s1(PYTORCH.firstStep)}); ` +
      `the two adapters' tensors are ${same ? 'bit-identical' : 'DIFFERENT'}`,
    `  tessera sample, same model, warm: image after 1 step ${s1(sampleWarm.total)} (median of three; an upper bound on the time to the first denoising step)`,
  ];
}

/** Runs every case in a child process and prints the section. */
export async function benchTrain(filter = ''): Promise<string[]> {
  const lines = [
    `training (CPU provider, ${physicalCores()} threads, batch 1, rank-16 LoRA on attention, min-SNR 5; median step after two warm-up runs; peak RSS of the whole process):`,
    `  PyTorch reference (diffusers + PEFT, torch 1.13.1, same machine, SD1.5 256px; issue #13): step ${PYTORCH.step} s · first step ${PYTORCH.firstStep} s · peak RSS ${PYTORCH.peak} GiB; with checkpointing ${PYTORCH.ckptStep} s · ${PYTORCH.ckptPeak} GiB`,
    `  this machine touches fresh memory at ${firstTouchSecondsPerGiB().toFixed(2)} s per GiB (4 KiB pages): the first run of a step pays it for every buffer`,
  ];
  const results = new Map<string, Measured>();
  for (const c of STEP_CASES.filter((x) => x.name.includes(filter))) {
    const from = lines.length;
    try {
      const r = await child(['--case', c.name]);
      results.set(c.name, r);
      const plain =
        c.checkpointing || c.attention || c.previews
          ? results.get(c.name.replace(/ (ckpt|attn|\+ previews)$/, ''))
          : undefined;
      lines.push(...stepLines(c, r, plain));
    } catch (err) {
      lines.push(`  ${c.name}: failed: ${(err as Error).message.split('\n').slice(-3).join(' | ')}`);
    }
    console.error(lines.slice(from).join('\n'));
  }
  if ('tessera'.includes(filter) || filter === '')
    try {
      lines.push(...(await endToEnd()));
    } catch (err) {
      lines.push(`  tessera train/sample: failed: ${(err as Error).message}`);
    }
  return lines;
}

const arg = process.argv.indexOf('--case');
if (arg > 0) await measureStep(STEP_CASES.find((c) => c.name === process.argv[arg + 1])!);
else if (process.argv[1] === fileURLToPath(import.meta.url))
  for (const l of await benchTrain(process.argv[2] ?? '')) console.log(l);
