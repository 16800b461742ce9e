// Settings › Sending domains (admins; docs/product.md §10): the account's domains with the DKIM record
// to publish (`GET/POST/DELETE /api/v1/domains`); removing one asks first.
import { useState } from 'react';
import { Button, Field, Input, Text } from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import type { SendingDomain } from '../../shared/api.js';
import { useAppApi } from '../api.js';
import { Confirm, type Question } from '../components/confirm.js';
import { Empty, ErrorBar, Loading, Outcome, usePageStyles } from '../components/page.js';
import { useResource } from '../components/paged.js';

export function DomainsSection() {
  const api = useAppApi();
  const s = usePageStyles();
  const list = useResource(() => api.domains(), 'domains');
  const [name, setName] = useState('');
  const [said, setSaid] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);
  const [question, setQuestion] = useState<Question | null>(null);
  const domains = list.value?.results ?? [];

  async function add() {
    if (!name.trim()) return setSaid({ intent: 'error', text: 'Type the domain you send from, e.g. mail.example.com.' });
    try {
      const d = await api.addDomain(name.trim());
      list.set({ results: [...domains.filter((x) => x.domain !== d.domain), d].sort((a, b) => a.domain.localeCompare(b.domain)) });
      setName('');
      setSaid({ intent: 'success', text: `${d.domain} added. Publish its DKIM record below; mail From: it is signed from now on.` });
    } catch (e) {
      setSaid({ intent: 'error', text: `Could not add the domain: ${(e as Error).message}` });
    }
  }
  const remove = (d: SendingDomain) =>
    setQuestion({
      title: `Remove ${d.domain}?`,
      body: 'Mail From: it is no longer DKIM-signed, and another account could claim it.',
      confirm: 'Remove domain',
      run: async () => {
        try {
          await api.removeDomain(d.domain);
          list.set({ results: domains.filter((x) => x.domain !== d.domain) });
          setSaid({ intent: 'success', text: `${d.domain} removed.` });
        } catch (e) {
          setSaid({ intent: 'error', text: `Could not remove ${d.domain}: ${(e as Error).message}` });
        }
      },
    });

  return (
    <section className={s.card} aria-labelledby="mb-domains">
      <Text as="h2" size={500} weight="semibold" id="mb-domains" style={{ margin: 0 }}>
        Sending domains
      </Text>
      <Outcome outcome={said} />
      <form
        className={s.row}
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <Field label="Domain">
          <Input value={name} onChange={(_, d) => setName(d.value)} placeholder="mail.example.com" />
        </Field>
        <Button type="submit" style={{ alignSelf: 'flex-end' }}>
          Add domain
        </Button>
      </form>
      {list.error && <ErrorBar what="Could not load the sending domains" error={list.error} onRetry={list.reload} />}
      {!list.value ? (
        !list.error && <Loading label="Loading sending domains…" />
      ) : domains.length === 0 ? (
        <Empty>No sending domains yet. Add the domain you send from to have its mail DKIM-signed and keep other accounts from sending as it.</Empty>
      ) : (
        <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', rowGap: 12 }}>
          {domains.map((d) => (
            <li key={d.domain} className={s.section}>
              <div className={s.row} style={{ justifyContent: 'space-between' }}>
                <Text weight="semibold">{d.domain}</Text>
                <Button size="small" onClick={() => remove(d)} aria-label={`Remove ${d.domain}`}>
                  Remove
                </Button>
              </div>
              <Text size={200}>Publish this DNS TXT record:</Text>
              <Text size={200} className={s.mono}>
                {d.dnsRecord.name}
              </Text>
              <Text size={200} className={s.mono}>
                {d.dnsRecord.value}
              </Text>
              <div>
                <Button size="small" icon={<CopyRegular />} onClick={() => void navigator.clipboard?.writeText(d.dnsRecord.value)} aria-label={`Copy record of ${d.domain}`}>
                  Copy record
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Confirm question={question} onClose={() => setQuestion(null)} />
    </section>
  );
}
