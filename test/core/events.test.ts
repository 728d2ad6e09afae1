// The event hub front doors subscribe to.
import { describe, expect, it, vi } from 'vitest';
import { EventHub } from '../../src-main/core/events';

const line = { level: 'info' as const, message: 'hello', time: '2025-01-01T00:00:00.000Z' };

describe('EventHub', () => {
  it('delivers events to subscribers until they unsubscribe', () => {
    const hub = new EventHub();
    const seen: unknown[] = [];
    const off = hub.subscribe((name, payload) => seen.push([name, payload]));
    hub.emit('app.log', line);
    off();
    hub.emit('app.log', line);
    expect(seen).toEqual([['app.log', line]]);
    expect(hub.size).toBe(0);
  });

  it('keeps delivering when one subscriber throws', () => {
    const hub = new EventHub();
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let delivered = 0;
    hub.subscribe(() => {
      throw new Error('socket closed');
    });
    hub.subscribe(() => delivered++);
    hub.emit('app.log', line);
    expect(delivered).toBe(1);
    expect(quiet).toHaveBeenCalledOnce();
    quiet.mockRestore();
  });
});
