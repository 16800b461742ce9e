// The read pane's contact card and timeline (docs/product.md §7, "Any mail"): the sender's or a recipient's
// contact, looked up by address, then the shared timeline (src/ui/components/ContactTimeline.tsx).
import { useState } from 'react';
import { Caption1, Spinner, Subtitle2, makeStyles, tokens } from '@fluentui/react-components';
import { ContactLine } from '../../ui/components/ContactLine.js';
import { ContactTimeline } from '../../ui/components/ContactTimeline.js';
import { usePaneStyles } from '../../ui/components/styles.js';
import type { EmailAddress } from '../office/host.js';
import { useContacts } from './RecipientList.js';
import { useServices } from '../hooks/services.js';

const useStyles = makeStyles({
  // A native select drawn with Fluent tokens: the full Select component costs more bundle than a
  // choice among a few recipients deserves.
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
});

export function ReadTimeline({ people }: { people: EmailAddress[] }) {
  const { api } = useServices();
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
          <ContactTimeline key={contact.id} contactId={contact.id} loadPage={api.timeline} />
        </>
      )}
    </section>
  );
}
