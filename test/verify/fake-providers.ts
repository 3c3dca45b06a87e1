/**
 * Local fake provider APIs for the verification tests: one HTTP server on 127.0.0.1 answering every provider's
 * documented endpoint the way the provider documents it (success body, rejection, 429, a hang, a malformed body).
 * What a credential gets is set per credential value in `behaviours`; unknown credentials are rejected.
 * Tests point `LEAKWARD_VERIFY_ENDPOINT_<PROVIDER>` at it. Nothing here reaches the internet.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Finding } from '../../src/core/types.js';
import { mulberry32 } from '../support/prng.js';
import { base62, crc32 } from '../../src/core/validators.js';

export type Behaviour = 'ok' | 'reject' | 'rate-limit-once' | 'rate-limit' | 'hang' | 'malformed' | 'server-error';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeProviders {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** credential (token, or `partner:secret` for pairs) → behaviour */
  readonly behaviours: Map<string, Behaviour>;
  /** `LEAKWARD_VERIFY_ENDPOINT_*` for every provider, pointing here. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export const PROVIDERS = ['github', 'gitlab', 'slack', 'slack-webhook', 'stripe', 'openai', 'anthropic', 'npm', 'sendgrid', 'twilio', 'aws'];

/** A synthetic secret: `prefix` + `n` characters of `alphabet` from a seeded PRNG (never a real credential). */
export function fakeSecret(prefix: string, n: number, seed: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  const rnd = mulberry32(seed);
  let s = prefix;
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
  return s;
}

function credentialOf(req: SeenRequest): string | undefined {
  const auth = String(req.headers['authorization'] ?? '');
  if (auth.startsWith('Bearer ')) return auth.slice(7);
  if (auth.startsWith('Basic ')) return Buffer.from(auth.slice(6), 'base64').toString('utf8');
  if (auth.startsWith('AWS4-HMAC-SHA256 ')) {
    // The fake cannot check a signature without the secret; the test registers `keyId:secret` and the key id's
    // behaviour under the key id alone.
    const cred = auth.split('Credential=')[1]?.split('/')[0];
    return cred;
  }
  if (req.headers['x-api-key']) return String(req.headers['x-api-key']);
  if (req.headers['private-token']) return String(req.headers['private-token']);
  if (req.path.startsWith('/services/')) return req.path;
  return undefined;
}

type Answer = { status: number; body: string; headers?: Record<string, string> };

