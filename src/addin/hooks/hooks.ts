// Small hooks shared by the panes.
import { useEffect, useRef, useState } from 'react';

/** Runs `read` now and every `ms` while the pane is visible: Outlook has no "body changed" event. */
export function usePoll<T>(read: () => Promise<T>, ms: number, same: (a: T, b: T) => boolean = Object.is): T | undefined {
  const [value, setValue] = useState<T>();
  const readRef = useRef(read);
  readRef.current = read;
  useEffect(() => {
    let alive = true;
    let last: { v: T } | null = null;
    const tick = async () => {
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
      try {
        const v = await readRef.current();
        if (alive && (!last || !same(last.v, v))) {
          last = { v };
          setValue(v);
        }
      } catch {
        /* the item may be closing; the next tick tries again */
      }
    };
    void tick();
    const timer = setInterval(tick, ms);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [ms]);
  return value;
}

export const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
