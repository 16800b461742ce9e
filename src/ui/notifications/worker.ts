// The service worker of the pages that raise desktop notifications (the web app's Activity page):
// shows each Web Push message (one NotificationItem as JSON) as a desktop notification
// and opens `openPath` when one is clicked. Typed locally, because the project's TypeScript libraries are
// the DOM's, not a worker's.
import type { NotificationItem } from '../../shared/api.js';
import { notificationOptions } from './desktop-notifications.js';

interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  data: { json(): unknown } | null;
}
interface NotificationEvent extends ExtendableEvent {
  notification: Notification;
}
interface WorkerScope {
  registration: ServiceWorkerRegistration;
  clients: { openWindow(url: string): Promise<unknown>; claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'push', fn: (e: PushEvent) => void): void;
  addEventListener(type: 'notificationclick', fn: (e: NotificationEvent) => void): void;
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvent) => void): void;
}

/** Installs the handlers in this worker; a click on a notification opens `openPath`. */
export function runNotificationWorker(openPath: string): void {
  const worker = self as unknown as WorkerScope;
  worker.addEventListener('install', (e) => e.waitUntil(worker.skipWaiting()));
  worker.addEventListener('activate', (e) => e.waitUntil(worker.clients.claim()));
  worker.addEventListener('push', (e) => {
    const item = e.data?.json() as NotificationItem | undefined;
    if (!item) return;
    const { title, ...options } = notificationOptions(item);
    e.waitUntil(worker.registration.showNotification(title, { ...options, icon: '/assets/icon-80.png' }));
  });
  worker.addEventListener('notificationclick', (e) => {
    e.notification.close();
    e.waitUntil(worker.clients.openWindow(openPath));
  });
}
