// /app/activity (docs/product.md §10): the live feed of opens, clicks and replies (the add-in's feed,
// full width, with day dividers), desktop notifications (Notification API, and Web Push through the
// app's service worker so they arrive with the tab closed), and for admins the first-run checklist.
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { Button, Caption1, Link, Text, tokens } from '@fluentui/react-components';
import { CheckmarkCircleFilled, CircleRegular, CopyRegular, DismissRegular } from '@fluentui/react-icons';
import { ActivityFeed } from '../../ui/components/ActivityFeed.js';
import { type FeedItem, mergeFeed } from '../../ui/helpers/feed.js';
import { useNotificationFeed } from '../../ui/hooks/notification-feed.js';
import { enableDesktopNotifications, hasPushSubscription, permissionState, showDesktopNotification, type PushState } from '../../ui/notifications/desktop-notifications.js';
import { openNotificationStream } from '../../ui/api/stream.js';
import { useAppApi, type AppApi } from '../api.js';
import { useSession } from '../session.js';
import { WORKER_URL } from '../install.js';
import { PageFrame, usePageStyles } from '../components/page.js';
import { useResource } from '../components/paged.js';

const CHECKLIST_KEY = 'mailbeacon.checklist.dismissed';

const PUSH_WORDS: Record<Exclude<PushState, 'on'>, string> = {
  unsupported: 'This browser cannot show desktop notifications.',
  denied: 'Notifications are blocked for this site: allow them in the browser’s site settings.',
  off: 'Hear about each open, click and reply the moment it happens, even with this tab closed.',
};

/** What the card says: with permission, whether Web Push (the tab closed) works too. */
function pushWords(state: PushState, pushed: boolean | undefined): string {
  if (state !== 'on') return PUSH_WORDS[state];
  if (pushed === true) return 'Desktop notifications are on, even with this tab closed.';
  if (pushed === false) return 'Desktop notifications are on while Mailbeacon is open in a tab: this browser could not subscribe to push.';
  return 'Desktop notifications are on while Mailbeacon is open in a tab. Turn them on here to get them with the tab closed too.';
}

export default function ActivityPage(_props: { params: Record<string, string> }) {
  const api = useAppApi();
  const { user } = useSession();
  const s = usePageStyles();
  const [push, setPush] = useState<PushState>(permissionState);
  // Whether this browser is subscribed to Web Push: permission alone (given on an earlier visit, or
  // to the old companion page) brings notifications only while a tab is open, so the button stays.
  const [pushed, setPushed] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    if (push === 'on') void hasPushSubscription(WORKER_URL).then((yes) => yes && setPushed(true), () => undefined);
  }, [push]);
  const feed = useNotificationFeed(api, openNotificationStream, (n) => void showDesktopNotification(n));
  // Notifications carry only counted events; the filtered ones (scanners, bots, self) come from the activity list.
  const filtered = useResource(() => api.activity({ filtered: 'only' }), 'filtered');
  const items = useMemo(() => mergeFeed<FeedItem>(feed.items, filtered.value?.results ?? []), [feed.items, filtered.value]);
  const offline = feed.connection.status === 'offline';
  return (
    <PageFrame title="Activity">
      {user.role === 'admin' && <FirstRun api={api} />}
      <section className={s.card} aria-labelledby="mb-desktop">
        <Text id="mb-desktop" weight="semibold">
          Desktop notifications
        </Text>
        <Caption1 role="status">{pushWords(push, pushed)}</Caption1>
        {(push === 'off' || (push === 'on' && pushed !== true)) && (
          <div>
            <Button appearance="primary" onClick={() =>
                enableDesktopNotifications(api, WORKER_URL).then((r) => {
                  setPush(r.state);
                  setPushed(r.push);
                })
              }>
              Turn on desktop notifications
            </Button>
          </div>
        )}
      </section>
      {offline && (
        <Caption1 role="status" className={s.muted}>
          The live feed is reconnecting{feed.connection.reason ? ` (${feed.connection.reason})` : ''}; new events appear once it is back.
        </Caption1>
      )}
      <ActivityFeed items={items} latest={feed.latest} toggles={['opens', 'clicks', 'replies', 'filtered']} dayDividers />
    </PageFrame>
  );
}

