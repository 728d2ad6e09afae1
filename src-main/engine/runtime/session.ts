// The only module that imports onnxruntime-node: create / run / dispose, input validation before ORT, and ORT
// failures rewritten with a feeds dump and a user-language hint
// (docs/reference/ort-notes.md#the-node-binding, transformers.js backends/onnx.js).

import * as ort from 'onnxruntime-node';
import type { ProviderName } from '../../api/devices';
import type { DType } from '../graph/dtype';
import type { Dim } from '../graph/shape';
import { encodeModel, IR_VERSION, OPSET } from '../onnx/proto';
import { DTYPES } from '../graph/dtype';
import { dtypeFromOrt, ORT_TYPES, type TensorValue, type TensorData } from './tensor-io';
import { explainOrtError } from './errors';
import { physicalCores } from './threads';

export type { ProviderName } from '../../api/devices';
export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /** Execution providers in preference order; ORT assigns unsupported nodes to the CPU. Default ['cpu']. */
  providers?: readonly ProviderName[];
  /** intraOpNumThreads; default: the machine's physical cores (`physicalCores()`). */
  threads?: number;
  /**
   * Default 'extended'. 'all' adds the CPU layout transforms (NCHWc), which copy every conv weight into a
   * blocked layout at creation: measured on the SD1.5 training step, 29 s to create and +2.3 GiB, no faster.
   */
  optimization?: OptimizationLevel;
  /**
   * `session.disable_prepacking` (default true): weights stay in the mmapped file, shared by every session of
   * the process and by the page cache, instead of a packed private copy per session
   * (docs/reference/ort-notes.md#external-data; measured on the SD1.5 step: +3 GiB and +17 s creation for a
   * 13% faster step).
   */
  disablePrepacking?: boolean;
  /**
   * ORT's memory pattern (one block per run, planned from the first run's allocations). Default off: on the
   * SD1.5 step it raised the peak by 0.85 GiB and made the second run as slow as the first, for no steady gain.
   */
  memoryPattern?: boolean;
  /** WebGPU only: outputs to keep on the device as 'gpu-buffer' tensors, to feed back into the next run. */
  keepOnDevice?: readonly string[];
  /** Fail instead of silently assigning nodes to the CPU EP (used when probing a provider). */
  noCpuFallback?: boolean;
  /** Where ORT writes the graph as its optimizer left it (optimized-models.ts remembers it). */
  saveOptimizedTo?: string;
}

/** A model input or output as the session reports it; symbolic dims are their dim_param strings. */
export interface ModelIO {
  name: string;
  dtype: DType;
  shape: Dim[];
}

/** An output left in device memory (WebGPU gpu-buffer). Feed it back, or `readBack()` it; never read it directly. */
export class DeviceTensor {
  readonly kind = 'device';
  constructor(
    readonly dtype: DType,
    readonly shape: readonly number[],
    /** @internal the ORT tensor; only this module touches it. */
    readonly handle: ort.Tensor,
  ) {}
  dispose(): void {
    this.handle.dispose();
  }
}

export type Feed = TensorValue | DeviceTensor;

/**
 * An emitted model in memory whose external data locations are relative to `baseDir`. ORT resolves them
 * with `session.model_external_initializers_file_folder_path` and refuses anything outside that folder
 * (absolute paths, `..`, links out), so the emitter makes every location a path below it.
 */
export interface ModelBytes {
  bytes: Uint8Array;
  baseDir?: string;
}

function ioFrom(meta: readonly ort.InferenceSession.ValueMetadata[]): ModelIO[] {
  return meta.map((m) => {
    if (!m.isTensor) throw new Error(`model value ${m.name} is not a tensor`);
    const dtype = dtypeFromOrt(m.type);
    if (!dtype) throw new Error(`model value ${m.name} has type ${m.type}, which the engine does not use`);
    return { name: m.name, dtype, shape: [...m.shape] };
  });
}

