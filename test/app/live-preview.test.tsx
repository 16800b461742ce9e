// @vitest-environment jsdom
// The template editor's live preview (src/app/components/live-preview.ts): one request per pause in
// typing, the older request aborted, and an answer that arrives after a newer one never shown.
import '../addin/setup-dom.js';
import { describe, expect, it } from 'vitest';
import { renderHook, waitFor } from '@testing-library/react';
import type { PreviewInput, PreviewResult, TemplateInput } from '../../src/shared/api.js';
import { propertiesOf, usePreview, type PreviewCall } from '../../src/app/components/live-preview.js';

interface Call {
  input: PreviewInput;
  signal?: AbortSignal;
  answer(subject: string): void;
}

/** A preview call whose answers the test releases, in any order (an aborted request may still answer). */
function controlledPreview() {
  const calls: Call[] = [];
  const preview: PreviewCall = (_id, input, signal) =>
    new Promise<PreviewResult>((resolve) => {
      calls.push({ input, signal, answer: (subject) => resolve({ subject, html: `<p>${subject}</p>`, text: subject, missing: [], tokens: ['custom.x'] }) });
    });
  return { preview, calls };
}

const draft = (html: string): TemplateInput => ({ name: 'n', subject: 's', html, text: '', subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' });

describe('live preview', () => {
  it('asks at once when opened, then once per pause in typing, with the unsaved parts and the typed values', async () => {
    const { preview, calls } = controlledPreview();
    const { rerender } = renderHook(({ html, values }) => usePreview(preview, 7, draft(html), values, 40), { initialProps: { html: '<p>a</p>', values: {} as Record<string, string> } });
    await waitFor(() => expect(calls).toHaveLength(1));
    for (const html of ['<p>ab</p>', '<p>abc</p>', '<p>abcd</p>']) rerender({ html, values: {} });
    rerender({ html: '<p>abcd</p>', values: { 'custom.x': 'Zoë', 'contact.firstname': 'Ann', 'custom.empty': '' } });
    await waitFor(() => expect(calls).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 120));
    expect(calls).toHaveLength(2);
    expect(calls[0].input.template?.html).toBe('<p>a</p>');
    expect(calls[1].input).toEqual({ contactProperties: { firstname: 'Ann' }, customProperties: { x: 'Zoë' }, template: { subject: 's', html: '<p>abcd</p>', text: null } });
  });

  it('aborts the older request and drops its answer when it arrives after the newer one', async () => {
    const { preview, calls } = controlledPreview();
    const { result, rerender } = renderHook(({ html }) => usePreview(preview, 7, draft(html), {}, 10), { initialProps: { html: 'old' } });
    await waitFor(() => expect(calls).toHaveLength(1));
    rerender({ html: 'new' });
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[0].signal?.aborted).toBe(true);
    calls[1].answer('NEW');
    await waitFor(() => expect(result.current.result?.subject).toBe('NEW'));
    calls[0].answer('OLD'); // the server answered the stale request late
    await new Promise((r) => setTimeout(r, 30));
    expect(result.current.result?.subject).toBe('NEW');
    expect(result.current.tokens).toEqual(['custom.x']);
  });

  it('turns the form fields into contact and custom properties, leaving empty ones out', () => {
    expect(propertiesOf({ 'contact.a.b': '1', 'custom.order_id': 'A-1', 'custom.blank': '' })).toEqual({ contactProperties: { 'a.b': '1' }, customProperties: { order_id: 'A-1' } });
  });
});
