// The clock the relative times ("3 min ago") are measured against, shared by the add-in and the web app.
import { useEffect, useState } from 'react';

/** Re-renders every `ms` so "3 min ago" stays true. */
export function useNow(ms = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
