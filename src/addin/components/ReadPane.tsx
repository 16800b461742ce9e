// The Email tab while reading: for the user's own tracked mail its opens and clicks, then "Log this
// email", then the sender's (or, for sent mail, the recipients') timeline.
import { useEffect, useState } from 'react';
import { Spinner } from '@fluentui/react-components';
import { Email, type Envelope } from '../models/email.js';
import { uniqueRecipients } from '../helpers/recipients.js';
import { ReadTimeline } from './ReadTimeline.js';
import { LogThisEmail } from './LogThisEmail.js';
import { useServices } from '../hooks/services.js';
import { usePaneStyles } from '../../ui/components/styles.js';
import { TrackedStatus } from './TrackedStatus.js';
import { UnreachableBar } from './UnreachableBar.js';

interface ItemInfo {
  envelope: Envelope;
  trackingId: string | null;
}

export function ReadPane() {
  const { host } = useServices();
  const s = usePaneStyles();
  const [info, setInfo] = useState<ItemInfo | null>(null);
  const [timelineKey, setTimelineKey] = useState(0);
  useEffect(() => {
    const email = new Email(host);
    Promise.all([email.envelope(), email.trackingHeader()]).then(([envelope, trackingId]) => setInfo({ envelope, trackingId }), () => undefined);
  }, [host]);

  if (!info) return <Spinner size="tiny" label="Reading the email…" />;
  const own = info.envelope.from.address.toLowerCase() === host.user().address.toLowerCase();
  const people = own ? uniqueRecipients(info.envelope.recipients.to, info.envelope.recipients.cc) : [info.envelope.from];
  return (
    <div className={s.stack}>
      <UnreachableBar compose={false} />
      {own && <TrackedStatus trackingId={info.trackingId} internetMessageId={host.internetMessageId()} />}
      {/* A new contact made by logging shows up on the timeline at once. */}
      <LogThisEmail trackingId={info.trackingId} onLogged={() => setTimelineKey((k) => k + 1)} />
      <ReadTimeline key={timelineKey} people={people} />
    </div>
  );
}
