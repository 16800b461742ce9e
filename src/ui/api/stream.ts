// The live feed over server-sent events. EventSource retries dropped connections by itself (sending
// Last-Event-ID); when the server refuses or errors, it gives up, so this reopens it with back-off.
import type { NotificationItem } from '../../shared/api.js';

export type StreamStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface StreamHandlers {
  onItem(item: NotificationItem): void;
  onStatus(status: StreamStatus, reason?: string): void;
  /** After a reopen that EventSource did not do itself: events may have been missed. */
  onReopened?(): void;
}

export interface StreamOptions {
  EventSourceImpl?: typeof EventSource;
  backoffMs?: number[];
}

const CLOSED = 2;

export function openNotificationStream(url: string, handlers: StreamHandlers, options: StreamOptions = {}): () => void {
  const Impl = options.EventSourceImpl ?? globalThis.EventSource;
  const backoff = options.backoffMs ?? [1000, 2000, 5000, 10_000, 30_000];
  let source: EventSource | null = null;
  let stopped = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function connect() {
    const es = new Impl(url);
    source = es;
    es.onopen = () => {
      const reopened = failures > 0;
      failures = 0;
      handlers.onStatus('connected');
      if (reopened) handlers.onReopened?.();
    };
    es.onmessage = (m: MessageEvent) => {
      try {
        handlers.onItem(JSON.parse(String(m.data)) as NotificationItem);
      } catch {
        /* a line we do not understand is not worth dropping the feed for */
      }
    };
    es.onerror = () => {
      if (stopped) return;
      if (es.readyState !== CLOSED) {
        handlers.onStatus('reconnecting', 'Live feed interrupted; reconnecting.');
        return;
      }
      es.close();
      const delay = backoff[Math.min(failures, backoff.length - 1)];
      failures++;
      const status = failures > 2 ? 'offline' : 'reconnecting';
      handlers.onStatus(status, `The live feed cannot reach the server; retrying in ${Math.round(delay / 1000)} s.`);
      timer = setTimeout(connect, delay);
    };
  }

  handlers.onStatus('connecting');
  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
