// Run-time dim vectors: an int64 1-D tensor whose entries may be symbolic dims ('H', 'H/2', 'H*W'),
// built as Shape(input)[axis] → Mul/Div → Concat from a graph input that carries each symbol (opset 21 Shape start/end).

import { dimSymbols, type Dim } from '../graph/shape';
import type { Node } from '../graph/node';

/** How the emitter adds helper nodes and initializers; implemented by the emission in emit.ts. */
export interface DimBuilder {
  add(opType: string, inputs: string[], attrs?: Record<string, number>): string;
  i64(values: readonly number[]): string;
}

/** symbol → the graph input and axis whose dim is exactly that symbol (first such input by id). */
export type SymbolSources = Map<string, { input: string; axis: number }>;

export function symbolSources(inputs: readonly Node[]): SymbolSources {
  const sources: SymbolSources = new Map();
  for (const n of inputs) {
    n.shape.forEach((d, axis) => {
      if (typeof d === 'string' && dimSymbols(d).length === 1 && dimSymbols(d)[0] === d && !sources.has(d))
        sources.set(d, { input: n.name ?? '', axis });
    });
  }
  return sources;
}

/** Canonical monomial 'num*A*B/den' → parts (shape.ts formats dims exactly this way). */
function monomial(d: string): { num: number; den: number; syms: string[] } {
  const [top, den] = d.split('/');
  let num = 1;
  const syms: string[] = [];
  for (const f of top.split('*')) {
    if (/^\d+$/.test(f)) num *= Number(f);
    else syms.push(f);
  }
  return { num, den: den === undefined ? 1 : Number(den), syms };
}

/** Builds (and memoizes) run-time dim vectors for one emission. */
export class DimVectors {
  private readonly memo = new Map<string, string>();
  constructor(
    private readonly b: DimBuilder,
    private readonly sources: SymbolSources,
  ) {}

  private symbol(name: string): string {
    const src = this.sources.get(name);
    if (!src)
      throw new Error(
        `symbolic dim '${name}' is not exactly the dim of any graph input; cannot compute it at run time`,
      );
    return this.cached(`sym:${name}`, () =>
      this.b.add('Shape', [src.input], { start: src.axis, end: src.axis + 1 }),
    );
  }

  private cached(key: string, build: () => string): string {
    let v = this.memo.get(key);
    if (v === undefined) {
      v = build();
      this.memo.set(key, v);
    }
    return v;
  }

  /** One symbolic dim as an int64 [1] tensor. */
  dim(d: string): string {
    return this.cached(`dim:${d}`, () => {
      const m = monomial(d);
      let v = this.symbol(m.syms[0]);
      for (const s of m.syms.slice(1)) v = this.b.add('Mul', [v, this.symbol(s)]);
      if (m.num !== 1) v = this.b.add('Mul', [v, this.b.i64([m.num])]);
      if (m.den !== 1) v = this.b.add('Div', [v, this.b.i64([m.den])]);
      return v;
    });
  }

  /** An int64 1-D vector; a plain initializer when every entry is a number. */
  vector(dims: readonly Dim[]): string {
    if (dims.every((d) => typeof d === 'number')) return this.b.i64(dims as number[]);
    return this.cached(`vec:${dims.join(',')}`, () => {
      const parts: string[] = [];
      let run: number[] = [];
      for (const d of dims) {
        if (typeof d === 'number') run.push(d);
        else {
          if (run.length) parts.push(this.b.i64(run));
          run = [];
          parts.push(this.dim(d));
        }
      }
      if (run.length) parts.push(this.b.i64(run));
      return parts.length === 1 ? parts[0] : this.b.add('Concat', parts, { axis: 0 });
    });
  }
}
