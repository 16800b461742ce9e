// Who (or what) made an open or click, as a chip; activating it reveals the backend's reasons inline
// (a disclosure reads better than a popup in a 320 px pane, and needs no positioning code).
import { useId, useState } from 'react';
import { Button, Caption1 } from '@fluentui/react-components';
import type { EngagementEvent } from '../../shared/api.js';
import { VERDICT_LABEL } from '../helpers/labels.js';

export function VerdictChip({ event }: { event: Pick<EngagementEvent, 'verdict' | 'counted' | 'reasons'> }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const label = VERDICT_LABEL[event.verdict];
  return (
    <span style={{ display: 'inline-flex', flexDirection: 'column', alignItems: 'flex-end' }}>
      <Button size="small" shape="circular" appearance={event.counted ? 'primary' : 'outline'} aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}>
        {label}
      </Button>
      {open && (
        <span id={id} role="note" style={{ maxWidth: 220, textAlign: 'right' }}>
          <Caption1>{event.reasons.length ? event.reasons.join(' · ') : 'No details recorded.'}</Caption1>
        </span>
      )}
    </span>
  );
}
