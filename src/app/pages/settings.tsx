// /app/settings (docs/product.md §10): the person's own settings (`/api/v1/settings`), saved on change
// with a quiet "Saved"; for admins, the account's options and its sending domains with the DKIM record
// to publish (`/api/v1/domains`). Members see no account section.
import { useEffect, useState } from 'react';
import { Button, Field, Input, Radio, RadioGroup, Switch, Text, Textarea } from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import type { AccountSettings, SendingDomain, UserSettings, UserSettingsUpdate } from '../../shared/api.js';
import { useAppApi } from '../api.js';
import { useSession } from '../session.js';
import { Confirm, type Question } from '../components/confirm.js';
import { Empty, ErrorBar, Loading, Outcome, PageFrame, Saved, usePageStyles } from '../components/page.js';
import { useResource } from '../components/paged.js';
import { UsersSection } from '../settings/UsersSection.js';
import { WebhooksSection } from '../settings/WebhooksSection.js';

const lines = (text: string) => text.split(/[\n,]/).map((l) => l.trim()).filter(Boolean);

export default function SettingsPage(_props: { params: Record<string, string> }) {
  const { user } = useSession();
  return (
    <PageFrame title="Settings">
      <Personal />
      {user.role === 'admin' && (
        <>
          <Account />
          <Domains />
          <UsersSection />
          <WebhooksSection />
        </>
      )}
    </PageFrame>
  );
}

