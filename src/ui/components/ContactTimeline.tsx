// A contact's timeline (docs/product.md §7 "Any mail", §10 contacts): logged emails with attachment chips,
// sends, opens and clicks, newest first, loading more as the user scrolls. The add-in's read pane and the
// web app's contact page both show this one; each passes how to read a page.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Button, Caption1, Link, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { AttachRegular } from '@fluentui/react-icons';
import type { AttachmentRef, Page, TimelineEntry } from '../../shared/api.js';
import { timelineLine } from '../helpers/labels.js';
import { relativeTime } from '../helpers/relative-time.js';
import { useNow } from '../hooks/now.js';
import { usePaneStyles } from './styles.js';
import { VerdictChip } from './VerdictChip.js';

const useStyles = makeStyles({
  // Chips drawn with Fluent tokens: the Tag component costs more bundle than a file name deserves.
  chips: { listStyleType: 'none', padding: 0, margin: `${tokens.spacingVerticalXS} 0 0`, display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS },
  chip: {
    display: 'inline-block',
    padding: `0 ${tokens.spacingHorizontalS}`,
    borderRadius: tokens.borderRadiusCircular,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    fontSize: tokens.fontSizeBase200,
    lineHeight: tokens.lineHeightBase300,
  },
});

const kb = (n: number) => (n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

interface Props {
  contactId: string;
  /** One page of the contact's timeline (`GET /api/v1/contacts/{id}/timeline`). */
  loadPage: (contactId: string, after?: string) => Promise<Page<TimelineEntry>>;
  /** Where an attachment downloads from; without it attachments are shown as chips only. */
  attachmentHref?: (a: AttachmentRef) => string;
}

export function ContactTimeline({ contactId, loadPage, attachmentHref }: Props) {
  const s = usePaneStyles();
  const c = useStyles();
  const now = useNow();
  const [entries, setEntries] = useState<TimelineEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  // undefined: first page not asked yet; null: no more pages.
  const cursor = useRef<string | null | undefined>(undefined);
  const busy = useRef(false);
  const sentinel = useRef<HTMLDivElement>(null);

  const loadMore = useCallback(async () => {
    if (busy.current || cursor.current === null) return;
    busy.current = true;
    setLoading(true);
    try {
      const page = await loadPage(contactId, cursor.current);
      setEntries((e) => [...e, ...page.results]);
      cursor.current = page.paging?.next?.after ?? null;
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      busy.current = false;
      setLoading(false);
    }
  }, [loadPage, contactId]);

  useEffect(() => {
    void loadMore();
  }, [loadMore]);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((seen) => seen.some((x) => x.isIntersecting) && void loadMore());
    io.observe(el);
    return () => io.disconnect();
  }, [loadMore]);

  return (
    <>
      {entries.length === 0 && !loading && !error && <Caption1 className={s.muted}>Nothing on this timeline yet.</Caption1>}
      <ul className={s.list} aria-label="Timeline entries">
        {entries.map((t) => (
          <li key={t.id}>
            <div className={s.row} style={{ justifyContent: 'space-between' }}>
              <Text>{timelineLine(t)}</Text>
              {t.engagement && !t.engagement.counted && <VerdictChip event={{ verdict: t.engagement.verdict, counted: false, reasons: [] }} />}
            </div>
            <Caption1 block className={s.muted}>
              {relativeTime(t.at, now)}
              {t.loggedEmail?.snippet ? ` · ${t.loggedEmail.snippet}` : ''}
            </Caption1>
            {t.loggedEmail && t.loggedEmail.attachments.length > 0 && (
              <ul aria-label="Attachments" className={c.chips}>
                {t.loggedEmail.attachments.map((a) => (
                  <li key={a.id} className={c.chip}>
                    <AttachRegular aria-hidden="true" style={{ verticalAlign: 'middle' }} />{' '}
                    {attachmentHref ? (
                      <Link href={attachmentHref(a)} download={a.filename}>
                        {a.filename}
                      </Link>
                    ) : (
                      a.filename
                    )}{' '}
                    · {kb(a.size)}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
      {error && <Caption1 role="alert">Timeline unavailable: {error}</Caption1>}
      <div ref={sentinel} />
      {loading ? (
        <Spinner size="tiny" label="Loading…" />
      ) : (
        cursor.current !== null &&
        entries.length > 0 && (
          <Button size="small" appearance="subtle" onClick={() => void loadMore()}>
            Load more
          </Button>
        )
      )}
    </>
  );
}
