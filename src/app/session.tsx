// The signed-in person, for every page: `useSession()` → `{ user, signOut() }`.
import { createContext, useContext } from 'react';
import type { Role } from '../shared/api.js';

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

export interface SessionValue {
  user: SessionUser;
  signOut(): Promise<void>;
  /** A request answered 401: the session ended; back to sign-in, then to this page. */
  expired(): void;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession() outside the signed-in app');
  return v;
}