function sessionOptions(options: SessionOptions, baseDir?: string): ort.InferenceSession.SessionOptions {
  const session: Record<string, string> = {};
  if (baseDir) session.model_external_initializers_file_folder_path = baseDir;
  if (options.disablePrepacking ?? true) session.disable_prepacking = '1';
  if (options.noCpuFallback) session.disable_cpu_ep_fallback = '1';
  const keep = options.keepOnDevice ?? [];
  return {
    executionProviders: [...(options.providers ?? ['cpu'])],
    intraOpNumThreads: options.threads ?? physicalCores(),
    graphOptimizationLevel: options.optimization ?? 'extended',
    enableMemPattern: options.memoryPattern ?? false,
    extra: { session },
    ...(options.saveOptimizedTo ? { optimizedModelFilePath: options.saveOptimizedTo } : {}),
    ...(keep.length
      ? { preferredOutputLocation: Object.fromEntries(keep.map((k) => [k, 'gpu-buffer' as const])) }
      : {}),
  };
}

/** The dims/types dump that goes into every validation and ORT error. */
export function describeFeeds(feeds: Record<string, Feed>): string {
  return Object.entries(feeds)
    .map(
      ([name, f]) =>
        `  ${name}: ${f.dtype} [${f.shape.join(',')}]${f instanceof DeviceTensor ? ' (on device)' : ''}`,
    )
    .join('\n');
}

function describeIO(io: readonly ModelIO[]): string {
  return io.map((i) => `  ${i.name}: ${i.dtype} [${i.shape.join(',')}]`).join('\n');
}

/** Checks names, dtypes, ranks, static dims and the consistency of each symbol across inputs. */
export function validateFeeds(inputs: readonly ModelIO[], feeds: Record<string, Feed>): void {
  const problems: string[] = [];
  const known = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(feeds)) if (!known.has(name)) problems.push(`unknown input '${name}'`);
  const symbols = new Map<string, { value: number; where: string }>();
  for (const input of inputs) {
    const feed = feeds[input.name];
    if (!feed) {
      problems.push(`missing input '${input.name}'`);
      continue;
    }
    if (feed.dtype !== input.dtype)
      problems.push(`input '${input.name}' must be ${input.dtype}, got ${feed.dtype}`);
    if (feed.shape.length !== input.shape.length) {
      problems.push(`input '${input.name}' must have rank ${input.shape.length}, got ${feed.shape.length}`);
      continue;
    }
    input.shape.forEach((d, axis) => {
      const got = feed.shape[axis];
      if (typeof d === 'number' && d !== got)
        problems.push(`input '${input.name}' axis ${axis} must be ${d}, got ${got}`);
      if (typeof d !== 'string') return;
      const seen = symbols.get(d);
      if (seen && seen.value !== got)
        problems.push(
          `dim '${d}' is ${seen.value} in ${seen.where} but ${got} in '${input.name}' axis ${axis}`,
        );
      else if (!seen) symbols.set(d, { value: got, where: `'${input.name}' axis ${axis}` });
    });
  }
  if (problems.length === 0) return;
  throw new Error(
    `invalid feeds:\n  - ${problems.join('\n  - ')}\nmodel inputs:\n${describeIO(inputs)}\nfeeds given:\n${describeFeeds(feeds)}`,
  );
}

function toOrt(value: Feed): ort.Tensor {
  if (value instanceof DeviceTensor) return value.handle;
  const type = ORT_TYPES[value.dtype];
  if (!type) throw new Error(`ORT cannot take ${value.dtype} tensors; convert to f32 first`);
  const data =
    value.dtype === 'bool'
      ? new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.length)
      : value.data;
  return new ort.Tensor(type as 'float32', data as Float32Array, [...value.shape]);
}

function fromOrt(t: ort.Tensor): Feed {
  const dtype = dtypeFromOrt(t.type);
  if (!dtype) throw new Error(`ORT returned a ${t.type} tensor, which the engine does not use`);
  if (t.location === 'gpu-buffer') return new DeviceTensor(dtype, [...t.dims], t);
  const data = (dtype === 'bool' ? new Uint8Array(t.data as Uint8Array) : t.data) as TensorData;
  return { dtype, shape: [...t.dims], data };
}

