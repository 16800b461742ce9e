// Wraps the API client so every call reports whether the server answered: the status dot and the
// "can't reach the server" banner follow real traffic instead of a separate ping.
import { ApiError, type MailbeaconApi } from '../../ui/api/client.js';

export type Observation = { ok: true } | { ok: false; error: ApiError };

export function observeApi(api: MailbeaconApi, report: (o: Observation) => void): MailbeaconApi {
  const observed = { ...api } as Record<string, unknown>;
  for (const [name, fn] of Object.entries(api)) {
    if (typeof fn !== 'function' || name === 'streamUrl') continue;
    observed[name] = async (...args: unknown[]) => {
      try {
        const result = await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        report({ ok: true });
        return result;
      } catch (e) {
        // An error status still means the server answered.
        if (e instanceof ApiError) report(e.kind === 'offline' ? { ok: false, error: e } : e.kind === 'unauthorized' ? { ok: false, error: e } : { ok: true });
        throw e;
      }
    };
  }
  return observed as unknown as MailbeaconApi;
}
