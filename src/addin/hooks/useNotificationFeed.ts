// History plus the live stream of opens and clicks, for the Activity tab and the companion page.
import { useEffect, useState } from 'react';
import type { NotificationItem } from '../../shared/api.js';
import type { MailbeaconApi } from '../../ui/api/client.js';
import { openNotificationStream } from '../api/stream.js';
import { mergeFeed } from '../helpers/feed.js';
import type { Connection } from './services.js';

export type OpenStream = typeof openNotificationStream;

export interface Feed {
  items: NotificationItem[];
  /** The newest event that arrived live (not from history): what to announce. */
  latest: NotificationItem | null;
  connection: Connection;
}

export function useNotificationFeed(api: MailbeaconApi, open: OpenStream = openNotificationStream, onLive?: (n: NotificationItem) => void): Feed {
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
