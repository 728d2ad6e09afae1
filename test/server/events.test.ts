// The SSE record format the browser's EventSource parses.
import { describe, expect, it } from 'vitest';
import { sseRecord } from '../../src-main/server/events';

describe('sseRecord', () => {
  it('writes one event line and one JSON data line, ended by a blank line', () => {
    const record = sseRecord('app.log', { level: 'info', message: 'two\nlines', time: 't' });
    expect(record).toBe('event: app.log\ndata: {"level":"info","message":"two\\nlines","time":"t"}\n\n');
    expect(record.split('\n')).toHaveLength(4);
  });
});
