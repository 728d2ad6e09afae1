// IR graph → ONNX ModelProto (opset 21, IR 10): DCE to the requested outputs, readable names from scopes,
// Params as external data, Constants inline, one emitter per op from ops/ (ONNX operator spec names).

import { relative, sep } from 'node:path';
import { DTYPES, type DType } from '../graph/dtype';
import type { Node } from '../graph/node';
import { shapeToString, type Dim, type Shape } from '../graph/shape';
import { liveNodes } from '../passes/dce';
import { f32ToBf16, f32ToF16 } from '../../formats/safetensors';
import { toAttributes } from './attributes';
import { DimVectors, symbolSources } from './dims';
import { layoutExternal, type ExternalTensor } from './external-data';
import { commonRoot, type PlaceWeight, type WeightPlacement } from './weight-placement';
import { absorbedTransposes, emitterFor, type EmitContext, type NodeSpec } from './ops';
import {
  DATA_LOCATION,
  encodeModel,
  IR_VERSION,
  OPSET,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto';

export const PRODUCER = { name: 'tessera', version: '1' } as const;

export interface EmitOptions {
  /** Graph name (default 'tessera'). */
  name?: string;
  /** Basename of the weights file that sits next to the .onnx (default 'weights.bin'). */
  weightsFile?: string;
  /**
   * Reference each weight where `place` says it lies (the checkpoint itself, or a shared converted file)
   * instead of a weights file written for this model. The model then loads from `baseDir`.
   */
  place?: PlaceWeight;
}

export interface ModelValue {
  name: string;
  dtype: DType;
  shape: Dim[];
}

export interface EmittedModel {
  bytes: Uint8Array;
  externals: ExternalTensor[];
  weightsFile: string;
  inputs: ModelValue[];
  outputs: ModelValue[];
  /** Op nodes emitted (helpers included), for logs and tests. */
  nodeCount: number;
  /** With `place`: the folder the model's external data locations are relative to. */
  baseDir?: string;
  /** With `place`: the files the model reads weights from (real paths, sorted), e.g. to key caches by their state. */
  weightFiles: string[];
}

function valueInfo(name: string, dtype: DType, shape: Shape): ValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DTYPES[dtype].onnx, shape: { dim } } } };
}

/** NOTE: ±Infinity and huge values (slice "to the end") clamp to ±2^53, which every int64 consumer treats as unbounded. */
function toBigInt(v: number): bigint {
  return BigInt(Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v)));
}

const SCALARS: Record<DType, (v: number) => ArrayBufferView<ArrayBuffer>> = {
  f32: (v) => new Float32Array([v]),
  f16: (v) => f32ToF16(new Float32Array([v])) as Uint16Array<ArrayBuffer>,
  bf16: (v) => f32ToBf16(new Float32Array([v])) as Uint16Array<ArrayBuffer>,
  i64: (v) => new BigInt64Array([toBigInt(v)]),
  i32: (v) => new Int32Array([v]),
  bool: (v) => new Uint8Array([v ? 1 : 0]),
};

/** Little-endian bytes of a Constant's data in its own dtype. */
function rawBytes(dtype: DType, data: NonNullable<Node['data']>): Uint8Array {
  // NOTE: the builder contract keeps f16/bf16 constants as Float32Array values; ONNX wants 16-bit patterns.
  // A Uint16Array is already raw bits and passes through.
  const bits =
    data instanceof Float32Array && dtype === 'f16'
      ? f32ToF16(data)
      : data instanceof Float32Array && dtype === 'bf16'
        ? f32ToBf16(data)
        : data;
  if (bits.BYTES_PER_ELEMENT !== DTYPES[dtype].bytes)
    throw new Error(`emit: ${dtype} Constant holds ${bits.constructor.name} data`);
  return new Uint8Array(bits.buffer.slice(bits.byteOffset, bits.byteOffset + bits.byteLength));
}

/** One emission: owns names, initializers and nodes. */
class Emission implements EmitContext {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Map<number, string>();
  readonly leafNames = new Set<string>();
  private readonly consts = new Map<string, string>();
  private prefix = '';
  private helperCount = 0;
  dims!: DimVectors;

  value(n: Node): string {
    const v = this.names.get(n.id);
    if (v === undefined) throw new Error(`emit: ${n.op} #${n.id} used before it was emitted`);
    return v;
  }

  name(n: Node, value: string): void {
    this.names.set(n.id, value);
  }

  isLeafName(value: string): boolean {
    return this.leafNames.has(value);
  }

