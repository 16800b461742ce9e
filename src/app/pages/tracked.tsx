// /app/tracked (docs/product.md §10): the person's tracked email — one-to-one from Outlook and the sends
// they made (single send, SMTP API), marked as such — subject, recipients, when sent, opens, clicks, last
// activity; sortable by each column, searchable, read page by page; a row opens its page.
import { useState } from 'react';
import { Button, Caption1, Input, Link } from '@fluentui/react-components';
import { ArrowSortDownRegular, ArrowSortUpRegular } from '@fluentui/react-icons';
import type { TrackedEmailView } from '../../shared/api.js';
import { relativeTime } from '../../ui/helpers/relative-time.js';
import { useNow } from '../../ui/hooks/now.js';
import { useAppApi } from '../api.js';
import { Empty, ListFooter, PageFrame, usePageStyles } from '../components/page.js';
import { usePaged } from '../components/paged.js';

type Column = 'subject' | 'recipients' | 'sent' | 'opens' | 'clicks' | 'last';

const lastActivity = (t: TrackedEmailView) => t.events.find((e) => e.counted)?.at ?? null;

const KEYS: Record<Column, (t: TrackedEmailView) => string | number> = {
  subject: (t) => t.subject.toLowerCase(),
  recipients: (t) => t.recipients.join(', ').toLowerCase(),
  sent: (t) => t.sentAt ?? t.createdAt,
  opens: (t) => t.opens,
  clicks: (t) => t.clicks,
  last: (t) => lastActivity(t) ?? '',
};

const SENT_VIA: Record<NonNullable<TrackedEmailView['sentVia']>, string> = { SINGLE_SEND: 'Single send', SMTP_API: 'SMTP API' };

const HEADERS: Array<[Column, string]> = [
  ['subject', 'Subject'],
  ['recipients', 'Recipients'],
  ['sent', 'Sent'],
  ['opens', 'Opens'],
  ['clicks', 'Clicks'],
  ['last', 'Last activity'],
];

export default function TrackedPage(_props: { params: Record<string, string> }) {
  const api = useAppApi();
  const s = usePageStyles();
  const now = useNow();
  const [query, setQuery] = useState('');
  const [applied, setApplied] = useState('');
  const [sort, setSort] = useState<{ by: Column; down: boolean }>({ by: 'sent', down: true });
  const list = usePaged((after) => api.tracked(applied, after), applied);
  const rows = [...list.items].sort((a, b) => {
    const [x, y] = [KEYS[sort.by](a), KEYS[sort.by](b)];
    const order = x < y ? -1 : x > y ? 1 : 0;
    return sort.down ? -order : order;
  });
  return (
    <PageFrame title="Tracked email">
      <form
        role="search"
        className={s.row}
        onSubmit={(e) => {
          e.preventDefault();
          // The same search again reads the list again (new rows may have arrived).
          if (query.trim() === applied) list.reload();
          else setApplied(query.trim());
        }}
      >
        <Input type="search" aria-label="Search tracked email" placeholder="Subject or recipient" value={query} onChange={(_, d) => setQuery(d.value)} />
        <Button type="submit">Search</Button>
      </form>
      {list.loaded && list.items.length === 0 ? (
        <Empty>{applied ? `No tracked email matches “${applied}”.` : 'No tracked email yet. Turn on Track when you write in Outlook, or send through Mailbeacon, and each open and click shows up here.'}</Empty>
      ) : (
        list.items.length > 0 && (
          <div className={s.scroll}>
            <table className={s.table}>
              <thead>
                <tr>
                  {HEADERS.map(([col, label]) => (
                    <th key={col} scope="col" aria-sort={sort.by === col ? (sort.down ? 'descending' : 'ascending') : 'none'}>
                      <Button
                        appearance="transparent"
                        size="small"
                        style={{ padding: 0, minWidth: 0, fontWeight: 600 }}
                        icon={sort.by === col ? sort.down ? <ArrowSortDownRegular /> : <ArrowSortUpRegular /> : undefined}
                        iconPosition="after"
                        onClick={() => setSort((cur) => ({ by: col, down: cur.by === col ? !cur.down : col !== 'subject' && col !== 'recipients' }))}
                      >
                        {label}
                      </Button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((t) => {
                  const last = lastActivity(t);
                  return (
                    <tr key={t.id}>
                      <td>
                        <Link href={`/app/tracked/${encodeURIComponent(t.id)}`}>{t.subject || '(no subject)'}</Link>
                        {t.sentVia && <Caption1 className={s.muted}> · {SENT_VIA[t.sentVia]}</Caption1>}
                      </td>
                      <td>{t.recipients.join(', ')}</td>
                      <td>{relativeTime(t.sentAt ?? t.createdAt, now)}</td>
                      <td>{t.opens}</td>
                      <td>{t.clicks}</td>
                      <td>{last ? relativeTime(last, now) : '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )
      )}
      <ListFooter what="tracked email" loading={list.loading} error={list.error} hasMore={list.hasMore} onMore={list.more} onRetry={list.reload} />
    </PageFrame>
  );
}
