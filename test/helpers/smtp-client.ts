// A line-by-line SMTP client over a raw socket, for asserting exact replies to exact commands.
import net from 'node:net';
import tls from 'node:tls';

export class RawSmtp {
  private buffer = '';
  private waiters: Array<() => void> = [];
  constructor(private socket: net.Socket) {
    this.attach(socket);
  }

  private attach(socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => this.waiters.splice(0).forEach((w) => w()));
  }

  /** `localAddress`: the client address to connect from (any 127.x.y.z on Linux). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawSmtp> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host, localAddress }, () => resolve(new RawSmtp(s)));
      s.once('error', reject);
    });
  }

  /** Resolves with the next complete reply (all its lines), e.g. "250-…\r\n250 OK". */
  async reply(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^((?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n)/.exec(this.buffer);
      if (m) {
        this.buffer = this.buffer.slice(m[1].length);
        return m[1].trimEnd();
      }
      if (this.socket.destroyed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer)}`);
      if (Date.now() > deadline) throw new Error(`no reply; buffer: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async send(line: string): Promise<string> {
    this.socket.write(line + '\r\n');
    return this.reply();
  }

  write(data: string | Buffer) {
    this.socket.write(data);
  }

  /** Upgrades the connection after a `220` to STARTTLS. */
  async startTls(ca?: string): Promise<void> {
    const secure = tls.connect({ socket: this.socket, ca, rejectUnauthorized: !!ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket.removeAllListeners('data');
    this.socket = secure;
    this.buffer = '';
    this.attach(secure);
  }

  close() {
    this.socket.destroy();
  }

  get closed() {
    return this.socket.destroyed;
  }
}
