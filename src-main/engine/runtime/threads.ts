// How many ORT intra-op threads to use by default: the machine's physical cores. Hyper-threads share one
// core's vector units, so a second thread per core only adds contention to matrix-heavy work.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Physical cores from /proc/cpuinfo text (distinct physical id + core id pairs); null when it has none. */
export function coresFromCpuinfo(text: string): number | null {
  const cores = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const phys = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (phys !== undefined && core !== undefined) cores.add(`${phys}:${core}`);
  }
  return cores.size > 0 ? cores.size : null;
}

let cached: number | undefined;

/**
 * Physical cores of this machine: exact on Linux; on macOS (Apple silicon has no SMT) the logical count;
 * elsewhere half the logical count when it is even and ≥ 4 (x86 desktop CPUs run two threads per core).
 * @example new Session(model, { threads: physicalCores() })
 */
export function physicalCores(): number {
  if (cached !== undefined) return cached;
  const logical = availableParallelism();
  let cores: number | null = null;
  if (process.platform === 'linux') {
    try {
      cores = coresFromCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      cores = null;
    }
  } else if (process.platform === 'darwin') cores = logical;
  cores ??= logical >= 4 && logical % 2 === 0 ? logical / 2 : logical;
  // A container may see fewer CPUs than the host has cores.
  cached = Math.max(1, Math.min(cores, logical));
  return cached;
}
