// Outlook's event-based activation runtime (manifest LaunchEvents). Bundled into one self-contained
// launchevent.js without React: classic Outlook on Windows loads this file alone in a JS-only runtime
// (no DOM, no localStorage, no imports, Office.onReady never runs), so the handlers are registered at
// load with Office.actions.associate. If a name were missing, SoftBlock would stop the user sending.
import { createApi } from '../../ui/api/client.js';
import { createOfficeHost } from '../office/office-host.js';
import type { OfficeHost } from '../office/host.js';
import { startCompose } from '../flows/compose-flow.js';
import { SEND_DEADLINE_MS, handleSend } from '../flows/send-flow.js';
import { effectiveSettings, loadSession } from '../models/session.js';

/** The names in manifest.xml's LaunchEvent FunctionName attributes. */
export const HANDLERS = { newCompose: 'onNewMessageCompose', send: 'onMessageSend' } as const;

function deps(host: OfficeHost, timeoutMs: number) {
  const session = loadSession(host);
  return {
    host,
    api: session ? createApi({ backendUrl: session.backendUrl, accessToken: session.accessToken, timeoutMs }) : null,
    settings: effectiveSettings(session?.settings),
  };
}

export function registerHandlers(host: OfficeHost): void {
  host.associate(HANDLERS.newCompose, async (event) => {
    try {
      await startCompose(deps(host, 5000));
    } catch {
      /* a draft without Mailbeacon state still sends; the pane can set it up later */
    } finally {
      event.complete();
    }
  });
  // Requests get most of the budget; the rest is for reading the item and the notification.
  host.associate(HANDLERS.send, (event) => handleSend({ ...deps(host, SEND_DEADLINE_MS - 700), deadlineMs: SEND_DEADLINE_MS }, event));
}

if (typeof Office !== 'undefined' && Office.actions) registerHandlers(createOfficeHost(Office));
