/**
 * A synthetic ~150-rule gitleaks-like pack for the core's tests and benchmarks, independent of patterns/*.toml
 * (which other team members are still writing). Shapes copied from gitleaks' config: ~100 "provider keyword
 * assignment" rules, ~40 prefixed-token rules, generic-api-key, private-key, jwt, a URL-credentials rule and two
 * keyword-less rules. All example secrets used with it are synthetic.
 */
import type { Config, RuleSpec } from '../src/core/types.js';

const providers = [
  'adafruit', 'adobe', 'airtable', 'algolia', 'alibaba', 'asana', 'atlassian', 'authress', 'beamer', 'bitbucket',
  'bittrex', 'clojars', 'cloudflare', 'codecov', 'coinbase', 'confluent', 'contentful', 'databricks', 'datadog',
  'digitalocean', 'discord', 'doppler', 'droneci', 'dropbox', 'duffel', 'dynatrace', 'easypost', 'etsy', 'facebook',
  'fastly', 'finicity', 'finnhub', 'flickr', 'flutterwave', 'frameio', 'freshbooks', 'gitter', 'gocardless',
  'grafana', 'harness', 'hashicorp', 'heroku', 'hubspot', 'huggingface', 'intercom', 'jfrog', 'kraken', 'kucoin',
  'launchdarkly', 'linear', 'linkedin', 'mailchimp', 'mailgun', 'mapbox', 'mattermost', 'messagebird', 'netlify',
  'newrelic', 'nytimes', 'okta', 'openai', 'plaid', 'planetscale', 'postman', 'prefect', 'pulumi', 'rapidapi',
  'readme', 'rubygems', 'scalingo', 'sendbird', 'sendgrid', 'sendinblue', 'sentry', 'shippo', 'shopify', 'sidekiq',
  'slack', 'snyk', 'square', 'squarespace', 'stripe', 'sumologic', 'telegram', 'travisci', 'twilio', 'twitch',
  'twitter', 'typeform', 'vault', 'yandex', 'zendesk', 'wordpress', 'azure', 'bitly', 'buildkite', 'circleci',
  'gitlab', 'jira', 'vercel',
];

const prefixes = [
  'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'glpat-', 'glptt-', 'gldt-', 'xoxb-', 'xoxp-', 'xoxa-', 'xoxe-', 'sk_live_',
  'rk_live_', 'pk_live_', 'npm_', 'pypi-', 'dop_v1_', 'doo_v1_', 'shpat_', 'shpss_', 'shpca_', 'hf_', 'sk-proj-',
  'sk-ant-', 'lin_api_', 'pul-', 'dp.pt.', 'dapi', 'SG.', 'key-', 'EAAC', 'AIza', 'ya29.', 'sntrys_', 'glc_',
  'fo1_', 'pscale_tkn_', 'atlasv1', 'lw_test_',
];

/** The pack: ~150 rules. `confidence = "high"` on the prefixed-token rules (what the masker may use). */
export function syntheticConfig(): Config {
  const rules: RuleSpec[] = [];
  for (const p of providers) {
    rules.push({
      id: `${p}-api-token`,
      description: `${p} API token`,
      regex: `(?i)[\\w.-]{0,50}?(?:${p})(?:[ \\t\\w.-]{0,20})[\\s'"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'"\\s;]|\\\\[nr]|$)`,
      keywords: [p],
      tags: ['api'],
    });
  }
  for (const p of prefixes) {
    const id = 'prefixed-' + p.toLowerCase().replace(/[^a-z0-9]+/g, '');
    rules.push({
      id,
      description: `token with prefix ${p}`,
      regex: `\\b(${p.replace(/[.\\-]/g, (c) => '\\' + c)}[A-Za-z0-9]{36})\\b`,
      keywords: [p.toLowerCase()],
      confidence: 'high',
    });
  }
  rules.push({
    id: 'generic-api-key',
    description: 'Generic API key',
    regex:
      `(?i)[\\w.-]{0,50}?(?:access|auth|(?-i:[Aa]pi|API)|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \\t\\w.-]{0,20})[\\s'"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'"\\s=]{0,5}([\\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\\x60'"\\s;]|\\\\[nr]|$)`,
    keywords: ['access', 'api', 'auth', 'key', 'credential', 'creds', 'passwd', 'password', 'secret', 'token'],
    entropy: 3.5,
    tags: ['generic'],
  });
  rules.push({
    id: 'private-key',
    description: 'Private key',
    regex: `(?i)-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\\s\\S-]{64,}?KEY(?: BLOCK)?-----`,
    keywords: ['-----begin'],
  });
  rules.push({
    id: 'jwt',
    description: 'JSON Web Token',
    regex: `\\b(ey[a-zA-Z0-9]{17,}\\.ey[a-zA-Z0-9\\/\\\\_-]{17,}\\.(?:[a-zA-Z0-9\\/\\\\_-]{10,}={0,2})?)(?:['|\\"|\\n|\\r|\\s|\\x60|;]|$)`,
    keywords: ['ey'],
    entropy: 3,
  });
  rules.push({
    id: 'url-password',
    description: 'Password in a URL',
    regex: `[a-z][a-z0-9+.-]{1,20}://[^:@/\\s'"]{1,64}:([^/\\s'"]{6,128})@[a-z0-9.-]+`,
    keywords: ['://'],
  });
  rules.push({
    id: 'lw-internal-key',
    description: 'keyword-less rule (bench)',
    regex: `\\bLWK[0-9A-Z]{29}\\b`,
  });
  rules.push({
    id: 'aws-access-key',
    description: 'keyword-less AWS-like key id',
    regex: `\\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\\b`,
  });
  return { rules, allowlists: [], files: ['<synthetic>'], warnings: [] };
}

/** A deterministic token for prefix rule `p` (synthetic; seeded). */
export function syntheticToken(prefix: string, seed: number): string {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = seed * 2654435761 + 1;
  let s = prefix;
  for (let i = 0; i < 36; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += alpha[(x >>> 8) % alpha.length];
  }
  return s;
}
