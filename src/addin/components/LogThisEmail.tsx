// "Log this email" on a read item: the copy, with its attachments, on each contact's timeline; then
// where it went instead of the button (docs/product.md §7).
import { useState } from 'react';
import { Button, Caption1, Text } from '@fluentui/react-components';
import type { LoggedEmailResult } from '../../shared/api.js';
import { Email } from '../models/email.js';
import { newTrackingId, syntheticMessageId } from '../helpers/ids.js';
import { loggedTo } from '../../ui/helpers/labels.js';
import { useServices } from '../hooks/services.js';
import { usePaneStyles } from '../../ui/components/styles.js';

export function LogThisEmail({ trackingId, onLogged }: { trackingId: string | null; onLogged?(r: LoggedEmailResult): void }) {
  const { host, api } = useServices();
  const s = usePaneStyles();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<LoggedEmailResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function log() {
    setBusy(true);
    setError(null);
    try {
      const email = new Email(host);
      const [snapshot, files] = await Promise.all([email.snapshot(), email.files()]);
      // Mail we sent with Track or Log carries our id: the same synthetic Message-ID as its copy
      // logged at send time lets the backend see one message.
      const internetMessageId = trackingId ? syntheticMessageId(trackingId) : (host.internetMessageId() ?? syntheticMessageId(newTrackingId()));
      const input = Email.loggedInput(snapshot, { internetMessageId, trackingId: trackingId ?? undefined, sentAt: host.createdAt() ?? new Date() });
      const r = await api.logEmail(input, files);
      setResult(r);
      onLogged?.(r);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (result) return <Text role="status">{(result.duplicate ? 'Already logged. ' : '') + loggedTo(result.contacts)}</Text>;
  return (
    <div className={s.section}>
      <div>
        <Button appearance="primary" disabled={busy} onClick={log}>
          {busy ? 'Logging…' : 'Log this email'}
        </Button>
      </div>
      {error && (
        <Caption1 role="alert" className={s.muted}>
          Not logged: {error}
        </Caption1>
      )}
    </div>
  );
}
