// What the settings lists accept, checked before the backend sees it.

const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^@?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/i;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\/(?:3[0-2]|[12]?\d))?$/;
const IPV6 = /^(?=.*:)[0-9a-f:.]{2,45}(?:\/(?:12[0-8]|1[01]\d|\d?\d))?$/i;

export const neverLogProblem = (v: string) => (ADDRESS.test(v) || DOMAIN.test(v) ? null : 'Enter an address (ann@acme.com) or a domain (acme.com).');

export const ipProblem = (v: string) => (IPV4.test(v) || IPV6.test(v) ? null : 'Enter an IP address or a range such as 203.0.113.0/24.');
