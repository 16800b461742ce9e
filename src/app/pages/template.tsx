// /app/templates/{id}: the template editor (docs/product.md §10). The form and the HTML code editor on
// the left, the server's rendering of what is typed on the right (debounced; an answer older than the
// latest request is dropped), a field for each personalization token the server found in the template,
// desktop and phone widths, Save, Publish (confirmed), Send test to oneself, and the template's statistics.
// Below 900 px the editor and the preview are two tabs.
import { Suspense, useId, useState } from 'react';
import {
  Badge,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Label,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Tab,
  TabList,
  Text,
  Textarea,
  ToggleButton,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { Template, TemplateInput } from '../../shared/api.js';
import { sameOriginApi, useAppApi, type AppApi } from '../api.js';
import { ApiError } from '../../ui/api/client.js';
import { useSession } from '../session.js';
import { useMedia } from '../components/media.js';
import { ErrorBar, Loading, Outcome, PageFrame, usePageStyles } from '../components/page.js';
import { useResource } from '../components/paged.js';
import { propertiesOf, usePreview, type Values } from '../components/live-preview.js';
import { preloadable } from '../components/preloadable.js';

const WIDTHS = { desktop: 600, phone: 375 } as const;

// CodeMirror is most of this page's code. Its chunk is preloaded beside this page's own chunk (webpack
// adds a <link rel=preload> when this chunk is asked for), so it downloads while the session, this page
// and the template load, and it is evaluated as soon as this page's code runs: by the time the template
// has arrived it is usually ready, and renders without suspending.
const htmlEditor = preloadable(() => import(/* webpackPreload: true */ '../components/HtmlEditor.js').then((m) => m.HtmlEditor));
void htmlEditor.preload().catch(() => undefined);
const HtmlEditor = htmlEditor.Component;

// A template opened directly (/app/templates/7) is asked for as soon as this page's code runs, beside the
// session check and the code editor, rather than after the page's first render. Used once; asked while
// signed out (401), it is asked again the ordinary way after sign-in; any other answer (404…) stands.
const opened = /^\/app\/templates\/(\d+)$/.exec(location.pathname);
let early: { id: number; answer: Promise<Template> } | null = opened ? { id: Number(opened[1]), answer: sameOriginApi().template(Number(opened[1])) } : null;
early?.answer.catch(() => undefined);
function templateOf(api: AppApi, id: number): Promise<Template> {
  const mine = early?.id === id ? early.answer : null;
  early = null;
  return mine ? mine.catch((e: unknown) => (e instanceof ApiError && e.kind === 'unauthorized' ? api.template(id) : Promise.reject(e))) : api.template(id);
}

const useStyles = makeStyles({
  split: { display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)', gap: tokens.spacingHorizontalXL, alignItems: 'start' },
  column: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalM, minWidth: 0 },
  pane: {
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
    padding: tokens.spacingHorizontalS,
    overflowX: 'auto',
  },
  frame: { display: 'block', margin: '0 auto', height: '560px', maxWidth: '100%', border: 'none', backgroundColor: '#ffffff' },
  tokens: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(180px, 1fr))', gap: tokens.spacingHorizontalM },
  stats: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(110px, 1fr))', gap: tokens.spacingHorizontalM },
  stat: { display: 'flex', flexDirection: 'column' },
});

const inputOf = (t: Template): TemplateInput => ({ name: t.name, subject: t.subject, html: t.html, text: t.text ?? '', subscriptionType: t.subscriptionType, sendMethod: t.sendMethod });
const same = (a: TemplateInput, b: TemplateInput) => JSON.stringify(a) === JSON.stringify(b);

export default function TemplatePage(props: { params: Record<string, string> }) {
  const id = Number(props.params.id);
  const api = useAppApi();
  const loaded = useResource(() => templateOf(api, id), String(id));
  if (loaded.error && !loaded.value) {
    return (
      <PageFrame title="Template">
        <ErrorBar what="Could not load the template" error={loaded.error} onRetry={loaded.reload} />
      </PageFrame>
    );
  }
  if (!loaded.value) {
    return (
      <PageFrame title="Template">
        <Loading label="Loading the template…" />
      </PageFrame>
    );
  }
  return <Editor key={loaded.value.id} initial={loaded.value} />;
}

