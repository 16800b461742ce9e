// The Activity tab: the feed, with a way out to desktop notifications, which an add-in pane cannot
// raise itself (WebView2 and the Outlook web iframe never grant the permission).
import { Button, Caption1, Subtitle2 } from '@fluentui/react-components';
import { Panel } from './Panel.js';
import { routes } from '../../ui/api/routes.js';
import { ActivityFeed } from '../../ui/components/ActivityFeed.js';
import { useServices } from '../hooks/services.js';
import { usePaneStyles } from '../../ui/components/styles.js';
import type { Feed } from '../../ui/hooks/notification-feed.js';

export function ActivityPane({ feed }: { feed: Feed }) {
  const { host, api } = useServices();
  const s = usePaneStyles();
  const card = (
    <Panel labelledBy="mb-desktop">
      <Subtitle2 as="h2" id="mb-desktop" className={s.heading}>
        Desktop notifications
      </Subtitle2>
      <Caption1>Mailbeacon in your browser raises a desktop notification the moment someone opens or clicks: turn them on there, on the Activity page.</Caption1>
      <div>
        <Button onClick={() => host.openBrowserWindow(api.backendUrl + routes.activityPage)}>Open the notifications page</Button>
      </div>
    </Panel>
  );
  return <ActivityFeed items={feed.items} latest={feed.latest} header={card} />;
}
