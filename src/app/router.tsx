// A small router over the history API: the path as state, `navigate`, and links that navigate
// without reloading. Enough for the app's flat set of pages (docs/product.md, "The web app").
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** Moves to another page of the app; whatever follows the location hears it as a `popstate`. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The current path and query, kept up to date. */
export function useLocation(): { pathname: string; search: string } {
  const read = () => ({ pathname: location.pathname, search: location.search });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return loc;
}

/** Matches `/app/contacts/:id` against a path; the parameters, or null. */
export function match(pattern: string, pathname: string): Record<string, string> | null {
  const p = pattern.split('/');
  const a = pathname.replace(/\/+$/, '').split('/');
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      try {
        params[p[i].slice(1)] = decodeURIComponent(a[i]);
      } catch {
        return null;
      }
    } else if (p[i] !== a[i]) return null;
  }
  return params;
}

/** An anchor that navigates in the app (a real link: opens in a new tab with a modifier key). */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, ...rest } = props;
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return <a {...rest} onClick={click} />;
}

/**
 * Plain `<a href="/app/…">` links anywhere in the app (the pages use them, so a link is a link: copy,
 * open in a new tab) move within the app instead of reloading it. Installed once, by the app.
 */
export function useAppLinks(): void {
  useEffect(() => {
    const click = (e: globalThis.MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = (e.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
      if (!a || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || !/^\/app(\/|$)/.test(url.pathname) || url.pathname === '/app/addin-login') return;
      e.preventDefault();
      navigate(url.pathname + url.search + url.hash);
    };
    document.addEventListener('click', click);
    return () => document.removeEventListener('click', click);
  }, []);
}

/** Where a sign-in should return to: a path inside the app, never another site. */
export function safeNext(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && /^\/app(\/|$)/.test(next) && !next.startsWith('//') ? next : '/app/activity';
}
