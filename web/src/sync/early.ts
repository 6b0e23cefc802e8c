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
  /** A compressed welcome being inflated in place in `received` (what comes after it waits behind it). */
  inflating: Promise<void> | null;
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
  // large welcome comes compressed: the browser hands a message to the busy page in pieces, and a 1000-step
  // welcome is ~430 KB as it is, ~100 KB compressed.
  const deflate = typeof DecompressionStream === 'undefined' ? 0 : P.FLAG_DEFLATE;
  const ws = new WebSocket(`${syncUrl(pipelineId)}?hello=${P.FLAG_VIEWS | P.FLAG_TREE | deflate}`);
  ws.binaryType = 'arraybuffer';
  const e: EarlySocket = { pipelineId, ws, received: [], closed: null, inflating: null };
  ws.onopen = () => performance.mark('pe:ws-open');
  ws.onmessage = (ev) => {
    const at = e.received.push(ev.data) - 1;
    if (!P.isDeflatedWelcome(ev.data)) return notify();
    // (If it does not inflate, the frame stays as it came and the connection reports it as a bad frame.)
    e.inflating = P.inflateWelcome(ev.data)
      .then((welcome) => void (e.received[at] = welcome), () => {})
      .finally(() => {
        e.inflating = null;
        notify();
      });
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
