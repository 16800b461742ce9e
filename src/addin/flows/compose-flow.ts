// Log/Track for the email being written: defaults on a new draft, the pixel placed with
// append/prependOnSendAsync (never inside OnMessageSend, where it silently fails: office-js#6908),
// and the switches of the task pane. Used by the OnNewMessageCompose handler and by the pane.
import type { UserSettings } from '../../shared/api.js';
import type { MailbeaconApi } from '../../ui/api/client.js';
import type { OfficeHost } from '../office/host.js';
import { Email } from '../models/email.js';
import { MAILBEACON_ID_HEADER, TRACKING_HEADER, newTrackingId } from '../helpers/ids.js';
import { readState, writeState, type ComposeState, type PixelPlace } from '../models/item-state.js';

export interface ComposeDeps {
  host: OfficeHost;
  /** null when nobody is signed in: the switches still work, nothing reaches a backend. */
  api: MailbeaconApi | null;
  settings: UserSettings;
  newId?: () => string;
}

export function defaultState(settings: UserSettings, trackingId: string): ComposeState {
  return { log: settings.defaultLog, track: settings.defaultTrack, trackingId, pixel: null, ...(settings.defaultRemindDays ? { remindDays: settings.defaultRemindDays } : {}) };
}

/** OnNewMessageCompose: the user's defaults, a fresh tracking id, the header, and the pixel. */
export async function startCompose(deps: ComposeDeps): Promise<ComposeState> {
  const state = defaultState(deps.settings, (deps.newId ?? newTrackingId)());
  // The header lets the read pane recognise the sent item; a failure only costs that convenience.
  await deps.host.setInternetHeader(TRACKING_HEADER, state.trackingId).catch(() => undefined);
  // The connected mailbox's sync recognises the sent copy by this stamp (Mailbox 1.8).
  if (deps.host.isSetSupported('Mailbox', '1.8')) await deps.host.setInternetHeader(MAILBEACON_ID_HEADER, state.trackingId).catch(() => undefined);
  if (state.track) state.pixel = await placePixel(deps, state.trackingId);
  await writeState(deps.host, state);
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pane's state for this draft. Without one, the compose handler may still be running (a pinned
 *  pane opens with the draft): it stamps the header first, so a stamped draft gets a moment before the
 *  pane starts over — two starts would leave the pixel of one tracking id and the state of another. A
 *  draft the handler never saw (reopened, handler not deployed) keeps the id its header already has. */
export async function ensureComposeState(deps: ComposeDeps, waitMs = 1500): Promise<ComposeState> {
  const existing = await readState(deps.host);
  if (existing) return existing;
  const stamped = await deps.host.getInternetHeader(TRACKING_HEADER).catch(() => null);
  if (!stamped) return startCompose(deps);
  for (let waited = 0; waited < waitMs; waited += 250) {
    await sleep(250);
    const state = await readState(deps.host);
    if (state) return state;
  }
  return startCompose({ ...deps, newId: () => stamped });
}

export async function setTrack(deps: ComposeDeps, state: ComposeState, on: boolean): Promise<ComposeState> {
  let pixel = state.pixel;
  if (!on && pixel) {
    await clearPixel(deps.host, pixel);
    pixel = null;
  }
  if (on && !pixel) pixel = await placePixel(deps, state.trackingId);
  const next = { ...state, track: on, pixel };
  await writeState(deps.host, next);
  return next;
}

/** Remind me if no reply: on uses the user's default number of days (3 when they chose none). */
export async function setRemind(deps: ComposeDeps, state: ComposeState, on: boolean): Promise<ComposeState> {
  const next = { ...state, remindDays: on ? (deps.settings.defaultRemindDays ?? DEFAULT_REMIND_DAYS) : null };
  await writeState(deps.host, next);
  return next;
}

export const DEFAULT_REMIND_DAYS = 3;

export async function setLog(deps: ComposeDeps, state: ComposeState, on: boolean): Promise<ComposeState> {
  const next = { ...state, log: on };
  await writeState(deps.host, next);
  return next;
}

/** Registers the draft and hands its pixel to Outlook for send time. null when it could not be
 *  placed; the send handler then asks the backend to place it in the body instead. */
export async function placePixel(deps: ComposeDeps, trackingId: string): Promise<PixelPlace | null> {
  const { host, api, settings } = deps;
  if (!api) return null;
  try {
    // Plain-text mail cannot carry a pixel (docs/product.md §5), and HTML in a text body is an error.
    if ((await host.getBodyType()) !== 'html') return null;
    const envelope = await new Email(host).envelope();
    const result = await api.registerTracked(Email.trackedInput(envelope, trackingId, '', false, settings.pixelPosition));
    // prependOnSendAsync is Mailbox 1.13; older clients get the pixel at the bottom.
    const place: PixelPlace = settings.pixelPosition === 'top' && host.isSetSupported('Mailbox', '1.13') ? 'prepend' : 'append';
    await (place === 'prepend' ? host.prependOnSend(result.pixelHtml) : host.appendOnSend(result.pixelHtml));
    return place;
  } catch {
    return null;
  }
}

export function clearPixel(host: OfficeHost, place: PixelPlace): Promise<void> {
  return place === 'prepend' ? host.prependOnSend(null) : host.appendOnSend(null);
}
