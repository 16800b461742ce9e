// A raw SMTP connection that keeps every byte the server sent, counts complete replies, and can be
// cut at any moment: what the SMTP fuzzer drives. Unlike RawSmtp it never assumes one reply per
// write, so pipelined batches and replies to garbage can be checked line by line afterwards.
import net from 'node:net';

/** A reply line: 3-digit code, then `-` (more lines follow), a space and text, or nothing. */
export const REPLY_LINE = /^[2-5][0-9]{2}(?:[ -][^\r\n]*)?$/;
/** An enhanced status code at the start of a reply's text (RFC 3463): class, subject, detail. */
const ENHANCED = /^([245])\.\d{1,3}\.\d{1,3}(?: |$)/;

export class SmtpConversation {
  private received: Buffer[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.received.push(d);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {}); // a reset after we hang up is expected
  }

  static open(port: number, localAddress?: string): Promise<SmtpConversation> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(new SmtpConversation(s)));
      s.once('error', reject);
    });
  }

  private wake() {
    this.waiters.splice(0).forEach((w) => w());
  }

  /** Everything the server sent, as text (latin1 keeps every byte). */
  get transcript(): string {
    return Buffer.concat(this.received).toString('latin1');
  }

  /** Complete lines received so far (CRLF-terminated), and whatever trails without an ending. */
  lines(): { complete: string[]; partial: string } {
    const parts = this.transcript.split('\r\n');
    return { complete: parts.slice(0, -1), partial: parts[parts.length - 1] };
  }

  /** Final reply lines so far: a code followed by a space or the end of the line. */
  replies(): string[] {
    return this.lines().complete.filter((l) => !/^\d{3}-/.test(l));
  }

  write(data: string | Buffer): void {
    if (!this.closed) this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Waits until `count` final replies in all, or the connection closes; false on timeout. */
  async waitForReplies(count: number, timeoutMs = 4000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies().length < count && !this.closed) {
      if (Date.now() > deadline) return false;
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return true;
  }

  /** The last final reply, or ''. */
  last(): string {
    const r = this.replies();
    return r[r.length - 1] ?? '';
  }

  hangUp(): void {
    this.socket.destroy();
  }

  /** Closes politely if still open; waits for the close. */
  async end(): Promise<void> {
    if (this.closed) return;
    this.socket.end();
    const deadline = Date.now() + 2000;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.socket.destroy();
  }
}

/** What is wrong with a transcript: lines that are no SMTP reply, bad enhanced codes, a torn last line. */
export function transcriptProblems(c: SmtpConversation): string[] {
  const problems: string[] = [];
  const { complete, partial } = c.lines();
  for (const line of complete) {
    if (!REPLY_LINE.test(line)) {
      problems.push(`not a reply line: ${JSON.stringify(line.slice(0, 200))}`);
      continue;
    }
    const m = ENHANCED.exec(line.slice(4));
    if (m && m[1] !== line[0]) problems.push(`enhanced code of another class: ${line.slice(0, 120)}`);
  }
  if (partial !== '') problems.push(`a reply without its CRLF: ${JSON.stringify(partial.slice(0, 200))}`);
  return problems;
}
