import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// (web/index.d.ts does not re-export the initializer's type; the module is the same one.)
import initLoro from 'loro-crdt/web/loro_wasm.js';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { App } from './App';

// Marks (pe:*) time the way to an interactive editor; the browser benchmark reads them.
performance.mark('pe:start');
const root = document.getElementById('root');
if (root) {
  await initLoro();
  performance.mark('pe:wasm');
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
