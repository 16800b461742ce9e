// What the settings lists accept, checked before the backend sees it: the same rules the server
// applies when it stores them (src/shared), so the two never disagree.
import { isNeverLogEntry } from '../../shared/addresses.js';
import { isIpOrRange } from '../../shared/ip-ranges.js';

export const neverLogProblem = (v: string) => (isNeverLogEntry(v) ? null : 'Enter an address (ann@acme.com) or a domain (acme.com).');

export const ipProblem = (v: string) => (isIpOrRange(v) ? null : 'Enter an IP address or a range such as 203.0.113.0/24.');

/** Slack and Teams incoming-webhook URLs: https, as both give them out (the server also checks where they lead). */
export function channelUrlProblem(v: string): string | null {
  if (!v) return null;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' ? null : 'Paste the https:// address Slack or Teams gave you.';
  } catch {
    return 'Paste the whole address, starting with https://.';
  }
}
