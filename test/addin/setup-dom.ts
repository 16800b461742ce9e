// What jsdom lacks and Fluent UI expects.
import { afterEach } from 'vitest';
import { cleanup, configure } from '@testing-library/react';

// Fluent renders slowly in jsdom when the whole suite runs in parallel.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => cleanup());

if (!('ResizeObserver' in globalThis)) {
  (globalThis as Record<string, unknown>).ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
if (typeof window !== 'undefined' && !window.matchMedia) {
  window.matchMedia = ((query: string) => ({ matches: false, media: query, onchange: null, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false })) as typeof window.matchMedia;
}
if (typeof Element !== 'undefined' && !Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = () => undefined;
