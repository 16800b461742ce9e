// /app/settings (docs/product.md §10): the person's own sections, then, for admins, the account's.
// Members see no account section (the API refuses them anyway). One file per section in ../settings/.
import { useState } from 'react';
import { useSession } from '../session.js';
import { PageFrame } from '../components/page.js';
import { useMySettings } from '../settings/saver.js';
import { PersonalSection } from '../settings/PersonalSection.js';
import { PasswordSection } from '../settings/PasswordSection.js';
import { DevicesSection } from '../settings/DevicesSection.js';
import { MailboxSection } from '../settings/MailboxSection.js';
import { ChannelsSection } from '../settings/ChannelsSection.js';
import { AccountSection } from '../settings/AccountSection.js';
import { DomainsSection } from '../settings/DomainsSection.js';
import { UsersSection } from '../settings/UsersSection.js';
import { WebhooksSection } from '../settings/WebhooksSection.js';

export default function SettingsPage(_props: { params: Record<string, string> }) {
  const { user } = useSession();
  const mine = useMySettings();
  // A password change ends other sessions: the device list is read again.
  const [devices, setDevices] = useState(0);
  return (
    <PageFrame title="Settings">
      <PersonalSection mine={mine} />
      <PasswordSection onChanged={() => setDevices((n) => n + 1)} />
      <DevicesSection version={devices} />
      <MailboxSection mine={mine} />
      <ChannelsSection mine={mine} />
      {user.role === 'admin' && (
        <>
          <AccountSection />
          <DomainsSection />
          <UsersSection />
          <WebhooksSection />
        </>
      )}
    </PageFrame>
  );
}
