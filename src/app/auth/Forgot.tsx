// Forgot password: asks for the address and always says the same thing, so it tells nobody which
// addresses have an account.
import { useState, type FormEvent } from 'react';
import { Button, Field, Input, MessageBar, MessageBarBody } from '@fluentui/react-components';
import { sessionApi } from '../../ui/api/session-api.js';
import { Link } from '../router.js';
import { AuthCard, useFormStyles } from './AuthCard.js';

export function ForgotPage() {
  const s = useFormStyles();
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSent((await sessionApi.requestReset(email.trim())).message);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Forgot password?" intro="Enter the address you sign in with, and we'll email you a link to set a new password.">
      {sent ? (
        <MessageBar intent="success" role="status">
          <MessageBarBody>{sent}</MessageBarBody>
        </MessageBar>
      ) : (
        <form className={s.form} onSubmit={submit} noValidate>
          <Field label="Email" required>
            <Input type="email" autoComplete="username" value={email} onChange={(_, d) => setEmail(d.value)} />
          </Field>
          {error && (
            <MessageBar intent="error" role="alert">
              <MessageBarBody>{error}</MessageBarBody>
            </MessageBar>
          )}
          <div className={s.actions}>
            <Button appearance="primary" type="submit" disabled={busy || !email.trim()}>
              {busy ? 'Sending…' : 'Email me a link'}
            </Button>
          </div>
        </form>
      )}
      <Link href="/app">Back to sign in</Link>
    </AuthCard>
  );
}
