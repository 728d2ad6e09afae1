// The page's connection to Tessera as a runes class: the App shows one banner and disables the forms while
// the server is stopped or refuses the page, and checks every few seconds whether the server came back.
import type { Transport } from '../api/client';
import { watchCalls, type Connection } from '../api/connection';

/** How often a stopped server is asked again whether it is back. */
export const RETRY_MS = 3000;

export class ConnectionState {
  status = $state<Connection>('ok');
  #retry: ReturnType<typeof setInterval> | null = null;

  /** Wraps the page's transport: every call updates the status; a stopped server is polled until it answers. */
  watch(transport: Transport): Transport {
    const watched = watchCalls(transport, (c) => this.#set(c, watched));
    // A broken event stream is the first sign of a stopped server while nobody clicks: ask it at once.
    transport.onConnectionLost?.(() => void watched.call('getAppInfo', []));
    return watched;
  }

  #set(next: Connection, transport: Transport): void {
    this.status = next;
    if (next === 'server-stopped' && this.#retry === null) {
      this.#retry = setInterval(() => void transport.call('getAppInfo', []), RETRY_MS);
    } else if (next !== 'server-stopped' && this.#retry !== null) {
      clearInterval(this.#retry);
      this.#retry = null;
    }
  }
}
