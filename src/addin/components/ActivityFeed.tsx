// The live list of opens and clicks (docs/product.md §7, "Activity tab"), also the companion page's body.
import { useState, type ReactNode } from 'react';
import { Caption1, Text, ToggleButton } from '@fluentui/react-components';
import type { NotificationItem } from '../../shared/api.js';
import { filterFeed } from '../helpers/feed.js';
import { feedLine } from '../helpers/labels.js';
import { relativeTime } from '../helpers/relative-time.js';
import { useNow } from '../hooks/hooks.js';
import { usePaneStyles } from './styles.js';

interface Props {
  items: NotificationItem[];
  latest: NotificationItem | null;
  /** Above the filters: the pane's "Desktop notifications" card. */
  header?: ReactNode;
}

export function ActivityFeed({ items, latest, header }: Props) {
  const s = usePaneStyles();
  const now = useNow();
  const [filter, setFilter] = useState({ opens: true, clicks: true });
  const shown = filterFeed(items, filter);
  const announce = latest ? feedLine(latest) : null;
  return (
    <div className={s.stack}>
      {header}
      <div className={s.row} role="group" aria-label="Show">
        <ToggleButton size="small" shape="circular" checked={filter.opens} onClick={() => setFilter((f) => ({ ...f, opens: !f.opens }))}>
          Opens
        </ToggleButton>
        <ToggleButton size="small" shape="circular" checked={filter.clicks} onClick={() => setFilter((f) => ({ ...f, clicks: !f.clicks }))}>
          Clicks
        </ToggleButton>
      </div>
      {/* Screen readers hear each live event once, not the whole list. */}
      <div aria-live="polite" className={s.visuallyHidden}>
        {announce ? `${announce.lead} ${announce.subject}` : ''}
      </div>
      {items.length === 0 ? (
        <Text className={s.muted}>No opens or clicks yet. Tracked emails show up here the moment they're opened.</Text>
      ) : (
        <ul className={s.list} aria-label="Opens and clicks">
          {shown.map((n) => {
            const line = feedLine(n);
            return (
              <li key={n.id}>
                <Text>
                  {line.lead} <i>{line.subject}</i>
                </Text>
                <Caption1 className={s.muted}> · {relativeTime(n.at, now)}</Caption1>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
