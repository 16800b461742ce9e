// The built add-in (dist/, made by `npm run build` before the tests): the task pane's JavaScript stays
// within budget, the event runtime is one self-contained file without React, and so is the service worker.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIST = path.resolve(import.meta.dirname, '../../dist');
const built = fs.existsSync(path.join(DIST, 'taskpane.html'));
const read = (f: string) => fs.readFileSync(path.join(DIST, f));
const gz = (f: string) => zlib.gzipSync(read(f), { level: 9 }).length;
const scriptsOf = (html: string) => [...read(html).toString().matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]).filter((s) => !s.startsWith('https://'));

describe.runIf(built)('the built add-in', () => {
  it('keeps the task pane within 250 KB of gzipped JavaScript, code loaded on demand included', () => {
    const others = new Set(['launchevent.js', 'sw.js']);
    // The web app's files (app.*.js and the chunks only it loads, app-*.js) are not the pane's.
    const pane = fs.readdirSync(DIST).filter((f) => f.endsWith('.js') && !others.has(f) && !/^app[.-]/.test(f));
    for (const s of scriptsOf('taskpane.html')) expect(pane).toContain(s);
    const total = pane.reduce((sum, f) => sum + gz(f), 0);
    expect(total).toBeLessThanOrEqual(250 * 1024);
  });

  it('loads the event runtime alone: one file, no React, no chunk loading, Office.js from the CDN', () => {
    const html = read('commands.html').toString();
    expect(scriptsOf('commands.html')).toEqual(['launchevent.js']);
    expect(html).toContain('<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script>');
    const js = read('launchevent.js').toString();
    expect(js).not.toMatch(/react\.(transitional\.)?element|__CLIENT_INTERNALS|ReactCurrentOwner/);
    expect(js).not.toContain('ChunkLoadError');
    expect(js).toContain('Office.actions');
  });

  it('makes the web app’s service worker a single file (a worker cannot load chunks)', () => {
    expect(read('sw.js').toString()).not.toContain('ChunkLoadError');
    expect(fs.existsSync(path.join(DIST, 'notifications.html'))).toBe(false);
  });
});
