// Templates (docs/product.md §7): search the published ones, preview one personalised for the first recipient,
// then insert it at the cursor or send it through the single-send API.
import { useEffect, useState } from 'react';
import { Button, Caption1, SearchBox, Spinner, Subtitle2, Text } from '@fluentui/react-components';
import type { Template } from '../../shared/api.js';
import type { EmailAddress } from '../office/host.js';
import { searchTemplates } from '../helpers/template-fields.js';
import { useServices } from '../hooks/services.js';
import { usePaneStyles } from '../../ui/components/styles.js';
import { TemplatePreview } from './TemplatePreview.js';

const SHOWN = 5;

export function TemplatePicker({ recipient }: { recipient: EmailAddress | undefined }) {
  const { api } = useServices();
  const s = usePaneStyles();
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<Template | null>(null);

  useEffect(() => {
    api.listTemplates().then(setTemplates, (e: Error) => setError(e.message));
  }, [api]);

  if (chosen) return <TemplatePreview template={chosen} recipient={recipient} onBack={() => setChosen(null)} />;
  const found = searchTemplates(templates ?? [], query);
  return (
    <section className={s.section} aria-labelledby="mb-templates">
      <Subtitle2 as="h2" id="mb-templates" className={s.heading}>
        Templates
      </Subtitle2>
      <SearchBox placeholder="Search templates" aria-label="Search templates" value={query} onChange={(_, d) => setQuery(d.value)} />
      {templates === null && !error && <Spinner size="tiny" label="Loading templates…" />}
      {error && <Caption1 className={s.muted}>Templates are unavailable: {error}</Caption1>}
      {templates !== null && found.length === 0 && (
        <Caption1 className={s.muted}>{query ? 'No published template matches.' : 'No published templates yet.'}</Caption1>
      )}
      <ul className={s.list}>
        {found.slice(0, SHOWN).map((t) => (
          <li key={t.id}>
            <Button appearance="subtle" style={{ width: '100%', justifyContent: 'flex-start', textAlign: 'left' }} onClick={() => setChosen(t)}>
              <span>
                <Text weight="semibold" block>
                  {t.name}
                </Text>
                <Caption1 block className={s.muted}>
                  {t.subject}
                </Caption1>
              </span>
            </Button>
          </li>
        ))}
      </ul>
      {found.length > SHOWN && <Caption1 className={s.muted}>{found.length - SHOWN} more — refine the search.</Caption1>}
    </section>
  );
}
