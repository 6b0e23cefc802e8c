// Teams and their members over HTTP: list, invite by email (a one-time sign-in link comes back for the admin
// to pass on: the server sends no email), change a role, remove. The server checks every role rule; its
// refusals arrive as `ApiError`s with a message meant for people.
import type { InviteBody, MemberBody, MemberList, RoleName } from '../gen/api';
import { getJson, sendJson } from './client';

export type Member = MemberBody;
export type Invitation = InviteBody;
export type Role = RoleName;

/** From least to most. */
export const ROLES: readonly Role[] = ['viewer', 'member', 'admin', 'owner'];

export const ROLE_HELP: Record<Role, string> = {
  viewer: 'reads pipelines',
  member: 'edits pipelines',
  admin: 'edits pipelines, manages members',
  owner: 'everything, including owners',
};

const rank = (r: Role) => ROLES.indexOf(r);

export const atLeast = (r: Role, least: Role) => rank(r) >= rank(least);

/** The roles `mine` may hand out: admins up to admin, owners every role (the server's rule). */
export const grantable = (mine: Role): Role[] => (mine === 'owner' ? [...ROLES] : atLeast(mine, 'admin') ? ROLES.filter((r) => r !== 'owner') : []);

export const listMembers = (team: string, signal?: AbortSignal) =>
  getJson<MemberList>(`/api/teams/${encodeURIComponent(team)}/members`, signal).then((l) => l.items);

export const invite = (team: string, body: { email: string; name?: string; role: Role }) =>
  sendJson<Invitation>('POST', `/api/teams/${encodeURIComponent(team)}/invites`, body);

export const setRole = (team: string, user: string, role: Role) =>
  sendJson<unknown>('PATCH', `/api/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(user)}`, { role });

export const removeMember = (team: string, user: string) =>
  sendJson<unknown>('DELETE', `/api/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(user)}`);

/** The link as the invited person opens it (the server answers a path). */
export const absoluteLink = (path: string) => new URL(path, location.origin).toString();
