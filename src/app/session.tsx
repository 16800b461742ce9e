// The signed-in person, for the pages. A stand-in until the sign-in work (sessions, roles) provides the
// real one with the same export; it is replaced at merge.
import { createContext, useContext } from 'react';

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: 'admin' | 'member';
}

export interface Session {
  user: SessionUser;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a SessionContext provider (the app shell).');
  return session;
}