  add(
    opType: string,
    inputs: string[],
    attrs: Record<string, number> | AttributeProto[] = [],
    output?: string,
  ): string {
    const name = output ?? `${this.prefix}/${opType}_${this.helperCount++}`;
    const attribute = Array.isArray(attrs) ? attrs : toAttributes(opType, attrs);
    this.nodes.push({ input: inputs, output: [name], name, opType, attribute });
    return name;
  }

  private constant(dtype: DType, dims: number[], bytes: Uint8Array): string {
    const key = `${dtype}[${dims.join(',')}]${Buffer.from(bytes).toString('hex')}`;
    let name = this.consts.get(key);
    if (name === undefined) {
      name = `const_${this.consts.size}`;
      this.consts.set(key, name);
      this.initializers.push({ name, dims, dataType: DTYPES[dtype].onnx, rawData: bytes });
    }
    return name;
  }

  i64(values: readonly number[]): string {
    return this.constant(
      'i64',
      [values.length],
      new Uint8Array(new BigInt64Array(values.map(toBigInt)).buffer),
    );
  }

  floats(values: readonly number[]): string {
    return this.constant('f32', [values.length], new Uint8Array(new Float32Array(values).buffer));
  }

  scalar(dtype: DType, v: number): string {
    return this.constant(dtype, [], this.scalarBytes(dtype, v));
  }

  scalarBytes(dtype: DType, v: number): Uint8Array {
    const one = SCALARS[dtype](v);
    return new Uint8Array(one.buffer);
  }

  tensorData(n: Node): string {
    if (!n.data) throw new Error(`emit: Constant #${n.id} has no data`);
    return this.constant(n.dtype, n.shape as number[], rawBytes(n.dtype, n.data));
  }

  emitOp(n: Node, index: number): void {
    const base = `${n.op}_${index}`;
    this.prefix = n.scope ? `${n.scope}/${base}` : base;
    this.helperCount = 0;
    let spec: NodeSpec;
    try {
      spec = emitterFor(n.op)(n, this);
    } catch (err) {
      const shapes = n.inputs.map((i) => shapeToString(i.shape)).join(' × ');
      throw new Error(
        `${n.scope || '<root>'}: ${n.op} ${shapes} → ${shapeToString(n.shape)}: ${String(err)}`,
        {
          cause: err,
        },
      );
    }
    const out = this.prefix;
    this.nodes.push({
      input: spec.inputs,
      output: [out],
      name: out,
      opType: spec.opType ?? n.op,
      attribute: spec.attribute ?? toAttributes(n.op, n.attrs),
    });
    this.name(n, out);
  }
}

function leafName(n: Node): string {
  if (!n.name) throw new Error(`emit: ${n.op} #${n.id} has no name`);
  return n.name;
}

/** Inputs and params first (stable names), then every op in id order. */
function emitNodes(
  e: Emission,
  live: readonly Node[],
  placed: ReadonlyMap<string, WeightPlacement>,
): { inputs: Node[]; params: Node[] } {
  const inputs = live.filter((n) => n.op === 'Input');
  const params = live.filter((n) => n.op === 'Param');
  for (const n of [...inputs, ...params]) {
    e.name(n, leafName(n));
    e.leafNames.add(leafName(n));
  }
  for (const n of params)
    if (placed.get(leafName(n))?.storedShape)
      e.add('Transpose', [storedName(leafName(n))], toAttributes('Transpose', { perm: [1, 0] }), leafName(n));
  e.dims = new DimVectors(e, symbolSources(inputs));
  const absorbed = absorbedTransposes(live);
  let index = 0;
  for (const n of live) {
    if (n.op === 'Constant') e.name(n, e.tensorData(n));
    else if (absorbed.has(n.id)) index++;
    else if (n.op !== 'Input' && n.op !== 'Param') e.emitOp(n, index++);
  }
  return { inputs, params };
}

/** Graph outputs take the requested names; an Identity is added where that name is already used. */
function emitOutputs(e: Emission, outputs: Record<string, Node>): ModelValue[] {
  for (const name of Object.keys(outputs))
    if (e.isLeafName(name))
      throw new Error(`emit: output name '${name}' is already an input or parameter name`);
  const renamed = new Map<string, string>();
  const producers = new Map(e.nodes.map((p) => [p.output[0], p]));
  for (const [name, n] of Object.entries(outputs)) {
    const produced = producers.get(e.value(n));
    if (produced && !renamed.has(produced.output[0])) {
      renamed.set(produced.output[0], name);
      produced.output[0] = name;
      e.name(n, name);
    } else e.add('Identity', [e.value(n)], [], name);
  }
  for (const p of e.nodes) p.input = p.input.map((i) => renamed.get(i) ?? i);
  return Object.entries(outputs).map(([name, n]) => ({ name, dtype: n.dtype, shape: [...n.shape] }));
}

