// What the Settings sections share (docs/product.md §10): the person's own settings, read once for the
// page, and saving a change with a quiet "Saved" (or the server's refusal) beside the section changed.
import { useEffect, useState } from 'react';
import type { UserSettings, UserSettingsUpdate } from '../../shared/api.js';
import { useAppApi } from '../api.js';
import { useResource } from '../components/paged.js';

export type MySettings = ReturnType<typeof useMySettings>;

/** `/api/v1/settings`, read once for every section that shows part of it. */
export function useMySettings() {
  const api = useAppApi();
  return useResource(() => api.settings(), 'settings');
}

/** Saves a change and says so: `saved` for a moment, or `error` with the server's words. */
export function useSaver<T, U = Partial<T>>(save: (update: U) => Promise<T>, onSaved: (v: T) => void) {
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!saved) return;
    const t = setTimeout(() => setSaved(false), 2500);
    return () => clearTimeout(t);
  }, [saved]);
  const run = async (update: U) => {
    setSaved(false);
    try {
      onSaved(await save(update));
      setError(null);
      setSaved(true);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return { run, saved, error };
}

/** A saver of the person's own settings that keeps the page's copy current. */
export function useSettingsSaver(mine: MySettings) {
  const api = useAppApi();
  return useSaver<UserSettings, UserSettingsUpdate>((u) => api.saveSettings(u), (v) => mine.set(v));
}
