// One incoming-webhook URL of the Notification channels (Slack or Teams): edited freely, saved when
// the field is left or Enter is pressed, and only when it changed; an empty field turns the channel off.
import { useEffect, useState } from 'react';
import { Field, Input } from '@fluentui/react-components';
import { channelUrlProblem } from '../helpers/settings-checks.js';

interface Props {
  label: string;
  hint: string;
  value: string | null;
  onSave(value: string | null): void;
}

export function ChannelUrlField({ label, hint, value, onSave }: Props) {
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
