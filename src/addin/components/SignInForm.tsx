// Signed out (docs/product.md §7, "Sign-in from Outlook"): **Sign in with Mailbeacon** opens the web
// app's sign-in page in an Office dialog, which hands back a fresh access token named "Outlook";
// **Use an access token instead** keeps the form for a pasted token and another server address.
import { useState, type FormEvent } from 'react';
import { Button, Caption1, Field, Input, Link, MessageBar, MessageBarBody, Subtitle2, Text } from '@fluentui/react-components';
import { ApiError, createApi, normalizeBackendUrl, type ApiConfig, type MailbeaconApi } from '../../ui/api/client.js';
import { routes } from '../../ui/api/routes.js';
import type { DialogSignIn } from '../../shared/api.js';
import type { OfficeHost } from '../office/host.js';
import type { Session } from '../models/session.js';
import { usePaneStyles } from '../../ui/components/styles.js';

interface Props {
  /** Outlook, for the sign-in dialog; without it (a plain browser page) only the token form. */
  host?: OfficeHost;
  defaultBackendUrl: string;
  /** Why the user is signed out, when it was not their choice. */
  reason?: string;
  onSignedIn(session: Session): void;
  createApiImpl?: (c: ApiConfig) => MailbeaconApi;
  /** Where the session is kept, in words for the user. */
  footnote?: string;
}

/** What the dialog page sent, if it is what we asked for. */
function parseDialogAnswer(message: string): DialogSignIn | null {
  try {
    const v = JSON.parse(message) as Partial<DialogSignIn>;
    return typeof v.backendUrl === 'string' && typeof v.accessToken === 'string' && v.accessToken ? { backendUrl: v.backendUrl, accessToken: v.accessToken } : null;
  } catch {
    return null;
  }
}

export function SignInForm({ host, defaultBackendUrl, reason, onSignedIn, createApiImpl = createApi, footnote = 'You stay signed in on every device where you use Outlook.' }: Props) {
  const s = usePaneStyles();
  const [withToken, setWithToken] = useState(!host);
  const [backendUrl, setBackendUrl] = useState(defaultBackendUrl);
  const [accessToken, setAccessToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  /** Checks a token against its server and signs the pane in with it. */
  async function finish(url: string, token: string) {
    const api = createApiImpl({ backendUrl: url, accessToken: token });
    const me = await api.me();
    const settings = await api.getSettings().catch(() => null);
    onSignedIn({ backendUrl: url, accessToken: token, user: { email: me.user.email, name: me.user.name }, settings });
  }

  const explain = (err: unknown, url: string) => {
    const kind = err instanceof ApiError ? err.kind : 'offline';
    return kind === 'unauthorized' ? 'That access token was not accepted. Check it, or issue a new one.' : kind === 'offline' ? `Can't reach ${url}. Check the address.` : (err as Error).message;
  };

  async function withMailbeacon() {
    setBusy(true);
    setError(null);
    const url = normalizeBackendUrl(defaultBackendUrl);
    try {
      const answer = parseDialogAnswer(await host!.signInDialog(url + routes.addinLogin));
      if (!answer) throw new Error('The sign-in window answered something unexpected. Try again, or use an access token instead.');
      await finish(normalizeBackendUrl(answer.backendUrl), answer.accessToken);
    } catch (err) {
      setError(err instanceof ApiError ? explain(err, url) : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const url = normalizeBackendUrl(backendUrl);
    try {
      await finish(url, accessToken.trim());
    } catch (err) {
      setError(explain(err, url));
    } finally {
      setBusy(false);
    }
  }

  const errorBar = error && (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>{error}</MessageBarBody>
    </MessageBar>
  );

  return (
    <div className={s.stack}>
      <Subtitle2 as="h2" id="mb-signin" className={s.heading}>
        Sign in
      </Subtitle2>
      {reason && (
        <MessageBar intent="warning">
          <MessageBarBody>{reason}</MessageBarBody>
        </MessageBar>
      )}
      {!withToken ? (
        <>
          <Text>Sign in with your Mailbeacon email and password. A window opens; once you are signed in there, this pane is too.</Text>
          {errorBar}
          <div>
            <Button appearance="primary" onClick={() => void withMailbeacon()} disabled={busy}>
              {busy ? 'Waiting for the sign-in window…' : 'Sign in with Mailbeacon'}
            </Button>
          </div>
          <Link as="button" onClick={() => (setError(null), setWithToken(true))}>
            Use an access token instead
          </Link>
        </>
      ) : (
        <form className={s.stack} onSubmit={submit} aria-labelledby="mb-signin">
          <Field label="Server address" required>
            <Input type="url" value={backendUrl} onChange={(_, d) => setBackendUrl(d.value)} />
          </Field>
          <Field label="Access token" required hint="Make one in the web app (Settings → Devices), or on the server with `mailbeacon user token you@example.com`.">
            <Input type="password" value={accessToken} onChange={(_, d) => setAccessToken(d.value)} autoComplete="off" />
          </Field>
          {errorBar}
          <div>
            <Button appearance="primary" type="submit" disabled={busy || !accessToken.trim() || !backendUrl.trim()}>
              {busy ? 'Signing in…' : 'Sign in'}
            </Button>
          </div>
          {host && (
            <Link as="button" onClick={() => (setError(null), setWithToken(false))}>
              Sign in with Mailbeacon instead
            </Link>
          )}
        </form>
      )}
      <Text>Once signed in, Mailbeacon can log your emails to each contact's timeline, tell you when they are opened or clicked, and insert your templates.</Text>
      <Caption1 className={s.muted}>{footnote}</Caption1>
    </div>
  );
}
