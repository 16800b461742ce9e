// The task pane: theme, header with status dot, sign-in, and the Email / Activity / Settings tabs.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { FluentProvider, Tab, TabList, Text, makeStyles, tokens, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import type { UserSettings } from '../../shared/api.js';
import { createApi, type ApiConfig, type MailbeaconApi } from '../../ui/api/client.js';
import { openNotificationStream } from '../../ui/api/stream.js';
import type { OfficeHost } from '../office/host.js';
import { clearSession, effectiveSettings, loadSession, saveSession, type Session } from '../models/session.js';
import { isDarkBackground } from '../helpers/theme.js';
import { ActivityPane } from './ActivityPane.js';
import { ComposePane } from './ComposePane.js';
import { observeApi, type Observation } from '../hooks/observed-api.js';
import { ReadPane } from './ReadPane.js';
import { ServicesContext, type Connection, type Services } from '../hooks/services.js';
import { SettingsPane } from './SettingsPane.js';
import { SignInForm } from './SignInForm.js';
import { StatusDot } from './StatusDot.js';
import { useNotificationFeed, type OpenStream } from '../../ui/hooks/notification-feed.js';

export interface AppProps {
  host: OfficeHost;
  /** The origin the pane is served from: the backend, unless the user says otherwise. */
  defaultBackendUrl: string;
  createApiImpl?: (c: ApiConfig) => MailbeaconApi;
  openStream?: OpenStream;
}

const useStyles = makeStyles({
  root: { minHeight: '100vh', backgroundColor: tokens.colorNeutralBackground1, color: tokens.colorNeutralForeground1 },
  header: { display: 'flex', alignItems: 'center', columnGap: tokens.spacingHorizontalS, padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}` },
  body: { padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM} ${tokens.spacingVerticalXXL}` },
});

function useOfficeTheme(host: OfficeHost): boolean {
  const [dark, setDark] = useState(() => isDarkBackground(host.themeBackground()));
  useEffect(() => {
    host.onThemeChanged(() => setDark(isDarkBackground(host.themeBackground()))).catch(() => undefined);
  }, [host]);
  return dark;
}

function Header({ connection }: { connection: Connection }) {
  const c = useStyles();
  return (
    <header className={c.header}>
      <img src="assets/icon-32.png" alt="" width={20} height={20} />
      <Text as="h1" weight="semibold" size={400} style={{ margin: 0 }}>
        Mailbeacon
      </Text>
      <StatusDot connection={connection} />
    </header>
  );
}

export function App(props: AppProps) {
  const { host } = props;
  const c = useStyles();
  const dark = useOfficeTheme(host);
  const [session, setSession] = useState<Session | null>(() => loadSession(host));
  const [reason, setReason] = useState<string>();

  const signIn = (s: Session) => {
    setReason(undefined);
    setSession(s);
    void saveSession(host, s).catch(() => undefined);
  };
  const current = useRef(session);
  current.current = session;
  const signOut = useCallback(
    (why?: string) => {
      const was = current.current;
      void (async () => {
        // The person chose to sign out: the token stops working on the server first (docs/product.md,
        // "Sign-in from Outlook"). With a reason, the server has refused the token already.
        if (!why && was) await (props.createApiImpl ?? createApi)(was).revokeOwnToken().catch(() => undefined);
        setReason(why);
        setSession(null);
        await clearSession(host).catch(() => undefined);
      })();
    },
    [host, props.createApiImpl],
  );

  return (
    <FluentProvider theme={dark ? webDarkTheme : webLightTheme} className={c.root}>
      {session ? (
        <SignedIn {...props} session={session} onSession={setSession} signOut={signOut} />
      ) : (
        <>
          <Header connection={{ status: 'unknown', reason: 'Not signed in' }} />
          <main className={c.body}>
            <SignInForm host={host} defaultBackendUrl={props.defaultBackendUrl} reason={reason} onSignedIn={signIn} createApiImpl={props.createApiImpl} />
          </main>
        </>
      )}
    </FluentProvider>
  );
}

type Tab = 'email' | 'activity' | 'settings';

interface SignedInProps extends AppProps {
  session: Session;
  onSession(s: Session): void;
  signOut(reason?: string): void;
}

/** The worse of the API's and the live feed's state. */
function combine(api: Connection, feed: Connection): Connection {
  if (api.status === 'offline') return api;
  if (feed.status === 'offline' || feed.status === 'reconnecting') return feed;
  if (api.status === 'connected' || feed.status === 'connected') return { status: 'connected' };
  return { status: 'unknown' };
}

function SignedIn({ host, session, onSession, signOut, createApiImpl = createApi, openStream = openNotificationStream }: SignedInProps) {
  const c = useStyles();
  const [tab, setTab] = useState<Tab>('email');
  const [apiConnection, setApiConnection] = useState<Connection>({ status: 'unknown' });
  const [settings, setSettings] = useState<UserSettings>(() => effectiveSettings(session.settings));
  // Bumped when Outlook shows another item in a pinned pane, or the user asks to retry.
  const [itemKey, setItemKey] = useState(0);

  const api = useMemo(() => {
    const report = (o: Observation) => {
      if (o.ok) setApiConnection({ status: 'connected' });
      else if (o.error.kind === 'unauthorized') signOut('Your access token is no longer accepted. Sign in again.');
      else setApiConnection({ status: 'offline', reason: o.error.message });
    };
    return observeApi(createApiImpl({ backendUrl: session.backendUrl, accessToken: session.accessToken }), report);
  }, [createApiImpl, session.backendUrl, session.accessToken, signOut]);

  const applySettings = useCallback(
    (next: UserSettings) => {
      setSettings(next);
      // The event handlers read the cached copy: they must not wait for the backend.
      const updated = { ...session, settings: next };
      onSession(updated);
      void saveSession(host, updated).catch(() => undefined);
    },
    [host, session, onSession],
  );

  useEffect(() => {
    api.getSettings().then(applySettings, () => undefined);
    // Once per sign-in; applySettings changes with every save.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  useEffect(() => {
    host.onItemChanged(() => setItemKey((k) => k + 1)).catch(() => undefined);
  }, [host]);

  const feed = useNotificationFeed(api, openStream);
  const retry = useCallback(() => {
    setApiConnection({ status: 'unknown' });
    setItemKey((k) => k + 1);
  }, []);
  const services: Services = { host, session, api, settings, applySettings, signOut, connection: apiConnection, retry };
  const kind = host.itemKind();

  return (
    <ServicesContext.Provider value={services}>
      <Header connection={combine(apiConnection, feed.connection)} />
      <TabList selectedValue={tab} onTabSelect={(_, d) => setTab(d.value as Tab)} size="small" style={{ padding: `0 ${tokens.spacingHorizontalS}` }}>
        <Tab id="mb-tab-email" value="email">
          Email
        </Tab>
        <Tab id="mb-tab-activity" value="activity">
          Activity
        </Tab>
        <Tab id="mb-tab-settings" value="settings">
          Settings
        </Tab>
      </TabList>
      <main className={c.body} role="tabpanel" aria-labelledby={`mb-tab-${tab}`}>
        {tab === 'email' &&
          (kind === 'compose' ? <ComposePane key={itemKey} /> : kind === 'read' ? <ReadPane key={itemKey} /> : <Text>Select an email to see its contact's timeline.</Text>)}
        {tab === 'activity' && <ActivityPane feed={feed} />}
        {tab === 'settings' && <SettingsPane />}
      </main>
    </ServicesContext.Provider>
  );
}
