// A rep's personal channels: the readable message one notification becomes in Slack and in Teams.
// Slack incoming webhooks take `text` (the fallback shown in notifications) and Block Kit `blocks`
// (https://api.slack.com/messaging/webhooks); Teams incoming webhooks (Workflows) take a `message`
// with one Adaptive Card attachment (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using).

/** What the outbox keeps of a notification for a channel post (store/webhooks.ts enqueueChannelPosts). */
export interface ChannelNotice {
  type: NoticeType;
  who: string;
  subject: string;
  url: string | null;
  emailId: string;
  at: number;
}

/** The notification types a rep's channels carry (the connected mailbox adds replies and reminders). */
export type NoticeType = 'OPEN' | 'CLICK' | 'REPLY' | 'REMINDER';

/** "Ann Lee opened …", "… clicked a link in …", "… replied to …", "… has not replied to …". */
export function noticeVerb(type: NoticeType): string {
  return { OPEN: 'opened', CLICK: 'clicked a link in', REPLY: 'replied to', REMINDER: 'has not replied to' }[type];
}

/** Where the rep reads more: the email on the web app's Activity page. */
export function activityLink(publicUrl: string, n: ChannelNotice): string {
  return `${publicUrl}/app/activity?email=${encodeURIComponent(n.emailId)}`;
}

function headline(n: ChannelNotice): { verb: string; subject: string } {
  return { verb: noticeVerb(n.type), subject: n.subject.trim() || '(no subject)' };
}

// Slack's mrkdwn gives &, < and > a meaning; everything else is shown as written.
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(n: ChannelNotice, publicUrl: string): Record<string, unknown> {
  const { verb, subject } = headline(n);
  const link = activityLink(publicUrl, n);
  const lines = [`*${slackEscape(n.who)}* ${verb} *${slackEscape(subject)}*`];
  if (n.type === 'CLICK' && n.url) lines.push(`Link: ${slackEscape(n.url)}`);
  return {
    text: `${n.who} ${verb} "${subject}"`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${link}|Open in Mailbeacon> · <!date^${Math.floor(n.at / 1000)}^{date_short_pretty} at {time}|${new Date(n.at).toISOString()}>` }] },
    ],
  };
}

export function teamsMessage(n: ChannelNotice, publicUrl: string): Record<string, unknown> {
  const { verb, subject } = headline(n);
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: `${n.who} ${verb} your email`, weight: 'Bolder', wrap: true },
    { type: 'TextBlock', text: subject, wrap: true },
  ];
  if (n.type === 'CLICK' && n.url) body.push({ type: 'TextBlock', text: n.url, wrap: true, isSubtle: true });
  body.push({ type: 'TextBlock', text: new Date(n.at).toISOString(), isSubtle: true, spacing: 'None' });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions: [{ type: 'Action.OpenUrl', title: 'Open in Mailbeacon', url: activityLink(publicUrl, n) }],
        },
      },
    ],
  };
}
