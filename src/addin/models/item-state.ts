// Log/Track and the tracking id of the email being written, shared by the task pane and the event
// handlers (separate runtimes). sessionData (Mailbox 1.11) is Microsoft's way to share per-item state
// between them; custom properties are the fallback where sessionData is missing or fails.
import type { OfficeHost } from '../office/host.js';

export type PixelPlace = 'append' | 'prepend';

export interface ComposeState {
  log: boolean;
  track: boolean;
  trackingId: string;
  /** Where the pixel was placed with append/prependOnSendAsync; null = not placed (yet). */
  pixel: PixelPlace | null;
  /** Remind me if no reply: after this many days; null/absent = no reminder. */
  remindDays?: number | null;
}

export const STATE_KEY = 'mailbeacon.state';

function parse(raw: string | null): ComposeState | null {
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Partial<ComposeState>;
    if (typeof s.trackingId !== 'string' || typeof s.log !== 'boolean' || typeof s.track !== 'boolean') return null;
    const remind = typeof s.remindDays === 'number' && s.remindDays >= 1 ? { remindDays: Math.floor(s.remindDays) } : {};
    return { log: s.log, track: s.track, trackingId: s.trackingId, pixel: s.pixel === 'append' || s.pixel === 'prepend' ? s.pixel : null, ...remind };
  } catch {
    return null;
  }
}

const hasSessionData = (host: OfficeHost) => host.isSetSupported('Mailbox', '1.11');

export async function readState(host: OfficeHost): Promise<ComposeState | null> {
  if (hasSessionData(host)) {
    const fromSession = parse(await host.getSessionData(STATE_KEY).catch(() => null));
    if (fromSession) return fromSession;
  }
  return parse(await host.getCustomProperty(STATE_KEY).catch(() => null));
}

export async function writeState(host: OfficeHost, state: ComposeState): Promise<void> {
  const raw = JSON.stringify(state);
  if (hasSessionData(host)) {
    try {
      await host.setSessionData(STATE_KEY, raw);
      return;
    } catch {
      /* fall through to custom properties */
    }
  }
  await host.setCustomProperty(STATE_KEY, raw);
}
