// Settings › Notification channels (docs/product.md §12), one component for the add-in's Settings tab and
// the web app's Settings page: Slack and Teams incoming-webhook URLs and the daily email digest. Each
// URL is edited freely and saved when the field is left or Enter is pressed, only when it changed; an
// empty field turns that channel off. The server checks where a URL leads and answers in the host's note.
import { useEffect, useState } from 'react';
import { Caption1, Field, Input, Subtitle2, Switch } from '@fluentui/react-components';
import type { NotificationChannels as Channels, UserSettingsUpdate } from '../../shared/api.js';
import { channelUrlProblem } from '../helpers/settings-checks.js';
import { usePaneStyles } from './styles.js';

interface Props {
  channels: Channels;
  save(update: UserSettingsUpdate): void | Promise<void>;
}

export function NotificationChannels({ channels, save }: Props) {
  const s = usePaneStyles();
  return (
    <section className={s.section} aria-labelledby="mb-channels">
      <Subtitle2 as="h2" id="mb-channels" className={s.heading}>
        Notification channels
      </Subtitle2>
      <Caption1 className={s.muted}>Where your notifications also go, besides Outlook and the browser.</Caption1>
      <ChannelUrlField
        label="Slack webhook URL"
        hint="Opens and clicks you are notified of are also posted to this Slack incoming webhook."
        value={channels.slackWebhookUrl}
        onSave={(slackWebhookUrl) => void save({ channels: { slackWebhookUrl } })}
      />
      <ChannelUrlField
        label="Teams webhook URL"
        hint="The same, posted to a Microsoft Teams incoming webhook."
        value={channels.teamsWebhookUrl}
        onSave={(teamsWebhookUrl) => void save({ channels: { teamsWebhookUrl } })}
      />
      <Switch
        label="Daily email digest"
        checked={channels.emailDigest === 'daily'}
        onChange={(_, d) => void save({ channels: { emailDigest: d.checked ? 'daily' : 'off' } })}
      />
    </section>
  );
}

interface FieldProps {
  label: string;
  hint: string;
  value: string | null;
  onSave(value: string | null): void;
}

function ChannelUrlField({ label, hint, value, onSave }: FieldProps) {
  const [draft, setDraft] = useState(value ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setDraft(value ?? ''), [value]);
  function commit() {
    const v = draft.trim();
    if (v === (value ?? '')) return;
    const bad = channelUrlProblem(v);
    setProblem(bad);
    if (!bad) onSave(v || null);
  }
  return (
    <Field label={label} hint={hint} validationMessage={problem ?? undefined} validationState={problem ? 'error' : 'none'}>
      <Input
        type="url"
        inputMode="url"
        placeholder="https://"
        value={draft}
        onChange={(_, d) => setDraft(d.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          }
        }}
        onBlur={commit}
      />
    </Field>
  );
}
