// Settings › Account (admins; docs/product.md §10, §13): every option of `GET/PUT /api/v1/account` —
// contact creation, privacy, account never-log, tracking domain, retention — and the address the
// account's own emails come from (`/api/v1/account/sender-address`). Each is saved on change.
import { useEffect, useState } from 'react';
import { Field, Input, Switch, Textarea } from '@fluentui/react-components';
import type { AccountSettings } from '../../shared/api.js';
import { useAppApi, type SenderAddress } from '../api.js';
import { ErrorBar, Loading, usePageStyles } from '../components/page.js';
import { useResource } from '../components/paged.js';
import { lines } from './PersonalSection.js';
import { SectionHeading } from './SectionHeading.js';
import { useSaver } from './saver.js';

const RETENTION = { min: 1, max: 3650 };

/** Why a typed retention is refused, before the server sees it; null when it is a whole number in range. */
export function retentionProblem(text: string): string | null {
  const n = Number(text.trim());
  return text.trim() && Number.isInteger(n) && n >= RETENTION.min && n <= RETENTION.max ? null : `Type a whole number of days from ${RETENTION.min} to ${RETENTION.max}.`;
}

export function AccountSection() {
  const api = useAppApi();
  const s = usePageStyles();
  const account = useResource(() => api.account(), 'account');
  const sender = useResource(() => api.senderAddress(), 'sender-address');
  const saver = useSaver<AccountSettings>((u) => api.saveAccount(u), (v) => account.set(v));
  const senderSaver = useSaver<SenderAddress, string | null>((a) => api.saveSenderAddress(a), (v) => sender.set(v));
  const [neverLog, setNeverLog] = useState('');
  const [domain, setDomain] = useState('');
  const [retention, setRetention] = useState('');
  const [retentionBad, setRetentionBad] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  useEffect(() => {
    if (!account.value) return;
    setNeverLog(account.value.neverLog.join('\n'));
    setDomain(account.value.trackingDomain ?? '');
    setRetention(String(account.value.retentionDays));
  }, [account.value]);
  useEffect(() => setFrom(sender.value && !sender.value.isDefault ? sender.value.address : ''), [sender.value]);

  function saveRetention() {
    const bad = retentionProblem(retention);
    setRetentionBad(bad);
    if (!bad && Number(retention) !== account.value?.retentionDays) void saver.run({ retentionDays: Number(retention) });
  }
  const v = account.value;
  const both = { saved: saver.saved || senderSaver.saved, error: saver.error ?? senderSaver.error };
  return (
    <section className={s.card} aria-labelledby="mb-account">
      <SectionHeading id="mb-account" title="Account" saver={both} />
      {account.error && <ErrorBar what="Could not load the account's settings" error={account.error} onRetry={account.reload} />}
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
          <Field
            label="Keep data for (days)"
            hint="Opens, clicks, replies and notifications, message bodies, delivery logs, logged emails and their attachments older than this are deleted for good; counts and contacts stay. 1 to 3650 days; saved when you leave the field."
            validationMessage={retentionBad ?? undefined}
            validationState={retentionBad ? 'error' : 'none'}
          >
            <Input type="number" min={RETENTION.min} max={RETENTION.max} value={retention} onChange={(_, d) => setRetention(d.value)} onBlur={saveRetention} style={{ maxWidth: 160 }} />
          </Field>
          {sender.error && <ErrorBar what="Could not load the sender address" error={sender.error} onRetry={sender.reload} />}
          <Field label="Send invitations and password resets from" hint={`An address at a domain whose mail you send. Empty: ${sender.value?.isDefault ? sender.value.address : 'no-reply@ this server'}.`}>
            <Input type="email" value={from} onChange={(_, d) => setFrom(d.value)} onBlur={() => from.trim() !== (sender.value?.isDefault ? '' : sender.value?.address ?? '') && void senderSaver.run(from.trim() || null)} placeholder="no-reply@example.com" />
          </Field>
        </>
      )}
    </section>
  );
}