/** One ORT session over an emitted model file. */
export class Session {
  private disposed = false;
  private constructor(
    private readonly ortSession: ort.InferenceSession,
    readonly path: string,
    readonly providers: readonly ProviderName[],
    readonly inputs: ModelIO[],
    readonly outputs: ModelIO[],
  ) {}

  /**
   * Loads a model by path (external data next to it is mmapped), or from bytes whose external data lies
   * below `baseDir` (mmapped in place too).
   * @example const s = await Session.create('/cache/ab12/model.onnx', { providers: ['cpu'] });
   */
  static async create(
    path: string | Uint8Array | ModelBytes,
    options: SessionOptions = {},
  ): Promise<Session> {
    const opts = sessionOptions(
      options,
      typeof path === 'object' && !(path instanceof Uint8Array) ? path.baseDir : undefined,
    );
    let ortSession: ort.InferenceSession;
    let label: string;
    if (typeof path === 'string') {
      ortSession = await ort.InferenceSession.create(path, opts);
      label = path;
    } else if (path instanceof Uint8Array) {
      ortSession = await ort.InferenceSession.create(path, opts);
      label = '<bytes>';
    } else {
      ortSession = await ort.InferenceSession.create(path.bytes, opts);
      label = `<bytes over ${path.baseDir ?? 'no weights'}>`;
    }
    return new Session(
      ortSession,
      label,
      options.providers ?? ['cpu'],
      ioFrom(ortSession.inputMetadata),
      ioFrom(ortSession.outputMetadata),
    );
  }

  /**
   * Runs the model on all outputs (never a subset: with gpu-buffer outputs ORT rejects subsets).
   * @example const { loss } = await s.run({ x: tensor('f32', [1, 4], data) });
   */
  async run(feeds: Record<string, Feed>): Promise<Record<string, Feed>> {
    if (this.disposed) throw new Error(`session ${this.path} was disposed`);
    validateFeeds(this.inputs, feeds);
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrt(v)]));
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.ortSession.run(ortFeeds);
    } catch (err) {
      throw new Error(
        `${explainOrtError(err)}\nmodel: ${this.path} on ${this.providers.join(',')}\nfeeds:\n${describeFeeds(feeds)}`,
        {
          cause: err,
        },
      );
    }
    return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, fromOrt(v as ort.Tensor)]));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.ortSession.release();
  }
}

/** A one-node model `y = Identity(x)` with every dim symbolic: provider probes and gpu-buffer read-back. */
export function identityModel(dtype: DType, rank: number): Uint8Array {
  const dim = Array.from({ length: rank }, (_, i) => ({ dimParam: `d${i}` }));
  const value = (name: string) => ({
    name,
    type: { tensorType: { elemType: DTYPES[dtype].onnx, shape: { dim } } },
  });
  return encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'tessera',
    producerVersion: 'identity',
    graph: {
      name: 'identity',
      node: [{ input: ['x'], output: ['y'], name: 'Identity', opType: 'Identity', attribute: [] }],
      initializer: [],
      input: [value('x')],
      output: [value('y')],
    },
  });
}

/**
 * Copies a WebGPU gpu-buffer tensor to the host through an Identity session with a CPU output. NOTE:
 * `getData()` on a gpu-buffer tensor aborts the process in onnxruntime-node 1.30
 * (docs/reference/ort-notes.md#device-resident-outputs).
 */
export async function readBack(t: DeviceTensor): Promise<TensorValue> {
  const s = await Session.create(identityModel(t.dtype, t.shape.length), { providers: ['webgpu'] });
  try {
    const out = await s.run({ x: t });
    return out.y as TensorValue;
  } finally {
    s.dispose();
  }
}

/** Tries one provider on a tiny model; resolves to null when it works, else ORT's reason. */
export async function probeProvider(name: ProviderName): Promise<string | null> {
  try {
    const s = await Session.create(identityModel('f32', 2), {
      providers: [name],
      noCpuFallback: name !== 'cpu',
    });
    s.dispose();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

/** The providers compiled into this onnxruntime-node build (bundled = no extra download needed). */
export function compiledProviders(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}
