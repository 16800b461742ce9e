// /app/contacts (docs/product.md §10): the account's contacts, searched by name or address, page by page.
import { useState } from 'react';
import { Button, Input, Link } from '@fluentui/react-components';
import { ContactLine } from '../../ui/components/ContactLine.js';
import { relativeTime } from '../../ui/helpers/relative-time.js';
import { useNow } from '../../ui/hooks/now.js';
import { useAppApi } from '../api.js';
import { Empty, ListFooter, Outcome, PageFrame, usePageStyles } from '../components/page.js';
import { useLeftMessage } from '../components/flash.js';
import { usePaged } from '../components/paged.js';

export default function ContactsPage(_props: { params: Record<string, string> }) {
  const api = useAppApi();
  const s = usePageStyles();
  const now = useNow();
  const [query, setQuery] = useState('');
  const [applied, setApplied] = useState('');
  const said = useLeftMessage(); // e.g. that the contact just erased is gone
  const list = usePaged((after) => api.contacts(applied, after), applied);
  return (
    <PageFrame title="Contacts">
      <Outcome outcome={said ? { intent: 'success', text: said } : null} />
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
        <Input type="search" aria-label="Search contacts" placeholder="Name or address" value={query} onChange={(_, d) => setQuery(d.value)} />
        <Button type="submit">Search</Button>
      </form>
      {list.loaded && list.items.length === 0 ? (
        <Empty>{applied ? `No contact matches “${applied}”.` : 'No contacts yet. Recipients of logged email and of sends become contacts.'}</Empty>
      ) : (
        <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', rowGap: 12 }} aria-label="Contacts">
          {list.items.map((c) => (
            <li key={c.id} className={s.row} style={{ justifyContent: 'space-between' }}>
              <Link href={`/app/contacts/${encodeURIComponent(c.id)}`} style={{ minWidth: 0 }}>
                <ContactLine name={c.name || c.email} colourKey={c.email} secondary={[c.email, c.properties.company].filter(Boolean).join(' · ')} />
              </Link>
              <span className={s.muted}>{c.lastActivity ? `${c.lastActivity.summary} · ${relativeTime(c.lastActivity.at, now)}` : 'No activity yet'}</span>
            </li>
          ))}
        </ul>
      )}
      <ListFooter what="contacts" loading={list.loading} error={list.error} hasMore={list.hasMore} onMore={list.more} onRetry={list.reload} />
    </PageFrame>
  );
}
