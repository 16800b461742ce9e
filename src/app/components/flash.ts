// A message a page leaves for the next one it moves to ("… was erased" on the contact list after the
// contact's own page is gone). Kept in memory only: it never lands in the address bar or history.
let pending: string | null = null;

export function leaveMessage(text: string): void {
  pending = text;
}

/** The message left for this page, if any; it is shown once. */
export function takeMessage(): string | null {
  const text = pending;
  pending = null;
  return text;
}
