// The web app (docs/product.md, "The web app"): the signed-out pages (sign in, forgot password, set
// your password, the add-in's sign-in dialog), and once signed in the shell with the page of the
// path, each page loaded on its own. A session that ends sends the person to sign in and then back.
import { Suspense, useCallback, useEffect, useMemo, useState, type ComponentType } from 'react';
import { MessageBar, MessageBarBody, Spinner, Button } from '@fluentui/react-components';
import { onSessionEnded, sessionApi } from '../ui/api/session-api.js';
import { ApiError } from '../ui/api/client.js';
import { match, navigate, safeNext, useAppLinks, useLocation } from './router.js';
import { SessionContext, type SessionUser, type SessionValue } from './session.js';
import { Shell } from './shell/Shell.js';
import { SignInPage } from './auth/SignIn.js';
import { ForgotPage } from './auth/Forgot.js';
import { SetPasswordPage } from './auth/SetPassword.js';
import { AddinLoginPage } from './auth/AddinLogin.js';
import { NotFoundPage } from './auth/NotFound.js';
import { preloadable, type Preloadable } from './components/preloadable.js';

type PageProps = { params: Record<string, string> };
const page = (load: () => Promise<{ default: ComponentType<PageProps> }>): Preloadable<PageProps> => preloadable(() => load().then((m) => m.default));

/** The signed-in pages, by path; each is its own chunk. */
const PAGES: Array<[string, Preloadable<PageProps>]> = [
  ['/app/activity', page(() => import('./pages/activity.js'))],
  ['/app/tracked', page(() => import('./pages/tracked.js'))],
  ['/app/tracked/:id', page(() => import('./pages/tracked-email.js'))],
  ['/app/contacts', page(() => import('./pages/contacts.js'))],
  ['/app/contacts/:id', page(() => import('./pages/contact.js'))],
  ['/app/templates', page(() => import('./pages/templates.js'))],
  ['/app/templates/:id', page(() => import('./pages/template.js'))],
  ['/app/transactional', page(() => import('./pages/transactional.js'))],
  ['/app/settings', page(() => import('./pages/settings.js'))],
];

// The page asked for starts loading now, beside the session check, not after it: a person opening a
// deep link is almost always signed in; /app itself goes on to Activity. (Signed out, a few KB are
// fetched for nothing, then cached.)
const asked = /^\/app\/?$/.test(location.pathname) ? '/app/activity' : location.pathname;
PAGES.find(([pattern]) => match(pattern, asked))?.[1]
  .preload()
  .catch(() => undefined);

// The session check starts with the app's code, beside the page's chunk, rather than after the first
// render; the first `check()` takes its answer, later ones (Retry) ask again.
let firstCheck: ReturnType<typeof sessionApi.me> | null = sessionApi.me();
firstCheck.catch(() => undefined); // handled where it is used; this only keeps it from counting as unhandled

type Auth = { state: 'checking' } | { state: 'signed-out'; notice?: string } | { state: 'signed-in'; user: SessionUser } | { state: 'offline'; message: string };

export function App() {
  const { pathname, search } = useLocation();
  useAppLinks();
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });

  const check = useCallback(() => {
    setAuth({ state: 'checking' });
    const asking = firstCheck ?? sessionApi.me();
    firstCheck = null;
    asking.then(
      (me) => setAuth({ state: 'signed-in', user: { id: me.user.id, email: me.user.email, name: me.user.name, role: me.user.role } }),
      (err: unknown) => setAuth(err instanceof ApiError && err.kind === 'unauthorized' ? { state: 'signed-out' } : { state: 'offline', message: (err as Error).message }),
    );
  }, []);
  useEffect(check, [check]);

  const signedIn = useCallback((user: SessionUser, to: string) => {
    setAuth({ state: 'signed-in', user });
    navigate(to, { replace: true });
  }, []);

  const session = useMemo<SessionValue | null>(() => {
    if (auth.state !== 'signed-in') return null;
    return {
      user: auth.user,
      async signOut() {
        await sessionApi.logout().catch(() => undefined);
        setAuth({ state: 'signed-out' });
        navigate('/app', { replace: true });
      },
      expired() {
        setAuth({ state: 'signed-out', notice: 'Your session ended. Sign in again to go on where you were.' });
        navigate(`/app/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
      },
    };
  }, [auth]);

  // A signed-in call answering 401 means the session ended: back to sign-in, then to this page.
  useEffect(() => {
    onSessionEnded(session?.expired);
    return () => onSessionEnded(undefined);
  }, [session]);

  // Pages that work signed out, whatever the session.
  const invite = match('/app/invite/:token', pathname);
  if (invite) return <SetPasswordPage kind="invite" token={invite.token} onSignedIn={(u) => signedIn(u, '/app/activity')} />;
  const reset = match('/app/reset/:token', pathname);
  if (reset) return <SetPasswordPage kind="reset" token={reset.token} onSignedIn={(u) => signedIn(u, '/app/activity')} />;
  if (pathname === '/app/forgot') return <ForgotPage />;
  if (pathname === '/app/addin-login') return <AddinLoginPage />;

  if (auth.state === 'checking') return <Spinner style={{ marginTop: '30vh' }} label="Loading Mailbeacon…" />;
  if (auth.state === 'offline') {
    return (
      <MessageBar intent="error" style={{ margin: 24 }}>
        <MessageBarBody>
          Mailbeacon can't be reached: {auth.message}{' '}
          <Button size="small" onClick={check}>
            Retry
          </Button>
        </MessageBarBody>
      </MessageBar>
    );
  }
  if (auth.state === 'signed-out') {
    // Sign-in lives at /app and /app/sign-in; any other page asked for comes back after it.
    const next = pathname === '/app' || pathname === '/app/' || pathname === '/app/sign-in' ? safeNext(search) : pathname + search;
    return <SignInPage notice={auth.notice} onSignedIn={(u) => signedIn(u, next)} />;
  }

  if (pathname === '/app' || pathname === '/app/' || pathname === '/app/sign-in') {
    queueMicrotask(() => navigate(pathname === '/app/sign-in' ? safeNext(search) : '/app/activity', { replace: true }));
    return null;
  }
  const found = PAGES.map(([pattern, page]) => ({ params: match(pattern, pathname), page })).find((f): f is { params: Record<string, string>; page: Preloadable<PageProps> } => f.params !== null);
  return (
    <SessionContext.Provider value={session}>
      {found ? (
        <Shell pathname={pathname}>
          <Suspense fallback={<Spinner size="small" label="Loading…" />}>
            <found.page.Component params={found.params} />
          </Suspense>
        </Shell>
      ) : (
        <NotFoundPage />
      )}
    </SessionContext.Provider>
  );
}
