// Settings › Notification channels (docs/product.md §12): the add-in's own component, in a card.
import { NotificationChannels } from '../../ui/components/NotificationChannels.js';
import { SettingsCard } from './SettingsCard.js';
import { type MySettings, useSettingsSaver } from './saver.js';

export function ChannelsSection({ mine }: { mine: MySettings }) {
  const saver = useSettingsSaver(mine);
  if (!mine.value) return null; // the Your settings section shows the loading and error states
  return (
    <SettingsCard saver={saver}>
      <NotificationChannels channels={mine.value.channels} save={saver.run} />
    </SettingsCard>
  );
}
