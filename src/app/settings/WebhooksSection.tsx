// Settings → Webhooks (admins; docs/product.md §12): the account's endpoints with their events; create
// one (its `whsec_` signing secret is shown this once, with a copy button), turn it on or off, send a
// test event, rotate the secret, delete, and each endpoint's recent deliveries with Retry.
import { useEffect, useState } from 'react';
import { Button, Checkbox, Field, Input, MessageBar, MessageBarBody, Switch, Text } from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import { WEBHOOK_EVENT_TYPES, type Webhook, type WebhookEventType } from '../../shared/api.js';
import { useAppApi } from '../api.js';
import { Confirm, type Question } from '../components/confirm.js';
import { Empty, ErrorBar, ListFooter, Loading, Outcome, usePageStyles } from '../components/page.js';
import { usePaged, useResource } from '../components/paged.js';

type Said = { intent: 'success' | 'error'; text: string } | null;

export function WebhooksSection() {
  const api = useAppApi();
  const s = usePageStyles();
  const list = useResource(() => api.webhooks(), 'webhooks');
  const [said, setSaid] = useState<Said>(null);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [question, setQuestion] = useState<Question | null>(null);
  // Each test bumps its endpoint's count, so that endpoint's deliveries are read again.
  const [tests, setTests] = useState<Record<string, number>>({});
  const hooks = list.value?.results ?? [];
  const replace = (w: Webhook) => list.set({ results: hooks.map((x) => (x.id === w.id ? w : x)) });

  const act = async (failed: string, run: () => Promise<string>) => {
    try {
      setSaid({ intent: 'success', text: await run() });
    } catch (e) {
      setSaid({ intent: 'error', text: `${failed}: ${(e as Error).message}` });
    }
  };
  const created = (w: Webhook) => {
    list.set({ results: [...hooks, { ...w, secret: undefined }] });
    if (w.secret) setSecret({ url: w.url, secret: w.secret });
    setSaid({ intent: 'success', text: `Webhook to ${w.url} created. Copy its signing secret now.` });
  };
  const toggle = (w: Webhook, enabled: boolean) =>
    act(`Could not turn ${enabled ? 'on' : 'off'} ${w.url}`, async () => {
      replace(await api.changeWebhook(w.id, { enabled }));
      return enabled ? `${w.url} is on; what waited is sent now.` : `${w.url} is off; its events wait until you turn it on.`;
    });
  const sendTest = (w: Webhook) =>
    act('Could not send a test', async () => {
      await api.testWebhook(w.id);
      setTests((t) => ({ ...t, [w.id]: (t[w.id] ?? 0) + 1 }));
      return `A webhook.test event is on its way to ${w.url}; it shows under Recent deliveries.`;
    });
  const rotate = (w: Webhook) =>
    setQuestion({
      title: 'Rotate the signing secret?',
      body: `Requests to ${w.url} are signed with a new secret from now on; the receiver must be given it, or it will reject them.`,
      confirm: 'Rotate secret',
      run: () =>
        act('Could not rotate the secret', async () => {
          const r = await api.rotateWebhookSecret(w.id);
          if (r.secret) setSecret({ url: w.url, secret: r.secret });
          return `New signing secret for ${w.url}; copy it now.`;
        }),
    });
  const remove = (w: Webhook) =>
    setQuestion({
      title: `Delete the webhook to ${w.url}?`,
      body: 'Events not yet delivered to it and its delivery history are deleted too.',
      confirm: 'Delete webhook',
      run: () =>
        act('Could not delete the webhook', async () => {
          await api.deleteWebhook(w.id);
          list.set({ results: hooks.filter((x) => x.id !== w.id) });
          return `Webhook to ${w.url} deleted.`;
        }),
    });

  return (
    <section className={s.card} aria-labelledby="mb-webhooks">
      <Text as="h2" size={500} weight="semibold" id="mb-webhooks" style={{ margin: 0 }}>
        Webhooks
      </Text>
      <Text size={200} className={s.muted}>
        Mailbeacon POSTs each event to your URL, signed as Standard Webhooks (headers webhook-id, webhook-timestamp, webhook-signature).
      </Text>
      <CreateForm onCreated={created} onSaid={setSaid} />
      <Outcome outcome={said} />
      {secret && <SecretOnce {...secret} onDone={() => setSecret(null)} />}
      {list.error && <ErrorBar what="Could not load the webhooks" error={list.error} onRetry={list.reload} />}
      {!list.value ? (
        !list.error && <Loading label="Loading webhooks…" />
      ) : hooks.length === 0 ? (
        <Empty>No webhooks yet. Add the URL of a receiver to have email and contact events sent to it.</Empty>
      ) : (
        <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', rowGap: 16 }}>
          {hooks.map((w) => (
            <li key={w.id} className={s.section} aria-label={`Webhook ${w.url}`}>
              <Text weight="semibold" className={s.mono}>
                {w.url}
              </Text>
              <Text size={200}>Events: {w.events.join(', ')}</Text>
              {w.disabledReason && <Text size={200}>Turned off: {w.disabledReason}</Text>}
              <div className={s.row}>
                <Switch label="Enabled" checked={w.enabled} onChange={(_, d) => void toggle(w, d.checked)} aria-label={`Enabled: ${w.url}`} />
                <Button size="small" disabled={!w.enabled} onClick={() => void sendTest(w)}>
                  Send test
                </Button>
                <Button size="small" onClick={() => rotate(w)}>
                  Rotate secret
                </Button>
                <Button size="small" onClick={() => remove(w)}>
                  Delete
                </Button>
              </div>
              <Deliveries webhook={w} version={tests[w.id] ?? 0} onSaid={setSaid} />
            </li>
          ))}
        </ul>
      )}
      <Confirm question={question} onClose={() => setQuestion(null)} />
    </section>
  );
}

