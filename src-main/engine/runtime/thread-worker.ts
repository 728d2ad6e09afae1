// Worker-thread entry that owns ORT sessions: answers create/run/readBack/release/dispose requests.
// Messages only (thread-protocol.ts); output buffers are transferred, not copied, to the main thread.

import { parentPort } from 'node:worker_threads';
import { createSession } from './providers';
import { DeviceTensor, readBack, type Feed, type Session } from './session';
import { isDeviceRef, type CreateResult, type Reply, type Request, type WireValue } from './thread-protocol';
import type { TensorValue } from './tensor-io';

const sessions = new Map<number, Session>();
const deviceTensors = new Map<number, DeviceTensor>();
let nextId = 1;

function lookup<T>(map: Map<number, T>, id: number, what: string): T {
  const v = map.get(id);
  if (v === undefined) throw new Error(`unknown ${what} ${id} (disposed?)`);
  return v;
}

async function create(req: Extract<Request, { type: 'create' }>, log: string[]): Promise<CreateResult> {
  const { session, skipped } = await createSession(req.path, req.options, {
    ...req.choice,
    log: (l) => log.push(l),
  });
  const id = nextId++;
  sessions.set(id, session);
  return {
    session: id,
    provider: session.providers[0],
    inputs: session.inputs,
    outputs: session.outputs,
    skipped,
  };
}

async function run(req: Extract<Request, { type: 'run' }>): Promise<Record<string, WireValue>> {
  const feeds: Record<string, Feed> = {};
  for (const [k, v] of Object.entries(req.feeds))
    feeds[k] = isDeviceRef(v) ? lookup(deviceTensors, v.device, 'device tensor') : v;
  const out = await lookup(sessions, req.session, 'session').run(feeds);
  const wire: Record<string, WireValue> = {};
  for (const [k, v] of Object.entries(out)) {
    if (!(v instanceof DeviceTensor)) wire[k] = v;
    else {
      const id = nextId++;
      deviceTensors.set(id, v);
      wire[k] = { device: id, dtype: v.dtype, shape: v.shape };
    }
  }
  return wire;
}

async function handle(req: Request, log: string[]): Promise<unknown> {
  switch (req.type) {
    case 'create':
      return create(req, log);
    case 'run':
      return run(req);
    case 'readBack':
      return readBack(lookup(deviceTensors, req.device, 'device tensor'));
    case 'release':
      lookup(deviceTensors, req.device, 'device tensor').dispose();
      deviceTensors.delete(req.device);
      return null;
    case 'dispose':
      lookup(sessions, req.session, 'session').dispose();
      sessions.delete(req.session);
      return null;
  }
}

function transferables(value: unknown): ArrayBuffer[] {
  if (!value || typeof value !== 'object') return [];
  const tensors = 'data' in value ? [value as TensorValue] : Object.values(value as Record<string, unknown>);
  return tensors
    .filter(
      (t): t is TensorValue =>
        !!t && typeof t === 'object' && 'data' in t && ArrayBuffer.isView((t as TensorValue).data),
    )
    .map((t) => t.data.buffer as ArrayBuffer)
    .filter((b, i, all) => all.indexOf(b) === i);
}

const port = parentPort;
if (!port) throw new Error('thread-worker.ts must run inside a worker_thread');
port.on('message', (msg: Request & { id: number }) => {
  const log: string[] = [];
  handle(msg, log).then(
    (value) => port.postMessage({ id: msg.id, ok: true, value, log } satisfies Reply, transferables(value)),
    (err: unknown) =>
      port.postMessage({
        id: msg.id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      } satisfies Reply),
  );
});
