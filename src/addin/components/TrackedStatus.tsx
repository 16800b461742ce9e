// The user's own tracked mail (docs/product.md §7, "reading"): the headline, then each open and click, newest first,
// with a verdict chip. Opening it here is the sender's own view, which the backend must not count.
import { useEffect, useState } from 'react';
import { Caption1, Spinner, Subtitle2, Text } from '@fluentui/react-components';
import { Panel } from './Panel.js';
import type { TrackedEmailView } from '../../shared/api.js';
import type { MailbeaconApi } from '../../ui/api/client.js';
import { eventLine, trackedHeadline } from '../../ui/helpers/labels.js';
import { relativeTime } from '../../ui/helpers/relative-time.js';
import { useNow } from '../../ui/hooks/now.js';
import { useServices } from '../hooks/services.js';
import { usePaneStyles } from '../../ui/components/styles.js';
import { VerdictChip } from '../../ui/components/VerdictChip.js';

export async function findTracked(api: MailbeaconApi, trackingId: string | null, internetMessageId: string | null): Promise<TrackedEmailView | null> {
  const byHeader = trackingId ? await api.getTracked(trackingId) : null;
  if (byHeader) return byHeader;
  return internetMessageId ? api.findTrackedByMessageId(internetMessageId) : null;
}

export function TrackedStatus({ trackingId, internetMessageId }: { trackingId: string | null; internetMessageId: string | null }) {
  const { api } = useServices();
  const s = usePaneStyles();
  const now = useNow();
  const [view, setView] = useState<TrackedEmailView | null | undefined>(undefined);
  useEffect(() => {
    findTracked(api, trackingId, internetMessageId).then(
      (v) => {
        setView(v);
        if (v) void api.reportSelfView(v.id).catch(() => undefined);
      },
      () => setView(null),
    );
  }, [api, trackingId, internetMessageId]);

  if (view === undefined) return <Spinner size="tiny" label="Checking tracking…" />;
  if (view === null) return null;
  const events = [...view.events].sort((a, b) => (a.at < b.at ? 1 : -1));
  return (
    <Panel labelledBy="mb-tracked">
      <Subtitle2 as="h2" id="mb-tracked" className={s.heading}>
        {trackedHeadline(view)}
      </Subtitle2>
      {events.length === 0 ? (
        <Caption1 className={s.muted}>No opens or clicks yet.</Caption1>
      ) : (
        <ul className={s.list}>
          {events.map((e) => (
            <li key={e.id} className={s.row} style={{ justifyContent: 'space-between' }}>
              <span>
                <Text block>{eventLine(e)}</Text>
                <Caption1 className={s.muted}>{relativeTime(e.at, now)}</Caption1>
              </span>
              <VerdictChip event={e} />
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
