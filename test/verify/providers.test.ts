/**
 * Every verifier against the local fake of its provider, for each documented answer: success, rejection, a 429
 * then success, 429 for good, a hang (request timeout), a malformed body, a 5xx.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding, VerificationStatus } from '../../src/core/types.js';
import { verifyFindings } from '../../src/verify/verify.js';
import { fakeSecret, finding, startFakeProviders, type Behaviour, type FakeProviders } from './fake-providers.js';

let fake: FakeProviders;
before(async () => { fake = await startFakeProviders(); });
after(async () => { await fake.close(); });

const HEX = '0123456789abcdef';
const AWS_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

interface Case {
  readonly name: string;
  readonly rule: string;
  /** The credential as the fake server keys it. */
  readonly key: (seed: number) => { secret: string; fakeKey: string; extra?: Partial<Finding>; partnerFinding?: Finding };
  readonly identity?: string;
}

const cases: Case[] = [
  { name: 'github PAT', rule: 'github-pat', key: (s) => { const t = fakeSecret('ghp_', 36, s); return { secret: t, fakeKey: t }; }, identity: 'octo-fake' },
  { name: 'github installation token', rule: 'github-app-token', key: (s) => { const t = fakeSecret('ghs_', 36, s); return { secret: t, fakeKey: t }; } },
  { name: 'gitlab PAT', rule: 'gitlab-pat', key: (s) => { const t = fakeSecret('glpat-', 20, s); return { secret: t, fakeKey: t }; }, identity: 'ci-token (user 42)' },
  { name: 'slack bot token', rule: 'slack-bot-token', key: (s) => { const t = `xoxb-1234567890-1234567890-${fakeSecret('', 24, s)}`; return { secret: t, fakeKey: t }; }, identity: 'fakebot @ Fake Team' },
  {
    name: 'slack webhook', rule: 'slack-webhook-url',
    key: (s) => { const path = `/services/T0000/B0000/${fakeSecret('', 24, s)}`; return { secret: `https://hooks.slack.com${path}`, fakeKey: path }; },
  },
  { name: 'stripe secret key', rule: 'stripe-access-token', key: (s) => { const t = fakeSecret('sk_live_', 24, s); return { secret: t, fakeKey: t }; }, identity: 'acct_fake1 <owner@example.com>' },
  { name: 'openai key', rule: 'openai-api-key', key: (s) => { const t = `sk-proj-${fakeSecret('', 58, s)}T3BlbkFJ${fakeSecret('', 58, s + 1)}`; return { secret: t, fakeKey: t }; }, identity: 'org-fake' },
  { name: 'anthropic key', rule: 'anthropic-api-key', key: (s) => { const t = `sk-ant-api03-${fakeSecret('', 93, s)}AA`; return { secret: t, fakeKey: t }; } },
  { name: 'anthropic admin key', rule: 'anthropic-admin-api-key', key: (s) => { const t = `sk-ant-admin01-${fakeSecret('', 93, s)}AA`; return { secret: t, fakeKey: t }; }, identity: 'Fake Org (org-uuid)' },
  { name: 'npm token', rule: 'npm-access-token', key: (s) => { const t = fakeSecret('npm_', 36, s); return { secret: t, fakeKey: t }; }, identity: 'npm-fake' },
  { name: 'sendgrid key', rule: 'sendgrid-api-token', key: (s) => { const t = `SG.${fakeSecret('', 22, s)}.${fakeSecret('', 43, s + 1)}`; return { secret: t, fakeKey: t }; } },
  {
    name: 'twilio SID + token', rule: 'twilio-auth-token',
    key: (s) => {
      const sid = fakeSecret('AC', 32, s, HEX);
      const token = fakeSecret('', 32, s + 1, HEX);
      return { secret: token, fakeKey: `${sid}:${token}`, extra: { match: `client = Client("${sid}", "${token}")` } };
    },
    identity: 'Fake Account',
  },
  {
    name: 'AWS key pair', rule: 'aws-secret-access-key',
    key: (s) => {
      const id = fakeSecret('AKIA', 16, s, AWS_ID_ALPHABET);
      const secret = fakeSecret('', 40, s + 1);
      return { secret, fakeKey: id, partnerFinding: finding('aws-access-token', id, { startLine: 2, endLine: 2 }) };
    },
    identity: 'arn:aws:iam::123456789012:user/fake',
  },
];

const expected: Record<Behaviour, VerificationStatus> = {
  ok: 'verified', reject: 'invalid', 'rate-limit-once': 'verified', 'rate-limit': 'unknown', hang: 'unknown', malformed: 'unknown', 'server-error': 'unknown',
};

let seed = 1000;
for (const c of cases) {
  for (const behaviour of Object.keys(expected) as Behaviour[]) {
    test(`verify: ${c.name} / ${behaviour} → ${expected[behaviour]}`, async () => {
      const k = c.key(seed++);
      fake.behaviours.set(k.fakeKey, behaviour);
      const f = finding(c.rule, k.secret, k.extra ?? {});
      const lines = ['', '', k.extra?.match ?? k.secret];
      const { findings } = await verifyFindings(k.partnerFinding ? [f, k.partnerFinding] : [f], {
        http: { env: fake.env, minIntervalMs: 0, maxBackoffMs: 5 },
        requestTimeoutMs: behaviour === 'hang' ? 300 : 10_000,
        readText: async () => lines.join('\n'),
      });
      const v = findings[0]!.verification!;
      assert.equal(v.status, expected[behaviour], `status of ${c.rule} (${v.reason ?? ''})`);
      assert.ok(!Number.isNaN(Date.parse(v.checkedAt)), 'checkedAt is a time');
      if (behaviour === 'ok' && c.identity) assert.ok(v.identity?.startsWith(c.identity), `identity ${v.identity}`);
      if (behaviour === 'rate-limit') assert.equal(v.reason, 'rate limited');
      if (behaviour === 'hang') assert.equal(v.reason, 'timed out');
      if (behaviour === 'malformed') assert.equal(v.reason, 'malformed answer');
      if (k.partnerFinding) assert.equal(findings[1]!.verification!.status, expected[behaviour], 'the partner finding shares the pair result');
      assert.ok(!JSON.stringify(v).includes(k.secret), 'the verification holds no secret');
    });
  }
}

