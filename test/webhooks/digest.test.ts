// The daily email digest (docs/product.md, Webhooks): a rep who turns it on gets, at DIGEST_HOUR (set
// to 0 here, so it is due at once), one email through the normal queue — here the dev mailbox —
// listing the opens and clicks they were notified of, and only one per day.
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { clickHeaders, get, imageHeaders } from '../helpers/tracking.js';

describe.each(BACKENDS)('daily digest on %s', (backend) => {
  let tdb: TestDatabase;
  let server: RunningServer;
  let token: string;
  const box = () => path.join(tdb.dataDir, 'mailbox');
  const digests = () => (fs.existsSync(box()) ? fs.readdirSync(box()).filter((f) => f.endsWith('.eml')) : []);

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    server = await startServer(tdb, { DIGEST_HOUR: '0', DIGEST_CHECK: '200ms', DIGEST_FROM: 'Mailbeacon <digest@mailbeacon.test>' });
    token = (await server.addUser('rep@acme.test', { name: 'Rita Rep' })).accessToken;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await tdb?.drop();
  });

  it('mails the rep one digest of their opens and clicks, rendered and escaped, and no second one that day', async () => {
    const res = await server.api('/api/v1/tracked-emails', {
      method: 'POST',
      token,
      json: { subject: 'Proposal für Zoë <Q3> & more', from: 'rep@acme.test', to: ['ann@example.test'], cc: [], bcc: [], html: '<p>See <a href="https://acme.test/proposal">the proposal</a></p>' },
    });
    expect(res.status).toBe(201);
    const tracked = await res.json();
    const local = (u: string) => u.replace(/^http:\/\/localhost:\d+/, server.url);
    await get(local(tracked.pixelUrl), imageHeaders);
    await get(local(/href="([^"]+\/t\/c\/[^"]+)"/.exec(tracked.html)![1].replace(/&amp;/g, '&')), clickHeaders);
    await expect.poll(async () => (await (await server.api('/api/v1/notifications', { token })).json()).results.length, { timeout: 10_000 }).toBe(2);
    // Nothing before the rep asks for it.
    await new Promise((r) => setTimeout(r, 500));
    expect(digests()).toEqual([]);

    expect((await server.api('/api/v1/settings', { method: 'PUT', token, json: { channels: { emailDigest: 'daily' } } })).status).toBe(200);
    await expect.poll(() => digests().length, { timeout: 10_000 }).toBe(1);
    const mail = await simpleParser(fs.readFileSync(path.join(box(), digests()[0])));
    expect(mail.subject).toBe('Your Mailbeacon digest: 1 open, 1 click');
    expect(mail.to && 'value' in mail.to ? mail.to.value[0] : undefined).toEqual({ name: 'Rita Rep', address: 'rep@acme.test' });
    expect(mail.from?.value[0].address).toBe('digest@mailbeacon.test');
    expect(mail.html).toContain('Proposal für Zoë &lt;Q3&gt; &amp; more');
    expect(mail.html).not.toContain('<Q3>');
    expect(mail.html).toMatch(/href="http:\/\/localhost:\d+\/app\/activity\?email=/);
    expect(mail.text).toContain('ann@example.test opened "Proposal für Zoë <Q3> & more"');
    expect(mail.text).toContain('ann@example.test clicked a link in "Proposal für Zoë <Q3> & more" (https://acme.test/proposal)');

    // Later checks the same day send nothing more.
    await new Promise((r) => setTimeout(r, 1000));
    expect(digests()).toHaveLength(1);
  });
});
