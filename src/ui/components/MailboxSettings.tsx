// Settings › Connect your mailbox (docs/product.md §11), one component for the add-in's Settings tab
// (350 px) and the web app's Settings page: host, port, security, username and password (or app
// password); "Test and save" logs in on the server and shows the mail server's own answer. Below: the
// sync's status and last error, Disconnect, and the reply and reminder settings.
import { useEffect, useState } from 'react';
import { Button, Caption1, Field, Input, Radio, RadioGroup, Subtitle2, Switch, Text } from '@fluentui/react-components';
import type { MailboxSecurity, MailboxView, UserSettings, UserSettingsUpdate } from '../../shared/api.js';
import type { MailbeaconApi } from '../api/client.js';
import { usePaneStyles } from './styles.js';

const STATUS_LABEL: Record<MailboxView['status'], string> = { CONNECTED: 'Connected', CONNECTING: 'Connecting…', ERROR: 'Not syncing' };

interface Props {
  api: Pick<MailbeaconApi, 'getMailbox' | 'connectMailbox' | 'disconnectMailbox'>;
  settings: Pick<UserSettings, 'logReplies' | 'defaultRemindDays'>;
  save(update: UserSettingsUpdate): void | Promise<void>;
}

export function MailboxSettings({ api, settings, save }: Props) {
  const s = usePaneStyles();
  const [mailbox, setMailbox] = useState<MailboxView | null>(null);
  const [host, setHost] = useState('');
  const [port, setPort] = useState('993');
  const [security, setSecurity] = useState<MailboxSecurity>('tls');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [answer, setAnswer] = useState('');
  const [busy, setBusy] = useState(false);
  // 'no' while the status loads, 'yes' once known, else why it could not be read.
  const [loaded, setLoaded] = useState<string>('no');

  useEffect(() => {
    let live = true;
    void api.getMailbox().then(
      (m) => {
        if (!live) return;
        setLoaded('yes');
        if (!m) return;
        setMailbox(m);
        setHost(m.host);
        setPort(String(m.port));
        setSecurity(m.security);
        setUsername(m.username);
      },
      (e: Error) => live && setLoaded(`Could not read your mailbox's status: ${e.message} Reopen Settings to try again.`),
    );
    return () => {
      live = false;
    };
  }, [api]);

  async function testAndSave() {
    const portNumber = Number(port);
    if (!host.trim() || !username.trim() || !password) return setAnswer('Fill in the host, username and password first.');
    if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) return setAnswer('The port is a number from 1 to 65535 (993 for TLS, 143 for STARTTLS).');
    setBusy(true);
    setAnswer('Testing…');
    try {
      const m = await api.connectMailbox({ host: host.trim(), port: portNumber, security, username: username.trim(), password });
      setMailbox(m);
      setPassword('');
      setAnswer('Connected: the server accepted the login. Sent mail is logged from now on.');
    } catch (e) {
      setAnswer((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function disconnect() {
    setBusy(true);
    try {
      await api.disconnectMailbox();
      setMailbox(null);
      setAnswer('Disconnected; the password was forgotten.');
    } catch (e) {
      setAnswer((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className={s.section} aria-labelledby="mb-mailbox">
      <Subtitle2 as="h2" id="mb-mailbox" className={s.heading}>
        Connect your mailbox
      </Subtitle2>
      <Caption1 className={s.muted}>Logs mail you send from any device, notices replies, and reminds you to follow up.</Caption1>
      {loaded === 'no' && <Caption1>Checking your mailbox…</Caption1>}
      {loaded !== 'no' && loaded !== 'yes' && <Caption1 role="alert">{loaded}</Caption1>}
      {loaded === 'yes' && !mailbox && <Caption1>Not connected.</Caption1>}
      {mailbox && (
        <div role="status" aria-label="Mailbox status">
          <Text weight="semibold">{STATUS_LABEL[mailbox.status]}</Text>
          <Caption1 block className={s.muted}>
            {mailbox.username} on {mailbox.host}
            {mailbox.lastSyncAt ? ` · last checked ${new Date(mailbox.lastSyncAt).toLocaleTimeString()}` : ''}
          </Caption1>
          {mailbox.lastError && <Caption1 block>Last error: {mailbox.lastError}</Caption1>}
        </div>
      )}
      <Field label="Host">
        <Input value={host} onChange={(_, d) => setHost(d.value)} placeholder="outlook.office365.com" />
      </Field>
      <Field label="Port">
        <Input value={port} inputMode="numeric" onChange={(_, d) => setPort(d.value)} />
      </Field>
      <RadioGroup aria-label="Security" value={security} onChange={(_, d) => setSecurity(d.value === 'starttls' ? 'starttls' : 'tls')}>
        <Radio value="tls" label="TLS (port 993)" />
        <Radio value="starttls" label="STARTTLS (port 143)" />
      </RadioGroup>
      <Field label="Username">
        <Input value={username} onChange={(_, d) => setUsername(d.value)} autoComplete="username" />
      </Field>
      <Field label="Password" hint="Or an app password (Gmail, Microsoft accounts with two-step verification).">
        <Input type="password" value={password} onChange={(_, d) => setPassword(d.value)} autoComplete="current-password" />
      </Field>
      <div>
        <Button appearance="primary" disabled={busy} onClick={() => void testAndSave()}>
          Test and save
        </Button>{' '}
        {mailbox && (
          <Button disabled={busy} onClick={() => void disconnect()}>
            Disconnect
          </Button>
        )}
      </div>
      <Caption1 role="alert" aria-live="polite">
        {answer}
      </Caption1>
      <Switch label="Log replies" checked={settings.logReplies ?? true} onChange={(_, d) => void save({ logReplies: d.checked })} />
      <Switch
        label="Remind me if no reply, by default"
        checked={settings.defaultRemindDays != null}
        onChange={(_, d) => void save({ defaultRemindDays: d.checked ? 3 : null })}
      />
      {settings.defaultRemindDays != null && <RemindDaysField days={settings.defaultRemindDays} onSave={(defaultRemindDays) => void save({ defaultRemindDays })} />}
    </section>
  );
}

/** How many days without a reply before the reminder (1–365, as the server takes it); saved when left. */
function RemindDaysField({ days, onSave }: { days: number; onSave(days: number): void }) {
  const [draft, setDraft] = useState(String(days));
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setDraft(String(days)), [days]);
  function commit() {
    const n = Number(draft.trim());
    const bad = Number.isInteger(n) && n >= 1 && n <= 365 ? null : 'Type a whole number of days from 1 to 365.';
    setProblem(bad);
    if (!bad && n !== days) onSave(n);
  }
  return (
    <Field label="Remind after (days)" validationMessage={problem ?? undefined} validationState={problem ? 'error' : 'none'}>
      <Input type="number" min={1} max={365} value={draft} onChange={(_, d) => setDraft(d.value)} onBlur={commit} style={{ maxWidth: 120 }} />
    </Field>
  );
}
