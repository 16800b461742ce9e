// Settings › Devices and access tokens (docs/product.md §9): the person's browser sessions and access
// tokens (`GET /api/v1/sessions`), this device marked. Another session can be ended; a token revoked
// after a confirmation, since whatever uses it stops working at once. A new token is shown once.
import { useState } from 'react';
import { Badge, Button, Caption1, Field, Input, MessageBar, MessageBarBody, MessageBarTitle, Text } from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import type { Device, NewAccessToken } from '../../shared/api.js';
import { sessionApi } from '../../ui/api/session-api.js';
import { relativeTime } from '../../ui/helpers/relative-time.js';
import { Confirm, type Question } from '../components/confirm.js';
import { Empty, ErrorBar, Loading, Outcome, usePageStyles } from '../components/page.js';
import { useResource } from '../components/paged.js';
import { SectionHeading } from './SectionHeading.js';

const when = (at: string) => new Date(at).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' });

function describe(d: Device): string {
  const kind = d.kind === 'session' ? 'Browser' : 'Access token';
  return `${kind} · since ${when(d.createdAt)} · ${d.lastUsedAt ? `last used ${relativeTime(d.lastUsedAt)}` : 'never used'}`;
}

/** `version` changes when something else (a password change) ended sessions: the list is read again. */
export function DevicesSection({ version }: { version: number }) {
  const s = usePageStyles();
  const list = useResource(() => sessionApi.devices(), `devices-${version}`);
  const [said, setSaid] = useState<{ intent: 'success' | 'error'; text: string } | null>(null);
  const [question, setQuestion] = useState<Question | null>(null);
  const devices = list.value ?? [];
  const [name, setName] = useState('');
  const [made, setMade] = useState<NewAccessToken | null>(null);

  async function create() {
    if (!name.trim()) return setSaid({ intent: 'error', text: 'Name the token after where it is used, e.g. "CRM sync".' });
    try {
      const t = await sessionApi.createAccessToken(name.trim());
      setMade(t);
      setName('');
      setSaid(null);
      list.reload();
    } catch (e) {
      setSaid({ intent: 'error', text: `Could not create the token: ${(e as Error).message}` });
    }
  }

  async function end(d: Device) {
    try {
      if (d.kind === 'token') await sessionApi.revokeAccessToken(d.id);
      else await sessionApi.endDevice(d.id);
      list.set(devices.filter((x) => x.id !== d.id));
      setSaid({ intent: 'success', text: d.kind === 'token' ? `Token "${d.name}" revoked: whatever used it is signed out.` : `Session "${d.name}" ended: that browser is signed out.` });
    } catch (e) {
      setSaid({ intent: 'error', text: `Could not end "${d.name}": ${(e as Error).message} Reload the page and try again.` });
    }
  }
  const revoke = (d: Device) =>
    setQuestion({
      title: `Revoke the token "${d.name}"?`,
      body: 'Whatever uses it (the Outlook add-in, a script) is signed out at once and needs a new token. This cannot be undone.',
      confirm: 'Revoke token',
      run: () => end(d),
    });

  return (
    <section className={s.card} aria-labelledby="mb-devices">
      <SectionHeading id="mb-devices" title="Devices and access tokens" />
      <Caption1 className={s.muted}>Browsers signed in as you, and the tokens the Outlook add-in and your scripts use.</Caption1>
      <Outcome outcome={said} />
      {made && (
        <MessageBar intent="success" layout="multiline">
          <MessageBarBody className={s.section}>
            <MessageBarTitle>Token "{made.name}" created</MessageBarTitle>
            <Text>Copy it now: you won't see this token again. Scripts send it in the header "Authorization: Bearer" followed by the token.</Text>
            <Field label="Access token">
              <Input readOnly value={made.accessToken} className={s.mono} onFocus={(e) => e.target.select()} />
            </Field>
            <div className={s.row}>
              <Button size="small" icon={<CopyRegular />} onClick={() => void navigator.clipboard?.writeText(made.accessToken)}>
                Copy token
              </Button>
              <Button size="small" onClick={() => setMade(null)}>
                Done
              </Button>
            </div>
          </MessageBarBody>
        </MessageBar>
      )}
      {list.error && <ErrorBar what="Could not load your devices" error={list.error} onRetry={list.reload} />}
      {!list.value ? (
        !list.error && <Loading label="Loading your devices…" />
      ) : devices.length === 0 ? (
        <Empty>No devices or tokens.</Empty>
      ) : (
        <ul aria-label="Devices and access tokens" style={{ listStyle: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', rowGap: 8 }}>
          {devices.map((d) => (
            <li key={d.id} className={s.row} style={{ justifyContent: 'space-between' }}>
              <div className={s.section} style={{ rowGap: 0 }}>
                <div className={s.row}>
                  <Text weight="semibold">{d.name}</Text>
                  {d.current && (
                    <Badge appearance="tint" color="success">
                      This device
                    </Badge>
                  )}
                </div>
                <Caption1 className={s.muted}>{describe(d)}</Caption1>
              </div>
              {!d.current &&
                (d.kind === 'token' ? (
                  <Button size="small" onClick={() => revoke(d)} aria-label={`Revoke ${d.name}`}>
                    Revoke
                  </Button>
                ) : (
                  <Button size="small" onClick={() => void end(d)} aria-label={`End session ${d.name}`}>
                    End session
                  </Button>
                ))}
            </li>
          ))}
        </ul>
      )}
      <form
        className={s.row}
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <Field label="New token's name">
          <Input value={name} onChange={(_, d) => setName(d.value)} maxLength={100} placeholder="CRM sync" />
        </Field>
        <Button type="submit" style={{ alignSelf: 'flex-end' }}>
          Create access token
        </Button>
      </form>
      <Confirm question={question} onClose={() => setQuestion(null)} />
    </section>
  );
}
