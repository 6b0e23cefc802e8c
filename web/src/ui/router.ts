// A tiny path router over the History API: `/` the pipelines page, `/p/{id}` the editor, `/signin`.
import { useEffect, useState } from 'react';

export type Route = { page: 'pipelines' } | { page: 'editor'; id: string } | { page: 'signin' } | { page: 'missing' };

export function parseRoute(path: string): Route {
  if (path === '/' || path === '') return { page: 'pipelines' };
  if (path === '/signin') return { page: 'signin' };
  const m = /^\/p\/([^/]+)\/?$/.exec(path);
  if (m) return { page: 'editor', id: decodeURIComponent(m[1]) };
  return { page: 'missing' };
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.pathname));
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return route;
}
