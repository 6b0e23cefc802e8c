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

// Marks (pe:*) time the way to an interactive editor; the browser benchmark reads them.
performance.mark('pe:start');
const root = document.getElementById('root');
if (root) {
  // Compiled by boot.ts while the bundle loaded; fetched again here only if that did not work.
  const compiled = window.__peBoot?.wasm.catch(() => null);
  await initLoro({ module_or_path: (await compiled) ?? wasmUrl });
  performance.mark('pe:wasm');
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
