// Graph: owns the nodes (interned by structural key, so CSE is free), module scopes, leaves and the
// math API. Every op goes through `op()`, which checks arity and runs the OPS shape rule (ops.ts).

import { DTYPES, type DType } from './dtype';
import { internKey, type Attrs, type ConstData, type Node, type ParamRef } from './node';
import { attrOf, OPS, SLICE_END, type OpKind } from './ops';
import { canonicalDim, dimDiv, dimProduct, shapeEq, shapeToString, type Dim, type Shape } from './shape';

/** A float scalar, a node, or a number broadcast as a scalar of the other operand's dtype. */
export type Operand = Node | number;

const CONST_TYPES: Record<DType, (n: number) => ConstData> = {
  f32: (n) => new Float32Array(n),
  f16: (n) => new Float32Array(n),
  bf16: (n) => new Float32Array(n),
  i64: (n) => new BigInt64Array(n),
  i32: (n) => new Int32Array(n),
  bool: (n) => new Uint8Array(n),
};

/**
 * A closed-form gradient for a composite whose output is one node (e.g. nn's normalize): autodiff applies it
 * instead of the rules of the nodes inside. `read` maps a forward node to what the backward may read
 * (a recomputed copy under checkpointing); the result has one gradient (or null) per entry of `inputs`.
 */
export interface CompositeVjp {
  inputs: readonly Node[];
  vjp: (g: Graph, dy: Node, read: (n: Node) => Node) => (Node | null)[];
}

/**
 * The one hook linear()/conv2d() (nn.ts) consult; LoRA implements it (merge or runtime mode). Returning
 * undefined means "no adapter here": the plain layer is built. Declared beside Graph, which holds it.
 */
export interface Adapter {
  linear?(g: Graph, x: Node, weight: Node, bias: Node | undefined): Node | undefined;
  conv2d?(g: Graph, x: Node, weight: Node, bias: Node | undefined, o: Conv2dOpts): Node | undefined;
}

export interface Conv2dOpts {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
}

export class Graph {
  private readonly table = new Map<string, Node>();
  private readonly composites = new Map<number, CompositeVjp>();
  private readonly all: Node[] = [];
  private readonly named = new Map<string, Node>();
  private scopes: string[] = [];

  /** `adapter` is the one hook nn.linear/nn.conv2d consult (LoRA implements it). */
  constructor(readonly options: { adapter?: Adapter } = {}) {}

  /** Every node in creation (= topological) order. */
  get nodes(): readonly Node[] {
    return this.all;
  }

  /** The current scope path, e.g. 'input_blocks.1.1.attn1'. */
  get scopeName(): string {
    return this.scopes.join('.');
  }

