// A Settings section's heading with its quiet "Saved" and, when a change was refused, the server's words.
import { Text } from '@fluentui/react-components';
import { Outcome, Saved, usePageStyles } from '../components/page.js';

export function SectionHeading({ id, title, saver }: { id: string; title: string; saver?: { saved: boolean; error: string | null } }) {
  const s = usePageStyles();
  return (
    <>
      <div className={s.row} style={{ justifyContent: 'space-between' }}>
        <Text as="h2" size={500} weight="semibold" id={id} style={{ margin: 0 }}>
          {title}
        </Text>
        {saver && <Saved show={saver.saved} />}
      </div>
      {saver?.error && <Outcome outcome={{ intent: 'error', text: `Not saved: ${saver.error}` }} />}
    </>
  );
}
