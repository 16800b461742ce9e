// A TCP front for the sink, so that the relay can be made to refuse connections at once: the sink's
// own down() waits for open connections to finish (up to 30 s), which a fault must not. Stalls and
// dropped connections are the sink's modes (they act after DATA, where they hurt most).
import net from 'node:net';
import { freePort } from '../helpers/ports.js';
import type { Sink } from '../helpers/sink.js';

export interface RelayFront {
  port: number;
  /** RELAY_URL for the servers, with timeouts short enough that a stalled relay is given up quickly. */
  url: string;
  /** Connections are refused (and the open ones reset) until `accept()`. */
  refuse(): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelayFront(sink: Sink): Promise<RelayFront> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;

  function listen(): Promise<void> {
    server = net.createServer((client) => {
      const upstream = net.connect(sink.port, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
  }

  async function refuse() {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  }

  await listen();
  return {
    port,
    url: `smtp://127.0.0.1:${port}?socketTimeout=3000&greetingTimeout=3000&connectionTimeout=3000`,
    refuse,
    accept: () => (server ? Promise.resolve() : listen()),
    close: refuse,
  };
}
