// Renders the task pane over the fakes for component tests.
import { render } from '@testing-library/react';
import { App } from '../../src/addin/components/App.js';
import type { MailbeaconApi } from '../../src/ui/api/client.js';
import type { StreamHandlers } from '../../src/ui/api/stream.js';
import { SESSION_KEY, type Session } from '../../src/addin/models/session.js';
import type { NotificationItem } from '../../src/shared/api.js';
import type { FakeHost } from './fake-host.js';

export function fakeStream() {
  const open: { url: string; handlers: StreamHandlers; stopped: boolean }[] = [];
  return {
    opened: open,
    open(url: string, handlers: StreamHandlers) {
      const entry = { url, handlers, stopped: false };
      open.push(entry);
      handlers.onStatus('connected');
      return () => void (entry.stopped = true);
    },
    push(n: NotificationItem) {
      open.at(-1)!.handlers.onItem(n);
    },
  };
}

export function signIn(host: FakeHost, over: Partial<Session> = {}) {
  host.roaming.set(SESSION_KEY, { backendUrl: 'https://mb.example.test', accessToken: 'mb_token_1234567890', user: { email: 'me@mailbeacon.test', name: 'Me' }, settings: null, ...over });
}

export function renderApp(host: FakeHost, api: MailbeaconApi, stream = fakeStream()) {
  const utils = render(<App host={host} defaultBackendUrl="https://mb.example.test" createApiImpl={() => api} openStream={stream.open} />);
  return { ...utils, stream };
}
