import { describe, expect, it } from 'vitest';
import { mapLimit, TaskQueue } from '../../src-main/dataset/concurrency';

describe('concurrency', () => {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  it('mapLimit keeps order and never exceeds the limit', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      peak = Math.max(peak, ++active);
      await sleep(x * 3);
      active--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
    expect(await mapLimit([], 3, async (x: number) => x)).toEqual([]);
  });

  it('TaskQueue runs at most `limit` tasks, settles each, and reports idle', async () => {
    const queue = new TaskQueue(2);
    let active = 0;
    let peak = 0;
    const task = (v: number) => async () => {
      peak = Math.max(peak, ++active);
      await sleep(5);
      active--;
      if (v < 0) throw new Error('bad');
      return v;
    };
    const results = [queue.push(task(1)), queue.push(task(2)), queue.push(task(-1)), queue.push(task(4))];
    expect(queue.pending).toBe(4);
    await expect(results[2]).rejects.toThrow('bad');
    await queue.idle();
    expect(await Promise.all([results[0], results[1], results[3]])).toEqual([1, 2, 4]);
    expect(peak).toBe(2);
    expect(queue.pending).toBe(0);
  });
});