function externalTensors(params: readonly Node[]): ExternalTensor[] {
  return layoutExternal(
    params.map((n) => {
      if (!n.param) throw new Error(`emit: Param ${n.name} has no ParamRef`);
      if (!n.shape.every((d) => typeof d === 'number'))
        throw new Error(`emit: Param ${n.name} must have a static shape`);
      return { name: leafName(n), param: n.param, dtype: n.dtype, shape: n.shape as number[] };
    }),
  );
}

/** The initializer of a weight stored transposed; a Transpose node gives the graph its declared layout. */
const storedName = (name: string) => `${name}:stored`;

function placedInitializer(n: Node, at: WeightPlacement, baseDir: string): TensorProto {
  return externalInitializer(
    {
      name: at.storedShape ? storedName(leafName(n)) : leafName(n),
      dtype: n.dtype,
      shape: at.storedShape ?? (n.shape as number[]),
      offset: at.offset,
      length: at.length,
    },
    relative(baseDir, at.path).split(sep).join('/'),
  );
}

/** Every live weight's placement, by parameter name. */
function placeAll(live: readonly Node[], place: PlaceWeight | undefined): Map<string, WeightPlacement> {
  const placed = new Map<string, WeightPlacement>();
  if (!place) return placed;
  for (const n of live) {
    if (n.op !== 'Param') continue;
    if (!n.param) throw new Error(`emit: Param ${n.name} has no ParamRef`);
    if (!n.shape.every((d) => typeof d === 'number'))
      throw new Error(`emit: Param ${n.name} must have a static shape`);
    placed.set(
      leafName(n),
      place({ name: leafName(n), param: n.param, dtype: n.dtype, shape: n.shape as number[] }),
    );
  }
  return placed;
}

function externalInitializer(
  t: Pick<ExternalTensor, 'name' | 'dtype' | 'shape' | 'offset' | 'length'>,
  location: string,
): TensorProto {
  return {
    name: t.name,
    dims: [...t.shape],
    dataType: DTYPES[t.dtype].onnx,
    dataLocation: DATA_LOCATION.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(t.offset) },
      { key: 'length', value: String(t.length) },
    ],
  };
}

/**
 * Emits the part of the graph the named outputs need. Deterministic: the same graph gives the same bytes.
 * Weights are not read here; `writeExternal(dir/weightsFile, externals)` (or the cache) writes them.
 * @example const m = emitModel({ loss, grad_A: gA }); writeFileSync('step.onnx', m.bytes);
 */
export function emitModel(outputs: Record<string, Node>, options: EmitOptions = {}): EmittedModel {
  if (Object.keys(outputs).length === 0) throw new Error('emitModel: no outputs requested');
  const weightsFile = options.weightsFile ?? 'weights.bin';
  const live = liveNodes(Object.values(outputs));
  const placed = placeAll(live, options.place);
  const baseDir = placed.size ? commonRoot([...placed.values()].map((p) => p.path)) : undefined;
  if (baseDir === null)
    throw new Error(
      `emit: the weights lie on different drives (${[...new Set([...placed.values()].map((p) => p.path))].join(', ')}); ` +
        'keep the model and the cache folder on one drive',
    );
  const e = new Emission();
  const { inputs, params } = emitNodes(e, live, placed);
  const outputValues = emitOutputs(e, outputs);
  const externals = options.place ? [] : externalTensors(params);
  const weights = options.place
    ? params.map((n) => placedInitializer(n, placed.get(leafName(n))!, baseDir!))
    : externals.map((t) => externalInitializer(t, weightsFile));
  const bytes = encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: PRODUCER.name,
    producerVersion: PRODUCER.version,
    graph: {
      name: options.name ?? 'tessera',
      node: e.nodes,
      initializer: [...weights, ...e.initializers],
      input: inputs.map((n) => valueInfo(leafName(n), n.dtype, n.shape)),
      output: outputValues.map((o) => valueInfo(o.name, o.dtype, o.shape)),
    },
  });
  const modelInputs = inputs.map((n) => ({ name: leafName(n), dtype: n.dtype, shape: [...n.shape] }));
  return {
    bytes,
    externals,
    weightsFile,
    inputs: modelInputs,
    outputs: outputValues,
    nodeCount: e.nodes.length,
    ...(baseDir ? { baseDir } : {}),
    weightFiles: [...new Set([...placed.values()].map((p) => p.path))].sort(),
  };
}
