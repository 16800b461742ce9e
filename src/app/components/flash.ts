// A message a page leaves for the next one it moves to ("… was erased" on the contact list after the
// contact's own page is gone). Kept in memory only: it never lands in the address bar or history.
import { useEffect, useState } from 'react';

let pending: string | null = null;

export function leaveMessage(text: string): void {
  pending = text;
}

/**
 * The message left for this page, if any, shown once. It is cleared when the page has mounted, not
 * when first read: a render React throws away (the page suspending while its code or data loads) must
 * not use it up.
 */
export function useLeftMessage(): string | null {
  const [said] = useState(() => pending);
  useEffect(() => {
    pending = null;
  }, []);
  return said;
}
