// Content hashes for dataset files: sha256 of the file bytes, the key for duplicates and caches.
// Streams the file so a large image never sits in memory whole.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex sha256 of a byte buffer. Example: `hashBytes(Buffer.from('a'))` → 'ca97…'. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hex sha256 of a file's bytes, streamed. Example: `await hashFile('/p/dataset/cat.png')`. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
