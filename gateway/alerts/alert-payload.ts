import type { GatewayEvents } from '../events';

type Alert = GatewayEvents['alert.fired'];

/** The generic webhook body: the alert as the event stream carries it, typed. */
export function jsonPayload(alert: Alert): string {
  return JSON.stringify({ type: 'gatehouse.alert', ...alert });
}

/** A Slack incoming-webhook message: `text` for notifications, `blocks` for the layout. */
export function slackPayload(alert: Alert): string {
  const severity = alert.severity.toUpperCase();
  const context = [`rule \`${esc(alert.rule)}\``, ...(alert.principal ? [`principal \`${esc(alert.principal)}\``] : []), `alert ${alert.id}`, alert.at];
  return JSON.stringify({
    text: `[${severity}] Gatehouse ${alert.rule}: ${alert.message}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Gatehouse alert: ${alert.rule}`.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: `*${severity}* ${esc(alert.message)}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  });
}

/** Slack's mrkdwn needs &, < and > escaped; nothing else is interpreted as markup here. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
