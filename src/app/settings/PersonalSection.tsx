// Settings › Your settings: defaults for new emails, notifications, never-log, blocked IPs and pixel
// position (`/api/v1/settings`), each saved on change. The mailbox and channel parts of the same
// settings are their own sections.
import { useEffect, useState } from 'react';
import { Field, Radio, RadioGroup, Switch, Text, Textarea } from '@fluentui/react-components';
import type { UserSettings } from '../../shared/api.js';
import { ErrorBar, Loading, usePageStyles } from '../components/page.js';
import { SectionHeading } from './SectionHeading.js';
import { type MySettings, useSettingsSaver } from './saver.js';

export const lines = (text: string) => text.split(/[\n,]/).map((l) => l.trim()).filter(Boolean);

export function PersonalSection({ mine }: { mine: MySettings }) {
  const s = usePageStyles();
  const saver = useSettingsSaver(mine);
  const [neverLog, setNeverLog] = useState('');
  const [blocked, setBlocked] = useState('');
  useEffect(() => {
    if (!mine.value) return;
    setNeverLog(mine.value.neverLog.join('\n'));
    setBlocked(mine.value.blockedIps.join('\n'));
  }, [mine.value]);
  const v = mine.value;
  return (
    <section className={s.card} aria-labelledby="mb-personal">
      <SectionHeading id="mb-personal" title="Your settings" saver={saver} />
      {mine.error && <ErrorBar what="Could not load your settings" error={mine.error} onRetry={mine.reload} />}
      {!v ? (
        !mine.error && <Loading label="Loading your settings…" />
      ) : (
        <>
          <Text weight="semibold">New emails in Outlook</Text>
          <Switch label="Log new emails" checked={v.defaultLog} onChange={(_, d) => void saver.run({ defaultLog: d.checked })} />
          <Switch label="Track new emails" checked={v.defaultTrack} onChange={(_, d) => void saver.run({ defaultTrack: d.checked })} />
          <Text weight="semibold">Notifications</Text>
          <Switch label="Opens" checked={v.notifications.opens} onChange={(_, d) => void saver.run({ notifications: { opens: d.checked } })} />
          <Switch label="Clicks" checked={v.notifications.clicks} onChange={(_, d) => void saver.run({ notifications: { clicks: d.checked } })} />
          <Switch label="First open only" checked={v.notifications.firstOpenOnly} onChange={(_, d) => void saver.run({ notifications: { firstOpenOnly: d.checked } })} />
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
