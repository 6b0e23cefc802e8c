// Vite builds the browser app into `dist/` (or $PIPELINE_WEB_OUT, which crates/pipeline-web's build script
// sets); the Rust binary embeds the result. `npm run dev` serves it with hot reload and proxies the API and
// the sync WebSocket to a running `pipeline-editor serve` (PIPELINE_EDITOR_URL, default http://127.0.0.1:8080).
import { createHash } from 'node:crypto';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { schemaValidators } from './plugins/schema-validators';

const server = process.env.PIPELINE_EDITOR_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), schemaValidators(), bootFirst(), serviceWorkerShell()],
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
    // PIPELINE_WEB_MINIFY=0 keeps names readable for profiles (bench/profile.ts).
    minify: process.env.PIPELINE_WEB_MINIFY !== '0',
    // One file per vendor group keeps rebuilds of our own code from changing the big files' hashes.
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
    rollupOptions: {
      input: { index: 'index.html', boot: 'src/boot.ts', sw: 'src/offline/sw.ts' },
      // The service worker keeps a fixed address (its scope is the whole site).
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: {
    proxy: {
      '/api': { target: server, ws: true, changeOrigin: false },
      '/auth': { target: server },
    },
  },
});

/**
 * src/boot.ts as its own small script at the top of the page, run as soon as it is fetched: it opens the sync
 * socket and starts the WebAssembly's compilation while the app's large bundle is still being parsed.
 */
function bootFirst(): Plugin {
  return {
    name: 'pipeline-editor-boot-first',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const boot = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isEntry && c.name === 'boot');
        if (!boot) return [];
        const wasm = Object.keys(ctx.bundle ?? {}).find((f) => f.endsWith('.wasm'));
        return [
          // The boot script first: with the preloads before it, it ran ~25 ms later and the sync socket with it.
          { tag: 'script', attrs: { type: 'module', async: true, crossorigin: true, src: `/${boot.fileName}` }, injectTo: 'head-prepend' },
          // Fetched from the page's first bytes on (boot.ts asks for the same, with the same mode, and gets these).
          ...(wasm ? [{ tag: 'link', attrs: { rel: 'preload', as: 'fetch', crossorigin: true, href: `/${wasm}` }, injectTo: 'head-prepend' as const }] : []),
          { tag: 'link', attrs: { rel: 'preload', as: 'fetch', crossorigin: true, href: '/api/auth/me' }, injectTo: 'head-prepend' as const },
        ];
      },
    },
  };
}

/**
 * Puts the list of built files into the service worker (src/offline/sw.ts), with a version made from it:
 * a new build is a new worker, which keeps the new files and drops the old ones.
 */
function serviceWorkerShell(): Plugin {
  return {
    name: 'pipeline-editor-sw-shell',
    apply: 'build',
    generateBundle(_options, bundle) {
      const sw = bundle['sw.js'];
      if (!sw || sw.type !== 'chunk') return;
      const files = Object.keys(bundle)
        .filter((f) => f.startsWith('assets/'))
        .sort()
        .map((f) => `/${f}`);
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
      sw.code = sw.code.replaceAll('__PE_SHELL_FILES__', JSON.stringify(files)).replaceAll('__PE_SHELL_VERSION__', JSON.stringify(version));
    },
  };
}
