// Settings → Users (admins; docs/product.md §9, §10): the account's people with their role and whether
// they have accepted their invitation; invite (the server emails the link), change a role, send the
// invitation again, remove with confirmation. The server keeps the last admin (409) and says so.
import { useState } from 'react';
import { Button, Field, Input, Select, Text } from '@fluentui/react-components';
import type { AccountUser, Role } from '../../shared/api.js';
import { useAppApi } from '../api.js';
import { useSession } from '../session.js';
import { Confirm, type Question } from '../components/confirm.js';
import { Empty, ErrorBar, Loading, Outcome, usePageStyles } from '../components/page.js';
import { useResource } from '../components/paged.js';

type Said = { intent: 'success' | 'error'; text: string } | null;

const label = (u: AccountUser) => u.name || u.email;

export function UsersSection() {
  const api = useAppApi();
  const s = usePageStyles();
  const { user: me } = useSession();
  const list = useResource(() => api.users(), 'users');
  const [said, setSaid] = useState<Said>(null);
  const [question, setQuestion] = useState<Question | null>(null);
  const users = list.value?.results ?? [];
  const replace = (u: AccountUser) => list.set({ results: users.map((x) => (x.id === u.id ? { ...x, ...u } : x)) });

  /** Runs an action and says what happened, or why not in the server's words. */
  const act = async (failed: string, run: () => Promise<string>) => {
    try {
      setSaid({ intent: 'success', text: await run() });
    } catch (e) {
      setSaid({ intent: 'error', text: `${failed}: ${(e as Error).message}` });
    }
  };
  const setRole = (u: AccountUser, role: Role) =>
    act(`Could not change ${label(u)}’s role`, async () => {
      replace(await api.changeUser(u.id, { role }));
      return `${label(u)} is now ${role === 'admin' ? 'an admin' : 'a member'}.`;
    });
  const resend = (u: AccountUser) =>
    act(`Could not send the invitation again`, async () => {
      replace(await api.reinvite(u.id));
      return `A new invitation link was emailed to ${u.email}; the earlier link no longer works.`;
    });
  const remove = (u: AccountUser) =>
    setQuestion({
      title: `Remove ${label(u)}?`,
      body: 'They are signed out everywhere at once, their access tokens stop working and their connected mailbox is disconnected. Their tracked and logged email stays.',
      confirm: 'Remove user',
      run: () =>
        act(`Could not remove ${label(u)}`, async () => {
          await api.removeUser(u.id);
          list.set({ results: users.filter((x) => x.id !== u.id) });
          return `${label(u)} was removed.`;
        }),
    });

  return (
    <section className={s.card} aria-labelledby="mb-users">
      <Text as="h2" size={500} weight="semibold" id="mb-users" style={{ margin: 0 }}>
        Users
      </Text>
      <InviteForm onInvited={(u) => list.set({ results: [...users.filter((x) => x.id !== u.id), u] })} onSaid={setSaid} />
      <Outcome outcome={said} />
      {list.error && <ErrorBar what="Could not load the users" error={list.error} onRetry={list.reload} />}
      {!list.value ? (
        !list.error && <Loading label="Loading users…" />
      ) : users.length === 0 ? (
        <Empty>No users yet.</Empty>
      ) : (
        <div className={s.scroll}>
          <table className={s.table}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className={s.muted}>Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.name || '—'}
                    {u.id === me.id ? ' (you)' : ''}
                  </td>
                  <td>{u.email}</td>
                  <td>
                    <Select aria-label={`Role of ${label(u)}`} value={u.role} onChange={(_, d) => void setRole(u, d.value as Role)}>
                      <option value="member">Member</option>
                      <option value="admin">Admin</option>
                    </Select>
                  </td>
                  <td>{u.status === 'invited' ? 'Invited' : 'Active'}</td>
                  <td>
                    <div className={s.row}>
                      {u.status === 'invited' && (
                        <Button size="small" onClick={() => void resend(u)} aria-label={`Resend invitation to ${u.email}`}>
                          Resend invitation
                        </Button>
                      )}
                      <Button size="small" onClick={() => remove(u)} aria-label={`Remove ${label(u)}`}>
                        Remove
                      </Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Confirm question={question} onClose={() => setQuestion(null)} />
    </section>
  );
}

function InviteForm({ onInvited, onSaid }: { onInvited: (u: AccountUser) => void; onSaid: (said: Said) => void }) {
  const api = useAppApi();
  const s = usePageStyles();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [busy, setBusy] = useState(false);

  async function submit() {
    if (!email.trim()) return onSaid({ intent: 'error', text: 'Type the email address of the person to invite.' });
    setBusy(true);
    try {
      const { inviteUrl: _link, ...u } = await api.invite({ email: email.trim(), name: name.trim() || null, role });
      onInvited(u);
      setEmail('');
      setName('');
      onSaid({ intent: 'success', text: `Invitation emailed to ${u.email}. The link works once, for 7 days.` });
    } catch (e) {
      onSaid({ intent: 'error', text: `Could not invite ${email.trim()}: ${(e as Error).message}` });
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      // The server's answer says what is wrong in words; the browser's own bubble would say less.
      noValidate
      className={s.row}
      style={{ alignItems: 'flex-end' }}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Field label="Email">
        <Input type="email" value={email} onChange={(_, d) => setEmail(d.value)} placeholder="ann@example.com" />
      </Field>
      <Field label="Name">
        <Input value={name} onChange={(_, d) => setName(d.value)} />
      </Field>
      <Field label="Role">
        <Select value={role} onChange={(_, d) => setRole(d.value as Role)}>
          <option value="member">Member</option>
          <option value="admin">Admin</option>
        </Select>
      </Field>
      <Button type="submit" appearance="primary" disabled={busy}>
        Invite
      </Button>
    </form>
  );
}
