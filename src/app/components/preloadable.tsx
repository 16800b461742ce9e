// Code loaded on demand that can be asked for ahead of time (a page's chunk beside the session check,
// the code editor beside the template), and then renders at once. React.lazy alone suspends on first
// render even when its module has already arrived, and React 19 holds a Suspense boundary's content back
// for up to 300 ms after its fallback showed (react-dom's FALLBACK_THROTTLE_MS): a chunk fetched early
// should not pay that wait.
import { lazy, useState, type ComponentType } from 'react';

export interface Preloadable<P> {
  /** Starts loading (once); later calls return the same promise. */
  preload(): Promise<unknown>;
  /** The component: rendered directly once loaded, otherwise through React.lazy (inside a Suspense). */
  Component: ComponentType<P>;
}

export function preloadable<P extends object>(load: () => Promise<ComponentType<P>>): Preloadable<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  const preload = () =>
    (loading ??= load().then((c) => {
      loaded = c;
      return c;
    }));
  const Lazy = lazy(() => preload().then((c) => ({ default: c })));
  function Component(props: P) {
    // Chosen once per mount: switching from the lazy wrapper to the loaded component would remount it.
    const [C] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return <C {...props} />;
  }
  return { preload, Component };
}
