// The web app's service worker (served as /app/sw.js, scope /app/): desktop notifications from Web Push
// arrive with the tab closed; a click opens Activity. The app shell's build bundles it on its own.
import { runNotificationWorker } from '../ui/notifications/worker.js';

runNotificationWorker('/app/activity');
