// What the settings lists accept, checked before the backend sees it: the same rules the server
// applies when it stores them (src/shared), so the two never disagree.
import { isNeverLogEntry } from '../../shared/addresses.js';
import { isIpOrRange } from '../../shared/ip-ranges.js';

export const neverLogProblem = (v: string) => (isNeverLogEntry(v) ? null : 'Enter an address (ann@acme.com) or a domain (acme.com).');

export const ipProblem = (v: string) => (isIpOrRange(v) ? null : 'Enter an IP address or a range such as 203.0.113.0/24.');
