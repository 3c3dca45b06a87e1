/**
 * Where requests go. Without the test-only overrides, every request leaves for its provider's documented host
 * only (fetch itself is intercepted: nothing reaches the network); a host named in scanned content is never used;
 * overrides accept loopback addresses only; a redirect is never followed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyFindings } from '../../src/verify/verify.js';
import { createHttpClient, endpointOverride } from '../../src/verify/http.js';
import { fakeSecret, finding } from './fake-providers.js';

const HEX = '0123456789abcdef';
const DOCUMENTED_HOSTS = new Set([
  'api.github.com', 'gitlab.com', 'slack.com', 'hooks.slack.com', 'api.stripe.com', 'api.openai.com', 'api.anthropic.com',
  'registry.npmjs.org', 'api.sendgrid.com', 'api.twilio.com', 'sts.amazonaws.com',
]);

test('safety: without overrides, requests go only to the providers\' documented hosts', async () => {
  const seen: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request) => {
    seen.push(String(input instanceof Request ? input.url : input));
    return new Response('{"message":"Bad credentials"}', { status: 401 });
  }) as typeof fetch;
  try {
    const sid = fakeSecret('AC', 32, 1, HEX);
    const token = fakeSecret('', 32, 2, HEX);
    const findings = [
      finding('github-pat', fakeSecret('ghp_', 36, 3)),
      finding('gitlab-pat', fakeSecret('glpat-', 20, 4)),
      finding('slack-bot-token', `xoxb-1234567890-1234567890-${fakeSecret('', 24, 5)}`),
      finding('slack-webhook-url', `https://hooks.slack.com/services/T0/B0/${fakeSecret('', 24, 6)}`),
      // A webhook-looking URL on another host, and a hooks.slack.com path behind another host: never that host.
      finding('slack-webhook-url', `https://hooks.slack.com.evil.example/services/T0/B0/${fakeSecret('', 24, 7)}`),
      finding('slack-webhook-url', `https://evil.example/hooks.slack.com/services/T0/B0/${fakeSecret('', 24, 8)}`),
      finding('stripe-access-token', fakeSecret('sk_live_', 24, 9)),
      finding('openai-api-key', `sk-proj-${fakeSecret('', 58, 10)}T3BlbkFJ${fakeSecret('', 58, 11)}`),
      finding('anthropic-api-key', `sk-ant-api03-${fakeSecret('', 93, 12)}AA`),
      finding('npm-access-token', fakeSecret('npm_', 36, 13)),
      finding('sendgrid-api-token', `SG.${fakeSecret('', 22, 14)}.${fakeSecret('', 43, 15)}`),
      finding('twilio-auth-token', token, { match: `Client("${sid}", "${token}")` }),
      finding('aws-secret-access-key', fakeSecret('', 40, 16), { startLine: 4, endLine: 4 }),
      finding('aws-access-token', fakeSecret('AKIA', 16, 17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')),
      // A database URI naming a host: no connection without `databases: true`.
      finding('postgres-uri', 'pw', { match: 'postgres://u:pw@db.evil.example:5432/x' }),
    ];
    const { findings: out } = await verifyFindings(findings, {
      http: { env: {} },
      readText: async () => `x\ny\nclient = Client("${sid}", "${token}")\n`,
    });
    assert.ok(seen.length >= 12, `requests were made (${seen.length})`);
    const hosts = new Set(seen.map((u) => new URL(u).host));
    for (const u of seen) assert.equal(new URL(u).protocol, 'https:', 'https only');
    for (const h of hosts) assert.ok(DOCUMENTED_HOSTS.has(h), `request to an undocumented host: ${h}`);
    assert.deepEqual([...hosts].sort(), [...DOCUMENTED_HOSTS].sort(), 'every provider was asked, each at its own host');
    assert.ok(out.every((f) => f.verification), 'every finding has a verification');
  } finally {
    globalThis.fetch = realFetch;
  }
});

test('safety: the endpoint override accepts loopback addresses only', () => {
  assert.equal(endpointOverride('github', { LEAKWARD_VERIFY_ENDPOINT_GITHUB: 'http://127.0.0.1:9999' }), 'http://127.0.0.1:9999');
  assert.equal(endpointOverride('slack-webhook', { LEAKWARD_VERIFY_ENDPOINT_SLACK_WEBHOOK: 'http://localhost:1' }), 'http://localhost:1');
  assert.throws(() => endpointOverride('github', { LEAKWARD_VERIFY_ENDPOINT_GITHUB: 'https://example.com' }), /127\.0\.0\.1/);
  assert.throws(() => endpointOverride('github', { LEAKWARD_VERIFY_ENDPOINT_GITHUB: 'http://127.0.0.1.evil.example:80' }), /127\.0\.0\.1/);
  assert.equal(endpointOverride('github', {}), undefined);
});

test('safety: a path that would change the host is refused before anything is sent', async () => {
  let sent = 0;
  const client = createHttpClient({ transport: async () => { sent++; return { status: 200, headers: {}, text: '{}' }; } });
  const ep = { provider: 'github', baseUrl: 'https://api.github.com' };
  for (const path of ['//evil.example/user', 'https://evil.example/user', 'evil.example/user']) {
    const out = await client.call(ep, { method: 'GET', path });
    assert.equal(out.ok, false, path);
  }
  assert.equal(sent, 0);
});

test('safety: redirects are answers, never followed', async () => {
  let elsewhere = 0;
  const other = http.createServer((_q, r) => { elsewhere++; r.end('{}'); });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/user`;
  const redirector = http.createServer((_q, r) => { r.writeHead(302, { location: otherUrl }).end(); });
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  try {
    const t = fakeSecret('ghp_', 36, 20);
    const { findings } = await verifyFindings([finding('github-pat', t)], {
      http: { env: { LEAKWARD_VERIFY_ENDPOINT_GITHUB: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}` } },
    });
    assert.equal(findings[0]!.verification!.status, 'unknown');
    assert.equal(elsewhere, 0, 'the redirect target got no request');
  } finally {
    other.close();
    redirector.close();
  }
});
