// The tracking id of a one-to-one email and what is derived from it.

/** Set on every draft so the read pane (and the backend) can recognise our own tracked mail. */
export const TRACKING_HEADER = 'X-Mailbeacon-Tracking-Id';

/** The stamp a connected mailbox's sync reads on the sent copy, so mail the add-in logged is not logged
 *  twice (internetHeaders needs Mailbox 1.8; without it the backend matches by Message-ID). */
export const MAILBEACON_ID_HEADER = 'X-Mailbeacon-Id';

export function newTrackingId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  // Event runtimes without randomUUID: a version-4 UUID from whatever randomness there is.
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The real Message-ID does not exist at send time; the logged copy uses this one, and so does
 *  "Log this email" on an item carrying our header, so the backend sees one message, not two. */
export const syntheticMessageId = (trackingId: string) => `<${trackingId}@mailbeacon>`;