function Editor({ initial }: { initial: Template }) {
  const api = useAppApi();
  const { user } = useSession();
  const s = useStyles();
  const p = usePageStyles();
  const narrow = useMedia('(max-width: 899px)');
  const [saved, setSaved] = useState(initial);
  const [draft, setDraft] = useState<TemplateInput>(() => inputOf(initial));
  const [values, setValues] = useState<Values>({});
  const [tab, setTab] = useState<'edit' | 'preview'>('edit');
  const [width, setWidth] = useState<keyof typeof WIDTHS>('desktop');
  const [busy, setBusy] = useState<null | 'save' | 'publish' | 'test'>(null);
  const [outcome, setOutcome] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const preview = usePreview(api.previewTemplate, saved.id, draft, values);
  const dirty = !same(draft, inputOf(saved));
  const unpublished = saved.state === 'PUBLISHED' && (saved.hasUnpublishedChanges || dirty);
  const ids = { html: useId(), text: useId() };
  const set = (field: keyof TemplateInput) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));

  async function save(): Promise<Template | null> {
    setBusy('save');
    try {
      const t = await api.saveTemplate(saved.id, { ...draft, text: draft.text || null });
      setSaved(t);
      setDraft(inputOf(t));
      setOutcome({ intent: 'success', text: 'Template saved.' });
      return t;
    } catch (e) {
      setOutcome({ intent: 'error', text: `Could not save the template: ${(e as Error).message}` });
      return null;
    } finally {
      setBusy(null);
    }
  }

  async function publish() {
    setConfirming(false);
    if (dirty && !(await save())) return;
    setBusy('publish');
    try {
      const t = await api.publishTemplate(saved.id);
      setSaved(t);
      setOutcome({ intent: 'success', text: 'Published: single sends use this version from now on.' });
    } catch (e) {
      setOutcome({ intent: 'error', text: `Could not publish: ${(e as Error).message}` });
    } finally {
      setBusy(null);
    }
  }

  async function sendTest() {
    setBusy('test');
    try {
      const sent = await api.sendTest(saved.id, { ...propertiesOf(values), template: { subject: draft.subject, html: draft.html, text: draft.text || null } });
      const missing = sent.missing.length ? ` ${sent.missing.join(', ')} had no value and rendered empty.` : '';
      setOutcome({ intent: 'success', text: `Test sent to ${sent.to}.${missing}` });
    } catch (e) {
      setOutcome({ intent: 'error', text: `Could not send the test: ${(e as Error).message}` });
    } finally {
      setBusy(null);
    }
  }

  const form = (
    <div className={s.column}>
      <Field label="Name" required>
        <Input value={draft.name} onChange={(_, d) => set('name')(d.value)} />
      </Field>
      <Field label="Subject" required>
        <Input value={draft.subject} onChange={(_, d) => set('subject')(d.value)} />
      </Field>
      <div className={p.section}>
        <Label id={ids.html} required>
          HTML
        </Label>
        <Suspense fallback={<Loading label="Loading the code editor…" />}>
          <HtmlEditor value={draft.html} onChange={set('html')} labelledBy={ids.html} />
        </Suspense>
        <Text size={200} className={p.muted}>
          Personalize with {'{{ contact.firstname | default: "there" }}'} or {'{{ custom.order_id }}'}. Ctrl+F searches; the arrows in the margin fold.
        </Text>
      </div>
      <Field label="Plain text" hint="Leave empty to derive it from the HTML.">
        <Textarea value={draft.text ?? ''} onChange={(_, d) => set('text')(d.value)} resize="vertical" rows={4} />
      </Field>
      <div className={p.row} style={{ alignItems: 'flex-start', columnGap: tokens.spacingHorizontalXXL }}>
        <Field label="Subscription type">
          <RadioGroup value={draft.subscriptionType} onChange={(_, d) => set('subscriptionType')(d.value)}>
            <Radio value="TRANSACTIONAL" label="Transactional" />
            <Radio value="MARKETING" label="Marketing (adds an unsubscribe link)" />
          </RadioGroup>
        </Field>
        <Field label="Send method">
          <RadioGroup value={draft.sendMethod} onChange={(_, d) => set('sendMethod')(d.value)}>
            <Radio value="API" label="API (single send)" />
            <Radio value="REGULAR" label="Regular" />
          </RadioGroup>
        </Field>
      </div>
    </div>
  );

  const previewPane = (
    <div className={s.column}>
      <div className={p.row} style={{ justifyContent: 'space-between' }}>
        <Text weight="semibold" as="h2" style={{ margin: 0 }}>
          Preview
        </Text>
        <div className={p.row} role="group" aria-label="Preview width">
          <ToggleButton size="small" checked={width === 'desktop'} onClick={() => setWidth('desktop')}>
            Desktop
          </ToggleButton>
          <ToggleButton size="small" checked={width === 'phone'} onClick={() => setWidth('phone')}>
            Phone
          </ToggleButton>
        </div>
      </div>
      {preview.error && (
        <MessageBar intent="warning">
          <MessageBarBody>{preview.error}</MessageBarBody>
        </MessageBar>
      )}
      {preview.result && (
        <>
          <Text>
            <strong>Subject:</strong> <span data-testid="preview-subject">{preview.result.subject}</span>
          </Text>
          {preview.result.missing.length > 0 && (
            <MessageBar intent="warning">
              <MessageBarBody>No value for {preview.result.missing.join(', ')}: rendered empty. Fill it in below, or give it a default.</MessageBarBody>
            </MessageBar>
          )}
          <div className={s.pane}>
            {/* No scripts and no origin: the email is shown the way a mail client would show it. */}
            <iframe title="Email preview" sandbox="" srcDoc={preview.result.html} className={s.frame} style={{ width: WIDTHS[width] }} />
          </div>
        </>
      )}
      {!preview.result && !preview.error && <Loading label="Rendering the preview…" />}
      <section className={p.section} aria-label="Personalization values">
        <Text weight="semibold" as="h2" style={{ margin: 0 }}>
          Personalization
        </Text>
        {preview.tokens.length === 0 ? (
          <Text className={p.muted}>This template uses no personalization tokens.</Text>
        ) : (
          <div className={s.tokens}>
            {preview.tokens.map((token) => (
              <Field key={token} label={token}>
                <Input style={{ minWidth: 0 }} value={values[token] ?? ''} onChange={(_, d) => setValues((v) => ({ ...v, [token]: d.value }))} />
              </Field>
            ))}
          </div>
        )}
      </section>
    </div>
  );

  return (
    <PageFrame
      title={saved.name}
      actions={
        <>
          <Badge appearance="tint" color={saved.state === 'PUBLISHED' ? 'success' : 'informative'}>
            {saved.state === 'PUBLISHED' ? 'Published' : 'Draft'}
          </Badge>
          {unpublished && (
            <Badge appearance="tint" color="warning">
              Unpublished changes
            </Badge>
          )}
          <Button onClick={() => void save()} disabled={busy !== null || !dirty}>
            Save
          </Button>
          <Button onClick={() => void sendTest()} disabled={busy !== null} title={`Sends this version to ${user.email}`}>
            Send test
          </Button>
          <Button appearance="primary" onClick={() => setConfirming(true)} disabled={busy !== null || (saved.state === 'PUBLISHED' && !unpublished)}>
            Publish
          </Button>
        </>
      }
    >
      <Outcome outcome={outcome} />
      {narrow ? (
        <>
          <TabList selectedValue={tab} onTabSelect={(_, d) => setTab(d.value as 'edit' | 'preview')}>
            <Tab value="edit">Edit</Tab>
            <Tab value="preview">Preview</Tab>
          </TabList>
          {tab === 'edit' ? form : previewPane}
        </>
      ) : (
        <div className={s.split}>
          {form}
          {previewPane}
        </div>
      )}
      <Statistics campaignId={saved.emailCampaignId} />
      <Dialog open={confirming} onOpenChange={(_, d) => setConfirming(d.open)}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>Publish {saved.name}?</DialogTitle>
            <DialogContent>
              {dirty ? 'Your changes are saved first. ' : ''}
              From now on every single send of this template{saved.sendMethod === 'API' ? ' through the API' : ''} uses this version.
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
              <Button appearance="primary" onClick={() => void publish()}>
                Publish now
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </PageFrame>
  );
}