/** Saves a change and shows "Saved" (or the server's refusal) beside that section. */
function useSaver<T>(save: (update: Partial<T>) => Promise<T>, onSaved: (v: T) => void) {
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!saved) return;
    const t = setTimeout(() => setSaved(false), 2500);
    return () => clearTimeout(t);
  }, [saved]);
  const run = async (update: Partial<T>) => {
    setSaved(false);
    try {
      onSaved(await save(update));
      setError(null);
      setSaved(true);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return { run, saved, error };
}

function Personal() {
  const api = useAppApi();
  const s = usePageStyles();
  const settings = useResource(() => api.settings(), 'settings');
  const saver = useSaver<UserSettings>((u) => api.saveSettings(u as UserSettingsUpdate), (v) => settings.set(v));
  const [neverLog, setNeverLog] = useState('');
  const [blocked, setBlocked] = useState('');
  useEffect(() => {
    if (!settings.value) return;
    setNeverLog(settings.value.neverLog.join('\n'));
    setBlocked(settings.value.blockedIps.join('\n'));
  }, [settings.value]);
  const v = settings.value;
  return (
    <section className={s.card} aria-labelledby="mb-personal">
      <div className={s.row} style={{ justifyContent: 'space-between' }}>
        <Text as="h2" size={500} weight="semibold" id="mb-personal" style={{ margin: 0 }}>
          Your settings
        </Text>
        <Saved show={saver.saved} />
      </div>
      {settings.error && <ErrorBar what="Could not load your settings" error={settings.error} onRetry={settings.reload} />}
      {saver.error && <Outcome outcome={{ intent: 'error', text: `Not saved: ${saver.error}` }} />}
      {!v ? (
        !settings.error && <Loading label="Loading your settings…" />
      ) : (
        <>
          <Text weight="semibold">New emails in Outlook</Text>
          <Switch label="Log new emails" checked={v.defaultLog} onChange={(_, d) => void saver.run({ defaultLog: d.checked })} />
          <Switch label="Track new emails" checked={v.defaultTrack} onChange={(_, d) => void saver.run({ defaultTrack: d.checked })} />
          <Text weight="semibold">Notifications</Text>
          <Switch label="Opens" checked={v.notifications.opens} onChange={(_, d) => void saver.run({ notifications: { ...v.notifications, opens: d.checked } })} />
          <Switch label="Clicks" checked={v.notifications.clicks} onChange={(_, d) => void saver.run({ notifications: { ...v.notifications, clicks: d.checked } })} />
          <Switch label="First open only" checked={v.notifications.firstOpenOnly} onChange={(_, d) => void saver.run({ notifications: { ...v.notifications, firstOpenOnly: d.checked } })} />
          <Field label="Never log" hint="Addresses or domains, one per line; saved when you leave the field.">
            <Textarea value={neverLog} onChange={(_, d) => setNeverLog(d.value)} onBlur={() => void saver.run({ neverLog: lines(neverLog) })} rows={3} />
          </Field>
          <Field label="Blocked IP addresses" hint="Your own addresses or ranges (203.0.113.0/24): opens from them are yours and never notify.">
            <Textarea value={blocked} onChange={(_, d) => setBlocked(d.value)} onBlur={() => void saver.run({ blockedIps: lines(blocked) })} rows={3} />
          </Field>
          <Field label="Tracking pixel position">
            <RadioGroup value={v.pixelPosition} onChange={(_, d) => void saver.run({ pixelPosition: d.value as UserSettings['pixelPosition'] })}>
              <Radio value="bottom" label="Bottom of the email" />
              <Radio value="top" label="Top (counts opens of long emails that Gmail clips)" />
            </RadioGroup>
          </Field>
        </>
      )}
    </section>
  );
}

function Account() {
  const api = useAppApi();
  const s = usePageStyles();
  const account = useResource(() => api.account(), 'account');
  const saver = useSaver<AccountSettings>((u) => api.saveAccount(u), (v) => account.set(v));
  const [neverLog, setNeverLog] = useState('');
  const [domain, setDomain] = useState('');
  useEffect(() => {
    if (!account.value) return;
    setNeverLog(account.value.neverLog.join('\n'));
    setDomain(account.value.trackingDomain ?? '');
  }, [account.value]);
  const v = account.value;
  return (
    <section className={s.card} aria-labelledby="mb-account">
      <div className={s.row} style={{ justifyContent: 'space-between' }}>
        <Text as="h2" size={500} weight="semibold" id="mb-account" style={{ margin: 0 }}>
          Account
        </Text>
        <Saved show={saver.saved} />
      </div>
      {account.error && <ErrorBar what="Could not load the account's settings" error={account.error} onRetry={account.reload} />}
      {saver.error && <Outcome outcome={{ intent: 'error', text: `Not saved: ${saver.error}` }} />}
      {!v ? (
        !account.error && <Loading label="Loading the account…" />
      ) : (
        <>
          <Switch label="Create contacts from logged email" checked={v.createContacts} onChange={(_, d) => void saver.run({ createContacts: d.checked })} />
          <Switch label="Privacy: track contacts without a legal basis anonymously" checked={v.privacy} onChange={(_, d) => void saver.run({ privacy: d.checked })} />
          <Field label="Never log (whole account)" hint="Addresses or domains, one per line; saved when you leave the field.">
            <Textarea value={neverLog} onChange={(_, d) => setNeverLog(d.value)} onBlur={() => void saver.run({ neverLog: lines(neverLog) })} rows={3} />
          </Field>
          <Field label="Tracking domain" hint="A host name of yours pointed at this server (CNAME); tracking links use it. Empty: the server's own.">
            <Input value={domain} onChange={(_, d) => setDomain(d.value)} onBlur={() => void saver.run({ trackingDomain: domain.trim() || null })} placeholder="track.example.com" />
          </Field>
        </>
      )}
    </section>
  );
}

function Domains() {
  const api = useAppApi();
  const s = usePageStyles();
  const list = useResource(() => api.domains(), 'domains');
  const [name, setName] = useState('');
  const [said, setSaid] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);
  const [question, setQuestion] = useState<Question | null>(null);
  const domains = list.value?.results ?? [];

  async function add() {
    if (!name.trim()) return setSaid({ intent: 'error', text: 'Type the domain you send from, e.g. mail.example.com.' });
    try {
      const d = await api.addDomain(name.trim());
      list.set({ results: [...domains.filter((x) => x.domain !== d.domain), d].sort((a, b) => a.domain.localeCompare(b.domain)) });
      setName('');
      setSaid({ intent: 'success', text: `${d.domain} added. Publish its DKIM record below; mail From: it is signed from now on.` });
    } catch (e) {
      setSaid({ intent: 'error', text: `Could not add the domain: ${(e as Error).message}` });
    }
  }
  const remove = (d: SendingDomain) =>
    setQuestion({
      title: `Remove ${d.domain}?`,
      body: 'Mail From: it is no longer DKIM-signed, and another account could claim it.',
      confirm: 'Remove domain',
      run: async () => {
        try {
          await api.removeDomain(d.domain);
          list.set({ results: domains.filter((x) => x.domain !== d.domain) });
          setSaid({ intent: 'success', text: `${d.domain} removed.` });
        } catch (e) {
          setSaid({ intent: 'error', text: `Could not remove ${d.domain}: ${(e as Error).message}` });
        }
      },
    });

  return (
    <section className={s.card} aria-labelledby="mb-domains">
      <Text as="h2" size={500} weight="semibold" id="mb-domains" style={{ margin: 0 }}>
        Sending domains
      </Text>
      <Outcome outcome={said} />
      <form
        className={s.row}
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <Field label="Domain">
          <Input value={name} onChange={(_, d) => setName(d.value)} placeholder="mail.example.com" />
        </Field>
        <Button type="submit" style={{ alignSelf: 'flex-end' }}>
          Add domain
        </Button>
      </form>
      {list.error && <ErrorBar what="Could not load the sending domains" error={list.error} onRetry={list.reload} />}
      {!list.value ? (
        !list.error && <Loading label="Loading sending domains…" />
      ) : domains.length === 0 ? (
        <Empty>No sending domains yet. Add the domain you send from to have its mail DKIM-signed and keep other accounts from sending as it.</Empty>
      ) : (
        <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', rowGap: 12 }}>
          {domains.map((d) => (
            <li key={d.domain} className={s.section}>
              <div className={s.row} style={{ justifyContent: 'space-between' }}>
                <Text weight="semibold">{d.domain}</Text>
                <Button size="small" onClick={() => remove(d)} aria-label={`Remove ${d.domain}`}>
                  Remove
                </Button>
              </div>
              <Text size={200}>Publish this DNS TXT record:</Text>
              <Text size={200} className={s.mono}>
                {d.dnsRecord.name}
              </Text>
              <Text size={200} className={s.mono}>
                {d.dnsRecord.value}
              </Text>
              <div>
                <Button size="small" icon={<CopyRegular />} onClick={() => void navigator.clipboard?.writeText(d.dnsRecord.value)} aria-label={`Copy record of ${d.domain}`}>
                  Copy record
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Confirm question={question} onClose={() => setQuestion(null)} />
    </section>
  );
}
