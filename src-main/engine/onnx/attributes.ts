// IR attribute values → ONNX AttributeProto. The IR uses ONNX attribute names with plain JSON values,
// so the only decision is INT vs FLOAT for numbers; FLOAT_ATTRS lists the float-typed names of the ONNX spec.

import type { AttrValue, Attrs } from '../graph/node';
import { ATTR_TYPE, type AttributeProto } from './proto';

/** Attribute names that are float in the ONNX operator spec even when the value is integral. */
const FLOAT_ATTRS = new Set([
  'alpha',
  'beta',
  'gamma',
  'epsilon',
  'bias',
  'lambd',
  'ratio',
  'extrapolation_value',
  'cubic_coeff_a',
  'spatial_scale',
  'value_float',
  'value_floats',
]);

function isIntList(v: readonly (number | string)[]): v is readonly number[] {
  return v.every((x) => typeof x === 'number' && Number.isInteger(x));
}

/** One attribute; throws with the op name when a value cannot be an ONNX attribute (a symbolic dim). */
export function toAttribute(op: string, name: string, value: AttrValue): AttributeProto {
  const float = FLOAT_ATTRS.has(name);
  if (typeof value === 'string') return { name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (float || !Number.isInteger(value)) return { name, type: ATTR_TYPE.FLOAT, f: value };
    return { name, type: ATTR_TYPE.INT, i: value };
  }
  if (value.some((x) => typeof x === 'string'))
    throw new Error(
      `${op}: attribute ${name}=[${value.join(',')}] has symbolic dims; ONNX attributes must be static`,
    );
  if (!float && isIntList(value)) return { name, type: ATTR_TYPE.INTS, ints: [...value] };
  return { name, type: ATTR_TYPE.FLOATS, floats: [...(value as readonly number[])] };
}

/** All attributes except `skip`, sorted by name so the bytes do not depend on insertion order. */
export function toAttributes(op: string, attrs: Attrs, skip: readonly string[] = []): AttributeProto[] {
  return Object.keys(attrs)
    .filter((k) => !skip.includes(k))
    .sort()
    .map((k) => toAttribute(op, k, attrs[k]));
}
