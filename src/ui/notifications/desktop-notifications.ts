// Desktop notifications for the web app's Activity page: the Notification API
// while the page is open, and Web Push through the service worker for when it is not. A notification's tag is the event's
// id, so the page and the worker showing the same event leave one notification, not two.
import type { NotificationItem, PushKey, PushSubscriptionInput } from '../../shared/api.js';
import { shortUrl } from '../helpers/labels.js';

/** The two calls Web Push needs (both API clients have them). */
export interface PushApi {
  pushKey(): Promise<PushKey>;
  subscribePush(input: PushSubscriptionInput): Promise<unknown>;
}

export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

export function notificationOptions(n: NotificationItem): { title: string; body: string; tag: string } {
  const who = n.who || 'Someone';
  if (n.type === 'CLICK') return { title: `${who} clicked a link`, body: `${n.url ? shortUrl(n.url) : 'A link'} in ${n.subject}`, tag: n.id };
  if (n.type === 'REPLY') return { title: `${who} replied`, body: n.subject, tag: n.id };
  if (n.type === 'REMINDER') return { title: 'Time to follow up', body: `No reply from ${who} to ${n.subject}`, tag: n.id };
  return { title: `${who} opened your email`, body: n.subject, tag: n.id };
}

export function permissionState(): PushState {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return Notification.permission === 'granted' ? 'on' : 'off';
}

/** The VAPID key as PushManager wants it. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Registers the service worker at `workerUrl` (its scope: the folder it is in); undefined where there are none. */
export async function registerWorker(workerUrl: string): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  return navigator.serviceWorker.register(workerUrl);
}

/** Whether this browser already has a Web Push subscription through the worker at `workerUrl`. */
export async function hasPushSubscription(workerUrl: string): Promise<boolean> {
  if (!('serviceWorker' in navigator) || typeof PushManager === 'undefined') return false;
  const registration = await navigator.serviceWorker.getRegistration(workerUrl);
  return !!(await registration?.pushManager.getSubscription());
}

/** Asks for permission, then subscribes this browser to Web Push when it can, through the worker at `workerUrl`. */
export async function enableDesktopNotifications(api: PushApi, workerUrl: string): Promise<{ state: PushState; push: boolean }> {
  if (typeof Notification === 'undefined') return { state: 'unsupported', push: false };
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return { state: permission === 'denied' ? 'denied' : 'off', push: false };
  if (!('serviceWorker' in navigator) || typeof PushManager === 'undefined') return { state: 'on', push: false };
  try {
    const registration = (await registerWorker(workerUrl))!;
    const { publicKey } = await api.pushKey();
    const subscription = (await registration.pushManager.getSubscription()) ?? (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
    const json = subscription.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
    await api.subscribePush({ endpoint: json.endpoint, keys: json.keys });
    return { state: 'on', push: true };
  } catch {
    // Push can fail (no push service, blocked by policy): notifications still work while the page is open.
    return { state: 'on', push: false };
  }
}

/** Shows one live event while the page is open. */
export async function showDesktopNotification(n: NotificationItem): Promise<void> {
  if (permissionState() !== 'on') return;
  const { title, ...options } = notificationOptions(n);
  const registration = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration().catch(() => undefined) : undefined;
  if (registration) await registration.showNotification(title, { ...options, icon: '/assets/icon-80.png' });
  else new Notification(title, { ...options, icon: '/assets/icon-80.png' });
}
