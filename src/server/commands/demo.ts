// `mailbeacon demo`: the whole loop on one machine. Publishes a sample transactional template, sends
// it tracked to a sample recipient through the running server's single-send API, and says where to
// look: the dev mailbox shows the message; opening it records an open, a click goes through the tracker.
import type { Config } from '../config.js';
import { migrate, openDatabase } from '../db/index.js';
import { issueAccessToken } from '../store/access-tokens.js';
import { addUser, findUser } from '../store/users.js';

const DEMO_USER = 'demo@mailbeacon.localhost';
const RECIPIENT = 'ann.lee@example.com';

const say = (line: string) => process.stdout.write(line + '\n');

export async function demoCommand(config: Config): Promise<number> {
  if (config.relayUrl) {
    process.stderr.write('The demo sends into the dev mailbox, which is off while RELAY_URL is set; unset RELAY_URL (or use another DATA_DIR) to run it.\n');
    return 1;
  }
  const host = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host;
  const server = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  if (!(await reachable(server))) {
    process.stderr.write(`No Mailbeacon server answers at ${server}. Start it with \`npm start\` in another terminal, then run \`npx mailbeacon demo\` again.\n`);
    return 1;
  }
  const token = await demoToken(config);
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = res.status === 204 ? {} : await res.json();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${json.message}`);
    return json;
  };

  const template = await api('POST', '/api/v1/emails', {
    name: 'Mailbeacon demo: welcome',
    subject: 'Welcome aboard, {{ contact.firstname | default: "there" }}',
    subscriptionType: 'TRANSACTIONAL',
    sendMethod: 'API',
    html: `<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif;color:#242424">
<h1 style="font-size:22px">Hi {{ contact.firstname | default: "there" }},</h1>
<p>Your order <b>{{ custom.order_id }}</b> is confirmed. This email was sent by <code>mailbeacon demo</code>:
its links go through the tracker and its images include the open pixel.</p>
<p><a href="${config.publicUrl}/app/activity">See your live feed of opens and clicks</a></p>
<p><a href="${config.publicUrl}/dev/mailbox">Back to the dev mailbox</a></p>
</body></html>`,
    text: 'Hi {{ contact.firstname | default: "there" }}, your order {{ custom.order_id }} is confirmed.',
  });
  await api('POST', `/api/v1/emails/${template.id}/publish`);
  const sent = await api('POST', '/marketing/v3/transactional/single-email/send', {
    emailId: template.id,
    message: { to: RECIPIENT, from: `Mailbeacon demo <${DEMO_USER}>`, sendId: `demo-${Date.now()}` },
    contactProperties: { firstname: 'Ann', lastname: 'Lee' },
    customProperties: { order_id: `A-${Math.floor(Math.random() * 9000) + 1000}` },
  });
  let status = sent;
  for (let i = 0; i < 50 && status.status !== 'COMPLETE'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = await api('GET', `/marketing/v3/email/send-statuses/${sent.statusId}`);
  }
  const mailbox = `${config.publicUrl}/dev/mailbox`;
  say(`Sent "Welcome aboard, Ann" to ${RECIPIENT} (send status ${status.status}${status.sendResult ? `, ${status.sendResult}` : ''}).`);
  say('');
  say(`  1. Open ${mailbox} in a browser: showing the message loads its pixel and records an open.`);
  say('  2. Click a link in it: the tracker records the click and takes you where the link points.');
  say(`  3. See what was recorded: curl -H "Authorization: Bearer ${token}" ${config.publicUrl}/email/public/v1/events`);
  say(`     or sign in at ${config.publicUrl}/app/activity for the live feed.`);
  return 0;
}

async function reachable(server: string): Promise<boolean> {
  try {
    return (await fetch(`${server}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** The demo user's access token (made on first run, renewed on later ones), in its own account. */
async function demoToken(config: Config): Promise<string> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database);
    const existing = await findUser(database.db, DEMO_USER);
    if (existing) return await issueAccessToken(database.db, existing, { revokeOthers: true });
    return (await addUser(database.db, { email: DEMO_USER, name: 'Mailbeacon demo', account: 'demo' })).accessToken;
  } finally {
    await database.close();
  }
}
