// /app/transactional (docs/product.md §10): SMTP tokens (created with the password shown once, in a
// dialog that a click outside cannot close, with the host, port and username to use), the account's
// sent messages with their delivery attempts and events, and the suppressed addresses.
import { useId, useState } from 'react';
import {
  Badge,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Select,
  Switch,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { CopyRegular, KeyResetRegular, DeleteRegular, AddRegular } from '@fluentui/react-icons';
import { MESSAGE_STATUSES, type MessageDetail, type MessageStatus, type MessageSummary } from '../../shared/api.js';
import type { SmtpToken } from '../../shared/hubspot.js';
import { VerdictChip } from '../../ui/components/VerdictChip.js';
import { useAppApi } from '../api.js';
import { Confirm, type Question } from '../components/confirm.js';
import { Empty, ErrorBar, ListFooter, Loading, Outcome, PageFrame, TableScroll, usePageStyles } from '../components/page.js';
import { usePaged, useResource } from '../components/paged.js';

type Said = { intent: 'success' | 'error'; text: string } | null;

const useStyles = makeStyles({
  secret: { display: 'grid', gridTemplateColumns: 'auto minmax(0, 1fr)', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXS, alignItems: 'center' },
  details: { padding: tokens.spacingHorizontalS, backgroundColor: tokens.colorNeutralBackground2, borderRadius: tokens.borderRadiusMedium },
});

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

const STATUS_COLOUR: Record<MessageStatus, 'informative' | 'success' | 'warning' | 'danger' | 'severe'> = {
  QUEUED: 'informative',
  SENT: 'success',
  DEFERRED: 'warning',
  BOUNCE: 'danger',
  DROPPED: 'severe',
};

export default function TransactionalPage(_props: { params: Record<string, string> }) {
  const [said, setSaid] = useState<Said>(null);
  return (
    <PageFrame title="Transactional">
      <Outcome outcome={said} />
      <Tokens say={setSaid} />
      <Messages />
      <Suppressions say={setSaid} />
    </PageFrame>
  );
}

// ---- SMTP tokens -------------------------------------------------------------------------------

function Tokens({ say }: { say: (s: Said) => void }) {
  const api = useAppApi();
  const s = usePageStyles();
  const list = usePaged((after) => api.tokens(after), 'tokens');
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<SmtpToken | null>(null);
  const [question, setQuestion] = useState<Question | null>(null);

  const reset = (t: SmtpToken) =>
    setQuestion({
      title: `Reset the password of ${t.campaignName}?`,
      body: 'The current password stops working at once, also for clients connected now. You get a new one to put in their place.',
      confirm: 'Reset password',
      run: async () => {
        try {
          setShown(await api.resetToken(t.id));
        } catch (e) {
          say({ intent: 'error', text: `Could not reset the password: ${(e as Error).message}` });
        }
      },
    });
  const remove = (t: SmtpToken) =>
    setQuestion({
      title: `Delete the token ${t.campaignName}?`,
      body: 'SMTP logins with it fail from now on. Its statistics stay.',
      confirm: 'Delete token',
      run: async () => {
        try {
          await api.deleteToken(t.id);
          list.update((items) => items.filter((x) => x.id !== t.id));
          say({ intent: 'success', text: `Token ${t.campaignName} deleted.` });
        } catch (e) {
          say({ intent: 'error', text: `Could not delete the token: ${(e as Error).message}` });
        }
      },
    });

  return (
    <section className={s.section} aria-labelledby="mb-smtp-tokens">
      <div className={s.row} style={{ justifyContent: 'space-between' }}>
        <Text as="h2" size={500} weight="semibold" id="mb-smtp-tokens" style={{ margin: 0 }}>
          SMTP tokens
        </Text>
        <Button icon={<AddRegular />} onClick={() => setCreating(true)}>
          Create token
        </Button>
      </div>
      {list.loaded && list.items.length === 0 ? (
        <Empty>No SMTP tokens yet. Create one to send from your application over SMTP; each token has its own campaign and statistics.</Empty>
      ) : (
        list.items.length > 0 && (
          <TableScroll label="SMTP tokens table">
            <table className={s.table}>
              <thead>
                <tr>
                  <th scope="col">Campaign</th>
                  <th scope="col">Username</th>
                  <th scope="col">Statistics</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((t) => (
                  <tr key={t.id}>
                    <td>
                      {t.campaignName}
                      {t.createContact ? (
                        <Text size={200} className={s.muted} block>
                          creates contacts
                        </Text>
                      ) : null}
                    </td>
                    <td className={s.mono}>{t.id}</td>
                    <td>
                      <TokenStats campaignId={t.emailCampaignId} />
                    </td>
                    <td>
                      {when(t.createdAt)}
                      <Text size={200} className={s.muted} block>
                        by {t.createdBy}
                      </Text>
                    </td>
                    <td>
                      <div className={s.row} style={{ flexWrap: 'nowrap' }}>
                        <Button size="small" icon={<KeyResetRegular />} onClick={() => reset(t)} aria-label={`Reset password of ${t.campaignName}`}>
                          Reset
                        </Button>
                        <Button size="small" icon={<DeleteRegular />} onClick={() => remove(t)} aria-label={`Delete ${t.campaignName}`}>
                          Delete
                        </Button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )
      )}
      <ListFooter what="SMTP tokens" loading={list.loading} error={list.error} hasMore={list.hasMore} onMore={list.more} onRetry={list.reload} />
      <CreateToken
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(t) => {
          setCreating(false);
          list.update((items) => [...items, { ...t, password: undefined }]);
          setShown(t);
        }}
      />
      <PasswordOnce token={shown} onClose={() => setShown(null)} />
      <Confirm question={question} onClose={() => setQuestion(null)} />
    </section>
  );
}

function TokenStats({ campaignId }: { campaignId: string }) {
  const api = useAppApi();
  const s = usePageStyles();
  const stats = useResource(() => api.campaign(campaignId), campaignId);
  if (stats.error) return <Text className={s.muted}>unavailable</Text>;
  if (!stats.value) return <Text className={s.muted}>…</Text>;
  const c = stats.value.counters;
  return (
    <Text size={200}>
      {c.sent} sent · {c.delivered} delivered · {c.bounce} bounced · {c.open} opens · {c.click} clicks
    </Text>
  );
}

function CreateToken({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (t: SmtpToken) => void }) {
  const api = useAppApi();
  const [name, setName] = useState('');
  const [createContact, setCreateContact] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function create() {
    if (!name.trim()) return setError('Give the token a campaign name, e.g. "Order receipts".');
    setBusy(true);
    try {
      const t = await api.createToken({ campaignName: name.trim(), createContact });
      setName('');
      setError(null);
      onCreated(t);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <DialogBody>
            <DialogTitle>Create an SMTP token</DialogTitle>
            <DialogContent style={{ display: 'flex', flexDirection: 'column', rowGap: 12 }}>
              <Field label="Campaign name" required validationMessage={error ?? undefined} hint="Mail sent with this token is counted under this campaign.">
                <Input value={name} onChange={(_, d) => setName(d.value)} />
              </Field>
              <Switch label="Create contacts from recipients" checked={createContact} onChange={(_, d) => setCreateContact(d.checked)} />
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={onClose}>
                Cancel
              </Button>
              <Button appearance="primary" type="submit" disabled={busy}>
                Create
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

/** The password, once: an alert dialog (no dismissal by clicking outside), with what to configure. */
function PasswordOnce({ token, onClose }: { token: SmtpToken | null; onClose: () => void }) {
  const api = useAppApi();
  const s = useStyles();
  const server = useResource(() => api.server(), 'server');
  const [copied, setCopied] = useState(false);
  const passwordId = useId();
  async function copy() {
    try {
      await navigator.clipboard.writeText(token!.password!);
      setCopied(true);
    } catch {
      // Clipboard refused (no permission, no https): the field is selected for Ctrl+C instead.
      (document.getElementById(passwordId) as HTMLInputElement | null)?.select();
    }
  }
  return (
    <Dialog modalType="alert" open={token !== null}>
      <DialogSurface>
        {token && (
          <DialogBody>
            <DialogTitle>SMTP password for {token.campaignName}</DialogTitle>
            <DialogContent style={{ display: 'flex', flexDirection: 'column', rowGap: 12 }}>
              <Text weight="semibold">You won't see this password again. Copy it now and keep it somewhere safe.</Text>
              <div className={s.secret}>
                <Text>Host</Text>
                <code>{server.value?.smtp.host ?? '…'}</code>
                <Text>Port</Text>
                <code>
                  {server.value ? `${server.value.smtp.port} (STARTTLS)${server.value.smtp.tlsPort ? `, ${server.value.smtp.tlsPort} (TLS)` : ''}` : '…'}
                </code>
                <Text>Username</Text>
                <code>{token.id}</code>
              </div>
              <Field label="Password">
                <Input id={passwordId} readOnly value={token.password ?? ''} style={{ fontFamily: 'monospace' }} onFocus={(e) => e.currentTarget.select()} />
              </Field>
              <div>
                <Button icon={<CopyRegular />} onClick={() => void copy()}>
                  Copy password
                </Button>{' '}
                <span aria-live="polite">{copied ? 'Copied' : ''}</span>
              </div>
            </DialogContent>
            <DialogActions>
              <Button
                appearance="primary"
                onClick={() => {
                  setCopied(false);
                  onClose();
                }}
              >
                Done
              </Button>
            </DialogActions>
          </DialogBody>
        )}
      </DialogSurface>
    </Dialog>
  );
}

// ---- messages ----------------------------------------------------------------------------------

function Messages() {
  const api = useAppApi();
  const s = usePageStyles();
  const [status, setStatus] = useState<MessageStatus | ''>('');
  const [recipient, setRecipient] = useState('');
  const [applied, setApplied] = useState('');
  const list = usePaged((after) => api.messages({ status: status || undefined, recipient: applied || undefined, after }), `${status}|${applied}`);
  return (
    <section className={s.section} aria-labelledby="mb-messages">
      <Text as="h2" size={500} weight="semibold" id="mb-messages" style={{ margin: 0 }}>
        Messages
      </Text>
      <form
        className={s.row}
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          // The same search again reads the list again (new rows may have arrived).
          if (recipient.trim() === applied) list.reload();
          else setApplied(recipient.trim());
        }}
      >
        <Field label="Status">
          <Select value={status} onChange={(_, d) => setStatus(d.value as MessageStatus | '')}>
            <option value="">All</option>
            {MESSAGE_STATUSES.map((st) => (
              <option key={st} value={st}>
                {st}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Recipient">
          <Input type="search" value={recipient} onChange={(_, d) => setRecipient(d.value)} placeholder="ann@example.com" />
        </Field>
        <Button type="submit" style={{ alignSelf: 'flex-end' }}>
          Filter
        </Button>
      </form>
      {list.loaded && list.items.length === 0 ? (
        <Empty>{status || applied ? 'No messages match.' : 'No messages yet. Mail sent with an SMTP token or the single-send API shows up here with its delivery.'}</Empty>
      ) : (
        list.items.length > 0 && (
          <TableScroll label="Messages table">
            <table className={s.table}>
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Recipient</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Relay's last answer</th>
                  <th scope="col">Sent</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((m) => (
                  <MessageRow key={m.id} m={m} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        )
      )}
      <ListFooter what="messages" loading={list.loading} error={list.error} hasMore={list.hasMore} onMore={list.more} onRetry={list.reload} />
    </section>
  );
}

function MessageRow({ m }: { m: MessageSummary }) {
  const s = usePageStyles();
  const [open, setOpen] = useState(false);
  const detailId = useId();
  return (
    <>
      <tr>
        <td>
          <Badge appearance="tint" color={STATUS_COLOUR[m.status]}>
            {m.status}
          </Badge>
        </td>
        <td>
          <Button size="small" appearance="transparent" aria-expanded={open} aria-controls={detailId} onClick={() => setOpen((o) => !o)} style={{ padding: 0, minWidth: 0 }}>
            {m.recipient}
          </Button>
        </td>
        <td>{m.subject ?? '(no subject)'}</td>
        <td className={s.mono}>{m.lastResponse ?? '—'}</td>
        <td>{when(m.createdAt)}</td>
      </tr>
      {open && (
        <tr id={detailId}>
          <td colSpan={5}>
            <MessageDetails id={m.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function MessageDetails({ id }: { id: string }) {
  const api = useAppApi();
  const s = usePageStyles();
  const c = useStyles();
  const detail = useResource<MessageDetail>(() => api.message(id), id);
  if (detail.error) return <ErrorBar what="Could not load the message" error={detail.error} onRetry={detail.reload} />;
  if (!detail.value) return <Loading label="Loading the message…" />;
  const m = detail.value;
  return (
    <div className={c.details}>
      <Text block>
        From {m.from} · {m.source === 'SMTP' ? 'SMTP API' : 'single send'} · {m.attempts} {m.attempts === 1 ? 'attempt' : 'attempts'}
        {m.nextAttemptAt ? ` · next try ${when(m.nextAttemptAt)}` : ''}
      </Text>
      <Text weight="semibold" block>
        Delivery attempts
      </Text>
      {m.deliveryAttempts.length === 0 ? (
        <Text className={s.muted}>Not tried yet.</Text>
      ) : (
        <ol>
          {m.deliveryAttempts.map((a) => (
            <li key={`${a.attempt}-${a.at}`}>
              {when(a.at)} — {a.outcome}: <span className={s.mono}>{a.response}</span>
            </li>
          ))}
        </ol>
      )}
      <Text weight="semibold" block>
        Events
      </Text>
      <ul>
        {m.events.map((ev) => (
          <li key={ev.id}>
            {when(ev.at)} — {ev.type}
            {ev.url ? ` ${ev.url}` : ''} {ev.verdict && <VerdictChip event={{ verdict: ev.verdict, counted: !ev.filtered, reasons: ev.reasons ?? [] }} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

// ---- suppressions ------------------------------------------------------------------------------

function Suppressions({ say }: { say: (s: Said) => void }) {
  const api = useAppApi();
  const s = usePageStyles();
  const list = usePaged((after) => api.suppressions(after), 'suppressions');
  const [question, setQuestion] = useState<Question | null>(null);
  const remove = (email: string) =>
    setQuestion({
      title: `Send to ${email} again?`,
      body: 'The address is no longer suppressed: the next mail to it is sent. If it still does not exist, it bounces and is suppressed again.',
      confirm: 'Remove suppression',
      run: async () => {
        try {
          await api.removeSuppression(email);
          list.update((items) => items.filter((x) => x.email !== email));
          say({ intent: 'success', text: `${email} is no longer suppressed.` });
        } catch (e) {
          say({ intent: 'error', text: `Could not remove the suppression: ${(e as Error).message}` });
        }
      },
    });
  return (
    <section className={s.section} aria-labelledby="mb-suppressions">
      <Text as="h2" size={500} weight="semibold" id="mb-suppressions" style={{ margin: 0 }}>
        Suppressions
      </Text>
      {list.loaded && list.items.length === 0 ? (
        <Empty>No suppressed addresses. An address that hard-bounces is suppressed here, so no more mail goes to it.</Empty>
      ) : (
        list.items.length > 0 && (
          <TableScroll label="Suppressions table">
            <table className={s.table}>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Why</th>
                  <th scope="col">Since</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((x) => (
                  <tr key={x.email}>
                    <td>{x.email}</td>
                    <td>
                      {x.reason === 'HARD_BOUNCE' ? 'Hard bounce' : 'Added by hand'}
                      {x.detail && (
                        <Text size={200} className={s.mono} block>
                          {x.detail}
                        </Text>
                      )}
                    </td>
                    <td>{when(x.createdAt)}</td>
                    <td>
                      <Button size="small" onClick={() => remove(x.email)} aria-label={`Remove suppression of ${x.email}`}>
                        Remove
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )
      )}
      <ListFooter what="suppressions" loading={list.loading} error={list.error} hasMore={list.hasMore} onMore={list.more} onRetry={list.reload} />
      <Confirm question={question} onClose={() => setQuestion(null)} />
    </section>
  );
}