/** What a new admin does first, each item ticked once it is done; dismissible. */
function FirstRun({ api }: { api: AppApi }) {
  const s = usePageStyles();
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(CHECKLIST_KEY) === '1');
  const done = useResource(() => progress(api), 'first-run');
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (dismissed) localStorage.setItem(CHECKLIST_KEY, '1');
  }, [dismissed]);
  if (dismissed) return null;
  const d = done.value;
  const manifestUrl = d?.manifestUrl ?? '';
  const item = (checked: boolean | undefined, label: string, body: ReactNode) => (
    <li>
      <div className={s.row}>
        {checked ? (
          <CheckmarkCircleFilled aria-hidden="true" fontSize={20} color={tokens.colorPaletteGreenForeground1} />
        ) : (
          <CircleRegular aria-hidden="true" fontSize={20} color={tokens.colorNeutralForeground3} />
        )}
        <Text weight="semibold">{label}</Text>
        <Text size={200} className={s.muted}>
          {checked === undefined ? '— checking…' : checked ? '— done' : '— to do'}
        </Text>
      </div>
      <div style={{ marginLeft: 28 }}>{body}</div>
    </li>
  );
  return (
    <section className={s.card} aria-labelledby="mb-first-run">
      <div className={s.row} style={{ justifyContent: 'space-between' }}>
        <Text id="mb-first-run" as="h2" size={500} weight="semibold" style={{ margin: 0 }}>
          Get started
        </Text>
        <Button appearance="subtle" icon={<DismissRegular />} onClick={() => setDismissed(true)}>
          Dismiss
        </Button>
      </div>
      <ol style={{ listStyle: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', rowGap: 12 }}>
        {item(
          d?.addin,
          'Install the Outlook add-in',
          <>
            <Text block>
              The manifest: <code className={s.mono}>{manifestUrl || '…'}</code>{' '}
              <Button
                size="small"
                icon={<CopyRegular />}
                disabled={!manifestUrl}
                onClick={() => navigator.clipboard?.writeText(manifestUrl).then(() => setCopied(true), () => undefined)}
              >
                Copy manifest URL
              </Button>{' '}
              <span aria-live="polite">{copied ? 'Copied' : ''}</span>
            </Text>
            <Text size={200} block>
              To sideload it: in Outlook on the web open <Link href="https://aka.ms/olksideload">aka.ms/olksideload</Link> (Add-ins for Outlook → My add-ins), choose “Add a
              custom add-in” → “Add from URL…” and paste the manifest URL. Admins deploy it to everyone from the Microsoft 365 admin center (Integrated apps → Upload custom apps).
            </Text>
          </>,
        )}
        {item(d?.team, 'Invite your team', <Text size={200}>In Settings → Users, invite the reps who should track their email.</Text>)}
        {item(
          d?.domain,
          'Add a sending domain',
          <Text size={200}>
            In <Link href="/app/settings">Settings</Link>, add the domain you send from and publish its DKIM record.
          </Text>,
        )}
        {item(
          d?.template,
          'Create your first template',
          <Text size={200}>
            In <Link href="/app/templates">Templates</Link>; once published, reps can insert it from Outlook.
          </Text>,
        )}
        {item(d?.mailbox, 'Connect your mailbox', <Text size={200}>In Settings, so mail sent from your phone is logged and replies are noticed.</Text>)}
      </ol>
    </section>
  );
}

/** Which steps are done, read from what exists; a check that fails counts as not done. */
async function progress(api: AppApi) {
  const ok = <T,>(p: Promise<T>) => p.catch(() => undefined);
  const [server, tracked, domains, templates, users, mailbox] = await Promise.all([
    ok(api.server()),
    ok(api.tracked('')),
    ok(api.domains()),
    ok(api.templates()),
    ok(api.users()),
    ok(api.mailbox()),
  ]);
  return {
    manifestUrl: server?.addin.manifestUrl,
    // Sends are listed with tracked email too; only mail tracked from Outlook shows the add-in is in use.
    addin: (tracked?.results ?? []).some((t) => !t.sentVia),
    domain: (domains?.results.length ?? 0) > 0,
    template: (templates?.results.length ?? 0) > 0,
    team: (users?.results.length ?? 0) > 1,
    mailbox: !!mailbox,
  };
}
