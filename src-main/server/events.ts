// TesseraEvents to the browser as Server-Sent Events (GET /api/events): one `event:` + `data:` JSON record
// per event. SSE rather than WebSocket: one-way is all the UI needs, and it is plain HTTP (WHATWG HTML §9.2).
import type { ServerResponse } from 'node:http';
import type { EventHub } from '../core/events';

/** Comment lines keep proxies and idle timers from closing a quiet stream. */
const HEARTBEAT_MS = 20_000;

/** One SSE record; JSON has no raw newlines, so one `data:` line carries it. @example sseRecord('app.log', {…}) */
export function sseRecord(name: string, payload: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** Streams every hub event into `res` until the client goes away; returns a function that ends the stream. */
export function streamEvents(res: ServerResponse, hub: EventHub): () => void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  res.write('retry: 2000\n\n');
  const unsubscribe = hub.subscribe((name, payload) => res.write(sseRecord(name, payload)));
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const stop = (): void => {
    clearInterval(heartbeat);
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  res.on('close', stop);
  return stop;
}
