// OnMessageSend: rewrite links when Track is on, post the logged copy when Log is on, and always let
// the mail go: exactly one `allowEvent: true`, within Outlook's patience (Smart Alerts shows "taking
// longer than expected" after about 5 s), with an item notification when the backend let us down.
import type { UserSettings } from '../../shared/api.js';
import type { MailbeaconApi } from '../../ui/api/client.js';
import type { HostEvent, OfficeHost } from '../office/host.js';
import { Email, type EmailSnapshot } from '../models/email.js';
import { syntheticMessageId, newTrackingId } from '../helpers/ids.js';
import { readState, type ComposeState } from '../models/item-state.js';
import { defaultState } from './compose-flow.js';

export interface SendDeps {
  host: OfficeHost;
  api: MailbeaconApi | null;
  settings: UserSettings;
  /** The whole handler's budget before it lets the mail go regardless. */
  deadlineMs?: number;
  now?: () => Date;
}

export const SEND_DEADLINE_MS = 3500;
/** A notification must not hold the send either. */
const NOTICE_BUDGET_MS = 400;
export const NOTICE_KEY = 'mailbeacon-send';

export type StepResult = 'done' | 'skipped' | 'failed';
export interface SendOutcome {
  track: StepResult;
  log: StepResult;
}
type Progress = { [K in keyof SendOutcome]: StepResult | 'pending' };

export function failureNotice(o: SendOutcome): string | null {
  const untracked = o.track === 'failed';
  const unlogged = o.log === 'failed';
  const prefix = "Mailbeacon couldn't reach the server: this email was sent";
  if (untracked && unlogged) return `${prefix} untracked and unlogged.`;
  if (untracked) return `${prefix} untracked.`;
  if (unlogged) return `${prefix} but not logged.`;
  return null;
}

/** Resolves false after `ms`, unless cancelled first. */
function timeout(ms: number): { expired: Promise<false>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return { expired, cancel: () => clearTimeout(timer) };
}

export async function handleSend(deps: SendDeps, event: HostEvent): Promise<SendOutcome> {
  const progress: Progress = { track: 'skipped', log: 'skipped' };
  // Steps still running at the deadline must not touch the mail that is already leaving.
  let late = false;
  const deadline = timeout(deps.deadlineMs ?? SEND_DEADLINE_MS);
  const work = runSend(deps, progress, () => late).then(
    () => true,
    () => true, // a failed step is already marked in `progress`
  );
  late = !(await Promise.race([work, deadline.expired]));
  deadline.cancel();
  const outcome: SendOutcome = { track: settle(progress.track), log: settle(progress.log) };
  try {
    const notice = failureNotice(outcome);
    if (notice) {
      const budget = timeout(NOTICE_BUDGET_MS);
      await Promise.race([deps.host.notify(NOTICE_KEY, notice, 'error').catch(() => undefined), budget.expired]);
      budget.cancel();
    }
  } finally {
    // The one completion, on every path: nothing above throws past here, and nothing below runs again.
    event.complete({ allowEvent: true });
  }
  return outcome;
}

/** A step unfinished at the deadline counts as failed. */
const settle = (r: StepResult | 'pending'): StepResult => (r === 'pending' ? 'failed' : r);

async function runSend(deps: SendDeps, progress: Progress, isLate: () => boolean): Promise<void> {
  const { host, api, settings } = deps;
  if (!api) return;
  const state = (await readState(host).catch(() => null)) ?? defaultState(settings, newTrackingId());
  if (state.track) progress.track = 'pending';
  if (state.log) progress.log = 'pending';
  if (!state.track && !state.log) return;

  const email = new Email(host);
  const snapshot = await email.snapshot(); // a failure leaves both steps pending: failed
  const step = async (k: keyof SendOutcome, fn: () => Promise<StepResult>) => {
    try {
      const r = await fn();
      if (progress[k] === 'pending') progress[k] = r;
    } catch {
      progress[k] = 'failed';
    }
  };
  await Promise.all([
    state.track ? step('track', () => trackLinks(deps, state, snapshot, isLate)) : undefined,
    state.log ? step('log', () => logCopy(deps, email, state, snapshot)) : undefined,
  ]);
}

async function trackLinks(deps: SendDeps, state: ComposeState, snapshot: EmailSnapshot, isLate: () => boolean): Promise<StepResult> {
  // Plain-text mail is not tracked (docs/product.md §5).
  if (snapshot.bodyType !== 'html') return 'skipped';
  const needsPixel = state.pixel === null;
  const input = { ...Email.trackedInput(snapshot, state.trackingId, snapshot.html, needsPixel, deps.settings.pixelPosition), ...(state.remindDays ? { remindAfterDays: state.remindDays } : {}) };
  const result = await deps.api!.registerTracked(input);
  if (isLate()) return 'failed';
  // The body is rewritten only when something changed: setAsync at send time can drop quoted inline
  // images (office-js#6808), so an untouched body is left alone.
  if (result.links.tracked > 0 || needsPixel) await deps.host.setBody(result.html);
  return 'done';
}

async function logCopy(deps: SendDeps, email: Email, state: ComposeState, snapshot: EmailSnapshot): Promise<StepResult> {
  const files = await email.files();
  const sentAt = (deps.now ?? (() => new Date()))();
  await deps.api!.logEmail(Email.loggedInput(snapshot, { internetMessageId: syntheticMessageId(state.trackingId), trackingId: state.trackingId, sentAt }), files);
  return 'done';
}
