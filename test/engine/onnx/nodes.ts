// Hand-built IR nodes for emitter tests, independent of graph/builder.ts (ids in creation order, as the builder does).

import type { DType } from '../../../src-main/engine/graph/dtype';
import type { Attrs, ConstData, Node, ParamRef } from '../../../src-main/engine/graph/node';
import type { Shape } from '../../../src-main/engine/graph/shape';

export class Nodes {
  private id = 0;
  readonly all: Node[] = [];
  scope = '';

  op(op: string, dtype: DType, shape: Shape, inputs: Node[], attrs: Attrs = {}): Node {
    return this.push({ op, dtype, shape, inputs, attrs });
  }
  input(name: string, shape: Shape, dtype: DType = 'f32'): Node {
    return this.push({ op: 'Input', dtype, shape, inputs: [], attrs: {}, name });
  }
  param(name: string, shape: Shape, param: ParamRef, dtype: DType = 'f32'): Node {
    return this.push({ op: 'Param', dtype, shape, inputs: [], attrs: {}, name, param });
  }
  constant(data: ConstData, shape: Shape, dtype: DType = 'f32'): Node {
    return this.push({ op: 'Constant', dtype, shape, inputs: [], attrs: {}, data });
  }
  private push(n: Omit<Node, 'id' | 'scope'>): Node {
    const node: Node = { ...n, id: this.id++, scope: this.scope };
    this.all.push(node);
    return node;
  }
}
