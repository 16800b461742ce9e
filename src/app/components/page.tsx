// What every page of the web app is built from (docs/product.md §10): the frame with the page's h1 and
// its actions, the error bar with Retry, the loading line and the empty line, the quiet "Saved".
import type { ReactNode } from 'react';
import { ApiError } from '../../ui/api/client.js';
import { Button, Caption1, MessageBar, MessageBarActions, MessageBarBody, Spinner, Text, Title2, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';

export const usePageStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, maxWidth: '1200px', minWidth: 0, boxSizing: 'border-box' },
  header: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  title: { margin: 0 },
  section: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS, minWidth: 0 },
  row: { display: 'flex', alignItems: 'center', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  muted: { color: tokens.colorNeutralForeground3 },
  card: {
    display: 'flex',
    flexDirection: 'column',
    rowGap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusLarge,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
    minWidth: 0,
  },
  // Tables scroll sideways inside their box at 360 px instead of widening the page.
  scroll: { overflowX: 'auto', maxWidth: '100%', ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}`, outlineOffset: '2px' } },
  // Columns keep a readable width on a phone (the region scrolls) instead of squeezing every cell into a tall, narrow column.
  readable: { '& > table': { minWidth: '640px' } },
  table: { width: '100%', borderCollapse: 'collapse', '& th, & td': { textAlign: 'left', padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`, borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, verticalAlign: 'top' } },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, wordBreak: 'break-all' },
});

export function PageFrame({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const s = usePageStyles();
  return (
    <div className={s.page}>
      <div className={s.header}>
        <Title2 as="h1" className={s.title}>
          {title}
        </Title2>
        {actions && <div className={s.row}>{actions}</div>}
      </div>
      {children}
    </div>
  );
}

/**
 * What to do after a failure, beyond the server's own words: a 4xx answer already says what to change,
 * so only "no answer" and the server's own faults get advice (with the reference its logs carry).
 */
export function errorAdvice(error: Error): string {
  if (!(error instanceof ApiError) || error.kind === 'offline') return 'Check your connection and try again.';
  if (error.status !== null && error.status >= 500) return `Try again in a moment; if it keeps failing, give your admin the reference ${error.correlationId ?? 'shown in the server log'}.`;
  return '';
}

/** A failed request: what failed, the server's words, what to do, and Retry. */
export function ErrorBar({ what, error, onRetry }: { what: string; error: Error; onRetry?: () => void }) {
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>
        {what}: {error.message} {errorAdvice(error)}
      </MessageBarBody>
      {onRetry && (
        <MessageBarActions>
          <Button size="small" onClick={onRetry}>
            Retry
          </Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}

/** What an action did ("Token deleted"), said politely; errors say so as alerts. */
export function Outcome({ outcome }: { outcome: { intent: 'success' | 'error'; text: string } | null }) {
  if (!outcome) return <div aria-live="polite" />;
  return (
    <div aria-live="polite">
      <MessageBar intent={outcome.intent === 'error' ? 'error' : 'success'}>
        <MessageBarBody>{outcome.text}</MessageBarBody>
      </MessageBar>
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return <Spinner size="small" label={label} labelPosition="after" />;
}

export function Empty({ children }: { children: ReactNode }) {
  const s = usePageStyles();
  return <Text className={s.muted}>{children}</Text>;
}

/** The quiet confirmation beside a setting saved on change. */
export function Saved({ show }: { show: boolean }) {
  const s = usePageStyles();
  return (
    <Caption1 className={s.muted} aria-live="polite">
      {show ? 'Saved' : ''}
    </Caption1>
  );
}

/** The list's state and its "Load more". */
export function ListFooter({ loading, error, hasMore, onMore, onRetry, what }: { loading: boolean; error: Error | null; hasMore: boolean; onMore: () => void; onRetry: () => void; what: string }) {
  if (error) return <ErrorBar what={`Could not load ${what}`} error={error} onRetry={onRetry} />;
  if (loading) return <Loading label={`Loading ${what}…`} />;
  if (hasMore) return <Button onClick={onMore}>Load more</Button>;
  return null;
}

/**
 * A table that scrolls sideways inside its own box on a narrow screen (360 px) instead of widening the
 * page: a region named after what it holds, focusable so the keyboard can scroll it too (WCAG 2.1.1;
 * axe-core's scrollable-region-focusable).
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  const s = usePageStyles();
  return (
    <div className={mergeClasses(s.scroll, s.readable)} role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
