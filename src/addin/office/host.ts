// The add-in's view of Outlook: everything it needs from Office.js, as promises and plain data.
// `office-host.ts` implements it over `Office.*`; tests implement it with a fake, so the rest of the
// add-in (logic, models, components, event handlers) never touches Office.js.

export type ItemKind = 'compose' | 'read' | 'none';
export type BodyType = 'html' | 'text';

export interface EmailAddress {
  address: string;
  name: string;
}

export interface Recipients {
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
}

export interface AttachmentInfo {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  /** `file` has bytes; `item` is an attached email or event; `cloud` is a link to a shared file. */
  kind: 'file' | 'item' | 'cloud';
}

export interface AttachmentContent {
  format: 'base64' | 'url' | 'eml' | 'iCalendar';
  content: string;
}

/** What an event handler must do exactly once. */
export interface HostEvent {
  complete(options?: { allowEvent: boolean }): void;
}

export type NoticeKind = 'error' | 'info';

/** Why an Office dialog gave no answer, in words for the person (Office dialog API error codes). */
export class DialogError extends Error {
  constructor(readonly code: number | null) {
    super(dialogMessage(code));
    this.name = 'DialogError';
  }
}

function dialogMessage(code: number | null): string {
  switch (code) {
    case 12006:
      return 'The sign-in window was closed before signing in finished. Try again when you are ready.';
    case 12007:
      return 'A Mailbeacon window is already open. Finish or close it, then try again.';
    case 12009:
    case 12011:
      return 'The sign-in window was blocked. Allow pop-ups for Outlook (or choose Allow when asked), then try again — or use an access token instead.';
    case 12004:
    case 12005:
      return 'The sign-in page must be on the add-in’s own https address; check the server address.';
    default:
      return `The sign-in window could not be opened${code ? ` (Office error ${code})` : ''}. Try again, or use an access token instead.`;
  }
}

export interface OfficeHost {
  // ---- the current item (compose or read) ----
  itemKind(): ItemKind;
  getSubject(): Promise<string>;
  setSubject(subject: string): Promise<void>;
  /** The sender; in compose the account the mail will go from. */
  getFrom(): Promise<EmailAddress>;
  getRecipients(): Promise<Recipients>;
  /** Compose only; read-mode bodies are always reported as html. */
  getBodyType(): Promise<BodyType>;
  getBody(type: BodyType): Promise<string>;
  setBody(html: string): Promise<void>;
  /** Inserts at the cursor (replacing the selection). */
  insertHtml(html: string): Promise<void>;
  /** Content added when the mail is sent; `null` clears what an earlier call set. */
  appendOnSend(html: string | null): Promise<void>;
  prependOnSend(html: string | null): Promise<void>;
  getSessionData(key: string): Promise<string | null>;
  setSessionData(key: string, value: string): Promise<void>;
  getCustomProperty(key: string): Promise<string | null>;
  setCustomProperty(key: string, value: string): Promise<void>;
  getInternetHeader(name: string): Promise<string | null>;
  setInternetHeader(name: string, value: string): Promise<void>;
  getAttachments(): Promise<AttachmentInfo[]>;
  getAttachmentContent(id: string): Promise<AttachmentContent>;
  /** Read mode: the item's Message-ID; null in compose (it does not exist before sending). */
  internetMessageId(): string | null;
  /** Read mode: when the item was created (sent or received). */
  createdAt(): Date | null;
  /** Adds (or replaces) an info bar on the current item. */
  notify(key: string, message: string, kind: NoticeKind): Promise<void>;

  // ---- the mailbox and the user ----
  user(): EmailAddress;
  getRoaming<T>(key: string): T | null;
  /** Sets (or with `null` removes) a roaming setting and saves it to the mailbox. */
  setRoaming(key: string, value: unknown): Promise<void>;
  /** Outlook's body background colour, when the client tells. */
  themeBackground(): string | null;
  isSetSupported(name: string, version: string): boolean;
  /** A pinned pane stays open while the user selects other items. */
  onItemChanged(handler: () => void): Promise<void>;
  onThemeChanged(handler: () => void): Promise<void>;
  openBrowserWindow(url: string): void;
  /**
   * Opens `url` in an Office dialog and resolves with the first message the page sends
   * (`messageParent`), closing the dialog. Rejects with a DialogError: closed by the person, another
   * dialog already open, pop-up blocked.
   */
  signInDialog(url: string): Promise<string>;

  // ---- the event runtime ----
  associate(name: string, handler: (event: HostEvent) => unknown): void;
}
