// The errors the server's own code raises, whichever way the request came in: a category from
// HubSpot's error shape (docs/product.md §3), the HTTP status it answers with, a message that says
// what to do, and one detail per bad field (`in` is the field's path). Business code (logging, sending,
// validation) throws these without knowing about HTTP; http/errors.ts turns them into responses.

export type Category =
  | 'VALIDATION_ERROR'
  | 'OBJECT_NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITS'
  | 'CONFLICT'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE'
  // the connected mailbox's server refused the login (docs/product.md, Connected mailbox)
  | 'MAILBOX_LOGIN_FAILED';

export interface ErrorDetail {
  message: string;
  in?: string;
  code?: string;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly category: Category,
    message: string,
    readonly errors: ErrorDetail[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'OBJECT_NOT_FOUND', `${what} was not found in this account.`);
export const invalid = (message: string, field?: string) =>
  new ApiError(400, 'VALIDATION_ERROR', message, [{ message, ...(field ? { in: field } : {}) }]);
export const unauthorized = (message: string) => new ApiError(401, 'UNAUTHORIZED', message);
