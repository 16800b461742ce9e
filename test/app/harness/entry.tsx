// A stand-in for the app shell, for page tests only: routes /app/... to the pages (each loaded on
// demand, as the shell does), with the Fluent theme the system asks for, a session, and the API client
// given the test user's access token. The real shell (sign-in, navigation) is the sign-in work's.
import { lazy, Suspense, useEffect, useMemo, useState, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { FluentProvider, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { AppApiContext, createAppApi } from '../../../src/app/api.js';
import { SessionContext, type SessionUser } from '../../../src/app/session.js';

type Page = ComponentType<{ params: Record<string, string> }>;

const ROUTES: Array<[RegExp, string[], () => Promise<{ default: Page }>]> = [
  [/^\/app\/activity$/, [], () => import('../../../src/app/pages/activity.js')],
  [/^\/app\/tracked$/, [], () => import('../../../src/app/pages/tracked.js')],
  [/^\/app\/tracked\/([^/]+)$/, ['id'], () => import('../../../src/app/pages/tracked-email.js')],
  [/^\/app\/contacts$/, [], () => import('../../../src/app/pages/contacts.js')],
  [/^\/app\/contacts\/([^/]+)$/, ['id'], () => import('../../../src/app/pages/contact.js')],
  [/^\/app\/templates$/, [], () => import('../../../src/app/pages/templates.js')],
  [/^\/app\/templates\/([^/]+)$/, ['id'], () => import('../../../src/app/pages/template.js')],
  [/^\/app\/transactional$/, [], () => import('../../../src/app/pages/transactional.js')],
  [/^\/app\/settings$/, [], () => import('../../../src/app/pages/settings.js')],
];
const lazies = new Map<string, Page>();

function route(path: string): { Page: Page; params: Record<string, string> } | null {
  for (const [re, names, load] of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    if (!lazies.has(re.source)) lazies.set(re.source, lazy(load));
    return { Page: lazies.get(re.source)!, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

const config = JSON.parse(document.getElementById('harness-config')!.textContent!) as { backendUrl: string; accessToken: string; user: SessionUser };

function Harness() {
  const [path, setPath] = useState(location.pathname);
  const [dark, setDark] = useState(() => matchMedia('(prefers-color-scheme: dark)').matches);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener('popstate', on);
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const theme = () => setDark(mq.matches);
    mq.addEventListener('change', theme);
    // Links inside the app move without a reload, as in the shell.
    const click = (e: MouseEvent) => {
      const a = (e.target as Element).closest('a');
      if (!a || a.origin !== location.origin || !a.pathname.startsWith('/app/') || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey) return;
      e.preventDefault();
      history.pushState(null, '', a.pathname);
      setPath(a.pathname);
    };
    document.addEventListener('click', click);
    return () => {
      removeEventListener('popstate', on);
      mq.removeEventListener('change', theme);
      document.removeEventListener('click', click);
    };
  }, []);
  const api = useMemo(() => createAppApi({ backendUrl: config.backendUrl, accessToken: config.accessToken }), []);
  const session = useMemo(() => ({ user: config.user, signOut: async () => undefined, expired: () => undefined }), []);
  const found = route(path);
  return (
    <FluentProvider theme={dark ? webDarkTheme : webLightTheme} style={{ minHeight: '100vh' }}>
      <SessionContext.Provider value={session}>
        <AppApiContext.Provider value={api}>
          <main>
            <Suspense fallback={<p>Loading…</p>}>{found ? <found.Page key={path} params={found.params} /> : <h1>Not found</h1>}</Suspense>
          </main>
        </AppApiContext.Provider>
      </SessionContext.Provider>
    </FluentProvider>
  );
}

createRoot(document.getElementById('root')!).render(<Harness />);
