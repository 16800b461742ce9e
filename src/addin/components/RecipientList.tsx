// One Persona per recipient: who they are to Mailbeacon before the email goes (docs/product.md §7, "Recipients").
import { useEffect, useRef, useState } from 'react';
import { Caption1, Subtitle2 } from '@fluentui/react-components';
import { ContactLine } from '../../ui/components/ContactLine.js';
import type { Contact } from '../../shared/api.js';
import type { EmailAddress } from '../office/host.js';
import { classifyRecipient, recipientStatus } from '../helpers/recipients.js';
import { useServices } from '../hooks/services.js';
import { useNow } from '../../ui/hooks/now.js';
import { usePaneStyles } from '../../ui/components/styles.js';

/** Looked-up contacts by lower-cased address: missing while loading, null when not a contact,
 *  undefined when the lookup failed (nothing is claimed about them then). */
export function useContacts(addresses: string[]): Map<string, Contact | null | undefined> {
  const { api } = useServices();
  const [contacts, setContacts] = useState(() => new Map<string, Contact | null | undefined>());
  const requested = useRef(new Set<string>());
  const key = addresses.map((a) => a.toLowerCase()).join(',');
  useEffect(() => {
    for (const address of key ? key.split(',') : []) {
      if (requested.current.has(address)) continue;
      requested.current.add(address);
      api.findContact(address).then(
        (c) => setContacts((m) => new Map(m).set(address, c)),
        () => {
          requested.current.delete(address); // asked again when the recipients change
          setContacts((m) => new Map(m).set(address, undefined));
        },
      );
    }
  }, [key, api]);
  return contacts;
}

export function RecipientList({ recipients }: { recipients: EmailAddress[] }) {
  const { host, settings } = useServices();
  const s = usePaneStyles();
  const now = useNow();
  const user = host.user().address;
  const classes = recipients.map((r) => classifyRecipient(r.address, { neverLog: settings.neverLog, userAddress: user }));
  const contacts = useContacts(recipients.filter((_, i) => classes[i] === 'external').map((r) => r.address));
  return (
    <section className={s.section} aria-labelledby="mb-recipients">
      <Subtitle2 as="h2" id="mb-recipients" className={s.heading}>
        Recipients
      </Subtitle2>
      {recipients.length === 0 ? (
        <Caption1 className={s.muted}>Add recipients to see who they are.</Caption1>
      ) : (
        <ul className={s.list}>
          {recipients.map((r, i) => {
            const key = r.address.toLowerCase();
            const external = classes[i] === 'external';
            const contact = contacts.get(key) ?? null;
            const loading = external && !contacts.has(key);
            const unknown = external && contacts.has(key) && contacts.get(key) === undefined;
            const company = contact?.properties.company;
            return (
              <li key={key}>
                <ContactLine
                  name={contact?.name || r.name || r.address}
                  colourKey={r.address}
                  secondary={[r.address, company].filter(Boolean).join(' · ')}
                  tertiary={loading ? 'Looking up…' : unknown ? undefined : recipientStatus(classes[i], contact, now)}
                />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
