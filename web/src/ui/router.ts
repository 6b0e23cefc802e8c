// A tiny path router over the History API: `/` the pipelines page, `/p/{id}` the editor, `/signin` (with
// `?next=` where to go after), `/teams` and `/teams/{id}` the members of a team.
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'pipelines' }
  | { page: 'editor'; id: string }
  | { page: 'signin' }
  | { page: 'teams'; id: string | null }
  | { page: 'missing' };

export function parseRoute(path: string): Route {
  if (path === '/' || path === '') return { page: 'pipelines' };
  if (path === '/signin') return { page: 'signin' };
  const m = /^\/p\/([^/]+)\/?$/.exec(path);
  if (m) return { page: 'editor', id: decodeURIComponent(m[1]) };
  const t = /^\/teams(?:\/([^/]+))?\/?$/.exec(path);
  if (t) return { page: 'teams', id: t[1] ? decodeURIComponent(t[1]) : null };
  return { page: 'missing' };
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/**
 * Where to go after signing in: the `next` parameter when it is a path of this app (never another site's
 * address: `//host` or `/\host` would leave it), else the pipelines page.
 */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && /^\/(?![/\\])/.test(next) && !next.startsWith('/signin') ? next : '/';
}

/** The sign-in page's address that comes back here afterwards. */
export function signInPath(here: string): string {
  return here === '/' || here.startsWith('/signin') ? '/signin' : `/signin?next=${encodeURIComponent(here)}`;
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
