// The template editor's live preview (docs/product.md §10): the server renders what is typed, at once
// when the editor opens, then once per pause in typing; a newer request aborts the older one, and an answer that is not the latest is
// dropped (answers may arrive out of order).
import { useEffect, useMemo, useRef, useState } from 'react';
import type { PreviewInput, PreviewResult, TemplateInput } from '../../shared/api.js';

export const PREVIEW_DELAY_MS = 300;

export type Values = Record<string, string>;

/** `{contact: {...}, custom: {...}}` from the form's `contact.x` / `custom.y` fields. */
export function propertiesOf(values: Values) {
  const contactProperties: Record<string, string> = {};
  const customProperties: Record<string, string> = {};
  for (const [token, v] of Object.entries(values)) {
    if (v === '') continue;
    const dot = token.indexOf('.');
    (token.slice(0, dot) === 'contact' ? contactProperties : customProperties)[token.slice(dot + 1)] = v;
  }
  return { contactProperties, customProperties };
}

/** The preview call the hook needs (the web app's API has it). */
export type PreviewCall = (id: number, input: PreviewInput, signal?: AbortSignal) => Promise<PreviewResult>;

/**
 * The server's rendering of what is typed: one request per pause in typing; a newer request aborts the
 * older one, and an answer that is not the latest is dropped (answers may arrive out of order).
 */
export function usePreview(preview: PreviewCall, id: number, draft: TemplateInput, values: Values, delayMs = PREVIEW_DELAY_MS) {
  const [result, setResult] = useState<PreviewResult | null>(null);
  const [tokensFound, setTokens] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  const input = useMemo(
    () => ({ ...propertiesOf(values), template: { subject: draft.subject || ' ', html: draft.html || ' ', text: draft.text || null } }),
    [draft.subject, draft.html, draft.text, values],
  );
  useEffect(() => {
    const mine = ++latest.current;
    const abort = new AbortController();
    // The first preview is asked at once (the page just opened); later ones wait for a pause in typing.
    const timer = setTimeout(() => {
      preview(id, input, abort.signal).then(
        (r) => {
          if (mine !== latest.current) return;
          setResult(r);
          setTokens(r.tokens);
          setError(null);
        },
        (e: Error) => {
          if (mine !== latest.current || abort.signal.aborted) return;
          setError(e.message);
        },
      );
    }, mine === 1 ? 0 : delayMs);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [preview, id, input, delayMs]);
  return { result, tokens: tokensFound, error };
}
