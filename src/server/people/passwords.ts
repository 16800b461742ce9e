// What a password must be (docs/product.md, "People and sign-in"), after NIST SP 800-63B §5.1.1.2:
// long enough, not one that is commonly used, not the person's own address — and no composition
// rules. The common-password list is zxcvbn-ts's (its passwords dictionary, from leaked-password
// frequency lists); it stays on the server.
import { loadLater } from '../load-later.js';
import { invalid } from '../errors.js';

export const MIN_PASSWORD = 10;
/** scrypt reads all of it: a megabyte "password" must not cost a megabyte of hashing. */
export const MAX_PASSWORD = 256;

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  const { dictionary } = loadLater('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common;
}

/** Why the password cannot be used, or undefined when it can. */
export function passwordProblem(password: unknown, email?: string): string | undefined {
  if (typeof password !== 'string') return 'Choose a password: a text of at least 10 characters.';
  const length = [...password].length;
  if (length < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters (this one has ${length}); a few unrelated words make a long password easy to remember.`;
  if (length > MAX_PASSWORD) return `Use at most ${MAX_PASSWORD} characters.`;
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return 'This password is one of the most commonly used ones, so it is among the first anyone tries; choose another.';
  if (/^(.)\1*$/u.test(password)) return 'A password of one repeated character is easy to guess; choose another.';
  if (email) {
    const local = email.toLowerCase().split('@')[0];
    if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local) && lower.length - local.length < 6)) {
      return 'The password is too close to your email address; choose another.';
    }
  }
  return undefined;
}

/** Throws a 400 saying why, when the password cannot be used. */
export function checkPassword(password: unknown, email: string | undefined, field = 'password'): asserts password is string {
  const problem = passwordProblem(password, email);
  if (problem) throw invalid(problem, field);
}
