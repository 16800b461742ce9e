// A list of short values edited as tags: type, press Enter (or comma) to add; each tag is a button
// that removes it. (Fluent's Tag components would add ~5 KB gzipped for the same behaviour.)
import { useState } from 'react';
import { Button, Field, Input } from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';

interface Props {
  label: string;
  hint: string;
  values: string[];
  /** Returns a message when the value is not acceptable, or null. */
  validate(value: string): string | null;
  onChange(values: string[]): void;
}

export function TagListInput({ label, hint, values, validate, onChange }: Props) {
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  function add() {
    const v = draft.trim().toLowerCase();
    if (!v) return;
    const bad = validate(v);
    if (bad) return setProblem(bad);
    setProblem(null);
    setDraft('');
    if (!values.includes(v)) onChange([...values, v]);
  }
  return (
    <div>
      <Field label={label} hint={hint} validationMessage={problem ?? undefined} validationState={problem ? 'error' : 'none'}>
        <Input
          value={draft}
          onChange={(_, d) => setDraft(d.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ',') {
              e.preventDefault();
              add();
            }
          }}
          onBlur={add}
        />
      </Field>
      {values.length > 0 && (
        <ul aria-label={label} style={{ listStyle: 'none', padding: 0, margin: '4px 0 0', display: 'flex', flexWrap: 'wrap', gap: 4 }}>
          {values.map((v) => (
            <li key={v}>
              <Button size="small" shape="circular" icon={<DismissRegular />} iconPosition="after" aria-label={`Remove ${v}`} onClick={() => onChange(values.filter((x) => x !== v))}>
                {v}
              </Button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
