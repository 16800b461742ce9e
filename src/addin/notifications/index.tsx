// The companion page (/notifications): the live feed full width, and desktop notifications, which an
// add-in pane cannot raise. A normal browser page, so its session is kept in localStorage.
import { useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Button, Caption1, FluentProvider, Text, Title3, makeStyles, tokens, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { createApi } from '../../ui/api/client.js';
import type { Session } from '../models/session.js';
import { ActivityFeed } from '../../ui/components/ActivityFeed.js';
import { Panel } from '../components/Panel.js';
import { SignInForm } from '../components/SignInForm.js';
import { StatusDot } from '../components/StatusDot.js';
import { useNotificationFeed } from '../../ui/hooks/notification-feed.js';
import { openNotificationStream } from '../../ui/api/stream.js';
import { enableDesktopNotifications, permissionState, showDesktopNotification, type PushState } from '../../ui/notifications/desktop-notifications.js';

const STORAGE_KEY = 'mailbeacon.companion';

const useStyles = makeStyles({
  root: { minHeight: '100vh', backgroundColor: tokens.colorNeutralBackground2, color: tokens.colorNeutralForeground1 },
  main: { maxWidth: '720px', margin: '0 auto', padding: tokens.spacingHorizontalXXL, display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalL },
  header: { display: 'flex', alignItems: 'center', columnGap: tokens.spacingHorizontalS },
});

function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null;
    return s?.accessToken ? s : null;
  } catch {
    return null;
  }
}

const PUSH_WORDS: Record<PushState, string> = {
  unsupported: 'This browser cannot show desktop notifications.',
  denied: 'Notifications are blocked for this site: allow them in the browser’s site settings.',
  off: 'Turn them on to hear about each open and click, even when this page is in the background.',
  on: 'Desktop notifications are on.',
};

function Feed({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const api = useMemo(() => createApi({ backendUrl: session.backendUrl, accessToken: session.accessToken }), [session]);
  const [push, setPush] = useState<PushState>(permissionState);
  const feed = useNotificationFeed(api, openNotificationStream, (n) => void showDesktopNotification(n));
  const c = useStyles();
  return (
    <>
      <header className={c.header}>
        <img src="assets/icon-32.png" alt="" width={24} height={24} />
        <Title3 as="h1">Mailbeacon notifications</Title3>
        <StatusDot connection={feed.connection} />
      </header>
      <Panel labelledBy="mb-desktop">
        <Text id="mb-desktop" weight="semibold">
          Desktop notifications
        </Text>
        <Caption1 role="status">{PUSH_WORDS[push]}</Caption1>
        {push === 'off' && (
          <div>
            <Button appearance="primary" onClick={() => enableDesktopNotifications(api).then((r) => setPush(r.state))}>
              Turn on desktop notifications
            </Button>
          </div>
        )}
      </Panel>
      <ActivityFeed items={feed.items} latest={feed.latest} />
      <div>
        <Button appearance="subtle" onClick={onSignOut}>
          Sign out of this page
        </Button>
      </div>
    </>
  );
}

function CompanionPage() {
  const c = useStyles();
  const [session, setSession] = useState(loadSession);
  const [dark, setDark] = useState(() => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false);
  useEffect(() => {
    const mq = window.matchMedia?.('(prefers-color-scheme: dark)');
    const on = () => setDark(mq.matches);
    mq?.addEventListener('change', on);
    return () => mq?.removeEventListener('change', on);
  }, []);
  const signIn = (s: Session) => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ backendUrl: s.backendUrl, accessToken: s.accessToken, user: s.user, settings: null }));
    setSession(s);
  };
  const signOut = () => {
    localStorage.removeItem(STORAGE_KEY);
    setSession(null);
  };
  return (
    <FluentProvider theme={dark ? webDarkTheme : webLightTheme} className={c.root}>
      <main className={c.main}>
        {session ? (
          <Feed session={session} onSignOut={signOut} />
        ) : (
          <SignInForm defaultBackendUrl={window.location.origin} onSignedIn={signIn} footnote="This page keeps your token in this browser only." />
        )}
      </main>
    </FluentProvider>
  );
}

createRoot(document.getElementById('root')!).render(<CompanionPage />);
