// What every pane needs, provided once by App: the Office wrapper, the signed-in session, the API
// client (observed, so any call tells the status dot whether the server answers), and the settings.
import { createContext, useContext } from 'react';
import type { UserSettings } from '../../shared/api.js';
import type { MailbeaconApi } from '../../ui/api/client.js';
import type { OfficeHost } from '../office/host.js';
import type { Session } from '../models/session.js';

export type ConnectionStatus = 'connected' | 'reconnecting' | 'offline' | 'unknown';

export interface Connection {
  status: ConnectionStatus;
  reason?: string;
}

export interface Services {
  host: OfficeHost;
  session: Session;
  api: MailbeaconApi;
  settings: UserSettings;
  /** After a successful PUT: the pane re-renders and the roaming cache is refreshed for the handlers. */
  applySettings(settings: UserSettings): void;
  signOut(reason?: string): void;
  /** The API's reachability (the live feed reports its own to the status dot). */
  connection: Connection;
  retry(): void;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside <ServicesContext.Provider>');
  return s;
}
