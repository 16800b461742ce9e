// A tiny authoritative DNS server over UDP for tests: answers A queries for the names it is given
// (any other name: NXDOMAIN), so a test can make a host name resolve to any address it likes.
import dgram from 'node:dgram';

export interface FakeDns {
  /** `127.0.0.1:<port>`, for WEBHOOK_DNS_SERVERS. */
  server: string;
  close(): Promise<void>;
}

export async function startDns(names: Record<string, string>): Promise<FakeDns> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (q, peer) => {
    let at = 12;
    const labels: string[] = [];
    while (q[at] !== 0) {
      labels.push(q.subarray(at + 1, at + 1 + q[at]).toString('latin1'));
      at += q[at] + 1;
    }
    const question = q.subarray(12, at + 5);
    const type = q.readUInt16BE(at + 1);
    const address = names[labels.join('.').toLowerCase()];
    const answer = address && type === 1 ? Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]), Buffer.from(address.split('.').map(Number))]) : Buffer.alloc(0);
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2); // the query's id
    header.writeUInt16BE(0x8400 | (address ? 0 : 3), 2); // response, authoritative; NXDOMAIN for unknown names
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answer.length ? 1 : 0, 6);
    socket.send(Buffer.concat([header, question, answer]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
