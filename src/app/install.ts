// The installable app (docs/product.md §10): the service worker, served as /app/sw.js with scope /app/,
// is registered on every visit, so the browser offers to install the app and Web Push has a worker to
// wake even before anyone turns desktop notifications on.
import { registerWorker } from '../ui/notifications/desktop-notifications.js';

export const WORKER_URL = '/app/sw.js';

/** Registers the worker, except in the add-in's sign-in dialog, which Outlook opens and closes again. */
export function installWorker(): void {
  if (location.pathname.startsWith('/app/addin-login')) return;
  void registerWorker(WORKER_URL).catch(() => undefined);
}