const STATS: Array<[string, string]> = [
  ['processed', 'Processed'],
  ['delivered', 'Delivered'],
  ['bounce', 'Bounced'],
  ['dropped', 'Dropped'],
  ['open', 'Opens'],
  ['click', 'Clicks'],
];

function Statistics({ campaignId }: { campaignId?: string }) {
  const api = useAppApi();
  const s = useStyles();
  const p = usePageStyles();
  const stats = useResource(() => (campaignId ? api.campaign(campaignId) : Promise.resolve(null)), campaignId ?? '');
  return (
    <section className={p.card} aria-labelledby="mb-template-stats">
      <Text weight="semibold" as="h2" id="mb-template-stats" style={{ margin: 0 }}>
        Statistics
      </Text>
      {stats.error ? (
        <ErrorBar what="Could not load the statistics" error={stats.error} onRetry={stats.reload} />
      ) : !stats.value ? (
        <Loading label="Loading statistics…" />
      ) : (
        <div className={s.stats}>
          {STATS.map(([key, label]) => (
            <div key={key} className={s.stat}>
              <Text size={500} weight="semibold">
                {(stats.value!.counters as unknown as Record<string, number>)[key] ?? 0}
              </Text>
              <Text size={200} className={p.muted}>
                {label}
              </Text>
            </div>
          ))}
        </div>
      )}
      <Text size={200} className={p.muted}>
        Sends of the published template; test sends are not counted.
      </Text>
    </section>
  );
}
