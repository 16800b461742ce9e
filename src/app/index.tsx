// The web app's entry: Fluent UI's theme following the system's light or dark, and the service worker.
import './public-path.js';
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { FluentProvider, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { App } from './App.js';
import { installWorker } from './install.js';

const DARK = '(prefers-color-scheme: dark)';

function Root() {
  const [dark, setDark] = useState(() => matchMedia(DARK).matches);
  useEffect(() => {
    const q = matchMedia(DARK);
    const on = () => setDark(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return (
    <FluentProvider theme={dark ? webDarkTheme : webLightTheme} style={{ minHeight: '100vh' }}>
      <App />
    </FluentProvider>
  );
}

createRoot(document.getElementById('root')!).render(<Root />);
installWorker();
