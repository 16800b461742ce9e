// Sign in with email and password; then back to the page the person asked for (`?next=`).
import { useState, type FormEvent } from 'react';
import { Button, Field, Input, MessageBar, MessageBarBody } from '@fluentui/react-components';
import { sessionApi } from '../../ui/api/session-api.js';
import type { SignedInUser } from '../../shared/api.js';
import { Link } from '../router.js';
import { AuthCard, useFormStyles } from './AuthCard.js';

export function SignInForm({ onSignedIn, submitLabel = 'Sign in' }: { onSignedIn(user: SignedInUser): void; submitLabel?: string }) {
  const s = useFormStyles();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn((await sessionApi.login(email.trim(), password)).user);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <form className={s.form} onSubmit={submit} noValidate>
      <Field label="Email" required>
        <Input type="email" autoComplete="username" value={email} onChange={(_, d) => setEmail(d.value)} />
      </Field>
      <Field label="Password" required>
        <Input type="password" autoComplete="current-password" value={password} onChange={(_, d) => setPassword(d.value)} />
      </Field>
      {error && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      <div className={s.actions}>
        <Button appearance="primary" type="submit" disabled={busy || !email.trim() || !password}>
          {busy ? 'Signing in…' : submitLabel}
        </Button>
        <Link href="/app/forgot">Forgot password?</Link>
      </div>
    </form>
  );
}

export function SignInPage({ onSignedIn, notice }: { onSignedIn(user: SignedInUser): void; notice?: string }) {
  return (
    <AuthCard title="Sign in" intro="Track and log your email, from Outlook and here.">
      {notice && (
        <MessageBar intent="info">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      <SignInForm onSignedIn={onSignedIn} />
    </AuthCard>
  );
}
