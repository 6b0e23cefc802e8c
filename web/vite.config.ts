// Vite builds the browser app into `dist/` (or $PIPELINE_WEB_OUT, which crates/pipeline-web's build script
// sets); the Rust binary embeds the result. `npm run dev` serves it with hot reload and proxies the API and
// the sync WebSocket to a running `pipeline-editor serve` (PIPELINE_EDITOR_URL, default http://127.0.0.1:8080).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { schemaValidators } from './plugins/schema-validators';

const server = process.env.PIPELINE_EDITOR_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), schemaValidators()],
  resolve: {
    // loro-crdt's "web" build: main.tsx starts the WebAssembly with instantiateStreaming, which compiles while
    // downloading and is cached compiled by the browser. (Its "browser" build loads the 3.6 MB module with a
    // synchronous XHR and compiles it on the main thread, uncached: ~300 ms of every page open.)
    alias: [{ find: /^loro-crdt$/, replacement: 'loro-crdt/web' }],
  },
  build: {
    outDir: process.env.PIPELINE_WEB_OUT ?? 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One file per vendor group keeps rebuilds of our own code from changing the big files' hashes.
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': { target: server, ws: true, changeOrigin: false },
      '/auth': { target: server },
    },
  },
});
