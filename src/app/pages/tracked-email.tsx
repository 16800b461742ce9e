// /app/tracked/{id} (docs/product.md §10): one tracked email — each recipient (or "Someone" for a shared
// pixel) with how often they opened it, every open and click with its verdict chip and reasons, and the
// clicks per link.
import { Text } from '@fluentui/react-components';
import type { EngagementEvent, TrackedEmailView } from '../../shared/api.js';
import { ContactLine } from '../../ui/components/ContactLine.js';
import { VerdictChip } from '../../ui/components/VerdictChip.js';
import { eventLine, shortUrl, trackedHeadline } from '../../ui/helpers/labels.js';
import { relativeTime } from '../../ui/helpers/relative-time.js';
import { useNow } from '../../ui/hooks/now.js';
import { useAppApi } from '../api.js';
import { Empty, ErrorBar, Loading, PageFrame, usePageStyles } from '../components/page.js';
import { useResource } from '../components/paged.js';

export default function TrackedEmailPage(props: { params: Record<string, string> }) {
  const api = useAppApi();
  const email = useResource(() => api.trackedEmail(props.params.id), props.params.id);
  if (email.error) {
    return (
      <PageFrame title="Tracked email">
        <ErrorBar what="Could not load this tracked email" error={email.error} onRetry={email.reload} />
      </PageFrame>
    );
  }
  if (!email.value) {
    return (
      <PageFrame title="Tracked email">
        <Loading label="Loading…" />
      </PageFrame>
    );
  }
  return <Details email={email.value} />;
}

/** "Opened 3× · last 2 hours ago" or "Not opened yet", from the counted opens attributed to `who`. */
function openedLine(events: EngagementEvent[], names: string[], now: Date): string {
  const opens = events.filter((e) => e.counted && e.type === 'OPEN' && names.includes(e.who));
  if (!opens.length) return 'Not opened yet';
  return `Opened ${opens.length}× · last ${relativeTime(opens[0].at, now)}`;
}

/** The names events give this recipient: the address, or with one recipient whatever name their contact has. */
function whoIs(email: TrackedEmailView, recipient: string): string[] {
  const named = email.recipients.length === 1 ? email.events.map((e) => e.who).filter((w) => w !== 'Someone') : [];
  return [recipient, ...new Set(named)];
}

function Details({ email }: { email: TrackedEmailView }) {
  const s = usePageStyles();
  const now = useNow();
  const someone = email.events.some((e) => e.who === 'Someone');
  const clicks = new Map<string, number>();
  for (const e of email.events) if (e.counted && e.type === 'CLICK' && e.url) clicks.set(e.url, (clicks.get(e.url) ?? 0) + 1);
  return (
    <PageFrame title={email.subject || '(no subject)'}>
      <Text>
        {trackedHeadline(email)} · sent {relativeTime(email.sentAt ?? email.createdAt, now)}
        {email.sentVia === 'SINGLE_SEND' && ' · a single send'}
        {email.sentVia === 'SMTP_API' && ' · sent through the SMTP API'}
      </Text>
      <section className={s.section} aria-labelledby="mb-recipients">
        <Text as="h2" id="mb-recipients" size={500} weight="semibold" style={{ margin: 0 }}>
          Recipients
        </Text>
        <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', rowGap: 8 }}>
          {email.recipients.map((r) => (
            <li key={r}>
              <ContactLine name={r} colourKey={r} secondary={openedLine(email.events, whoIs(email, r), now)} />
            </li>
          ))}
          {someone && (
            <li>
              <ContactLine name="Someone" colourKey="someone" secondary={`${openedLine(email.events, ['Someone'], now)} · several recipients share one pixel`} />
            </li>
          )}
        </ul>
      </section>
      {clicks.size > 0 && (
        <section className={s.section} aria-labelledby="mb-links">
          <Text as="h2" id="mb-links" size={500} weight="semibold" style={{ margin: 0 }}>
            Clicks per link
          </Text>
          <ul>
            {[...clicks].map(([url, n]) => (
              <li key={url}>
                {shortUrl(url)} — {n} {n === 1 ? 'click' : 'clicks'}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className={s.section} aria-labelledby="mb-events">
        <Text as="h2" id="mb-events" size={500} weight="semibold" style={{ margin: 0 }}>
          Opens and clicks
        </Text>
        {email.events.length === 0 ? (
          <Empty>No opens or clicks yet.</Empty>
        ) : (
          <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', rowGap: 8 }}>
            {email.events.map((e) => (
              <li key={e.id} className={s.row} style={{ justifyContent: 'space-between' }}>
                <span>
                  <Text>{eventLine(e)}</Text> <Text className={s.muted}>· {relativeTime(e.at, now)}</Text>
                </span>
                <VerdictChip event={e} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </PageFrame>
  );
}
