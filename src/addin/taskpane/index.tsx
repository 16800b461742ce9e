// The task pane's entry: waits for Office.js, then renders the app over the Office wrapper.
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from '../components/App.js';
import { createOfficeHost } from '../office/office-host.js';

/** Marks the first rendered pane, so the e2e test can measure navigation → first render. */
function FirstRender() {
  useEffect(() => {
    performance.mark('mailbeacon:rendered');
  }, []);
  return null;
}

function start() {
  const root = createRoot(document.getElementById('root')!);
  if (typeof Office === 'undefined' || !Office.context?.mailbox) {
    root.render(<p style={{ font: '14px system-ui', padding: 16 }}>Open Mailbeacon from Outlook: this page is its task pane.</p>);
    return;
  }
  root.render(
    <>
      <App host={createOfficeHost(Office)} defaultBackendUrl={window.location.origin} />
      <FirstRender />
    </>,
  );
}

if (typeof Office !== 'undefined') void Office.onReady(start);
else start();
