// One template, personalised: contact fields from the recipient's contact, custom fields from a small
// form, rendered by the backend; then Insert (at the cursor) or Send now (single send, confirmed).
import { useEffect, useMemo, useState } from 'react';
import { Button, Caption1, Field, Input, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, Subtitle2, Text } from '@fluentui/react-components';
import type { PreviewResult, Template } from '../../shared/api.js';
import type { SendStatusView } from '../../shared/hubspot.js';
import type { EmailAddress } from '../office/host.js';
import { newTrackingId } from '../helpers/ids.js';
import { contactProperties, templateFields } from '../helpers/template-fields.js';
import { useContacts } from './RecipientList.js';
import { useServices } from '../hooks/services.js';
import { usePaneStyles } from '../../ui/components/styles.js';

type Status = { intent: 'success' | 'error' | 'info'; text: string } | null;

interface Props {
  template: Template;
  recipient: EmailAddress | undefined;
  onBack(): void;
}

export const canSendNow = (t: Template) => t.subscriptionType === 'TRANSACTIONAL' && t.sendMethod === 'API';

function sendStatusText(r: SendStatusView, to: string): Status {
  const result = r.sendResult;
  if (result === 'SENT' || result === 'QUEUED' || (!result && r.status !== 'CANCELED')) return { intent: 'success', text: `Sent to ${to}.` };
  if (result === 'IDEMPOTENT_IGNORE') return { intent: 'info', text: `Already sent to ${to}.` };
  return { intent: 'error', text: `Not sent to ${to}: ${(result ?? r.status).toLowerCase().replace(/_/g, ' ')}.` };
}

export function TemplatePreview({ template, recipient, onBack }: Props) {
  const { api, host } = useServices();
  const s = usePaneStyles();
  const address = recipient?.address.toLowerCase() ?? '';
  const contact = useContacts(address ? [address] : []).get(address) ?? null;
  const fields = useMemo(() => templateFields(template, 'custom'), [template]);
  const [custom, setCustom] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<PreviewResult | null>(null);
  const [status, setStatus] = useState<Status>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  // One sendId per preview: a second click cannot send a second email.
  const sendId = useMemo(() => newTrackingId(), []);
  const contactProps = useMemo(() => (recipient ? contactProperties(contact, recipient) : {}), [contact, recipient]);
  const customProps = useMemo(() => Object.fromEntries(Object.entries(custom).filter(([, v]) => v !== '')), [custom]);

  useEffect(() => {
    // Debounced: typing in the form re-renders the preview once the user pauses.
    const t = setTimeout(() => {
      api.previewTemplate(template.id, { contactProperties: contactProps, customProperties: customProps }).then(setPreview, (e: Error) => setStatus({ intent: 'error', text: e.message }));
    }, 250);
    return () => clearTimeout(t);
  }, [api, template.id, contactProps, customProps]);

  async function run(action: () => Promise<Status>) {
    setBusy(true);
    try {
      setStatus(await action());
    } catch (e) {
      setStatus({ intent: 'error', text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }
  const insert = () =>
    run(async () => {
      await host.insertHtml(preview!.html);
      // A template's subject helps most when the draft has none yet.
      if (!(await host.getSubject()).trim()) await host.setSubject(preview!.subject);
      return { intent: 'success', text: 'Inserted into your email.' };
    });
  const send = () =>
    run(async () => {
      setConfirming(false);
      const to = recipient!.address;
      const r = await api.singleSend({ emailId: template.id, message: { to, sendId }, contactProperties: contactProps, customProperties: customProps });
      return sendStatusText(r, to);
    });

  const sendable = canSendNow(template);
  return (
    <section className={s.section} aria-labelledby="mb-template-preview">
      <div className={s.row}>
        <Button size="small" appearance="subtle" onClick={onBack}>
          ← All templates
        </Button>
      </div>
      <Subtitle2 as="h2" id="mb-template-preview" className={s.heading}>
        {template.name}
      </Subtitle2>
      <Caption1 className={s.muted}>{recipient ? `Personalised for ${contact?.name || recipient.name || recipient.address}` : 'Add a recipient to personalise it.'}</Caption1>
      {fields.map((f) => (
        <Field key={f.name} label={f.name.replace(/_/g, ' ')} size="small">
          <Input size="small" value={custom[f.name] ?? ''} placeholder={f.fallback ?? ''} onChange={(_, d) => setCustom((c) => ({ ...c, [f.name]: d.value }))} />
        </Field>
      ))}
      {preview && (
        <>
          <Text weight="semibold">{preview.subject}</Text>
          {preview.missing.length > 0 && (
            <MessageBar intent="warning">
              <MessageBarBody>Missing: {preview.missing.join(', ')}</MessageBarBody>
            </MessageBar>
          )}
          <iframe title={`Preview of ${template.name}`} sandbox="" srcDoc={preview.html} style={{ width: '100%', height: 200, border: '1px solid', borderRadius: 4, background: '#fff' }} />
        </>
      )}
      <div className={s.row}>
        <Button appearance="primary" disabled={!preview || busy} onClick={insert}>
          Insert
        </Button>
        <Button disabled={!preview || busy || !recipient || !sendable} onClick={() => setConfirming(true)}>
          Send now
        </Button>
      </div>
      {!sendable && <Caption1 className={s.muted}>Only transactional templates sent by API can be sent from here.</Caption1>}
      {confirming && (
        // Inline rather than a modal dialog: the pane is narrow, and the question belongs to this template.
        <MessageBar intent="warning" layout="multiline" role="alertdialog" aria-labelledby="mb-confirm-send">
          <MessageBarBody>
            <MessageBarTitle id="mb-confirm-send">Send now?</MessageBarTitle>
            Mailbeacon will send “{template.name}” to {recipient?.address} right away, separately from this draft.
          </MessageBarBody>
          <MessageBarActions>
            <Button appearance="primary" size="small" autoFocus onClick={send}>
              Send to {recipient?.address}
            </Button>
            <Button size="small" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </MessageBarActions>
        </MessageBar>
      )}
      {status && (
        <MessageBar intent={status.intent} role="status">
          <MessageBarBody>{status.text}</MessageBarBody>
        </MessageBar>
      )}
    </section>
  );
}
