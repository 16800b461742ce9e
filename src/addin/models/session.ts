// The signed-in state: backend URL, access token and the user's settings, kept in the mailbox's
// roaming settings. The event runtime of classic Outlook on Windows has no localStorage, and roaming
// settings follow the user to every device, so signing in once is enough.
import { DEFAULT_SETTINGS, type UserSettings } from '../../shared/api.js';
import type { OfficeHost } from '../office/host.js';

export interface Session {
  backendUrl: string;
  accessToken: string;
  user: { email: string; name: string | null } | null;
  /** The last settings read from the backend, for the event handlers (which must not wait for them). */
  settings: UserSettings | null;
}

export const SESSION_KEY = 'mailbeacon';

export function loadSession(host: OfficeHost): Session | null {
  const s = host.getRoaming<Partial<Session>>(SESSION_KEY);
  if (!s || typeof s.backendUrl !== 'string' || typeof s.accessToken !== 'string' || !s.accessToken) return null;
  return { backendUrl: s.backendUrl, accessToken: s.accessToken, user: s.user ?? null, settings: s.settings ?? null };
}

export const saveSession = (host: OfficeHost, session: Session) => host.setRoaming(SESSION_KEY, session);
export const clearSession = (host: OfficeHost) => host.setRoaming(SESSION_KEY, null);

/** Cached settings over the defaults, so a field added later never reads as undefined. */
export function effectiveSettings(settings: Partial<UserSettings> | null | undefined): UserSettings {
  return {
    ...DEFAULT_SETTINGS,
    ...settings,
    notifications: { ...DEFAULT_SETTINGS.notifications, ...settings?.notifications },
    channels: { ...DEFAULT_SETTINGS.channels, ...settings?.channels },
  };
}
