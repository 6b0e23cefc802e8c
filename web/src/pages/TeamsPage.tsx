// A team's members: everyone sees the list; owners and admins invite by email (the server answers a one-time
// sign-in link to pass on), change roles and remove members. The server enforces every rule (admins do not
// touch owners, a team keeps an owner); its refusals are shown as it words them.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Me } from '../api/session';
import {
  absoluteLink,
  atLeast,
  grantable,
  invite,
  listMembers,
  removeMember,
  ROLE_HELP,
  ROLES,
  setRole,
  type Invitation,
  type Member,
  type Role,
} from '../api/teams';
import { navigate } from '../ui/router';
import { UserMenu } from '../ui/UserMenu';
import './teams.css';

export function TeamsPage({ me, teamId, onMeChanged }: { me: Me; teamId: string | null; onMeChanged: () => void }) {
  const team = teamId ? me.teams.find((t) => t.id === teamId) : me.teams[0];

  useEffect(() => {
    document.title = `${team ? `${team.name} · ` : ''}Teams · Pipeline Editor`;
  }, [team]);

  return (
    <div className="teams-page">
      <header className="topbar">
        <a href="/" className="ghost button" aria-label="All pipelines" onClick={(e) => { e.preventDefault(); navigate('/'); }}>←</a>
        <h1 className="brand">Teams and members</h1>
        <div className="spacer" />
        <UserMenu me={me} />
      </header>
      <div className="teams-body">
        {me.teams.length > 1 && (
          <nav className="teams-nav" aria-label="Teams">
            <ul>
              {me.teams.map((t) => (
                <li key={t.id}>
                  <a
                    href={`/teams/${t.id}`}
                    aria-current={t.id === team?.id ? 'page' : undefined}
                    onClick={(e) => { e.preventDefault(); navigate(`/teams/${t.id}`); }}
                  >
                    {t.name} <span className="muted small">{t.role}</span>
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <main className="teams-main">
          {!team ? (
            <p role="alert">{teamId ? 'You are not a member of this team.' : 'You are not a member of any team yet.'}</p>
          ) : (
            <TeamMembers key={team.id} me={me} team={team} onMeChanged={onMeChanged} />
          )}
        </main>
      </div>
    </div>
  );
}

function TeamMembers({ me, team, onMeChanged }: { me: Me; team: Me['teams'][number]; onMeChanged: () => void }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const manage = atLeast(team.role, 'admin');

  useEffect(() => {
    const ctl = new AbortController();
    listMembers(team.id, ctl.signal).then(
      (m) => setMembers(m),
      (e) => { if (!ctl.signal.aborted) setError((e as Error).message); },
    );
    return () => ctl.abort();
  }, [team.id, reload]);

  const refresh = useCallback(() => setReload((r) => r + 1), []);

  /** Runs a change; a refusal is shown, and the list is read again either way (it shows what is true). */
  const act = async (change: () => Promise<unknown>, affectsMe: boolean) => {
    setError(null);
    try {
      await change();
      if (affectsMe) onMeChanged();
    } catch (e) {
      setError((e as Error).message);
    }
    refresh();
  };

  return (
    <>
      <section className="card team-head" aria-label="Team">
        <h2>{team.name}</h2>
        <p className="muted small">
          Your role: <strong>{team.role}</strong> ({ROLE_HELP[team.role]}).
          {!manage && ' Owners and admins manage the members.'}
        </p>
      </section>
      {manage && <InviteForm team={team} onInvited={refresh} />}
      {error && (
        <p role="alert" className="error-text team-error">
          {error}
          <button className="ghost small" aria-label="Dismiss" onClick={() => setError(null)}>×</button>
        </p>
      )}
      <section className="card" aria-label="Members">
        <h2>Members{members ? ` (${members.length})` : ''}</h2>
        {!members ? (
          <p className="muted" aria-busy="true">Loading…</p>
        ) : (
          <table className="members">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                {manage && <th scope="col"><span className="visually-hidden">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <MemberRow
                  key={m.user.id}
                  member={m}
                  mine={team.role}
                  manage={manage}
                  self={m.user.id === me.user.id}
                  onRole={(role) => void act(() => setRole(team.id, m.user.id, role), m.user.id === me.user.id)}
                  onRemove={() => void act(() => removeMember(team.id, m.user.id), m.user.id === me.user.id)}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function MemberRow(p: {
  member: Member;
  mine: Role;
  manage: boolean;
  self: boolean;
  onRole(role: Role): void;
  onRemove(): void;
}) {
  const [confirming, setConfirming] = useState(false);
  const { user, role } = p.member;
  const who = user.name || user.email;
  // Admins cannot touch owners (the server refuses it too); the select says so rather than failing.
  const locked = role === 'owner' && p.mine !== 'owner';
  const choices = locked ? [role] : grantable(p.mine);
  return (
    <tr data-email={user.email}>
      <td>
        {who}
        {p.self && <span className="muted small"> (you)</span>}
      </td>
      <td className="muted">{user.email}</td>
      <td>
        {p.manage ? (
          <select
            aria-label={`Role of ${user.email}`}
            value={role}
            disabled={locked}
            title={locked ? 'Only an owner can change an owner' : undefined}
            onChange={(e) => p.onRole(e.target.value as Role)}
          >
            {ROLES.filter((r) => choices.includes(r) || r === role).map((r) => (
              <option key={r} value={r}>{r}</option>
            ))}
          </select>
        ) : (
          <span className="badge" data-role={role}>{role}</span>
        )}
      </td>
      {p.manage && (
        <td className="member-actions">
          {confirming ? (
            <>
              <button className="danger small" aria-label={`Confirm removing ${user.email}`} onClick={() => { setConfirming(false); p.onRemove(); }}>
                Remove {p.self ? 'myself' : who}
              </button>
              <button className="ghost small" onClick={() => setConfirming(false)}>Cancel</button>
            </>
          ) : (
            <button
              className="ghost small danger"
              aria-label={`Remove ${user.email}`}
              disabled={locked}
              onClick={() => setConfirming(true)}
            >
              Remove
            </button>
          )}
        </td>
      )}
    </tr>
  );
}

function InviteForm({ team, onInvited }: { team: Me['teams'][number]; onInvited(): void }) {
  const roles = grantable(team.role);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRoleChoice] = useState<Role>('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<Invitation | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await invite(team.id, { email: email.trim(), name: name.trim() || undefined, role });
      setDone(r);
      setEmail('');
      setName('');
      onInvited();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-label="Invite">
      <h2>Invite someone</h2>
      <form className="invite-form" onSubmit={submit}>
        <label>
          Email
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />
        </label>
        <label>
          <span>Name <span className="small">(optional, for a new account)</span></span>
          <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRoleChoice(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>{r}: {ROLE_HELP[r]}</option>
            ))}
          </select>
        </label>
        <button className="primary" type="submit" disabled={busy}>Invite</button>
      </form>
      {error && <p role="alert" className="error-text">{error}</p>}
      <div aria-live="polite">{done && <InviteResult invitation={done} team={team.name} />}</div>
    </section>
  );
}

function InviteResult({ invitation: inv, team }: { invitation: Invitation; team: string }) {
  const [copied, setCopied] = useState(false);
  if (!inv.link) {
    return (
      <p className="invite-result" data-testid="invite-result">
        {inv.user.email} already has an account: they are now <strong>{inv.role}</strong> of {team} and sign in as usual.
      </p>
    );
  }
  const link = absoluteLink(inv.link);
  const copy = async (input: HTMLInputElement | null) => {
    try {
      await navigator.clipboard.writeText(link);
    } catch {
      // No clipboard access (plain http on another host): select the text for Ctrl+C.
      input?.select();
      return;
    }
    setCopied(true);
  };
  const expires = inv.expires_at ? new Date(inv.expires_at).toLocaleString() : null;
  return (
    <div className="invite-result" data-testid="invite-result">
      <p>
        {inv.created ? 'Account created for' : 'Invited'} {inv.user.email} as <strong>{inv.role}</strong>. Send them this
        one-time sign-in link{expires ? ` (it works once, until ${expires})` : ''}; nobody else should open it.
      </p>
      <div className="link-row">
        <input readOnly value={link} aria-label="Sign-in link" onFocus={(e) => e.target.select()} id="invite-link" />
        <button type="button" onClick={(e) => void copy(e.currentTarget.previousElementSibling as HTMLInputElement)}>
          {copied ? 'Copied' : 'Copy link'}
        </button>
      </div>
    </div>
  );
}
