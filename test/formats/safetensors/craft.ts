// Test helpers: a seeded PRNG, temp directories, and hand-built (possibly malformed) safetensors bytes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** mulberry32: small, seeded, good enough to drive tests reproducibly. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-st-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** File bytes: u64 LE length (or `lengthOverride`), the header text as given, then `data`. */
export function rawFile(
  header: string | object,
  data: Uint8Array = new Uint8Array(),
  lengthOverride?: bigint,
): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
