// Small HTTP(S) helpers for what fetch cannot do: trust a specific CA, and send a body slowly.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET over HTTPS trusting only the given certificate (the server's dev certificate). */
export function httpsGet(url: string, caFile: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: fs.readFileSync(caFile), servername: 'localhost' }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

/** Starts a request whose body arrives in two parts; `finish()` sends the rest and awaits the answer. */
export function slowRequest(url: string, method: string, body: string, headers: Record<string, string> = {}) {
  const half = Math.floor(body.length / 2);
  let resolveResponse!: (r: RawResponse) => void;
  let rejectResponse!: (e: Error) => void;
  const response = new Promise<RawResponse>((res, rej) => {
    resolveResponse = res;
    rejectResponse = rej;
  });
  const req = http.request(url, { method, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
    let data = '';
    res.on('data', (d) => (data += d));
    res.on('end', () => resolveResponse({ status: res.statusCode!, headers: res.headers, body: data }));
  });
  req.on('error', rejectResponse);
  req.write(body.slice(0, half));
  return {
    finish() {
      req.end(body.slice(half));
      return response;
    },
  };
}