  /**
   * Runs `fn` inside a named module scope; nested scopes join with '.'.
   * @example g.scope('attn1', () => g.matmul(q, k))
   */
  scope<T>(name: string | number, fn: () => T): T {
    this.scopes.push(String(name));
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * Declares a closed-form gradient for the composite ending at `output` (see CompositeVjp).
   * @example g.defineVjp(y, { inputs: [x], vjp: (g, dy, read) => [g.mul(dy, read(scale))] })
   */
  defineVjp(output: Node, c: CompositeVjp): void {
    this.composites.set(output.id, c);
  }

  /** The closed-form gradient declared for `n`, if any (autodiff consults it before the VJP table). */
  compositeVjp(n: Node): CompositeVjp | undefined {
    return this.composites.get(n.id);
  }

  /** Name of a parameter inside the current scope: `g.scope('conv', () => g.paramName('weight'))` → 'conv.weight'. */
  paramName(name: string): string {
    return [...this.scopes, name].join('.');
  }

  private intern(key: string, make: (id: number) => Node): Node {
    const hit = this.table.get(key);
    if (hit) return hit;
    const node = make(this.all.length);
    this.table.set(key, node);
    this.all.push(node);
    return node;
  }

  private leaf(op: OpKind, dtype: DType, shape: Shape, extra: Partial<Node>): Node {
    const canon = shape.map(canonicalDim);
    const key = internKey(op, dtype, [], {}, { name: extra.name, data: extra.data }) + shapeToString(canon);
    const node = this.intern(key, (id) => ({
      id,
      op,
      dtype,
      shape: canon,
      inputs: [],
      attrs: {},
      scope: this.scopeName,
      ...extra,
    }));
    return node;
  }

  private leafNamed(op: 'Input' | 'Param', name: string, dtype: DType, shape: Shape, param?: ParamRef): Node {
    const prior = this.named.get(`${op}#${name}`);
    if (prior && (prior.dtype !== dtype || !shapeEq(prior.shape, shape)))
      throw new Error(
        `${op} '${name}' declared twice: ${prior.dtype}${shapeToString(prior.shape)} vs ${dtype}${shapeToString(shape)}`,
      );
    const node = this.leaf(op, dtype, shape, param ? { name, param } : { name });
    this.named.set(`${op}#${name}`, node);
    return node;
  }

  /** A graph input fed by name at run time; dims may be symbolic ('N', 'H'). */
  input(name: string, dtype: DType, shape: Shape): Node {
    return this.leafNamed('Input', name, dtype, shape);
  }

  /** A frozen weight read lazily from a safetensors file. */
  param(name: string, ref: ParamRef, dtype: DType, shape: readonly number[]): Node {
    return this.leafNamed('Param', name, dtype, shape, ref);
  }

  /** Inline data; f16/bf16 constants hold their values as Float32Array. */
  constant(data: ConstData, shape: readonly number[], dtype: DType = dtypeOfData(data)): Node {
    if (data.length !== dimProduct(shape))
      throw new Error(`${this.scopeName}: Constant of ${data.length} values ≠ shape ${shapeToString(shape)}`);
    return this.leaf('Constant', dtype, shape, { data });
  }

  /** A 0-D constant. @example g.scalar(0.5, 'f32') */
  scalar(v: number, dtype: DType = 'f32'): Node {
    const data = CONST_TYPES[dtype](1);
    if (data instanceof BigInt64Array) data[0] = BigInt(v);
    else data[0] = v;
    return this.constant(data, [], dtype);
  }

  /**
   * The one door for op nodes: arity check, shape rule, interning; errors name scope, op and shapes.
   * @example g.op('Softmax', [x], { axis: -1 })
   */
  op(op: OpKind, inputs: readonly Node[], attrs: Attrs = {}): Node {
    const spec = OPS[op];
    const [lo, hi] = typeof spec.arity === 'number' ? [spec.arity, spec.arity] : spec.arity;
    const where = `${this.scopeName || '<root>'}: ${op} ${inputs.map((i) => shapeToString(i.shape)).join(' × ')}`;
    if (inputs.length < lo || inputs.length > hi) throw new Error(`${where}: expected ${lo}..${hi} inputs`);
    let out;
    try {
      out = spec.infer(inputs, attrs);
    } catch (e) {
      throw new Error(`${where} ${JSON.stringify(attrs)}: ${(e as Error).message}`, { cause: e });
    }
    const shape = out.shape.map(canonicalDim);
    const key = internKey(op, out.dtype, inputs, attrs);
    return this.intern(key, (id) => ({
      id,
      op,
      dtype: out.dtype,
      shape,
      inputs,
      attrs,
      scope: this.scopeName,
    }));
  }

  private lift(a: Operand, like: Node): Node {
    return typeof a === 'number' ? this.scalar(a, like.dtype) : a;
  }

  private bin(op: OpKind, a: Operand, b: Operand): Node {
    if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: two numbers`);
    const na = this.lift(a, b as Node);
    return this.op(op, [na, this.lift(b, na)]);
  }

  add = (a: Operand, b: Operand) => this.bin('Add', a, b);
  sub = (a: Operand, b: Operand) => this.bin('Sub', a, b);
  mul = (a: Operand, b: Operand) => this.bin('Mul', a, b);
  div = (a: Operand, b: Operand) => this.bin('Div', a, b);
  pow = (a: Operand, b: Operand) => this.bin('Pow', a, b);
  max = (a: Operand, b: Operand) => this.bin('Max', a, b);
  min = (a: Operand, b: Operand) => this.bin('Min', a, b);
  greater = (a: Operand, b: Operand) => this.bin('Greater', a, b);
  equal = (a: Operand, b: Operand) => this.bin('Equal', a, b);
  neg = (x: Node) => this.op('Neg', [x]);
  exp = (x: Node) => this.op('Exp', [x]);
  log = (x: Node) => this.op('Log', [x]);
  sqrt = (x: Node) => this.op('Sqrt', [x]);
  reciprocal = (x: Node) => this.op('Reciprocal', [x]);
  tanh = (x: Node) => this.op('Tanh', [x]);
  sigmoid = (x: Node) => this.op('Sigmoid', [x]);
  erf = (x: Node) => this.op('Erf', [x]);
  sin = (x: Node) => this.op('Sin', [x]);
  cos = (x: Node) => this.op('Cos', [x]);
  relu = (x: Node) => this.op('Relu', [x]);
  abs = (x: Node) => this.op('Abs', [x]);
  identity = (x: Node) => this.op('Identity', [x]);

  /** cond ? a : b with broadcasting. */
  where(cond: Node, a: Operand, b: Operand): Node {
    const like = typeof a === 'number' ? (b as Node) : a;
    return this.op('Where', [cond, this.lift(a, like), this.lift(b, like)]);
  }

  /** Converts to `dtype`; a no-op when it already has it. */
  cast(x: Node, dtype: DType): Node {
    return x.dtype === dtype ? x : this.op('Cast', [x], { to: DTYPES[dtype].onnx });
  }

  /** Batched matrix product as ONNX MatMul: [..., M, K] × [..., K, N] → [..., M, N]. */
  matmul = (a: Node, b: Node) => this.op('MatMul', [a, b]);

  /** ONNX Conv on NCHW. `pads` is one value per side for both axes, or the ONNX 4-vector. */
  conv(x: Node, w: Node, b?: Node, o: WindowOpts = {}): Node {
    return this.op('Conv', b ? [x, w, b] : [x, w], windowAttrs(w, o));
  }

  /** ONNX ConvTranspose; W is [C_in, C_out/group, kH, kW]. */
  convTranspose(
    x: Node,
    w: Node,
    b?: Node,
    o: WindowOpts & { outputPadding?: readonly number[] } = {},
  ): Node {
    const attrs = { ...windowAttrs(w, o), output_padding: o.outputPadding ?? w.shape.slice(2).map(() => 0) };
    return this.op('ConvTranspose', b ? [x, w, b] : [x, w], attrs);
  }

  /** Target dims may be symbolic; one -1 is inferred (exactly, from the element count). */
  reshape(x: Node, shape: readonly Dim[]): Node {
    const minus = shape.filter((d) => d === -1).length;
    if (minus > 1) throw new Error(`${this.scopeName}: Reshape ${shapeToString(shape)}: more than one -1`);
    const known = shape.filter((d) => d !== -1);
    const target = shape.map((d) =>
      d === -1 ? dimDiv(dimProduct(x.shape), dimProduct(known)) : canonicalDim(d),
    );
    if (shapeEq(target, x.shape)) return x;
    return this.op('Reshape', [x], { shape: target });
  }

  /**
   * A transpose of a transpose is one transpose (none when the perms cancel): the backward pass of x Wᵀ then
   * reads W itself rather than Transpose(Transpose(W)), which ORT would fold into a copy of the weight.
   */
  transpose(x: Node, perm: readonly number[]): Node {
    if (x.op === 'Transpose') {
      const inner = attrOf<number[]>(x, 'perm');
      const composed = perm.map((p) => inner[p]);
      if (composed.every((p, i) => p === i)) return x.inputs[0];
      return this.transpose(x.inputs[0], composed);
    }
    return this.op('Transpose', [x], { perm });
  }
  concat = (xs: readonly Node[], axis: number) =>
    this.op('Concat', xs, { axis: normAxis(axis, xs[0].shape.length) });

  /** ONNX Slice; `axes` default 0..n-1, `steps` default 1; ends ≥ length mean "to the end". */
  slice(
    x: Node,
    starts: readonly number[],
    ends: readonly number[],
    axes?: readonly number[],
    steps?: readonly number[],
  ): Node {
    const r = x.shape.length;
    const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(a, r));
    const capped = ends.map((e) => Math.min(e, SLICE_END));
    return this.op('Slice', [x], { starts, ends: capped, axes: ax, steps: steps ?? starts.map(() => 1) });
  }

  expand = (x: Node, shape: readonly Dim[]) => this.op('Expand', [x], { shape: shape.map(canonicalDim) });
  unsqueeze = (x: Node, axes: readonly number[]) =>
    this.op('Unsqueeze', [x], { axes: sortAxes(axes, x.shape.length + axes.length) });
  squeeze = (x: Node, axes: readonly number[]) =>
    this.op('Squeeze', [x], { axes: sortAxes(axes, x.shape.length) });

  /** Constant padding; `pads` = [begin per axis…, end per axis…]. */
  pad = (x: Node, pads: readonly number[], value = 0) => this.op('Pad', [x], { pads, constant_value: value });

  reduceSum = (x: Node, axes: readonly number[], keepdims = true) =>
    this.reduce('ReduceSum', x, axes, keepdims);
  reduceMean = (x: Node, axes: readonly number[], keepdims = true) =>
    this.reduce('ReduceMean', x, axes, keepdims);
  reduceMax = (x: Node, axes: readonly number[], keepdims = true) =>
    this.reduce('ReduceMax', x, axes, keepdims);

  private reduce(op: OpKind, x: Node, axes: readonly number[], keepdims: boolean): Node {
    return this.op(op, [x], { axes: sortAxes(axes, x.shape.length), keepdims: keepdims ? 1 : 0 });
  }

  softmax = (x: Node, axis = -1) => this.op('Softmax', [x], { axis: normAxis(axis, x.shape.length) });

  /** Nearest-neighbour upsampling by integer factors per axis (ONNX Resize, asymmetric, floor). */
  resizeNearest = (x: Node, scales: readonly number[]) =>
    this.op('Resize', [x], {
      scales,
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    });

  /** Rows of `data` at `indices` (embedding lookup). */
  gather = (data: Node, indices: Node) => this.op('Gather', [data, indices], { axis: 0 });
}

export interface WindowOpts {
  strides?: readonly number[];
  pads?: number | readonly number[];
  dilations?: readonly number[];
  group?: number;
}

function windowAttrs(w: Node, o: WindowOpts): Attrs {
  const k = w.shape.slice(2).map(Number);
  const p = o.pads ?? 0;
  const pads = typeof p === 'number' ? [...k, ...k].map(() => p) : p;
  return {
    dilations: o.dilations ?? k.map(() => 1),
    group: o.group ?? 1,
    kernel_shape: k,
    pads,
    strides: o.strides ?? k.map(() => 1),
  };
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

function sortAxes(axes: readonly number[], rank: number): number[] {
  return axes.map((a) => normAxis(a, rank)).sort((a, b) => a - b);
}

function dtypeOfData(data: ConstData): DType {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof BigInt64Array) return 'i64';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint8Array) return 'bool';
  throw new Error('Uint16Array constants need an explicit dtype (f16 or bf16)');
}
