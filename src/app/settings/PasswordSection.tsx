// Settings › Password (docs/product.md §9): change it with the current one. The server says why a new
// password is refused (too short, too common) or that the current one is wrong; on success every other
// browser session ends, which the person is told.
import { useState } from 'react';
import { Button, Field, Input } from '@fluentui/react-components';
import { sessionApi } from '../../ui/api/session-api.js';
import { Outcome, usePageStyles } from '../components/page.js';
import { SectionHeading } from './SectionHeading.js';

export function PasswordSection({ onChanged }: { onChanged: () => void }) {
  const s = usePageStyles();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);

  async function change() {
    if (!current || !next) return setSaid({ intent: 'error', text: 'Type your current password and the new one.' });
    setBusy(true);
    try {
      await sessionApi.changePassword(current, next);
      setCurrent('');
      setNext('');
      setSaid({ intent: 'success', text: 'Password changed. Your other browser sessions were signed out; this one and your access tokens (the Outlook add-in) keep working.' });
      onChanged();
    } catch (e) {
      setSaid({ intent: 'error', text: `Password not changed: ${(e as Error).message}` });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className={s.card} aria-labelledby="mb-password">
      <SectionHeading id="mb-password" title="Password" />
      <form
        className={s.section}
        style={{ maxWidth: 420 }}
        onSubmit={(e) => {
          e.preventDefault();
          void change();
        }}
      >
        <Field label="Current password">
          <Input type="password" value={current} onChange={(_, d) => setCurrent(d.value)} autoComplete="current-password" />
        </Field>
        <Field label="New password" hint="At least 10 characters, and not a commonly used password.">
          <Input type="password" value={next} onChange={(_, d) => setNext(d.value)} autoComplete="new-password" />
        </Field>
        <div>
          <Button type="submit" appearance="primary" disabled={busy}>
            Change password
          </Button>
        </div>
      </form>
      <Outcome outcome={said} />
    </section>
  );
}
