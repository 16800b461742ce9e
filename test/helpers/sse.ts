// A server-sent-events client over fetch: collects events (id and parsed data) as they arrive.
export interface SseEvent {
  id: string | undefined;
  data: Record<string, unknown>;
  at: number;
}

export interface SseClient {
  events: SseEvent[];
  waitFor(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves with the time the stream ended (the server closed it, or close() was called). */
  ended: Promise<number>;
  close(): void;
}

export async function connectSse(url: string, opts: { token?: string; lastEventId?: string; cookie?: string } = {}): Promise<SseClient> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await fetch(url, { headers, signal: controller.signal });
  if (res.status !== 200) throw new Error(`SSE answered ${res.status}: ${await res.text()}`);
  const events: SseEvent[] = [];
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join('\n');
          if (data) events.push({ id, data: JSON.parse(data), at: Date.now() });
        }
      }
    } catch {
      /* closed */
    }
    return Date.now();
  })();
  return {
    events,
    async waitFor(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`got ${events.length} of ${n} events`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return events;
    },
    ended,
    close: () => controller.abort(),
  };
}
