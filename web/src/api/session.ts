// Who is signed in: `/api/auth/me` (user, teams with roles, the CSRF token for writes).
import type { LoginBody, Me, TeamMembership } from '../gen/api';
import { ApiError, errorOf, getJson, sendJson, setCsrfToken } from './client';

export type TeamRole = TeamMembership;
export type { Me };

const CACHED_ME = 'pe.me';

/**
 * Who is signed in, or null. Without a network (the request itself failed), the last answer kept on this
 * device, so the app opens offline; the CSRF token is not kept (nothing can be written offline anyway).
 */
export async function loadMe(): Promise<Me | null> {
  // The first answer is the request boot.ts made at page start.
  const early = window.__peBoot?.me;
  if (window.__peBoot) delete (window.__peBoot as { me?: unknown }).me;
  try {
    const me = early ? await meOf(await early) : await getJson<Me>('/api/auth/me');
    performance.mark('pe:me');
    setCsrfToken(me.csrf_token);
    localStorage.setItem(CACHED_ME, JSON.stringify({ ...me, csrf_token: '' }));
    return me;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      localStorage.removeItem(CACHED_ME);
      return null;
    }
    const cached = e instanceof TypeError ? localStorage.getItem(CACHED_ME) : null;
    if (cached) return JSON.parse(cached) as Me;
    throw e;
  }
}

export async function login(email: string, password: string): Promise<void> {
  const r = await sendJson<LoginBody>('POST', '/api/auth/login', { email, password });
  setCsrfToken(r.csrf_token);
}

let leaving = false;

/**
 * Whether this page is signing out: the server then closes the sync socket at once, and the editor must not
 * take that for an expired session (and go to the sign-in page with a way back) before the sign-out does.
 */
export function signingOut(): boolean {
  return leaving;
}

export async function logout(): Promise<void> {
  leaving = true;
  try {
    await sendJson('POST', '/api/auth/logout');
  } catch (e) {
    leaving = false;
    throw e;
  }
  setCsrfToken(null);
  localStorage.removeItem(CACHED_ME);
}

async function meOf(res: Response): Promise<Me> {
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as Me;
}