/** The success and rejection answers each endpoint documents. */
function answers(req: SeenRequest): { ok: Answer; reject: Answer } | undefined {
  const json = (status: number, v: unknown, headers?: Record<string, string>): Answer => ({ status, body: JSON.stringify(v), ...(headers ? { headers } : {}) });
  const p = req.path;
  if (p === '/user') return { ok: json(200, { login: 'octo-fake', id: 1 }), reject: json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' }) };
  if (p.startsWith('/installation/repositories')) return { ok: json(200, { total_count: 1, repositories: [] }), reject: json(401, { message: 'Bad credentials' }) };
  if (p === '/api/v4/personal_access_tokens/self') {
    return { ok: json(200, { id: 4, name: 'ci-token', revoked: false, active: true, user_id: 42, scopes: ['read_api'] }), reject: json(401, { message: '401 Unauthorized' }) };
  }
  if (p === '/api/auth.test') {
    return { ok: json(200, { ok: true, url: 'https://fake.slack.com/', team: 'Fake Team', user: 'fakebot', team_id: 'T1', user_id: 'U1' }), reject: json(200, { ok: false, error: 'invalid_auth' }) };
  }
  if (p.startsWith('/services/')) return { ok: { status: 400, body: 'invalid_payload' }, reject: { status: 403, body: 'invalid_token' } };
  if (p === '/v1/account') return { ok: json(200, { id: 'acct_fake1', object: 'account', email: 'owner@example.com' }), reject: json(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }) };
  if (p === '/v1/models' && req.headers['x-api-key']) return { ok: json(200, { data: [], has_more: false }), reject: json(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }) };
  if (p === '/v1/organizations/me') return { ok: json(200, { id: 'org-uuid', name: 'Fake Org', type: 'organization' }), reject: json(401, { type: 'error', error: { type: 'authentication_error' } }) };
  if (p === '/v1/models') {
    return { ok: json(200, { object: 'list', data: [] }, { 'openai-organization': 'org-fake' }), reject: json(401, { error: { code: 'invalid_api_key', message: 'Incorrect API key provided' } }) };
  }
  if (p === '/-/whoami') return { ok: json(200, { username: 'npm-fake' }), reject: json(401, { error: 'Unauthorized' }) };
  if (p === '/v3/scopes') return { ok: json(200, { scopes: ['mail.send'] }), reject: json(401, { errors: [{ field: null, message: 'authorization required' }] }) };
  if (p.startsWith('/2010-04-01/Accounts/')) {
    const sid = p.slice('/2010-04-01/Accounts/'.length, -'.json'.length);
    return { ok: json(200, { sid, friendly_name: 'Fake Account', status: 'active' }), reject: json(401, { code: 20003, message: 'Authenticate', status: 401 }) };
  }
  if (p === '/' && req.method === 'POST' && req.body.includes('Action=GetCallerIdentity')) {
    const xml = (inner: string): string => `<?xml version="1.0"?>\n${inner}`;
    return {
      ok: { status: 200, body: xml('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/fake</Arn><UserId>AIDAFAKE</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>'), headers: { 'content-type': 'text/xml' } },
      reject: { status: 403, body: xml('<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>'), headers: { 'content-type': 'text/xml' } },
    };
  }
  return undefined;
}

export async function startFakeProviders(): Promise<FakeProviders> {
  const requests: SeenRequest[] = [];
  const behaviours = new Map<string, Behaviour>();
  const limitedOnce = new Set<string>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(seen);
      const a = answers(seen);
      if (!a) { res.writeHead(404).end('not found'); return; }
      const cred = credentialOf(seen) ?? '';
      const b = behaviours.get(cred) ?? 'reject';
      const send = (x: Answer): void => { res.writeHead(x.status, { 'content-type': 'application/json', ...(x.headers ?? {}) }).end(x.body); };
      switch (b) {
        case 'ok': return send(a.ok);
        case 'reject': return send(a.reject);
        case 'rate-limit-once':
          if (!limitedOnce.has(cred)) { limitedOnce.add(cred); return send({ status: 429, body: '{"message":"slow down"}', headers: { 'retry-after': '0' } }); }
          return send(a.ok);
        case 'rate-limit': return send({ status: 429, body: '{"message":"slow down"}', headers: { 'retry-after': '0' } });
        case 'hang': hanging.add(res); return undefined;
        case 'malformed': return send({ status: 200, body: '<html>captive portal</html>', headers: { 'content-type': 'text/html' } });
        case 'server-error': return send({ status: 503, body: 'upstream unavailable' });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env: Record<string, string> = {};
  for (const p of PROVIDERS) env[`LEAKWARD_VERIFY_ENDPOINT_${p.toUpperCase().split('-').join('_')}`] = url;
  return {
    url, requests, behaviours, env,
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A finding as the scanner would report it, for a rule and secret. */
export function finding(ruleId: string, secret: string, extra: Partial<Finding> = {}): Finding {
  return {
    ruleId, description: ruleId, tags: [], file: 'config/app.env', startLine: 3, endLine: 3, startColumn: 1, endColumn: secret.length,
    secret, match: secret, entropy: 4, fingerprint: `lw1:${ruleId}`, span: [0, secret.length], ...extra,
  };
}


/** A synthetic GitHub/npm-style token with a valid CRC32 checksum: `prefix` + 30 random Base62 + 6 checksum. */
export function checksummedToken(prefix: string, seed: number): string {
  const body = fakeSecret('', 30, seed);
  return prefix + body + base62(crc32(body), 6);
}
