// The dot by the logo: connected, reconnecting, or offline with the reason on hover (a native title)
// and in its accessible name, so keyboard and screen-reader users get it too.
import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import type { Connection } from '../hooks/services.js';

const useStyles = makeStyles({
  dot: { display: 'inline-block', width: '10px', height: '10px', borderRadius: tokens.borderRadiusCircular, flexShrink: 0 },
  connected: { backgroundColor: tokens.colorPaletteGreenBackground3 },
  reconnecting: { backgroundColor: tokens.colorPaletteMarigoldBackground3 },
  offline: { backgroundColor: tokens.colorPaletteRedBackground3 },
  unknown: { backgroundColor: tokens.colorNeutralBackground5 },
});

const WORDS = { connected: 'Connected', reconnecting: 'Reconnecting', offline: 'Offline', unknown: 'Connecting' } as const;

export function statusText(connection: Connection): string {
  return connection.reason && connection.status !== 'connected' ? `${WORDS[connection.status]}: ${connection.reason}` : WORDS[connection.status];
}

export function StatusDot({ connection }: { connection: Connection }) {
  const c = useStyles();
  const text = statusText(connection);
  return <span role="img" tabIndex={0} aria-label={text} title={text} data-status={connection.status} className={mergeClasses(c.dot, c[connection.status])} />;
}
