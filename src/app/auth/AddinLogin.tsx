// The add-in's sign-in dialog (`/app/addin-login`, opened by the pane's **Sign in with Mailbeacon**):
// signs in (or uses the session this browser already has), makes an access token named "Outlook" and
// hands `{backendUrl, accessToken}` to the pane, which closes the dialog. The token leaves this page
// only through messageParent, to the pane that opened it.
import { useEffect, useState } from 'react';
import { Body1, MessageBar, MessageBarBody, Spinner } from '@fluentui/react-components';
import { sessionApi } from '../../ui/api/session-api.js';
import { ApiError } from '../../ui/api/client.js';
import type { DialogSignIn } from '../../shared/api.js';
import { AuthCard } from './AuthCard.js';
import { SignInForm } from './SignIn.js';
import { inOfficeDialog, messageParent } from './office-dialog.js';

type Stage = { at: 'checking' } | { at: 'sign-in' } | { at: 'handing-over'; email: string } | { at: 'done' } | { at: 'error'; message: string };

export function AddinLoginPage() {
  const [stage, setStage] = useState<Stage>({ at: 'checking' });

  async function handOver(email: string) {
    setStage({ at: 'handing-over', email });
    try {
      const token = await sessionApi.createAccessToken('Outlook');
      const result: DialogSignIn = { backendUrl: location.origin, accessToken: token.accessToken };
      messageParent(JSON.stringify(result));
      setStage({ at: 'done' });
    } catch (err) {
      setStage({ at: 'error', message: `Signed in, but the token for Outlook could not be made: ${(err as Error).message} Close this window and try again.` });
    }
  }

  useEffect(() => {
    void (async () => {
      if (!(await inOfficeDialog())) {
        setStage({ at: 'error', message: "This page signs in the Outlook add-in. Open it from the add-in's Sign in with Mailbeacon button, or go to /app to use Mailbeacon in the browser." });
        return;
      }
      try {
        const me = await sessionApi.me();
        await handOver(me.user.email);
      } catch (err) {
        if (err instanceof ApiError && err.kind === 'unauthorized') setStage({ at: 'sign-in' });
        else setStage({ at: 'error', message: (err as Error).message });
      }
    })();
  }, []);

  return (
    <AuthCard title="Sign in to Mailbeacon for Outlook" intro={stage.at === 'sign-in' ? 'Sign in, and Outlook will be signed in too. You can close this window afterwards.' : undefined}>
      {stage.at === 'checking' && <Spinner size="small" label="Getting ready…" />}
      {stage.at === 'sign-in' && <SignInForm onSignedIn={(u) => void handOver(u.email)} />}
      {stage.at === 'handing-over' && <Spinner size="small" label={`Signing in Outlook as ${stage.email}…`} />}
      {stage.at === 'done' && <Body1 role="status">Outlook is signed in. You can close this window.</Body1>}
      {stage.at === 'error' && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{stage.message}</MessageBarBody>
        </MessageBar>
      )}
    </AuthCard>
  );
}
