// Test helpers: key+shape tables built from the family configs (shape-only stand-ins for real files).
import { FAMILIES, type FamilyId } from '../../src-main/models/families';
import { singleFileKeys } from '../../src-main/models/keymap/ldm';

export type Table = Map<string, { shape: number[] }>;

export function tableOf(keys: { key: string; shape: number[] }[]): Table {
  return new Map(keys.map((k) => [k.key, { shape: k.shape }]));
}

export function singleFileTable(id: FamilyId): Table {
  return tableOf(singleFileKeys(FAMILIES[id]));
}

/** `table` without the keys starting with any of `prefixes`. */
export function without(table: Table, ...prefixes: string[]): Table {
  return new Map([...table].filter(([k]) => !prefixes.some((p) => k.startsWith(p))));
}
