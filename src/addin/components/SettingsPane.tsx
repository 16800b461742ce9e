// The Settings tab (docs/product.md §7): server and sign-out, defaults for new emails, never-log list,
// notifications and their channels (Slack, Teams, daily digest), blocked IPs, pixel position. Each change is saved at once, with a quiet confirmation.
import { useRef, useState } from 'react';
import { Button, Caption1, Radio, RadioGroup, Subtitle2, Switch, Text } from '@fluentui/react-components';
import type { UserSettings, UserSettingsUpdate } from '../../shared/api.js';
import { effectiveSettings } from '../models/session.js';
import { ipProblem, neverLogProblem } from '../../ui/helpers/settings-checks.js';
import { useServices } from '../hooks/services.js';
import { usePaneStyles } from '../../ui/components/styles.js';
import { TagListInput } from './TagListInput.js';
import { NotificationChannels } from '../../ui/components/NotificationChannels.js';
import { MailboxSettings } from '../../ui/components/MailboxSettings.js';

const merged = (s: UserSettings, u: UserSettingsUpdate): UserSettings =>
  effectiveSettings({ ...s, ...u, notifications: { ...s.notifications, ...u.notifications }, channels: { ...s.channels, ...u.channels } });
const masked = (token: string) => (token.length > 12 ? `${token.slice(0, 8)}…${token.slice(-4)}` : '••••');

export function SettingsPane() {
  const { api, settings, applySettings, session, signOut } = useServices();
  const s = usePaneStyles();
  const [note, setNote] = useState('');
  const seq = useRef(0);

  async function save(update: UserSettingsUpdate) {
    const before = settings;
    const mine = ++seq.current;
    applySettings(merged(settings, update));
    setNote('Saving…');
    try {
      const saved = await api.updateSettings(update);
      // Only the newest answer wins when changes overlap.
      if (mine === seq.current) applySettings(saved);
      setNote('Saved');
    } catch (e) {
      if (mine === seq.current) applySettings(before);
      setNote(`Not saved: ${(e as Error).message}`);
    }
  }
  const n = settings.notifications;

  return (
    <div className={s.stack}>
      <Caption1 role="status" className={s.muted} style={{ minHeight: 16 }}>
        {note}
      </Caption1>
      <section className={s.section} aria-labelledby="mb-account">
        <Subtitle2 as="h2" id="mb-account" className={s.heading}>
          Server
        </Subtitle2>
        <Text>{session.backendUrl}</Text>
        <Caption1 className={s.muted}>
          {session.user ? `Signed in as ${session.user.email} · ` : ''}token {masked(session.accessToken)}
        </Caption1>
        <div>
          <Button onClick={() => signOut()}>Sign out</Button>
        </div>
      </section>
      <hr className={s.rule} />
      <section className={s.section} aria-labelledby="mb-defaults">
        <Subtitle2 as="h2" id="mb-defaults" className={s.heading}>
          New emails
        </Subtitle2>
        <Switch label="Log by default" checked={settings.defaultLog} onChange={(_, d) => save({ defaultLog: d.checked })} />
        <Switch label="Track by default" checked={settings.defaultTrack} onChange={(_, d) => save({ defaultTrack: d.checked })} />
      </section>
      <hr className={s.rule} />
      <TagListInput
        label="Never log"
        hint="Addresses and domains that are never logged or made contacts."
        values={settings.neverLog}
        validate={neverLogProblem}
        onChange={(neverLog) => save({ neverLog })}
      />
      <hr className={s.rule} />
      <section className={s.section} aria-labelledby="mb-notifications">
        <Subtitle2 as="h2" id="mb-notifications" className={s.heading}>
          Notifications
        </Subtitle2>
        <Switch label="Opens" checked={n.opens} onChange={(_, d) => save({ notifications: { opens: d.checked } })} />
        <Switch label="Clicks" checked={n.clicks} onChange={(_, d) => save({ notifications: { clicks: d.checked } })} />
        <Switch label="Only the first open of each email" checked={n.firstOpenOnly} onChange={(_, d) => save({ notifications: { firstOpenOnly: d.checked } })} />
      </section>
      <hr className={s.rule} />
      <NotificationChannels channels={settings.channels} save={save} />
      <hr className={s.rule} />
      <TagListInput
        label="Blocked IP addresses"
        hint="Opens and clicks from these addresses are yours: never counted or notified."
        values={settings.blockedIps}
        validate={ipProblem}
        onChange={(blockedIps) => save({ blockedIps })}
      />
      <hr className={s.rule} />
      <MailboxSettings api={api} settings={settings} save={save} />
      <hr className={s.rule} />
      <section className={s.section} aria-labelledby="mb-pixel">
        <Subtitle2 as="h2" id="mb-pixel" className={s.heading}>
          Pixel position
        </Subtitle2>
        <RadioGroup aria-labelledby="mb-pixel" value={settings.pixelPosition} onChange={(_, d) => save({ pixelPosition: d.value === 'top' ? 'top' : 'bottom' })}>
          <Radio value="bottom" label="Bottom of the email" />
          <Radio value="top" label="Top (still counts when Gmail clips long emails)" />
        </RadioGroup>
      </section>
    </div>
  );
}
