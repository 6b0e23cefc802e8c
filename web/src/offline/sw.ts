// The service worker: keeps the app shell (index.html and every built file) so the editor opens with no
// connection, a reload included. Built as `/sw.js` (vite.config.ts), with the list of built files put in
// at build time, so every build is a new worker with its own cache and the old cache is dropped on activation.
// The API and the sync socket are never cached: documents live in IndexedDB (offline/replicas.ts).

// (The DOM library's types are in scope for the app; these are the few worker types used here.)
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
/** Chromium's static routing (Service Worker Static Routing API): rules the browser applies without the worker. */
interface InstallEvent extends ExtendableEvent {
  addRoutes?(rules: { condition: Record<string, string>; source: string }[]): Promise<void>;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface WorkerScope {
  addEventListener(type: 'install', fn: (e: InstallEvent) => void): void;
  addEventListener(type: 'activate', fn: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
}

declare const __PE_SHELL_FILES__: string[];
declare const __PE_SHELL_VERSION__: string;

const scope = self as unknown as WorkerScope;
const CACHE = `pe-shell-${__PE_SHELL_VERSION__}`;
const SHELL = '/index.html';
/** How long a page load waits for the server before the kept shell is used. */
const NAVIGATION_TIMEOUT_MS = 4000;

scope.addEventListener('install', (e) => {
  // Online, the page and its files come as without a worker (the HTTP cache, the server), and the worker's
  // handler below answers only when the network fails: it is raced against the network. Through the handler,
  // every open waited for the worker and for Cache Storage (a warm open 20-40 ms later). Browsers without
  // static routing use the handler for everything, as before.
  if (e.addRoutes) {
    const race = 'race-network-and-fetch-handler';
    e.waitUntil(
      e.addRoutes([
        { condition: { requestMode: 'navigate' }, source: race },
        { condition: { urlPattern: '/assets/*' }, source: race },
      ]).catch(() => {}),
    );
  }
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll([SHELL, ...__PE_SHELL_FILES__]))
      .then(() => scope.skipWaiting()),
  );
});

scope.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('pe-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => scope.clients.claim()),
  );
});

scope.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== scope.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/auth/') || url.pathname === '/metrics') return;
  if (req.mode === 'navigate') {
    // The server's page when it answers (it may be newer), else the kept one.
    e.respondWith(withTimeout(fetch(req), NAVIGATION_TIMEOUT_MS).catch(() => kept(SHELL)));
    return;
  }
  // Built files never change under a name: the kept copy, else the network.
  e.respondWith(caches.match(req, { cacheName: CACHE }).then((r) => r ?? fetch(req)));
});

async function kept(path: string): Promise<Response> {
  return (await caches.match(path, { cacheName: CACHE })) ?? Response.error();
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((ok, fail) => {
    const t = setTimeout(() => fail(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        ok(v);
      },
      (e) => {
        clearTimeout(t);
        fail(e);
      },
    );
  });
}
