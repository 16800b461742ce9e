// Every backend path the add-in and the web app call, in one table (docs/product.md §3, §6).
const e = encodeURIComponent;

export const routes = {
  me: '/api/v1/me',
  settings: '/api/v1/settings',
  contacts: '/api/v1/contacts',
  timeline: (contactId: string) => `/api/v1/contacts/${e(contactId)}/timeline`,
  templates: '/api/v1/emails',
  preview: (templateId: number) => `/api/v1/emails/${e(String(templateId))}/preview`,
  singleSend: '/marketing/v3/transactional/single-email/send',
  trackedEmails: '/api/v1/tracked-emails',
  trackedEmail: (id: string) => `/api/v1/tracked-emails/${e(id)}`,
  selfView: (id: string) => `/api/v1/tracked-emails/${e(id)}/self-view`,
  loggedEmails: '/api/v1/logged-emails',
  mailbox: '/api/v1/mailbox',
  notifications: '/api/v1/notifications',
  notificationStream: '/api/v1/notifications/stream',
  pushKey: '/api/v1/push/key',
  pushSubscriptions: '/api/v1/push/subscriptions',
  // People and sign-in
  login: '/api/v1/auth/login',
  logout: '/api/v1/auth/logout',
  invitation: (token: string) => `/api/v1/auth/invitations/${e(token)}`,
  acceptInvitation: (token: string) => `/api/v1/auth/invitations/${e(token)}/accept`,
  passwordReset: '/api/v1/auth/password-reset',
  passwordResetLink: (token: string) => `/api/v1/auth/password-reset/${e(token)}`,
  password: '/api/v1/auth/password',
  users: '/api/v1/users',
  user: (id: string) => `/api/v1/users/${e(id)}`,
  sessions: '/api/v1/sessions',
  session: (id: string) => `/api/v1/sessions/${e(id)}`,
  accessTokens: '/api/v1/access-tokens',
  accessToken: (id: string) => `/api/v1/access-tokens/${e(id)}`,
  /** The web app's sign-in page the add-in opens in an Office dialog. */
  addinLogin: '/app/addin-login',
  /** The web app's Activity page, which can raise desktop notifications (a pane cannot). */
  activityPage: '/app/activity',
} as const;
