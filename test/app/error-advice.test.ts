// What the web app's error bar adds to the server's words: advice only where the person can act on it.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/ui/api/client.js';
import { errorAdvice } from '../../src/app/components/page.js';

describe('error advice', () => {
  it('no answer: check the connection', () => {
    expect(errorAdvice(new ApiError('The server cannot be reached.', 'offline'))).toMatch(/connection/);
  });
  it("a 4xx answer adds nothing: the server's message says what to change", () => {
    expect(errorAdvice(new ApiError('retentionDays must be 1–3650.', 'http', 400))).toBe('');
    expect(errorAdvice(new ApiError('No such template.', 'http', 404))).toBe('');
  });
  it("the server's own fault: try again, with the reference its log carries", () => {
    expect(errorAdvice(new ApiError('Internal error.', 'http', 500, 'c0ffee'))).toMatch(/try again in a moment.*reference c0ffee/i);
  });
});
