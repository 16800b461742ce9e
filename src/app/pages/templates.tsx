// /app/templates: the account's templates with their state, and New template (docs/product.md §10).
import { useState } from 'react';
import { Badge, Button, Link } from '@fluentui/react-components';
import { AddRegular } from '@fluentui/react-icons';
import type { Template } from '../../shared/api.js';
import { useAppApi } from '../api.js';
import { navigate } from '../router.js';
import { Empty, ListFooter, Outcome, PageFrame, TableScroll, usePageStyles } from '../components/page.js';
import { usePaged } from '../components/paged.js';

const STARTER = {
  subject: 'Hello {{ contact.firstname | default: "there" }}',
  html: '<!doctype html>\n<html>\n  <body>\n    <p>Hello {{ contact.firstname | default: "there" }},</p>\n    <p>Your order {{ custom.order_id }} is on its way.</p>\n  </body>\n</html>\n',
};

export default function TemplatesPage(_props: { params: Record<string, string> }) {
  const api = useAppApi();
  const s = usePageStyles();
  const list = usePaged((after) => api.templates(after), 'templates');
  const [outcome, setOutcome] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);
  const [creating, setCreating] = useState(false);

  async function create() {
    setCreating(true);
    try {
      const t = await api.createTemplate({ name: 'Untitled template', ...STARTER, text: null, subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' });
      navigate(`/app/templates/${t.id}`);
    } catch (e) {
      setOutcome({ intent: 'error', text: `Could not create a template: ${(e as Error).message}` });
      setCreating(false);
    }
  }

  return (
    <PageFrame
      title="Templates"
      actions={
        <Button appearance="primary" icon={<AddRegular />} onClick={() => void create()} disabled={creating}>
          New template
        </Button>
      }
    >
      <Outcome outcome={outcome} />
      {list.loaded && list.items.length === 0 ? (
        <Empty>No templates yet. Create one with New template; once published, it appears in the Outlook add-in's picker and can be sent with the single-send API.</Empty>
      ) : (
        list.items.length > 0 && (
          <TableScroll label="Templates table">
            <table className={s.table}>
              <caption style={{ textAlign: 'left' }} className={s.muted}>
                Your account's templates
              </caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Subject</th>
                  <th scope="col">State</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((t) => (
                  <TemplateRow key={t.id} t={t} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        )
      )}
      <ListFooter what="templates" loading={list.loading} error={list.error} hasMore={list.hasMore} onMore={list.more} onRetry={list.reload} />
    </PageFrame>
  );
}

function TemplateRow({ t }: { t: Template }) {
  return (
    <tr>
      <td>
        <Link href={`/app/templates/${t.id}`}>{t.name}</Link>
      </td>
      <td>{t.subject}</td>
      <td>
        <Badge appearance="tint" color={t.state === 'PUBLISHED' ? 'success' : 'informative'}>
          {t.state === 'PUBLISHED' ? 'Published' : 'Draft'}
        </Badge>{' '}
        {t.hasUnpublishedChanges && (
          <Badge appearance="tint" color="warning">
            Unpublished changes
          </Badge>
        )}
      </td>
      <td>{new Date(t.updatedAt).toLocaleString()}</td>
    </tr>
  );
}
