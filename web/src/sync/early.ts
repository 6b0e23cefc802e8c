// The editor's sync socket opened by boot.ts at page start, before the app and Loro are loaded. It sends the
// `hello` of an empty replica ("I have nothing", docs/protocol.md) as soon as it opens and keeps what
// arrives until the editor's SyncConnection adopts it; a connection for another pipeline, or one that
// opens with changes already in its document, never adopts it.
import * as P from './protocol';

export interface EarlySocket {
  pipelineId: string;
  ws: WebSocket;
  /** Messages received before adoption, in order. */
  received: unknown[];
  closed: CloseEvent | null;
}

let early: EarlySocket | null = null;

export function syncUrl(pipelineId: string): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/api/pipelines/${encodeURIComponent(pipelineId)}/sync`;
}

export function startEarlySocket(pipelineId: string): void {
  const ws = new WebSocket(syncUrl(pipelineId));
  ws.binaryType = 'arraybuffer';
  const e: EarlySocket = { pipelineId, ws, received: [], closed: null };
  ws.onopen = () => {
    performance.mark('pe:ws-open');
    ws.send(P.hello(P.FLAG_VIEWS, new Uint8Array()));
  };
  ws.onmessage = (ev) => e.received.push(ev.data);
  ws.onclose = (ev) => {
    e.closed = ev;
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
