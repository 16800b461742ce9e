// Settings › Connect your mailbox (docs/product.md §11): the add-in's own component, in a card.
import { MailboxSettings } from '../../ui/components/MailboxSettings.js';
import { useAppApi } from '../api.js';
import { SettingsCard } from './SettingsCard.js';
import { type MySettings, useSettingsSaver } from './saver.js';

export function MailboxSection({ mine }: { mine: MySettings }) {
  const api = useAppApi();
  const saver = useSettingsSaver(mine);
  if (!mine.value) return null; // the Your settings section shows the loading and error states
  return (
    <SettingsCard saver={saver}>
      <MailboxSettings api={api} settings={mine.value} save={saver.run} />
    </SettingsCard>
  );
}
