// History plus the live stream of opens and clicks, for the add-in's Activity tab and
// the web app's Activity page. The stream is opened by the caller's `open` (the add-in's
// EventSource wrapper, or a fake in tests).
import { useEffect, useState } from 'react';
import type { NotificationItem } from '../../shared/api.js';
import { mergeFeed } from '../helpers/feed.js';

export interface Connection {
  status: 'connected' | 'reconnecting' | 'offline' | 'unknown';
  reason?: string;
}

export type OpenStream = (
  url: string,
  handlers: { onItem(item: NotificationItem): void; onStatus(status: 'connecting' | 'connected' | 'reconnecting' | 'offline', reason?: string): void; onReopened?(): void },
) => () => void;

/** The two calls the feed needs (both API clients have them). */
export interface FeedApi {
  notifications(): Promise<NotificationItem[]>;
  streamUrl(): string;
}

export interface Feed {
  items: NotificationItem[];
  /** The newest event that arrived live (not from history): what to announce. */
  latest: NotificationItem | null;
  connection: Connection;
}

export function useNotificationFeed(api: FeedApi, open: OpenStream, onLive?: (n: NotificationItem) => void): Feed {
  const [items, setItems] = useState<NotificationItem[]>([]);
  const [latest, setLatest] = useState<NotificationItem | null>(null);
  const [connection, setConnection] = useState<Connection>({ status: 'unknown' });
  useEffect(() => {
    let alive = true;
    const loadHistory = () =>
      api.notifications().then(
        (list) => alive && setItems((current) => mergeFeed(current, list)),
        () => undefined,
      );
    void loadHistory();
    const stop = open(api.streamUrl(), {
      onItem(n) {
        setItems((current) => mergeFeed(current, [n]));
        setLatest(n);
        onLive?.(n);
      },
      onStatus: (status, reason) => setConnection({ status: status === 'connecting' ? 'unknown' : status, reason }),
      onReopened: loadHistory,
    });
    return () => {
      alive = false;
      stop();
    };
    // onLive is a notification side effect; changing it must not reopen the stream.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, open]);
  return { items, latest, connection };
}
