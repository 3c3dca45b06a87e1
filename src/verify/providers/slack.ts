/**
 * Slack.
 * - Tokens: `POST https://slack.com/api/auth.test` with the token as Bearer. Always HTTP 200; `{"ok":true,"user",
 *   "team","url"}` or `{"ok":false,"error":"invalid_auth"}` (also `not_authed`, `account_inactive`,
 *   `token_revoked`, `token_expired`). `ratelimited` comes as HTTP 429.
 * - Incoming webhooks: a POST with an empty JSON object to the webhook's path on `https://hooks.slack.com`. Slack
 *   refuses the payload without posting anything: 400 `invalid_payload` / `no_text` means the webhook exists;
 *   403 `invalid_token`, 404 `no_service`, 410 `channel_is_archived` mean it does not work. Only the path is taken
 *   from the finding, never the host.
 */
import type { Verifier } from '../types.js';
import { bearer, identityOf, invalid, jsonObject, MALFORMED, otherStatus, unknown } from './common.js';

const REVOKED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'no_such_token']);

export const slack: Verifier = {
  provider: 'slack',
  endpoint: { provider: 'slack', baseUrl: 'https://slack.com' },
  async check({ secret }, { http }) {
    const out = await http.call(this.endpoint!, {
      method: 'POST',
      path: '/api/auth.test',
      headers: { ...bearer(secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    if (!out.ok) return unknown(out.reason);
    if (out.response.status !== 200) return otherStatus(out.response);
    const body = jsonObject(out.response);
    if (!body || typeof body['ok'] !== 'boolean') return MALFORMED;
    if (body['ok']) {
      const identity = identityOf(body['user'], body['team'] !== undefined ? `@ ${String(body['team'])}` : undefined);
      return identity ? { status: 'verified', identity } : { status: 'verified' };
    }
    const error = typeof body['error'] === 'string' ? body['error'] : '';
    return REVOKED.has(error) ? invalid(`rejected by Slack (${error})`) : unknown(`Slack answered ${JSON.stringify(error.slice(0, 40))}`);
  },
};

/** The path of a Slack webhook URL (`/services/…`), or undefined when the finding is not one. */
export function slackWebhookPath(url: string): string | undefined {
  const at = url.indexOf('hooks.slack.com/');
  if (at < 0) return undefined;
  const path = url.slice(at + 'hooks.slack.com'.length);
  for (const ch of path) {
    const ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch === '/' || ch === '+' || ch === '_' || ch === '-';
    if (!ok) return undefined;
  }
  return path.startsWith('/services/') || path.startsWith('/workflows/') || path.startsWith('/triggers/') ? path : undefined;
}

export const slackWebhook: Verifier = {
  provider: 'slack-webhook',
  endpoint: { provider: 'slack-webhook', baseUrl: 'https://hooks.slack.com' },
  async check({ secret }, { http }) {
    const path = slackWebhookPath(secret);
    if (!path) return unknown('not a hooks.slack.com webhook URL');
    if (!path.startsWith('/services/')) return unknown('unsupported: workflow webhooks cannot be checked without running the workflow');
    const out = await http.call(this.endpoint!, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '{}' });
    if (!out.ok) return unknown(out.reason);
    const { status, text } = out.response;
    const word = text.trim().slice(0, 40);
    if (status === 400 && (word === 'invalid_payload' || word === 'no_text' || word === 'missing_text_or_fallback_or_attachments')) return { status: 'verified' };
    if (status === 403 || status === 404 || status === 410) return invalid(`rejected by Slack (HTTP ${status})`);
    if (status === 200) return word === 'ok' ? unknown('Slack accepted an empty payload (unexpected)') : MALFORMED;
    return otherStatus(out.response);
  },
};
