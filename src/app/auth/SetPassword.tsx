// Set your password, from an invitation (`/app/invite/<token>`) or a reset (`/app/reset/<token>`).
// The link is checked first, so a used or expired one says so before anyone types a password.
import { useEffect, useState, type FormEvent } from 'react';
import { Button, Field, Input, MessageBar, MessageBarBody, Spinner } from '@fluentui/react-components';
import { sessionApi, type LinkKind } from '../../ui/api/session-api.js';
import type { SignedInUser } from '../../shared/api.js';
import { Link } from '../router.js';
import { AuthCard, useFormStyles } from './AuthCard.js';

export function SetPasswordPage({ kind, token, onSignedIn }: { kind: LinkKind; token: string; onSignedIn(user: SignedInUser): void }) {
  const s = useFormStyles();
  const [owner, setOwner] = useState<{ email: string; name: string | null } | null>(null);
  const [linkError, setLinkError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    sessionApi.linkOwner(kind, token).then(
      (o) => {
        setOwner(o);
        setName(o.name ?? '');
      },
      (err: Error) => setLinkError(err.message),
    );
  }, [kind, token]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn((await sessionApi.setPassword(kind, token, password, kind === 'invite' ? name.trim() : undefined)).user);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  const intro = owner ? (kind === 'invite' ? `Welcome! Choose a password for ${owner.email}.` : `Choose a new password for ${owner.email}. Other devices will be signed out.`) : undefined;
  return (
    <AuthCard title="Set your password" intro={intro}>
      {linkError ? (
        <>
          <MessageBar intent="error" role="alert">
            <MessageBarBody>{linkError}</MessageBarBody>
          </MessageBar>
          <Link href={kind === 'reset' ? '/app/forgot' : '/app'}>{kind === 'reset' ? 'Ask for a new link' : 'Go to sign in'}</Link>
        </>
      ) : !owner ? (
        <Spinner size="small" label="Checking the link…" />
      ) : (
        <form className={s.form} onSubmit={submit} noValidate>
          {kind === 'invite' && (
            <Field label="Your name">
              <Input autoComplete="name" value={name} onChange={(_, d) => setName(d.value)} />
            </Field>
          )}
          <Field label="New password" required hint="At least 10 characters. A few unrelated words are easy to remember and hard to guess.">
            <Input type="password" autoComplete="new-password" value={password} onChange={(_, d) => setPassword(d.value)} />
          </Field>
          {error && (
            <MessageBar intent="error" role="alert">
              <MessageBarBody>{error}</MessageBarBody>
            </MessageBar>
          )}
          <div className={s.actions}>
            <Button appearance="primary" type="submit" disabled={busy || !password}>
              {busy ? 'Setting…' : 'Set password'}
            </Button>
          </div>
        </form>
      )}
    </AuthCard>
  );
}
