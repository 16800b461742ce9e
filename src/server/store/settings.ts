// User settings (one JSON document per user) and the account's logging and tracking settings.
// Tracking reads both: getUserSettings for notifications, blocked IPs and pixel position,
// getAccountSettings for privacy and the custom tracking domain.
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { type AccountSettings, DEFAULT_SETTINGS, type UserSettings, type UserSettingsUpdate } from '../../shared/api.js';

export type { AccountSettings };

export type AccountSettingsUpdate = Partial<Omit<AccountSettings, 'name'>>;

const parse = (json: string): Record<string, unknown> => {
  try {
    const v = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
};

/** The update laid over the settings; notifications merge field by field. */
export function mergeSettings(base: UserSettings, update: UserSettingsUpdate): UserSettings {
  const known = Object.fromEntries(Object.entries(update).filter(([k, v]) => k in DEFAULT_SETTINGS && v !== undefined));
  return { ...base, ...known, notifications: { ...base.notifications, ...update.notifications }, channels: { ...base.channels, ...update.channels } } as UserSettings;
}

/** What the user saved, over the defaults (a user who saved nothing gets DEFAULT_SETTINGS). */
export async function getUserSettings(db: Kysely<Schema>, accountId: string, userId: string): Promise<UserSettings> {
  const row = await db.selectFrom('user_settings').select('settings').where('account_id', '=', accountId).where('user_id', '=', userId).executeTakeFirst();
  return mergeSettings(DEFAULT_SETTINGS, (row ? parse(row.settings) : {}) as UserSettingsUpdate);
}

/** Applies a (checked) update and answers the whole saved settings. Concurrent updates each land. */
export async function updateUserSettings(db: Kysely<Schema>, accountId: string, userId: string, update: UserSettingsUpdate): Promise<UserSettings> {
  for (;;) {
    const row = await db.selectFrom('user_settings').select('settings').where('account_id', '=', accountId).where('user_id', '=', userId).executeTakeFirst();
    const next = mergeSettings(mergeSettings(DEFAULT_SETTINGS, (row ? parse(row.settings) : {}) as UserSettingsUpdate), update);
    const settings = JSON.stringify(next);
    const now = Date.now();
    // Compare-and-swap on the stored text: a write that raced ours makes us read again and reapply.
    const saved = row
      ? Number((await db.updateTable('user_settings').set({ settings, updated_at: now }).where('user_id', '=', userId).where('account_id', '=', accountId).where('settings', '=', row.settings).executeTakeFirst()).numUpdatedRows) > 0
      : !!(await db.insertInto('user_settings').values({ user_id: userId, account_id: accountId, settings, updated_at: now }).onConflict((oc) => oc.column('user_id').doNothing()).returning('user_id').executeTakeFirst());
    if (saved) return next;
  }
}

export async function getAccountSettings(db: Kysely<Schema>, accountId: string): Promise<AccountSettings> {
  const row = await db
    .selectFrom('accounts')
    .select(['name', 'never_log', 'create_contacts', 'privacy', 'tracking_domain', 'retention_days'])
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  const neverLog = JSON.parse(row.never_log);
  return {
    name: row.name,
    neverLog: Array.isArray(neverLog) ? neverLog.filter((e): e is string => typeof e === 'string') : [],
    createContacts: Number(row.create_contacts) === 1,
    privacy: Number(row.privacy) === 1,
    trackingDomain: row.tracking_domain,
    retentionDays: Number(row.retention_days),
  };
}

/** Writes the fields given (each replaces the stored value) and answers the whole settings. */
export async function updateAccountSettings(db: Kysely<Schema>, accountId: string, update: AccountSettingsUpdate): Promise<AccountSettings> {
  const set = {
    ...(update.neverLog !== undefined ? { never_log: JSON.stringify(update.neverLog) } : {}),
    ...(update.createContacts !== undefined ? { create_contacts: update.createContacts ? 1 : 0 } : {}),
    ...(update.privacy !== undefined ? { privacy: update.privacy ? 1 : 0 } : {}),
    ...(update.trackingDomain !== undefined ? { tracking_domain: update.trackingDomain } : {}),
    ...(update.retentionDays !== undefined ? { retention_days: update.retentionDays } : {}),
  };
  if (Object.keys(set).length) await db.updateTable('accounts').set(set).where('id', '=', accountId).execute();
  return getAccountSettings(db, accountId);
}
