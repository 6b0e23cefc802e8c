// First: boot.ts starts the network and the WebAssembly (in a build it is also its own early script).
import './boot';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// (web/index.d.ts does not re-export the initializer's type; the module is the same one.)
import initLoro from 'loro-crdt/web/loro_wasm.js';
import wasmUrl from 'loro-crdt/web/loro_wasm_bg.wasm?url';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { App } from './App';
import { loadMe } from './api/session';

// Marks (pe:*) time the way to an interactive editor; the browser benchmark reads them.
performance.mark('pe:start');
const root = document.getElementById('root');
if (root) {
  // Compiled by boot.ts while the bundle loaded; fetched again here only if that did not work.
  const compiled = window.__peBoot?.wasm.catch(() => null);
  // Who is signed in, asked by boot.ts too: known before the first render, the app's first render is
  // already the page (not an empty one, then an effect, then the page).
  const me = loadMe().then(
    (value) => ({ value }),
    (e: unknown) => ({ error: String((e as Error | undefined)?.message ?? e) }),
  );
  await initLoro({ module_or_path: (await compiled) ?? wasmUrl });
  performance.mark('pe:wasm');
  const first = await me;
  createRoot(root).render(
    <StrictMode>
      <App first={first} />
    </StrictMode>,
  );
}

// The app shell for offline use (src/offline/sw.ts), registered once the editor is up: not on the way to it.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  const register = () => void navigator.serviceWorker.register('/sw.js', { type: 'module' }).catch(() => {});
  if (document.readyState === 'complete') setTimeout(register, 1000);
  else window.addEventListener('load', () => setTimeout(register, 1000), { once: true });
}
