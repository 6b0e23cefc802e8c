// The page's first script, small and separate from the app's bundle so that it runs while the bundle is still
// being parsed: it starts what the editor waits for on the network and off the main thread — the sync
// WebSocket (hello "I have nothing", so the server's snapshot is already on its way), `/api/auth/me`, and the
// compilation of Loro's WebAssembly. The app picks these up instead of starting them again (main.tsx,
// sync/connection.ts, api/session.ts).
import wasmUrl from 'loro-crdt/web/loro_wasm_bg.wasm?url';
import { startEarlySocket } from './sync/early';

performance.mark('pe:boot');

declare global {
  interface Window {
    __peBoot?: { wasm: Promise<WebAssembly.Module>; me?: Promise<Response> };
  }
}

const editorRoute = /^\/p\/([^/]+)$/.exec(location.pathname);
if (editorRoute) startEarlySocket(decodeURIComponent(editorRoute[1]));

window.__peBoot = {
  wasm: WebAssembly.compileStreaming(fetch(wasmUrl)),
  me: fetch('/api/auth/me', { credentials: 'same-origin' }),
};
// Nobody may wait for these (a page without the app); an unobserved rejection is not an error here.
window.__peBoot.wasm.catch(() => {});
window.__peBoot.me?.catch(() => {});