test('verify: one call per distinct secret, however many occurrences', async () => {
  const t = fakeSecret('ghp_', 36, 7);
  fake.behaviours.set(t, 'ok');
  const before = fake.requests.length;
  const fs = [1, 2, 3, 4].map((n) => finding('github-pat', t, { file: `f${n}.js` }));
  const { findings, summary } = await verifyFindings(fs, { http: { env: fake.env } });
  assert.equal(fake.requests.length - before, 1);
  assert.equal(summary.checks, 1);
  assert.ok(findings.every((f) => f.verification?.status === 'verified'));
});

test('verify: a cached result is reused with its original time', async () => {
  const t = fakeSecret('npm_', 36, 8);
  fake.behaviours.set(t, 'ok');
  const { memoryCache } = await import('../../src/verify/cache.js');
  const cache = memoryCache();
  const first = await verifyFindings([finding('npm-access-token', t)], { http: { env: fake.env }, cache, now: () => new Date('2026-01-01T00:00:00Z') });
  const n = fake.requests.length;
  const second = await verifyFindings([finding('npm-access-token', t)], { http: { env: fake.env }, cache, now: () => new Date('2026-01-01T01:00:00Z') });
  assert.equal(fake.requests.length, n, 'no second request');
  assert.equal(second.findings[0]!.verification!.checkedAt, first.findings[0]!.verification!.checkedAt);
  assert.equal(cache.size, 1);
});

test('verify: refresh tokens and unsupported rules are unknown without a request', async () => {
  const n = fake.requests.length;
  const { findings } = await verifyFindings([
    finding('github-refresh-token', fakeSecret('ghr_', 36, 9)),
    finding('slack-legacy-workspace-token', fakeSecret('xoxr-', 30, 10)),
    finding('generic-api-key', 'x'.repeat(20)),
    finding('postgres-uri', 'pw'),
  ], { http: { env: fake.env } });
  assert.equal(fake.requests.length, n);
  assert.deepEqual(findings.map((f) => f.verification!.status), ['unknown', 'unknown', 'unknown', 'unknown']);
  assert.match(findings[0]!.verification!.reason!, /refresh token/);
  assert.match(findings[1]!.verification!.reason!, /refresh token/);
  assert.match(findings[3]!.verification!.reason!, /--verify-databases/);
});

test('verify: pairs try every candidate within 10 lines, nearest first, at most 5', async () => {
  const secret = fakeSecret('', 40, 11);
  // Seven key ids on lines 21..27 of the file (no findings: read from the text), the secret on line 20.
  const ids = [0, 1, 2, 3, 4, 5, 6].map((i) => fakeSecret('AKIA', 16, 100 + i, AWS_ID_ALPHABET));
  fake.behaviours.set(ids[4]!, 'ok'); // the 5th nearest works
  const lines: string[] = Array.from({ length: 45 }, () => '');
  ids.forEach((id, i) => { lines[20 + i] = `key_${i} = ${id}`; });
  const far = fakeSecret('AKIA', 16, 200, AWS_ID_ALPHABET);
  lines[39] = `far = ${far}`; // line 40: 20 lines away
  fake.behaviours.set(far, 'ok');
  const other = finding('aws-access-token', fakeSecret('AKIA', 16, 201, AWS_ID_ALPHABET), { startLine: 21, endLine: 21, file: 'other.env' });
  const before = fake.requests.length;
  const { findings } = await verifyFindings([finding('aws-secret-access-key', secret, { startLine: 20, endLine: 20 }), other], {
    http: { env: fake.env },
    readText: async (f) => (f.file === 'other.env' ? '' : lines.join('\n')),
  });
  const stsCalls = fake.requests.slice(before).filter((r) => r.body.includes('GetCallerIdentity'));
  const tried = stsCalls.map((r) => String(r.headers['authorization']).split('Credential=')[1]!.split('/')[0]!);
  assert.deepEqual([...tried].sort(), ids.slice(0, 5).sort(), 'exactly the five nearest key ids are tried, once each');
  assert.equal(findings[0]!.verification!.status, 'verified', 'the working pair among the five nearest is found');
  assert.equal(findings[1]!.verification!.status, 'unknown', 'a key id with no secret in its own file has no pair');
});

test('verify: a secret never appears in a network error reason', async () => {
  const t = fakeSecret('ghp_', 36, 12);
  const { findings } = await verifyFindings([finding('github-pat', t)], {
    http: { transport: async (req) => { throw new Error(`connect ECONNREFUSED ${req.url} ${JSON.stringify(req.headers)}`); } },
  });
  const v = findings[0]!.verification!;
  assert.equal(v.status, 'unknown');
  assert.ok(!v.reason!.includes(t) && !v.reason!.includes('api.github.com'), `reason is generic: ${v.reason}`);
});

test('verify: the global deadline ends checks still running as unknown', async () => {
  const t = fakeSecret('npm_', 36, 13);
  fake.behaviours.set(t, 'hang');
  const { findings } = await verifyFindings([finding('npm-access-token', t)], { http: { env: fake.env }, timeoutMs: 200, requestTimeoutMs: 60_000 });
  assert.equal(findings[0]!.verification!.status, 'unknown');
  assert.match(findings[0]!.verification!.reason!, /global verification deadline/);
});
