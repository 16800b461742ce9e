// HubSpot's error shape (docs/product.md §3), checked on a raw answer: what every refusal must look like.
const CATEGORIES = new Set(['VALIDATION_ERROR', 'OBJECT_NOT_FOUND', 'UNAUTHORIZED', 'RATE_LIMITS', 'CONFLICT', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** What is wrong with an error answer's body and headers, or undefined when it is in the shape. */
export function errorShapeProblem(a: Answer): string | undefined {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(a.text);
  } catch {
    return `body is not JSON: ${a.text.slice(0, 200)}`;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return `body is not an object: ${a.text.slice(0, 200)}`;
  if (body.status !== 'error') return `status is ${JSON.stringify(body.status)}`;
  if (typeof body.category !== 'string' || !CATEGORIES.has(body.category)) return `category is ${JSON.stringify(body.category)}`;
  if (typeof body.message !== 'string' || !body.message) return 'message is missing';
  if (typeof body.correlationId !== 'string' || !UUID.test(body.correlationId)) return `correlationId is ${JSON.stringify(body.correlationId)}`;
  if (a.headers.get('x-correlation-id') !== body.correlationId) return 'X-Correlation-Id differs from the body';
  if (!(a.headers.get('content-type') ?? '').startsWith('application/json')) return `content-type is ${a.headers.get('content-type')}`;
  if (body.errors !== undefined) {
    if (!Array.isArray(body.errors)) return 'errors is not an array';
    for (const e of body.errors as Array<Record<string, unknown>>) {
      if (typeof e?.message !== 'string' || (e.in !== undefined && typeof e.in !== 'string')) return `bad errors[] entry ${JSON.stringify(e)}`;
    }
  }
  return undefined;
}

/** Reads a fetch Response into an Answer (the body as text). */
export async function answerOf(res: Response): Promise<Answer> {
  return { status: res.status, headers: res.headers, text: await res.text() };
}
