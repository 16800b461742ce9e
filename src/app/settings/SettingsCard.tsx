// A card around a Settings section the add-in shares (mailbox, channels), with the page's quiet
// "Saved" or the server's refusal below it. The shared sections are laid out for the 350 px pane: here
// their heading takes the page's section size and their fields keep a readable width.
import type { ReactNode } from 'react';
import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { Outcome, Saved, usePageStyles } from '../components/page.js';

const useStyles = makeStyles({
  fit: {
    '& h2': { fontSize: tokens.fontSizeBase500, lineHeight: tokens.lineHeightBase500 },
    '& .fui-Field': { maxWidth: '480px' },
  },
});

export function SettingsCard({ saver, children }: { saver: { saved: boolean; error: string | null }; children: ReactNode }) {
  const s = usePageStyles();
  const own = useStyles();
  return (
    <div className={mergeClasses(s.card, own.fit)}>
      {children}
      <Saved show={saver.saved} />
      {saver.error && <Outcome outcome={{ intent: 'error', text: `Not saved: ${saver.error}` }} />}
    </div>
  );
}
