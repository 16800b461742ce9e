// The live list of opens and clicks (docs/product.md §7 "Activity tab", §10 Activity): the add-in's
// Activity tab and the web app's Activity page show this one. The web app adds the Replies and
// Show filtered toggles, verdict chips and day dividers.
import { Fragment, useState, type ReactNode } from 'react';
import { Caption1, Text, ToggleButton } from '@fluentui/react-components';
import { type FeedFilter, type FeedItem, dayLabel, filterFeed } from '../helpers/feed.js';
import { feedLine } from '../helpers/labels.js';
import { relativeTime } from '../helpers/relative-time.js';
import { useNow } from '../hooks/now.js';
import { usePaneStyles } from './styles.js';
import { VerdictChip } from './VerdictChip.js';

type Toggle = keyof FeedFilter;

const TOGGLES: Record<Toggle, string> = { opens: 'Opens', clicks: 'Clicks', replies: 'Replies', filtered: 'Show filtered' };

interface Props {
  items: FeedItem[];
  latest: FeedItem | null;
  /** Above the filters: the pane's "Desktop notifications" card. */
  header?: ReactNode;
  /** The filter toggles shown, in order (the pane: Opens and Clicks). */
  toggles?: Toggle[];
  /** "Today", "Yesterday", dates between the days (the web app's full-width list). */
  dayDividers?: boolean;
  /** Under the list: a "Load more" button, for instance. */
  footer?: ReactNode;
}

export function ActivityFeed({ items, latest, header, toggles = ['opens', 'clicks'], dayDividers = false, footer }: Props) {
  const s = usePaneStyles();
  const now = useNow();
  const [filter, setFilter] = useState<FeedFilter>({ opens: true, clicks: true, replies: true, filtered: false });
  const shown = filterFeed(items, filter);
  const announce = latest ? feedLine(latest) : null;
  return (
    <div className={s.stack}>
      {header}
      <div className={s.row} role="group" aria-label="Show">
        {toggles.map((t) => (
          <ToggleButton key={t} size="small" shape="circular" checked={filter[t]} onClick={() => setFilter((f) => ({ ...f, [t]: !f[t] }))}>
            {TOGGLES[t]}
          </ToggleButton>
        ))}
      </div>
      {/* Screen readers hear each live event once, not the whole list. */}
      <div aria-live="polite" className={s.visuallyHidden}>
        {announce ? `${announce.lead} ${announce.subject}` : ''}
      </div>
      {items.length === 0 ? (
        <Text className={s.muted}>No opens or clicks yet. Tracked emails show up here the moment they're opened.</Text>
      ) : (
        <ul className={s.list} aria-label="Opens and clicks">
          {shown.map((n, i) => {
            const line = feedLine(n);
            const day = dayDividers ? dayLabel(n.at, now) : null;
            const newDay = day !== null && (i === 0 || dayLabel(shown[i - 1].at, now) !== day);
            return (
              <Fragment key={n.id}>
                {newDay && (
                  <li>
                    <Caption1 className={s.muted}>
                      <strong>{day}</strong>
                    </Caption1>
                  </li>
                )}
                <li>
                  <span className={s.row} style={{ justifyContent: 'space-between' }}>
                    <span>
                      <Text>
                        {line.lead} <i>{line.subject}</i>
                      </Text>
                      <Caption1 className={s.muted}> · {relativeTime(n.at, now)}</Caption1>
                    </span>
                    {n.verdict && <VerdictChip event={{ verdict: n.verdict, counted: n.counted ?? true, reasons: n.reasons ?? [] }} />}
                  </span>
                </li>
              </Fragment>
            );
          })}
        </ul>
      )}
      {footer}
    </div>
  );
}
