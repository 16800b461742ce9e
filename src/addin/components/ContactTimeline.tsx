// A contact's card and timeline (docs/product.md §7, "Any mail"): logged emails with attachment chips, sends,
// opens and clicks, newest first, loading more as the user scrolls.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Button, Caption1, Spinner, Subtitle2, Text, makeStyles, tokens } from '@fluentui/react-components';
import { AttachRegular } from '@fluentui/react-icons';
import { ContactLine } from './ContactLine.js';
import type { TimelineEntry } from '../../shared/api.js';
import type { EmailAddress } from '../office/host.js';
import { timelineLine } from '../helpers/labels.js';
import { relativeTime } from '../helpers/relative-time.js';
import { useNow } from '../hooks/hooks.js';
import { useContacts } from './RecipientList.js';
import { useServices } from '../hooks/services.js';
import { usePaneStyles } from './styles.js';
import { VerdictChip } from './VerdictChip.js';

const useStyles = makeStyles({
  // A native select and chips drawn with Fluent tokens: the full Select and Tag components cost more
  // bundle than a choice among a few recipients and a file name deserve.
  select: {
    height: '32px',
    padding: `0 ${tokens.spacingHorizontalS}`,
    borderRadius: tokens.borderRadiusMedium,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorNeutralForeground1,
    fontFamily: tokens.fontFamilyBase,
    fontSize: tokens.fontSizeBase300,
  },
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

export function ContactTimeline({ people }: { people: EmailAddress[] }) {
  const s = usePaneStyles();
  const c = useStyles();
  const [index, setIndex] = useState(0);
  const person = people[Math.min(index, people.length - 1)];
  const address = person?.address.toLowerCase() ?? '';
  const contacts = useContacts(address ? [address] : []);
  const contact = contacts.get(address);
  if (!person) return null;
  return (
    <section className={s.section} aria-labelledby="mb-timeline">
      <Subtitle2 as="h2" id="mb-timeline" className={s.heading}>
        Timeline
      </Subtitle2>
      {people.length > 1 && (
        <select aria-label="Contact" className={c.select} value={String(index)} onChange={(e) => setIndex(Number(e.target.value))}>
          {people.map((p, i) => (
            <option key={p.address} value={i}>
              {p.name ? `${p.name} <${p.address}>` : p.address}
            </option>
          ))}
        </select>
      )}
      {!contacts.has(address) ? (
        <Spinner size="tiny" label="Looking up the contact…" />
      ) : contact === undefined ? (
        <Caption1 className={s.muted}>The timeline is unavailable right now.</Caption1>
      ) : contact === null ? (
        <Caption1 className={s.muted}>{person.address} is not a contact yet. Log an email to add them.</Caption1>
      ) : (
        <>
          <ContactLine name={contact.name || contact.email} colourKey={contact.email} secondary={[contact.email, contact.properties.company].filter(Boolean).join(' · ')} />
          <TimelineList key={contact.id} contactId={contact.id} />
        </>
      )}
    </section>
  );
}

function TimelineList({ contactId }: { contactId: string }) {
  const { api } = useServices();
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
      const page = await api.timeline(contactId, cursor.current);
      setEntries((e) => [...e, ...page.results]);
      cursor.current = page.paging?.next?.after ?? null;
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      busy.current = false;
      setLoading(false);
    }
  }, [api, contactId]);

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
                    <AttachRegular aria-hidden="true" style={{ verticalAlign: 'middle' }} /> {a.filename} · {kb(a.size)}
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
