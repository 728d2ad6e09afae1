import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session, identityModel } from '../../../src-main/engine/runtime/session';
import { coresFromCpuinfo, physicalCores } from '../../../src-main/engine/runtime/threads';

const linux = process.platform === 'linux';

/** OS threads of this process (Linux: one /proc/self/task entry each). */
const osThreads = () => readdirSync('/proc/self/task').length;

describe('threads', () => {
  it('counts physical cores from /proc/cpuinfo, not hyper-threads', () => {
    const cpu = (phys: number, core: number) =>
      `processor\t: 0\nphysical id\t: ${phys}\ncore id\t\t: ${core}\n`;
    // 2 sockets × 2 cores × 2 threads
    const text = [0, 0, 1, 1, 0, 0, 1, 1].map((c, i) => cpu(i < 4 ? 0 : 1, c)).join('\n');
    expect(coresFromCpuinfo(text)).toBe(4);
    expect(coresFromCpuinfo('processor\t: 0\nmodel name\t: ARM\n')).toBeNull();
    expect(physicalCores()).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(!linux)(
    'sizes the ORT thread pool of a session (Linux: counted in /proc/self/task)',
    async () => {
      const grow = async (threads: number) => {
        const before = osThreads();
        const s = await Session.create(identityModel('f32', 1), { threads });
        const added = osThreads() - before;
        s.dispose();
        await new Promise((r) => setTimeout(r, 50));
        return added;
      };
      await grow(1); // the first session also starts ORT's process-wide threads
      const one = await grow(1);
      const five = await grow(5);
      // ORT's intra-op pool runs threads − 1 workers beside the caller.
      expect(five - one).toBe(4);
    },
  );
});
