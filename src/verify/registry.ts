/**
 * Which rule is checked by which verifier. A rule not listed here has no live check (`unknown`, "no verifier").
 * Credentials that can only be checked by using them up or rotating them (refresh tokens), or that have no
 * side-effect-free endpoint, are listed as unsupported with the reason.
 */
import type { RuleVerification, PairSpec, Verifier } from './types.js';
import { aws } from './providers/aws.js';
import { mysql, postgres } from './providers/database.js';
import { github } from './providers/github.js';
import { gitlab } from './providers/gitlab.js';
import { anthropic, npm, openai, sendgrid, stripe } from './providers/simple.js';
import { slack, slackWebhook } from './providers/slack.js';
import { twilio, twilioAccountSids } from './providers/twilio.js';

const isKeyIdChar = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x32 && c <= 0x37);
const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** Every `AKIA`/`ASIA` + 16 base-32 access key id in a line, as whole words (a plain loop: scanned content). */
export function awsAccessKeyIds(line: string): string[] {
  const out: string[] = [];
  for (let i = line.indexOf('A'); i >= 0 && i + 20 <= line.length; i = line.indexOf('A', i + 1)) {
    const head = line.slice(i, i + 4);
    if (head !== 'AKIA' && head !== 'ASIA') continue;
    if (i > 0 && isAlnum(line.charCodeAt(i - 1))) continue;
    let j = i + 4;
    while (j < i + 20 && isKeyIdChar(line.charCodeAt(j))) j++;
    if (j === i + 20 && !(j < line.length && isAlnum(line.charCodeAt(j)))) out.push(line.slice(i, j));
  }
  return out;
}

const check = (verifier: Verifier, pair?: PairSpec): RuleVerification => (pair ? { kind: 'check', verifier, pair } : { kind: 'check', verifier });
const unsupported = (provider: string, reason: string): RuleVerification => ({ kind: 'unsupported', provider, reason });
const REFRESH = 'refresh token: checking it would use it up';
export const NO_CHECK = 'unsupported: no live check for this rule';

const table: Record<string, RuleVerification> = {
  'github-pat': check(github),
  'github-oauth': check(github),
  'github-app-token': check(github),
  'github-app-installation-token': check(github),
  'github-fine-grained-pat': check(github),
  'github-refresh-token': unsupported('github', REFRESH),
  'gitlab-pat': check(gitlab),
  'gitlab-pat-routable': check(gitlab),
  'slack-bot-token': check(slack),
  'slack-user-token': check(slack),
  'slack-app-token': check(slack),
  'slack-config-access-token': check(slack),
  'slack-legacy-bot-token': check(slack),
  'slack-legacy-token': check(slack),
  'slack-legacy-workspace-token': check(slack),
  'slack-config-refresh-token': unsupported('slack', REFRESH),
  'slack-webhook-url': check(slackWebhook),
  'stripe-access-token': check(stripe),
  'stripe-webhook-secret': unsupported('stripe', 'unsupported: a webhook signing secret authenticates nothing at Stripe'),
  'openai-api-key': check(openai),
  'anthropic-api-key': check(anthropic),
  'anthropic-admin-api-key': check(anthropic),
  'npm-access-token': check(npm),
  'npmrc-auth-token': check(npm),
  'sendgrid-api-token': check(sendgrid),
  'twilio-auth-token': check(twilio, { partnerRules: [], fromText: twilioAccountSids, findingIsSecret: true }),
  'twilio-api-key': unsupported('twilio', 'unsupported: an API key SID needs its secret and account SID'),
  'aws-secret-access-key': check(aws, { partnerRules: ['aws-access-token'], fromText: awsAccessKeyIds, findingIsSecret: true }),
  'aws-access-token': check(aws, { partnerRules: ['aws-secret-access-key'], findingIsSecret: false }),
  'aws-session-token': unsupported('aws', 'unsupported: a session token is checked with its key pair'),
  'postgres-uri': { kind: 'check', verifier: postgres, database: true },
  'mysql-uri': { kind: 'check', verifier: mysql, database: true },
};

/** Per-secret exceptions within a supported rule: the reason it cannot be checked, or undefined. */
export function uncheckable(ruleId: string, secret: string): string | undefined {
  if (secret.startsWith('xoxr-') || secret.startsWith('xoxe-1-')) return REFRESH;
  if (ruleId === 'npmrc-auth-token' && !secret.startsWith('npm_')) return 'unsupported: a registry token of a registry other than npmjs.org, or a legacy token';
  return undefined;
}

export function ruleVerification(ruleId: string): RuleVerification | undefined {
  return table[ruleId];
}

/** Every verifier with an HTTP endpoint (for the safety test and the docs). */
export const httpVerifiers: readonly Verifier[] = [github, gitlab, slack, slackWebhook, stripe, openai, anthropic, npm, sendgrid, twilio, aws];

/** Rule ids that have a live check. */
export const verifiableRules: readonly string[] = Object.entries(table).filter(([, v]) => v.kind === 'check').map(([k]) => k);
