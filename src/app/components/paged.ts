// A list read page by page through the API's cursors (`paging.next.after`), with its loading and error
// state: every list of the web app uses it. A change of `key` (a search, a filter) starts over, and
// answers for an older key are dropped.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../../shared/api.js';

export interface Paged<T> {
  items: T[];
  loading: boolean;
  error: Error | null;
  hasMore: boolean;
  /** The first page arrived (an empty list is then really empty). */
  loaded: boolean;
  more(): void;
  reload(): void;
  /** Changes the loaded items in place (after a delete, say). */
  update(fn: (items: T[]) => T[]): void;
}

export function usePaged<T>(load: (after?: string) => Promise<Page<T>>, key: string): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const fetchPage = useCallback(async (after: string | undefined, fresh: boolean) => {
    const mine = fresh ? ++generation.current : generation.current;
    setLoading(true);
    setError(null);
    try {
      const page = await loadRef.current(after);
      if (mine !== generation.current) return;
      setItems((current) => (fresh ? page.results : [...current, ...page.results]));
      setCursor(page.paging?.next?.after);
      setLoaded(true);
    } catch (e) {
      if (mine === generation.current) setError(e as Error);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setItems([]);
    setLoaded(false);
    setCursor(undefined);
    void fetchPage(undefined, true);
  }, [key, fetchPage]);

  return {
    items,
    loading,
    error,
    loaded,
    hasMore: cursor !== undefined,
    more: () => {
      if (!loading && cursor !== undefined) void fetchPage(cursor, false);
    },
    reload: () => void fetchPage(undefined, true),
    update: (fn) => setItems(fn),
  };
}

/** A single resource with loading and error state; `reload` reads it again. */
export function useResource<T>(load: () => Promise<T>, key: string) {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    loadRef.current().then(
      (v) => mine === generation.current && setValue(v),
      (e: Error) => mine === generation.current && setError(e),
    ).finally(() => mine === generation.current && setLoading(false));
  }, []);
  useEffect(reload, [key, reload]);
  return { value, error, loading, reload, set: setValue };
}
