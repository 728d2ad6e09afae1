// Shapes whose dims may be symbolic, and the small dim algebra shape inference needs.
// A symbolic dim is a canonical monomial string: a rational coefficient times symbols,
// e.g. 'H', 'H/2', 'H*W', 'H*W/64', '2*N'. Sums of different monomials are not representable.

export type Dim = number | string;
export type Shape = readonly Dim[];

interface Monomial {
  num: number;
  den: number;
  /** symbol → exponent (positive integers), keys sorted when formatted */
  syms: Map<string, number>;
}

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}

function normalize(m: Monomial): Monomial {
  const g = gcd(m.num, m.den);
  return { num: m.num / g, den: m.den / g, syms: m.syms };
}

function parseDim(d: Dim): Monomial {
  if (typeof d === 'number') {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`bad dim ${d}: dims are non-negative integers`);
    return { num: d, den: 1, syms: new Map() };
  }
  const [top, bottom, extra] = d.split('/');
  if (extra !== undefined) throw new Error(`bad dim '${d}': at most one '/'`);
  const den = bottom === undefined ? 1 : Number(bottom);
  if (!Number.isSafeInteger(den) || den <= 0)
    throw new Error(`bad dim '${d}': denominator must be a positive integer`);
  let num = 1;
  const syms = new Map<string, number>();
  for (const factor of top.split('*')) {
    const f = factor.trim();
    if (/^\d+$/.test(f)) num *= Number(f);
    else if (SYMBOL.test(f)) syms.set(f, (syms.get(f) ?? 0) + 1);
    else throw new Error(`bad dim '${d}': factor '${f}' is neither an integer nor a symbol`);
  }
  return normalize({ num, den, syms });
}

function formatDim(m: Monomial): Dim {
  if (m.syms.size === 0) {
    if (m.num % m.den !== 0) throw new Error(`dim ${m.num}/${m.den} is not an integer`);
    return m.num / m.den;
  }
  if (m.num === 0) return 0;
  const factors: string[] = [];
  if (m.num !== 1) factors.push(String(m.num));
  for (const name of [...m.syms.keys()].sort()) {
    for (let i = 0; i < m.syms.get(name)!; i++) factors.push(name);
  }
  return factors.join('*') + (m.den === 1 ? '' : `/${m.den}`);
}

/** Canonical form of a dim: `canonicalDim('W*H')` → `'H*W'`, `canonicalDim('4/2')`… numbers stay numbers. */
export function canonicalDim(d: Dim): Dim {
  return formatDim(parseDim(d));
}

export function isSymbolic(d: Dim): d is string {
  return typeof d === 'string';
}

export function isStaticShape(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

/** The symbols a dim mentions: `dimSymbols('H*W/64')` → `['H', 'W']`. */
export function dimSymbols(d: Dim): string[] {
  return [...parseDim(d).syms.keys()].sort();
}

export function dimEq(a: Dim, b: Dim): boolean {
  return canonicalDim(a) === canonicalDim(b);
}

export function dimMul(a: Dim, b: Dim): Dim {
  const x = parseDim(a);
  const y = parseDim(b);
  const syms = new Map(x.syms);
  for (const [k, e] of y.syms) syms.set(k, (syms.get(k) ?? 0) + e);
  return formatDim(normalize({ num: x.num * y.num, den: x.den * y.den, syms }));
}

/** Exact division. NOTE: symbolic dims are assumed divisible by the numbers they are divided by
 *  (bucket sizes are multiples of 64 pixels, so latents are multiples of 8); a symbol can only be
 *  divided out when it is present. */
export function dimDiv(a: Dim, b: Dim): Dim {
  const x = parseDim(a);
  const y = parseDim(b);
  const syms = new Map(x.syms);
  for (const [k, e] of y.syms) {
    const have = syms.get(k) ?? 0;
    if (have < e) throw new Error(`cannot divide ${String(a)} by ${String(b)}: symbol ${k} missing`);
    if (have === e) syms.delete(k);
    else syms.set(k, have - e);
  }
  if (y.num === 0) throw new Error(`division of ${String(a)} by zero`);
  const m = normalize({ num: x.num * y.den, den: x.den * y.num, syms });
  if (m.syms.size === 0 && m.num % m.den !== 0)
    throw new Error(`${String(a)} is not divisible by ${String(b)}`);
  return formatDim(m);
}

export function dimProduct(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((acc, d) => dimMul(acc, d), 1);
}

/** Adds an integer to a dim; only exact for numbers (a symbolic dim plus a constant is not a monomial). */
export function dimAddInt(a: Dim, k: number): Dim {
  if (k === 0) return a;
  if (typeof a === 'number') return a + k;
  throw new Error(`cannot represent ${a} + ${k}: symbolic dims support only products and exact quotients`);
}

/**
 * Output size of a sliding window (Conv / pooling) along one axis.
 * NOTE: for a symbolic input only "same"-style windows are supported, where the output is exactly
 * `d / stride` for `d` divisible by the stride (k=3,p=1 and k=1,p=0 — everything SD uses).
 */
export function windowOutDim(
  d: Dim,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation = 1,
): Dim {
  const total = padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (typeof d === 'number') return Math.floor((d + total) / stride) + 1;
  if (total >= -stride && total <= -1) return dimDiv(d, stride);
  throw new Error(
    `window k=${kernel} s=${stride} pads=${padBegin},${padEnd} on symbolic dim ${d} does not give d/stride; use static shapes`,
  );
}

/** NumPy/ONNX multidirectional broadcasting. Throws with both shapes on mismatch. */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1 || dimEq(da, db)) out.push(da);
    else throw new Error(`cannot broadcast ${shapeToString(a)} with ${shapeToString(b)}`);
  }
  return out;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function shapeEq(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimEq(d, b[i]));
}

/** Element count of a static shape. */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') throw new Error(`numel of symbolic shape ${shapeToString(shape)}`);
    n *= d;
  }
  return n;
}

/** Substitutes concrete values for symbols: `resolveShape(['N','H/2'], {N:1,H:64})` → `[1,32]`. */
export function resolveShape(shape: Shape, bindings: Record<string, number>): number[] {
  return shape.map((d) => {
    if (typeof d === 'number') return d;
    const m = parseDim(d);
    let v = m.num;
    for (const [name, exp] of m.syms) {
      const value = bindings[name];
      if (value === undefined) throw new Error(`no value bound for symbol ${name} in ${d}`);
      v *= value ** exp;
    }
    if (v % m.den !== 0) throw new Error(`${d} with ${JSON.stringify(bindings)} is not an integer`);
    return v / m.den;
  });
}
