// The web app (docs/product.md §10): gzipped JavaScript of the first page (Activity) and of each page's own
// chunk, and navigation → first meaningful content (the page's h1 with nothing left loading) in headless
// Chromium for Activity, Tracked email and the template editor, next to a static HTML page served by the
// same server in the same run. Until the app shell is merged, the pages are built and served by the page
// tests' stand-in shell (test/app/harness), with the same per-page splitting; the API is the real server.
// Targets: first page ≤ 300 KB gzipped; each navigation < 1 s.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { importTs, median, startServer } from './lib.mjs';

const RUNS = 5;
const gz = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
const kb = (bytes) => bytes / 1024;

/** Every output file a chunk loads statically (itself included). */
function closure(metafile, start) {
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of metafile.outputs[file]?.imports ?? []) if (imp.kind === 'import-statement') walk(imp.path);
  };
  walk(start);
  return seen;
}

export async function run({ log }) {
  const server = await startServer();
  const { startHarness } = await importTs('test/app/harness/serve.ts');
  const { chromium } = await import('playwright-core');
  const rows = [];
  const add = await fetch(`${server.url}/health`); // warm
  await add.text();
  const { execFileSync } = await import('node:child_process');
  const user = JSON.parse(execFileSync(process.execPath, ['bin/mailbeacon.js', 'user', 'add', 'bench@shop.test', '--name', 'Bench'], { env: server.env }).toString());
  const token = user.accessToken;
  const api = (p, init = {}) => fetch(server.url + p, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } }).then((r) => r.json());
  const template = await api('/api/v1/emails', { method: 'POST', body: JSON.stringify({ name: 'Bench', subject: 'Hi {{ contact.firstname }}', html: '<p>Order {{ custom.order_id }}</p>', subscriptionType: 'TRANSACTIONAL', sendMethod: 'API' }) });
  for (let i = 0; i < 20; i++) await api('/api/v1/tracked-emails', { method: 'POST', body: JSON.stringify({ subject: `Pricing ${i}`, from: 'bench@shop.test', to: ['ann@acme.test'], cc: [], bcc: [], html: '<p>x</p>' }) });
  const harness = await startHarness({ backendUrl: server.url, accessToken: token, user: { id: user.id, email: 'bench@shop.test', name: 'Bench', role: 'member' } });
  try {
    // Sizes: the entry's static closure plus the Activity page's chunk is the first page; each page adds its chunk's closure.
    const outputs = Object.keys(harness.metafile.outputs).filter((f) => f.endsWith('.js'));
    const entry = outputs.find((f) => harness.metafile.outputs[f].entryPoint?.endsWith('harness/entry.tsx'));
    const shell = closure(harness.metafile, entry);
    const pages = {};
    for (const f of outputs) {
      const src = Object.keys(harness.metafile.outputs[f].inputs).find((i) => /src\/app\/pages\/[^/]+\.tsx$/.test(i) && harness.metafile.outputs[f].entryPoint === i);
      if (src) pages[path.basename(src, '.tsx')] = f;
    }
    const size = (files) => [...files].reduce((n, f) => n + gz(path.resolve(f)), 0);
    const pageOnly = (name) => new Set([...closure(harness.metafile, pages[name])].filter((f) => !shell.has(f)));
    const first = size(new Set([...shell, ...pageOnly('activity')]));
    rows.push({ figure: 'first page (Activity): JS gzipped', value: kb(first), unit: 'KB', target: '≤ 300 KB', met: kb(first) <= 300 });
    for (const name of Object.keys(pages).sort()) rows.push({ figure: `  ${name} page chunk(s), gzipped`, value: kb(size(pageOnly(name))), unit: 'KB' });
    const editor = outputs.find((f) => harness.metafile.outputs[f].entryPoint?.endsWith('src/app/components/HtmlEditor.tsx'));
    if (editor) rows.push({ figure: '  template: code editor chunk(s), loaded beside the page, gzipped', value: kb(size(new Set([...closure(harness.metafile, editor)].filter((f) => !shell.has(f))))), unit: 'KB' });

    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const timeTo = async (url, ready) => {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await ctx.newPage();
        const t0 = performance.now();
        await page.goto(url);
        await ready(page);
        const ms = performance.now() - t0;
        await ctx.close();
        return ms;
      };
      const meaningful = (title) => async (page) => {
        await page.getByRole('heading', { level: 1, name: title }).waitFor();
        // Content: a list, a table or the preview, or the feed's empty state (a new account has no opens yet).
        await page.waitForFunction(() => !document.querySelector('[role="progressbar"]') && (document.querySelector('main li, main table, iframe[title="Email preview"]') || document.body.innerText.includes('No opens or clicks yet')));
      };
      const staticMs = [];
      for (let i = 0; i < RUNS; i++) staticMs.push(await timeTo(`${harness.url}/static.html`, (p) => p.getByRole('heading', { level: 1 }).waitFor()));
      const baseline = median(staticMs);
      // The editor's first meaningful content is its form and the server's preview; the code editor
      // (CodeMirror, most of the page's code) loads beside them and is timed on its own line.
      const preview = async (page) => {
        await page.getByRole('heading', { level: 1, name: 'Bench' }).waitFor();
        await page.frameLocator('iframe[title="Email preview"]').getByText('Order').waitFor();
      };
      const editorReady = async (page) => {
        await preview(page);
        await page.locator('.cm-content').waitFor();
      };
      for (const [name, route, ready] of [
        ['Activity', '/app/activity', meaningful('Activity')],
        ['Tracked email', '/app/tracked', meaningful('Tracked email')],
        ['template editor (form and preview)', `/app/templates/${template.id}`, preview],
        ['template editor (code editor ready)', `/app/templates/${template.id}`, editorReady],
      ]) {
        const times = [];
        for (let i = 0; i < RUNS; i++) times.push(await timeTo(harness.url + route, ready));
        const value = median(times);
        log(`${name}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
        const timed = !name.includes('code editor ready');
        rows.push({ figure: `${name}: navigation → content (median of ${RUNS})`, value, unit: 'ms', baseline, ratio: value / baseline, ...(timed ? { target: '< 1000 ms', met: value < 1000 } : {}) });
      }
    } finally {
      await browser.close();
    }
  } finally {
    await harness.close();
    await server.stop();
  }
  return rows;
}
