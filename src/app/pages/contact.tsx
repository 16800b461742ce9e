// /app/contacts/{id} (docs/product.md §10): a contact's name, properties (editable), legal basis, and the
// timeline shared with the add-in (logged emails with attachments to download, sends, opens, clicks).
import { useState } from 'react';
import { Button, Field, Input, Select, Text } from '@fluentui/react-components';
import { AddRegular, DeleteRegular } from '@fluentui/react-icons';
import { type Contact, LEGAL_BASES } from '../../shared/api.js';
import { ContactTimeline } from '../../ui/components/ContactTimeline.js';
import { useAppApi } from '../api.js';
import { ErrorBar, Loading, Outcome, PageFrame, usePageStyles } from '../components/page.js';
import { useResource } from '../components/paged.js';
import { EraseContact } from '../components/EraseContact.js';
import { useSession } from '../session.js';

const words = (basis: string) => basis.charAt(0) + basis.slice(1).toLowerCase().replace(/_/g, ' ');

export default function ContactPage(props: { params: Record<string, string> }) {
  const api = useAppApi();
  const contact = useResource(() => api.contact(props.params.id), props.params.id);
  if (contact.error) {
    return (
      <PageFrame title="Contact">
        <ErrorBar what="Could not load this contact" error={contact.error} onRetry={contact.reload} />
      </PageFrame>
    );
  }
  if (!contact.value) {
    return (
      <PageFrame title="Contact">
        <Loading label="Loading the contact…" />
      </PageFrame>
    );
  }
  return <ContactView key={contact.value.id} initial={contact.value} />;
}

function ContactView({ initial }: { initial: Contact }) {
  const api = useAppApi();
  const { user } = useSession();
  const s = usePageStyles();
  const [contact, setContact] = useState(initial);
  const [name, setName] = useState(initial.name ?? '');
  const [props, setProps] = useState<Array<[string, string]>>(() => Object.entries(initial.properties));
  const [said, setSaid] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);

  async function save(update: Parameters<typeof api.updateContact>[1], what: string) {
    try {
      const c = await api.updateContact(contact.id, update);
      setContact(c);
      setProps(Object.entries(c.properties));
      setSaid({ intent: 'success', text: `${what} saved.` });
    } catch (e) {
      setSaid({ intent: 'error', text: `${what} not saved: ${(e as Error).message}` });
    }
  }

  function saveProperties() {
    const next: Record<string, string | null> = Object.fromEntries(props.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), v]));
    for (const k of Object.keys(contact.properties)) if (!(k in next)) next[k] = null; // removed rows
    void save({ properties: next }, 'Properties');
  }

  return (
    <PageFrame title={contact.name || contact.email}>
      <Text>{contact.email}</Text>
      <Outcome outcome={said} />
      <section className={s.card} aria-labelledby="mb-contact-details">
        <Text as="h2" id="mb-contact-details" size={500} weight="semibold" style={{ margin: 0 }}>
          Details
        </Text>
        <form
          className={s.row}
          onSubmit={(e) => {
            e.preventDefault();
            void save({ name: name.trim() || null }, 'Name');
          }}
        >
          <Field label="Name">
            <Input value={name} onChange={(_, d) => setName(d.value)} />
          </Field>
          <Button type="submit" style={{ alignSelf: 'flex-end' }}>
            Save name
          </Button>
        </form>
        <Field label="Legal basis" hint="Without one, and with the account's privacy setting on, this contact is tracked anonymously.">
          <Select value={contact.legalBasis ?? ''} onChange={(_, d) => void save({ legalBasis: d.value || null }, 'Legal basis')}>
            <option value="">None recorded</option>
            {LEGAL_BASES.map((b) => (
              <option key={b} value={b}>
                {words(b)}
              </option>
            ))}
          </Select>
        </Field>
        <Text weight="semibold">Properties</Text>
        {props.map(([k, v], i) => (
          <div key={i} className={s.row}>
            <Input aria-label={`Property ${i + 1} name`} value={k} onChange={(_, d) => setProps((p) => p.map((x, j) => (j === i ? [d.value, x[1]] : x)))} />
            <Input aria-label={`Property ${i + 1} value`} value={v} onChange={(_, d) => setProps((p) => p.map((x, j) => (j === i ? [x[0], d.value] : x)))} />
            <Button icon={<DeleteRegular />} aria-label={`Remove property ${k || i + 1}`} onClick={() => setProps((p) => p.filter((_, j) => j !== i))} />
          </div>
        ))}
        <div className={s.row}>
          <Button icon={<AddRegular />} onClick={() => setProps((p) => [...p, ['', '']])}>
            Add property
          </Button>
          <Button appearance="primary" onClick={saveProperties}>
            Save properties
          </Button>
        </div>
      </section>
      <section className={s.section} aria-labelledby="mb-contact-timeline">
        <Text as="h2" id="mb-contact-timeline" size={500} weight="semibold" style={{ margin: 0 }}>
          Timeline
        </Text>
        <ContactTimeline contactId={contact.id} loadPage={api.timeline} attachmentHref={(a) => api.attachmentUrl(a.id)} />
      </section>
      <section className={s.card} aria-labelledby="mb-contact-erase">
        <Text as="h2" id="mb-contact-erase" size={500} weight="semibold" style={{ margin: 0 }}>
          Erase
        </Text>
        {user.role === 'admin' ? (
          <>
            <Text>Erasing removes everything kept about {contact.email}, as a GDPR erasure request asks.</Text>
            <EraseContact contact={contact} />
          </>
        ) : (
          <Text>Only an admin of your account can erase a contact; ask one if {contact.email} asked to be forgotten.</Text>
        )}
      </section>
    </PageFrame>
  );
}
