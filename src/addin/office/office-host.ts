// The one module that touches Office.js: every callback API as a promise, compose and read items
// behind one interface (host.ts). Requirement sets of each call are noted where they exceed the
// manifest's Mailbox 1.12; those are feature-detected.
import { DialogError, type AttachmentContent, type AttachmentInfo, type BodyType, type EmailAddress, type HostEvent, type ItemKind, type NoticeKind, type OfficeHost, type Recipients } from './host.js';

type OfficeGlobal = typeof Office;
type Compose = Office.MessageCompose;
type Read = Office.MessageRead;

export class OfficeCallError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
  ) {
    super(message);
    this.name = 'OfficeCallError';
  }
}

export function createOfficeHost(office: OfficeGlobal): OfficeHost {
  const mailbox = () => office.context.mailbox;
  const item = () => mailbox().item as unknown as Compose & Read;
  const compose = () => item() as unknown as Compose;
  const read = () => item() as unknown as Read;

  /** Office's callback style (`{status, value, error}`) as a promise. */
  function call<T>(start: (callback: (result: Office.AsyncResult<T>) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      try {
        start((result) => {
          if (result.status === office.AsyncResultStatus.Failed) reject(new OfficeCallError(result.error?.message ?? 'Office call failed', result.error?.code ?? null));
          else resolve(result.value);
        });
      } catch (e) {
        reject(e);
      }
    });
  }

  const kind = (): ItemKind => {
    const it = mailbox()?.item as unknown as Record<string, unknown> | undefined;
    if (!it) return 'none';
    // Only read-mode messages can open a reply form.
    return typeof it.displayReplyForm === 'function' ? 'read' : 'compose';
  };
  const isRead = () => kind() === 'read';
  const address = (d: Office.EmailAddressDetails | undefined): EmailAddress => ({ address: d?.emailAddress ?? '', name: d?.displayName ?? '' });
  const addresses = (list: Office.EmailAddressDetails[] | undefined) => (list ?? []).map(address);
  const coercion = (type: BodyType) => (type === 'html' ? office.CoercionType.Html : office.CoercionType.Text);

  function attachmentInfo(a: Office.AttachmentDetails | Office.AttachmentDetailsCompose): AttachmentInfo {
    const type = String(a.attachmentType);
    return {
      id: a.id,
      name: a.name,
      contentType: ('contentType' in a && a.contentType) || 'application/octet-stream',
      size: a.size,
      isInline: Boolean(a.isInline),
      kind: type === 'item' ? 'item' : type === 'cloud' ? 'cloud' : 'file',
    };
  }

  function parseHeader(all: string, name: string): string | null {
    // Headers as one string; continuation lines start with whitespace (RFC 5322 folding).
    const unfolded = all.replace(/\r?\n[ \t]+/g, ' ');
    const wanted = name.toLowerCase() + ':';
    const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(wanted));
    return line ? line.slice(wanted.length).trim() : null;
  }

  return {
    itemKind: kind,

    async getSubject() {
      return isRead() ? (read().subject ?? '') : call<string>((cb) => compose().subject.getAsync(cb));
    },
    setSubject: (subject) => call<void>((cb) => compose().subject.setAsync(subject, cb)),

    async getFrom() {
      if (isRead()) return address(read().from);
      // item.from in compose is Mailbox 1.7; the signed-in user otherwise.
      const from = compose().from;
      if (from?.getAsync) {
        const d = await call<Office.EmailAddressDetails>((cb) => from.getAsync(cb)).catch(() => null);
        if (d?.emailAddress) return address(d);
      }
      return address(mailbox().userProfile as unknown as Office.EmailAddressDetails & { emailAddress: string; displayName: string });
    },

    async getRecipients(): Promise<Recipients> {
      if (isRead()) return { to: addresses(read().to), cc: addresses(read().cc), bcc: [] };
      const get = (r: Office.Recipients) => call<Office.EmailAddressDetails[]>((cb) => r.getAsync(cb)).then(addresses);
      const [to, cc, bcc] = await Promise.all([get(compose().to), get(compose().cc), get(compose().bcc)]);
      return { to, cc, bcc };
    },

    async getBodyType() {
      if (isRead()) return 'html';
      const type = await call<Office.CoercionType>((cb) => compose().body.getTypeAsync(cb));
      return type === office.CoercionType.Html ? 'html' : 'text';
    },
    getBody: (type) => call<string>((cb) => item().body.getAsync(coercion(type), cb)),
    setBody: (html) => call<void>((cb) => compose().body.setAsync(html, { coercionType: office.CoercionType.Html }, cb)),
    insertHtml: (html) => call<void>((cb) => compose().body.setSelectedDataAsync(html, { coercionType: office.CoercionType.Html }, cb)),

    appendOnSend: (html) =>
      call<void>((cb) =>
        // Mailbox 1.9 + the AppendOnSend extended permission; null clears the earlier content.
        html === null ? compose().body.appendOnSendAsync(null as unknown as string, cb) : compose().body.appendOnSendAsync(html, { coercionType: office.CoercionType.Html }, cb),
      ),
    prependOnSend: (html) =>
      call<void>((cb) =>
        // Mailbox 1.13: callers check isSetSupported first.
        html === null ? compose().body.prependOnSendAsync(null as unknown as string, cb) : compose().body.prependOnSendAsync(html, { coercionType: office.CoercionType.Html }, cb),
      ),

    async getSessionData(key) {
      // getAllAsync, because getAsync fails for a key that was never set.
      const all = await call<Record<string, string>>((cb) => compose().sessionData.getAllAsync(cb as (r: Office.AsyncResult<unknown>) => void));
      return all?.[key] ?? null;
    },
    setSessionData: (key, value) => call<void>((cb) => compose().sessionData.setAsync(key, value, cb)),

    async getCustomProperty(key) {
      const props = await call<Office.CustomProperties>((cb) => item().loadCustomPropertiesAsync(cb));
      const value = props.get(key);
      return typeof value === 'string' ? value : null;
    },
    async setCustomProperty(key, value) {
      const props = await call<Office.CustomProperties>((cb) => item().loadCustomPropertiesAsync(cb));
      props.set(key, value);
      await call<void>((cb) => props.saveAsync(cb));
    },

    async getInternetHeader(name) {
      if (isRead()) return parseHeader(await call<string>((cb) => read().getAllInternetHeadersAsync(cb)), name);
      const found = await call<Record<string, string>>((cb) => compose().internetHeaders.getAsync([name], cb));
      return found?.[name] ?? null;
    },
    setInternetHeader: (name, value) => call<void>((cb) => compose().internetHeaders.setAsync({ [name]: value }, cb)),

    async getAttachments() {
      if (isRead()) return (read().attachments ?? []).map(attachmentInfo);
      return (await call<Office.AttachmentDetailsCompose[]>((cb) => compose().getAttachmentsAsync(cb))).map(attachmentInfo);
    },
    async getAttachmentContent(id): Promise<AttachmentContent> {
      const c = await call<Office.AttachmentContent>((cb) => item().getAttachmentContentAsync(id, cb));
      return { format: String(c.format) as AttachmentContent['format'], content: c.content };
    },

    internetMessageId: () => (isRead() ? (read().internetMessageId ?? null) : null),
    createdAt: () => (isRead() && read().dateTimeCreated ? new Date(read().dateTimeCreated) : null),

    notify(key, message, kind: NoticeKind) {
      const details: Office.NotificationMessageDetails =
        kind === 'error'
          ? { type: office.MailboxEnums.ItemNotificationMessageType.ErrorMessage, message }
          : { type: office.MailboxEnums.ItemNotificationMessageType.InformationalMessage, message, icon: 'Icon.16', persistent: false };
      return call<void>((cb) => item().notificationMessages.replaceAsync(key, details, cb));
    },

    user: () => ({ address: mailbox().userProfile.emailAddress, name: mailbox().userProfile.displayName }),
    getRoaming<T>(key: string): T | null {
      const value = office.context.roamingSettings.get(key);
      return value === undefined || value === null ? null : (value as T);
    },
    setRoaming(key, value) {
      if (value === null || value === undefined) office.context.roamingSettings.remove(key);
      else office.context.roamingSettings.set(key, value);
      return call<void>((cb) => office.context.roamingSettings.saveAsync(cb));
    },

    themeBackground() {
      // officeTheme is Mailbox 1.14 in Outlook; older clients get the light theme.
      if (!office.context.requirements?.isSetSupported('Mailbox', '1.14')) return null;
      return office.context.officeTheme?.bodyBackgroundColor ?? null;
    },
    isSetSupported: (name, version) => Boolean(office.context.requirements?.isSetSupported(name, version)),
    onItemChanged: (handler) => call<void>((cb) => mailbox().addHandlerAsync(office.EventType.ItemChanged, handler, cb)),
    async onThemeChanged(handler) {
      if (!office.context.requirements?.isSetSupported('Mailbox', '1.14')) return;
      await call<void>((cb) => mailbox().addHandlerAsync(office.EventType.OfficeThemeChanged, handler, cb));
    },
    openBrowserWindow(url) {
      // Classic Windows and Mac open a real browser; new Outlook and the web use a tab.
      if (office.context.requirements?.isSetSupported('OpenBrowserWindowApi', '1.1')) office.context.ui.openBrowserWindow(url);
      else window.open(url, '_blank', 'noopener');
    },

    signInDialog(url) {
      // DialogApi 1.1 (Microsoft, "Use the Office dialog API in Office Add-ins"): 12007 another
      // dialog is open, 12009 the person ignored the prompt, 12011 the browser blocked the pop-up;
      // once open, 12006 it was closed.
      return new Promise<string>((resolve, reject) => {
        try {
          office.context.ui.displayDialogAsync(url, { height: 70, width: 35, promptBeforeOpen: false }, (result) => {
            if (result.status !== office.AsyncResultStatus.Succeeded) return reject(new DialogError(result.error?.code ?? null));
            const dialog = result.value;
            dialog.addEventHandler(office.EventType.DialogMessageReceived, (arg) => {
              dialog.close();
              resolve('message' in arg ? arg.message : '');
            });
            dialog.addEventHandler(office.EventType.DialogEventReceived, (arg) => reject(new DialogError('error' in arg ? arg.error : null)));
          });
        } catch {
          reject(new DialogError(null));
        }
      });
    },

    associate(name, handler) {
      office.actions.associate(name, (event: Office.AddinCommands.Event) => handler({ complete: (options) => event.completed(options) }));
    },
  };
}
