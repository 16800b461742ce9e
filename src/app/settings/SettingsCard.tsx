// A card around a Settings section the add-in shares (mailbox, channels), with the page's quiet
// "Saved" or the server's refusal below it.
import type { ReactNode } from 'react';
import { Outcome, Saved, usePageStyles } from '../components/page.js';

export function SettingsCard({ saver, children }: { saver: { saved: boolean; error: string | null }; children: ReactNode }) {
  const s = usePageStyles();
  return (
    <div className={s.card}>
      {children}
      <Saved show={saver.saved} />
      {saver.error && <Outcome outcome={{ intent: 'error', text: `Not saved: ${saver.error}` }} />}
    </div>
  );
}
