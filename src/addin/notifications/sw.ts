// The companion page's service worker (sw.js): desktop notifications from Web Push; a click opens the page.
import { runNotificationWorker } from '../../ui/notifications/worker.js';

runNotificationWorker('notifications');
