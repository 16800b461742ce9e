// The Email tab while writing: This email (Log/Track), Recipients, Templates (docs/product.md §7).
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { LinkSummary } from '../../shared/api.js';
import { ensureComposeState, setLog, setRemind, setTrack, type ComposeDeps } from '../flows/compose-flow.js';
import type { ComposeState } from '../models/item-state.js';
import { uniqueRecipients } from '../helpers/recipients.js';
import { trackingSummary } from '../helpers/summary.js';
import { sameJson, usePoll } from '../hooks/hooks.js';
import { RecipientList } from './RecipientList.js';
import { useServices } from '../hooks/services.js';
import { usePaneStyles } from '../../ui/components/styles.js';
import { TemplatePicker } from './TemplatePicker.js';
import { ThisEmailCard } from './ThisEmailCard.js';
import { UnreachableBar } from './UnreachableBar.js';

const POLL_MS = 2500;

function useComposeState(deps: ComposeDeps) {
  const [state, setState] = useState<ComposeState | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ensureComposeState(deps).then(setState, () => undefined);
    // Once per item: the pane is remounted when the item changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const change = useCallback(
    async (apply: (s: ComposeState) => Promise<ComposeState>, optimistic: ComposeState) => {
      const before = state!;
      setState(optimistic);
      setBusy(true);
      try {
        setState(await apply(before));
      } catch {
        setState(before);
      } finally {
        setBusy(false);
      }
    },
    [state],
  );
  return {
    state,
    busy,
    onLog: (on: boolean) => state && change((s) => setLog(deps, s, on), { ...state, log: on }),
    onTrack: (on: boolean) => state && change((s) => setTrack(deps, s, on), { ...state, track: on }),
    onRemind: (on: boolean) => state && change((s) => setRemind(deps, s, on), { ...state, remindDays: on ? (deps.settings.defaultRemindDays ?? 3) : null }),
  };
}

// The link rules are shared with the backend; loaded apart so they never delay the first render.
let rules: Promise<typeof import('../../shared/tracking/rewrite.js')> | null = null;

function useLinkSummary(html: string | undefined): LinkSummary | null {
  const [summary, setSummary] = useState<LinkSummary | null>(null);
  useEffect(() => {
    if (html === undefined) return;
    let alive = true;
    (rules ??= import('../../shared/tracking/rewrite.js')).then((m) => alive && setSummary(m.analyzeLinks(html)), () => undefined);
    return () => {
      alive = false;
    };
  }, [html]);
  return summary;
}

export function ComposePane() {
  const { host, api, settings } = useServices();
  const s = usePaneStyles();
  const deps = useMemo(() => ({ host, api, settings }), [host, api, settings]);
  const { state, busy, onLog, onTrack, onRemind } = useComposeState(deps);
  const recipients = usePoll(() => host.getRecipients(), POLL_MS, sameJson);
  const body = usePoll(
    async () => {
      const type = await host.getBodyType();
      return { type, html: type === 'html' ? await host.getBody('html') : '' };
    },
    POLL_MS,
    sameJson,
  );
  const links = useLinkSummary(body?.html);
  const people = recipients ? uniqueRecipients(recipients.to, recipients.cc, recipients.bcc) : [];
  const summary = state ? trackingSummary({ track: state.track, bodyType: body?.type ?? 'html', links, recipientCount: people.length }) : [];

  return (
    <div className={s.stack}>
      <UnreachableBar compose />
      <ThisEmailCard state={state} busy={busy} summary={summary} onLog={onLog} onTrack={onTrack} onRemind={onRemind} />
      <RecipientList recipients={people} />
      <TemplatePicker recipient={people[0]} />
    </div>
  );
}
