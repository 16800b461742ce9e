// A typed fake of the Office wrapper: an in-memory compose or read item that records every call, so
// logic, models, handlers and components run as in Outlook without Office.js.
import { DialogError, type AttachmentContent, type AttachmentInfo, type BodyType, type EmailAddress, type HostEvent, type ItemKind, type NoticeKind, type OfficeHost, type Recipients } from '../../src/addin/office/host.js';

export interface FakeAttachment extends AttachmentInfo {
  content: AttachmentContent;
}

export interface FakeItem {
  kind: ItemKind;
  subject: string;
  from: EmailAddress;
  recipients: Recipients;
  bodyType: BodyType;
  body: string;
  attachments: FakeAttachment[];
  headers: Record<string, string>;
  internetMessageId: string | null;
  createdAt: Date | null;
}

export interface Call {
  method: keyof OfficeHost;
  args: unknown[];
}

export const ANN: EmailAddress = { address: 'ann@acme.test', name: 'Ann Lee' };
export const ME: EmailAddress = { address: 'me@mailbeacon.test', name: 'Me Myself' };

export function composeItem(over: Partial<FakeItem> = {}): FakeItem {
  return {
    kind: 'compose',
    subject: 'Pricing for Acme',
    from: ME,
    recipients: { to: [ANN], cc: [], bcc: [] },
    bodyType: 'html',
    body: '<html><body><p>Hi Ann, see <a href="https://acme.test/pricing">pricing</a>.</p></body></html>',
    attachments: [],
    headers: {},
    internetMessageId: null,
    createdAt: null,
    ...over,
  };
}

export function readItem(over: Partial<FakeItem> = {}): FakeItem {
  return composeItem({ kind: 'read', internetMessageId: '<real-1@mail.acme.test>', createdAt: new Date('2026-11-20T10:00:00Z'), ...over });
}

export class FakeHost implements OfficeHost {
  calls: Call[] = [];
  sessionData = new Map<string, string>();
  customProperties = new Map<string, string>();
  roaming = new Map<string, unknown>();
  /** What append/prependOnSendAsync currently hold (null = cleared). */
  onSend: { append: string | null; prepend: string | null } = { append: null, prepend: null };
  notices: Array<{ key: string; message: string; kind: NoticeKind }> = [];
  supported = new Set(['Mailbox 1.1', 'Mailbox 1.5', 'Mailbox 1.8', 'Mailbox 1.9', 'Mailbox 1.10', 'Mailbox 1.11', 'Mailbox 1.12']);
  theme: string | null = '#ffffff';
  /** Methods that fail (reject) when called. */
  failing = new Set<keyof OfficeHost>();
  handlers = new Map<string, (event: HostEvent) => unknown>();
  opened: string[] = [];
  private itemChanged: Array<() => void> = [];
  private themeChanged: Array<() => void> = [];

  constructor(
    public item: FakeItem = composeItem(),
    public me: EmailAddress = ME,
  ) {}

  private async track<T>(method: keyof OfficeHost, args: unknown[], fn: () => T): Promise<T> {
    this.calls.push({ method, args });
    await Promise.resolve();
    if (this.failing.has(method)) throw new Error(`${method} failed (fake)`);
    return fn();
  }
  callsTo(method: keyof OfficeHost): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }
  /** Simulates the user switching items in a pinned pane. */
  changeItem(item: FakeItem) {
    this.item = item;
    this.itemChanged.forEach((h) => h());
  }
  changeTheme(background: string) {
    this.theme = background;
    this.themeChanged.forEach((h) => h());
  }

  itemKind = () => this.item.kind;
  getSubject = () => this.track('getSubject', [], () => this.item.subject);
  setSubject = (s: string) => this.track('setSubject', [s], () => void (this.item.subject = s));
  getFrom = () => this.track('getFrom', [], () => this.item.from);
  getRecipients = () => this.track('getRecipients', [], () => structuredClone(this.item.recipients));
  getBodyType = () => this.track('getBodyType', [], () => this.item.bodyType);
  getBody = (type: BodyType) => this.track('getBody', [type], () => this.item.body);
  setBody = (html: string) => this.track('setBody', [html], () => void (this.item.body = html));
  insertHtml = (html: string) => this.track('insertHtml', [html], () => void (this.item.body = this.item.body.replace('</body>', `${html}</body>`)));
  appendOnSend = (html: string | null) => this.track('appendOnSend', [html], () => void (this.onSend.append = html));
  prependOnSend = (html: string | null) => this.track('prependOnSend', [html], () => void (this.onSend.prepend = html));
  getSessionData = (key: string) => this.track('getSessionData', [key], () => this.sessionData.get(key) ?? null);
  setSessionData = (key: string, value: string) => this.track('setSessionData', [key, value], () => void this.sessionData.set(key, value));
  getCustomProperty = (key: string) => this.track('getCustomProperty', [key], () => this.customProperties.get(key) ?? null);
  setCustomProperty = (key: string, value: string) => this.track('setCustomProperty', [key, value], () => void this.customProperties.set(key, value));
  getInternetHeader = (name: string) => this.track('getInternetHeader', [name], () => this.item.headers[name] ?? null);
  setInternetHeader = (name: string, value: string) => this.track('setInternetHeader', [name, value], () => void (this.item.headers[name] = value));
  getAttachments = () => this.track('getAttachments', [], () => this.item.attachments.map(({ content: _, ...info }) => info));
  getAttachmentContent = (id: string) =>
    this.track('getAttachmentContent', [id], () => {
      const a = this.item.attachments.find((x) => x.id === id);
      if (!a) throw new Error(`no attachment ${id}`);
      return a.content;
    });
  internetMessageId = () => this.item.internetMessageId;
  createdAt = () => this.item.createdAt;
  notify = (key: string, message: string, kind: NoticeKind) => this.track('notify', [key, message, kind], () => void this.notices.push({ key, message, kind }));
  user = () => this.me;
  getRoaming = <T>(key: string) => (this.roaming.get(key) as T | undefined) ?? null;
  setRoaming = (key: string, value: unknown) =>
    this.track('setRoaming', [key, value], () => {
      if (value === null || value === undefined) this.roaming.delete(key);
      else this.roaming.set(key, structuredClone(value));
    });
  themeBackground = () => this.theme;
  isSetSupported = (name: string, version: string) => this.supported.has(`${name} ${version}`);
  onItemChanged = (h: () => void) => this.track('onItemChanged', [], () => void this.itemChanged.push(h));
  onThemeChanged = (h: () => void) => this.track('onThemeChanged', [], () => void this.themeChanged.push(h));
  openBrowserWindow = (url: string) => void this.opened.push(url);
  /** What the next sign-in dialog answers: a message, or an Office error code. */
  dialogAnswer: { message: string } | { error: number } = { error: 12006 };
  signInDialog = (url: string) =>
    this.track('signInDialog', [url], () => {
      if ('error' in this.dialogAnswer) throw new DialogError(this.dialogAnswer.error);
      return this.dialogAnswer.message;
    });
  associate = (name: string, handler: (event: HostEvent) => unknown) => void this.handlers.set(name, handler);
}

/** An event that counts completions, as Outlook's would (it must be exactly one). */
export function fakeEvent() {
  const completions: Array<{ allowEvent: boolean } | undefined> = [];
  const event: HostEvent = { complete: (o) => void completions.push(o) };
  return { event, completions };
}