/** The signing secret, shown once after create or rotate. */
function SecretOnce({ url, secret, onDone }: { url: string; secret: string; onDone: () => void }) {
  const s = usePageStyles();
  const [copied, setCopied] = useState(false);
  return (
    <MessageBar intent="warning" layout="multiline">
      <MessageBarBody>
        <Text block>Signing secret for {url} — you won’t see it again:</Text>
        <Text block className={s.mono} data-testid="webhook-secret">
          {secret}
        </Text>
        <div className={s.row}>
          <Button size="small" icon={<CopyRegular />} onClick={() => navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => undefined)}>
            Copy secret
          </Button>
          <Button size="small" onClick={onDone}>
            Done
          </Button>
          <span aria-live="polite">{copied ? 'Copied' : ''}</span>
        </div>
      </MessageBarBody>
    </MessageBar>
  );
}

function CreateForm({ onCreated, onSaid }: { onCreated: (w: Webhook) => void; onSaid: (said: Said) => void }) {
  const api = useAppApi();
  const s = usePageStyles();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<Set<WebhookEventType>>(new Set(WEBHOOK_EVENT_TYPES));
  const [busy, setBusy] = useState(false);
  const flip = (t: WebhookEventType, on: boolean) => setEvents((cur) => (on ? new Set([...cur, t]) : new Set([...cur].filter((x) => x !== t))));

  async function submit() {
    if (!url.trim()) return onSaid({ intent: 'error', text: 'Type the URL of your receiver, e.g. https://example.com/hooks/mailbeacon.' });
    if (events.size === 0) return onSaid({ intent: 'error', text: 'Choose at least one event to send.' });
    setBusy(true);
    try {
      onCreated(await api.createWebhook({ url: url.trim(), events: WEBHOOK_EVENT_TYPES.filter((t) => events.has(t)) }));
      setUrl('');
    } catch (e) {
      onSaid({ intent: 'error', text: `Could not create the webhook: ${(e as Error).message}` });
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      // The server's answer says what is wrong in words; the browser's own bubble would say less.
      noValidate
      className={s.section}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Field label="Endpoint URL">
        <Input type="url" value={url} onChange={(_, d) => setUrl(d.value)} placeholder="https://example.com/hooks/mailbeacon" />
      </Field>
      <fieldset style={{ border: 'none', padding: 0, margin: 0 }}>
        <legend>
          <Text size={200}>Events</Text>
        </legend>
        <div className={s.row}>
          {WEBHOOK_EVENT_TYPES.map((t) => (
            <Checkbox key={t} label={t} checked={events.has(t)} onChange={(_, d) => flip(t, !!d.checked)} />
          ))}
        </div>
      </fieldset>
      <div>
        <Button type="submit" appearance="primary" disabled={busy}>
          Add webhook
        </Button>
      </div>
    </form>
  );
}

/** The endpoint's recent deliveries, newest first, with Retry; read again after a test. */
function Deliveries({ webhook, version, onSaid }: { webhook: Webhook; version: number; onSaid: (said: Said) => void }) {
  const api = useAppApi();
  const s = usePageStyles();
  const list = usePaged((after) => api.webhookDeliveries(webhook.id, after), `${webhook.id}:${version}`);
  // While a delivery is still being sent, read the list again shortly to show how it ended.
  const pending = list.items.some((d) => d.status === 'PENDING');
  useEffect(() => {
    if (!pending || list.loading) return;
    const t = setTimeout(list.reload, 2000);
    return () => clearTimeout(t);
  }, [pending, list.loading, list.reload]);
  const retry = async (id: string) => {
    try {
      const d = await api.retryWebhookDelivery(webhook.id, id);
      list.update((items) => items.map((x) => (x.id === d.id ? d : x)));
      onSaid({ intent: 'success', text: `Delivery ${id} is being sent again.` });
    } catch (e) {
      onSaid({ intent: 'error', text: `Could not retry the delivery: ${(e as Error).message}` });
    }
  };
  return (
    <div className={s.section}>
      <div className={s.row}>
        <Text size={300} weight="semibold">
          Recent deliveries
        </Text>
        <Button size="small" appearance="subtle" onClick={list.reload} aria-label={`Refresh deliveries of ${webhook.url}`}>
          Refresh
        </Button>
      </div>
      {list.loaded && list.items.length === 0 ? (
        <Empty>Nothing sent yet. Send test to try it.</Empty>
      ) : (
        list.items.length > 0 && (
          <div className={s.scroll}>
            <table className={s.table} aria-label={`Deliveries to ${webhook.url}`}>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last answer</th>
                  <th scope="col">Queued</th>
                  <th scope="col">
                    <span className={s.muted}>Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((d) => {
                  const last = d.history[d.history.length - 1];
                  return (
                    <tr key={d.id}>
                      <td>{d.eventType}</td>
                      <td>{d.status}</td>
                      <td>{last ? (last.statusCode ? `HTTP ${last.statusCode}` : (last.error ?? 'no answer')) + ` · ${last.durationMs} ms` : '—'}</td>
                      <td>{new Date(d.createdAt).toLocaleString()}</td>
                      <td>
                        <Button size="small" onClick={() => void retry(d.id)}>
                          Retry
                        </Button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )
      )}
      <ListFooter what="deliveries" loading={list.loading} error={list.error} hasMore={list.hasMore} onMore={list.more} onRetry={list.reload} />
    </div>
  );
}
