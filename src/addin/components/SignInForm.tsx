// Signed out (docs/product.md §7): server address, access token, where to get one, and what happens next.
import { useState, type FormEvent } from 'react';
import { Button, Caption1, Field, Input, MessageBar, MessageBarBody, Subtitle2, Text } from '@fluentui/react-components';
import { ApiError, createApi, normalizeBackendUrl, type ApiConfig, type MailbeaconApi } from '../../ui/api/client.js';
import type { Session } from '../models/session.js';
import { usePaneStyles } from './styles.js';

interface Props {
  defaultBackendUrl: string;
  /** Why the user is signed out, when it was not their choice. */
  reason?: string;
  onSignedIn(session: Session): void;
  createApiImpl?: (c: ApiConfig) => MailbeaconApi;
  /** Where the session is kept, in words for the user. */
  footnote?: string;
}

export function SignInForm({ defaultBackendUrl, reason, onSignedIn, createApiImpl = createApi, footnote = 'You stay signed in on every device where you use Outlook.' }: Props) {
  const s = usePaneStyles();
  const [backendUrl, setBackendUrl] = useState(defaultBackendUrl);
  const [accessToken, setAccessToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const url = normalizeBackendUrl(backendUrl);
    try {
      const api = createApiImpl({ backendUrl: url, accessToken: accessToken.trim() });
      const me = await api.me();
      const settings = await api.getSettings().catch(() => null);
      onSignedIn({ backendUrl: url, accessToken: accessToken.trim(), user: { email: me.user.email, name: me.user.name }, settings });
    } catch (err) {
      const kind = err instanceof ApiError ? err.kind : 'offline';
      setError(kind === 'unauthorized' ? 'That access token was not accepted. Check it, or issue a new one.' : kind === 'offline' ? `Can't reach ${url}. Check the address.` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className={s.stack} onSubmit={submit} aria-labelledby="mb-signin">
      <Subtitle2 as="h2" id="mb-signin" className={s.heading}>
        Sign in
      </Subtitle2>
      {reason && (
        <MessageBar intent="warning">
          <MessageBarBody>{reason}</MessageBarBody>
        </MessageBar>
      )}
      <Field label="Server address" required>
        <Input type="url" value={backendUrl} onChange={(_, d) => setBackendUrl(d.value)} />
      </Field>
      <Field label="Access token" required hint="Get one with `mailbeacon user add you@example.com`, or a new one with `mailbeacon user token you@example.com`.">
        <Input type="password" value={accessToken} onChange={(_, d) => setAccessToken(d.value)} autoComplete="off" />
      </Field>
      {error && (
        <MessageBar intent="error">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      <div>
        <Button appearance="primary" type="submit" disabled={busy || !accessToken.trim() || !backendUrl.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </div>
      <Text>Once signed in, Mailbeacon can log your emails to each contact's timeline, tell you when they are opened or clicked, and insert your templates.</Text>
      <Caption1 className={s.muted}>{footnote}</Caption1>
    </form>
  );
}
