// The core's event hub: services emit TesseraEvents here; each front door (IPC, SSE) subscribes once and
// forwards them. Listener failures are reported, never allowed to break the emitter.
import type { EventName, TesseraEvents } from '../api/contract';

export type EventListener = <E extends EventName>(name: E, payload: TesseraEvents[E]) => void;

export class EventHub {
  readonly #listeners = new Set<EventListener>();

  /** @example const off = hub.subscribe((name, payload) => send(name, payload)); off(); */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** @example hub.emit('app.log', { level: 'info', message: 'ready', time: new Date().toISOString() }) */
  emit<E extends EventName>(name: E, payload: TesseraEvents[E]): void {
    for (const listener of this.#listeners) {
      try {
        listener(name, payload);
      } catch (err) {
        // A broken subscriber (e.g. a closed socket) must not stop the others; say so on the console.
        console.error(`tessera: event listener failed for ${name}:`, err);
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
