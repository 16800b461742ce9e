// The web app's calls about people and sign-in: same origin, authenticated by the `mb_session`
// cookie (the browser sends it; no token is ever in script's reach). Errors are the client's ApiError.
import axios, { type AxiosRequestConfig } from 'axios';
import type { AccountUser, Device, InvitedUser, MeResponse, NewAccessToken, Role, SignedInUser } from '../../shared/api.js';
import { toApiError } from './client.js';
import { routes } from './routes.js';

const http = axios.create({ adapter: 'fetch', timeout: 20_000, withCredentials: true });

let ended: (() => void) | undefined;

/** What the app does when a signed-in call answers 401 (the session ended: expired, or ended elsewhere). */
export function onSessionEnded(handler: (() => void) | undefined): void {
  ended = handler;
}

/** `signedOut`: a call made before signing in, whose 401 is an answer, not an ended session. */
async function request<T>(options: AxiosRequestConfig, signedOut = false): Promise<T> {
  try {
    return (await http.request<T>(options)).data;
  } catch (e) {
    const err = toApiError(e);
    if (err.kind === 'unauthorized' && !signedOut) ended?.();
    throw err;
  }
}

export type LinkKind = 'invite' | 'reset';

export const sessionApi = {
  me: () => request<MeResponse & { user: { role: Role } }>({ url: routes.me }, true),
  login: (email: string, password: string) => request<{ user: SignedInUser }>({ method: 'POST', url: routes.login, data: { email, password } }, true),
  logout: () => request<void>({ method: 'POST', url: routes.logout, data: {} }, true),
  requestReset: (email: string) => request<{ message: string }>({ method: 'POST', url: routes.passwordReset, data: { email } }, true),
  /** Who an invitation or reset link is for (404 once used or expired). */
  linkOwner: (kind: LinkKind, token: string) => request<{ email: string; name: string | null }>({ url: kind === 'invite' ? routes.invitation(token) : routes.passwordResetLink(token) }, true),
  setPassword: (kind: LinkKind, token: string, password: string, name?: string) =>
    request<{ user: SignedInUser }>({
      method: 'POST',
      url: kind === 'invite' ? routes.acceptInvitation(token) : routes.passwordResetLink(token),
      data: kind === 'invite' && name ? { password, name } : { password },
    }, true),
  changePassword: (currentPassword: string, newPassword: string) => request<void>({ method: 'POST', url: routes.password, data: { currentPassword, newPassword } }),
  users: async () => (await request<{ results: AccountUser[] }>({ url: routes.users })).results,
  invite: (email: string, role: Role, name?: string) => request<InvitedUser>({ method: 'POST', url: routes.users, data: { email, role, ...(name ? { name } : {}) } }),
  updateUser: (id: string, change: { name?: string | null; role?: Role }) => request<AccountUser>({ method: 'PATCH', url: routes.user(id), data: change }),
  removeUser: (id: string) => request<void>({ method: 'DELETE', url: routes.user(id) }),
  devices: async () => (await request<{ results: Device[] }>({ url: routes.sessions })).results,
  endDevice: (id: string) => request<void>({ method: 'DELETE', url: routes.session(id) }),
  revokeAccessToken: (id: string) => request<void>({ method: 'DELETE', url: routes.accessToken(id) }),
  createAccessToken: (name: string) => request<NewAccessToken>({ method: 'POST', url: routes.accessTokens, data: { name } }),
};
