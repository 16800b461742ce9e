// "This email": the Log and Track switches for this draft only, and what tracking will do.
import { Caption1, Subtitle2, Switch, makeStyles, tokens } from '@fluentui/react-components';
import { Panel } from './Panel.js';
import type { ComposeState } from '../models/item-state.js';
import { usePaneStyles } from '../../ui/components/styles.js';

const useStyles = makeStyles({
  option: { display: 'flex', flexDirection: 'column' },
  // Lines the description up under the switch's label (indicator 40 px + Switch's own padding).
  hint: { margin: `-${tokens.spacingVerticalXS} 0 0`, paddingLeft: '52px', color: tokens.colorNeutralForeground3 },
});

interface Props {
  state: ComposeState | null;
  busy: boolean;
  summary: string[];
  onLog(on: boolean): void;
  onTrack(on: boolean): void;
  onRemind?(on: boolean): void;
}

export function ThisEmailCard({ state, busy, summary, onLog, onTrack, onRemind }: Props) {
  const s = usePaneStyles();
  const c = useStyles();
  const disabled = !state || busy;
  return (
    <Panel labelledBy="mb-this-email">
      <Subtitle2 as="h2" id="mb-this-email" className={s.heading}>
        This email
      </Subtitle2>
      <div className={s.section}>
        <div className={c.option}>
          <Switch label="Log" checked={state?.log ?? false} disabled={disabled} aria-describedby="mb-log-hint" onChange={(_, d) => onLog(d.checked)} />
          <Caption1 block id="mb-log-hint" className={c.hint}>
            Save a copy, with attachments, to each recipient's timeline
          </Caption1>
        </div>
        <div className={c.option}>
          <Switch label="Track" checked={state?.track ?? false} disabled={disabled} aria-describedby="mb-track-hint" onChange={(_, d) => onTrack(d.checked)} />
          <Caption1 block id="mb-track-hint" className={c.hint}>
            Notify me when it's opened or a link is clicked
          </Caption1>
        </div>
        {onRemind && (
          <div className={c.option}>
            <Switch
              label="Remind me if no reply"
              checked={!!state?.remindDays}
              disabled={disabled || !state?.track}
              aria-describedby="mb-remind-hint"
              onChange={(_, d) => onRemind(d.checked)}
            />
            <Caption1 block id="mb-remind-hint" className={c.hint}>
              {state?.track
                ? `A reminder if nobody replies within ${state?.remindDays ?? 'a few'} day${state?.remindDays === 1 ? '' : 's'} (needs a connected mailbox to see replies)`
                : 'Turn on Track to be reminded'}
            </Caption1>
          </div>
        )}
        {summary.map((line) => (
          <Caption1 key={line} block>
            {line}
          </Caption1>
        ))}
      </div>
    </Panel>
  );
}
