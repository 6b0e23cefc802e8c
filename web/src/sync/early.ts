// The editor's sync socket opened before the editor exists: by boot.ts at page start, before the app and Loro
// are loaded, and by the router when it opens a pipeline. Its URL carries the `hello` of an empty replica ("I
// have nothing", docs/protocol.md; with the tree as JSON). It keeps what arrives until the editor's
// SyncConnection adopts it; a connection for another pipeline, or one that opens with changes already in its
// document, never adopts it.
import * as P from './protocol';

export interface EarlySocket {
  pipelineId: string;
  ws: WebSocket;
  /** Messages received before adoption, in order. */
  received: unknown[];
  closed: CloseEvent | null;
}

let early: EarlySocket | null = null;
const listeners = new Set<() => void>();
const notify = () => {
  for (const f of listeners) f();
};

export function syncUrl(pipelineId: string): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/api/pipelines/${encodeURIComponent(pipelineId)}/sync`;
}

export function startEarlySocket(pipelineId: string): void {
  if (early?.pipelineId === pipelineId) return;
  early?.ws.close(1000);
  // The hello in the URL: the server sends the welcome as soon as the socket is open, without waiting for the
  // page, which is busy starting then (the bundle, the WebAssembly) and would send it from `onopen` late. A
  // large welcome comes compressed: a 1000-step welcome is ~430 KB as it is, ~100 KB compressed.
  const deflate = P.canInflate() ? P.FLAG_DEFLATE : 0;
  const ws = new WebSocket(`${syncUrl(pipelineId)}?hello=${P.FLAG_VIEWS | P.FLAG_TREE | deflate}`);
  ws.binaryType = 'arraybuffer';
  const e: EarlySocket = { pipelineId, ws, received: [], closed: null };
  ws.onopen = () => performance.mark('pe:ws-open');
  ws.onmessage = (ev) => {
    const at = e.received.push(ev.data) - 1;
    if (!P.isDeflatedWelcome(ev.data)) return notify();
    // Inflated in place before the editor takes it (so that the editor's first render has the pipeline); a
    // socket adopted meanwhile inflates it itself (connection.ts). One that does not inflate closes this
    // socket, and the editor opens a socket of its own.
    void P.inflateWelcome(ev.data).then(
      (welcome) => {
        e.received[at] = welcome;
        notify();
      },
      () => {
        if (early !== e) return;
        e.received.splice(at, 1);
        ws.close(1000);
      },
    );
  };
  ws.onclose = (ev) => {
    e.closed = ev;
    notify();
  };
  early = e;
  // Not adopted soon (the app went elsewhere): let the server forget it.
  setTimeout(() => {
    if (early === e) {
      early = null;
      ws.close(1000);
    }
  }, 30_000);
}

/** Takes the early socket if it is for `pipelineId` (once); any other is closed. */
export function adoptEarlySocket(pipelineId: string): EarlySocket | null {
  const e = early;
  early = null;
  if (!e) return null;
  if (e.pipelineId !== pipelineId) {
    e.ws.close(1000);
    return null;
  }
  return e;
}

/**
 * Whether the editor for `pipelineId` should wait for the early socket: it is open or opening, and its welcome
 * has not come yet. (The editor then renders once, with the pipeline, instead of empty and then again.)
 */
export function awaitingEarlyWelcome(pipelineId: string): boolean {
  return early?.pipelineId === pipelineId && !early.closed && !hasEarlyWelcome(pipelineId);
}

/** Calls `f` when the early socket receives something or closes; returns the unsubscribe. */
export function onEarlySocket(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** Whether the early socket for `pipelineId` has its welcome already. */
export function hasEarlyWelcome(pipelineId: string): boolean {
  return early?.pipelineId === pipelineId && early.received.some((d) => d instanceof ArrayBuffer && new Uint8Array(d)[0] === P.WELCOME);
}
