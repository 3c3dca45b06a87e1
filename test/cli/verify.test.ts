/**
 * `--verify` end to end through the CLI, against the local fake providers: scan, history, `leakward verify`,
 * `--only-verified`, the JSON and SARIF fields, no secret in any output, and never a request without `--verify`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/core/paths.js';
import { startFakeProviders, fakeSecret, checksummedToken, type FakeProviders } from '../verify/fake-providers.js';

const bin = path.join(packageRoot, 'bin', 'leakward.js');
const leaky = path.join(packageRoot, 'examples', 'leaky-app');

let fake: FakeProviders;
before(async () => { fake = await startFakeProviders(); });
after(async () => { await fake.close(); });

/** Runs the CLI asynchronously (the fake providers answer from this process). */
function leakward(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], {
      cwd: opts.cwd ?? packageRoot, encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', LEAKWARD_CONFIG: '', GITLEAKS_CONFIG: '', ...fake.env, ...opts.env },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 2) : 0, stdout, stderr }));
    child.stdin?.end();
  });
}

function git(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } },
    (err, out) => (err ? reject(err) : resolve(out.trim()))));
}

/** The example project's planted secrets, read from its files (never spelled out here). */
function planted(): { github: string; awsId: string; awsSecret: string; stripe: string } {
  const read = (p: string): string => readFileSync(path.join(leaky, p), 'utf8');
  const field = (text: string, key: string): string => text.split('\n').find((l) => l.startsWith(key))!.split('=')[1]!.trim();
  const aws = read('config/aws-credentials');
  return { github: read('src/github.js').split('"')[1]!, awsId: field(aws, 'aws_access_key_id'), awsSecret: field(aws, 'aws_secret_access_key'), stripe: field(read('.env'), 'STRIPE_SECRET_KEY') };
}

function copyLeaky(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-verify-'));
  cpSync(leaky, dir, { recursive: true });
  return dir;
}

interface JsonEntry { RuleID: string; Verified?: boolean; Verification?: { status: string; identity: string; checkedAt: string; reason?: string } }

test('cli verify: scan --verify adds Verified and Verification to the JSON report', async () => {
  const s = planted();
  fake.behaviours.set(s.github, 'ok');
  fake.behaviours.set(s.awsId, 'ok');
  fake.behaviours.set(s.stripe, 'reject');
  const dir = copyLeaky();
  const r = await leakward(['scan', '--verify', '--format', 'json', dir]);
  assert.equal(r.code, 1, r.stderr);
  const entries = JSON.parse(r.stdout) as JsonEntry[];
  const by = (id: string): JsonEntry => entries.find((e) => e.RuleID === id)!;
  assert.equal(by('github-pat').Verified, true);
  assert.equal(by('github-pat').Verification!.identity, 'octo-fake');
  assert.equal(by('aws-access-token').Verification!.status, 'verified');
  assert.equal(by('aws-secret-access-key').Verification!.identity, 'arn:aws:iam::123456789012:user/fake');
  assert.equal(by('stripe-access-token').Verification!.status, 'invalid');
  assert.equal(by('postgres-uri').Verification!.status, 'unknown');
  assert.equal(by('private-key').Verified, false);
  for (const e of entries) assert.ok(!Number.isNaN(Date.parse(e.Verification!.checkedAt)));
  assert.match(r.stderr, /verification: 3 verified, 1 invalid, 2 unknown/);
  for (const secret of Object.values(s)) {
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'no planted secret in the output');
  }
});

test('cli verify: --only-verified reports working credentials only; exit 1 when any, 0 when none', async () => {
  const s = planted();
  fake.behaviours.set(s.github, 'ok');
  fake.behaviours.set(s.awsId, 'reject');
  fake.behaviours.set(s.stripe, 'reject');
  const dir = copyLeaky();
  const r = await leakward(['scan', '--only-verified', '--format', 'sarif', dir]);
  assert.equal(r.code, 1, r.stderr);
  const sarif = JSON.parse(r.stdout) as { runs: { results: { ruleId: string; properties: { verification: { status: string; identity: string } } }[] }[] };
  const results = sarif.runs[0]!.results;
  assert.deepEqual(results.map((x) => x.ruleId), ['github-pat']);
  assert.equal(results[0]!.properties.verification.status, 'verified');
  assert.equal(results[0]!.properties.verification.identity, 'octo-fake');

  fake.behaviours.set(s.github, 'reject');
  const none = await leakward(['scan', '--only-verified', dir]);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /No secrets found/);
});

test('cli verify: no request without --verify, and the hooks refuse it', async () => {
  const dir = copyLeaky();
  const n = fake.requests.length;
  const r = await leakward(['scan', dir]);
  assert.equal(r.code, 1);
  assert.equal(fake.requests.length, n, 'a plain scan calls no provider');
  const staged = await leakward(['staged', '--verify'], { cwd: dir });
  assert.equal(staged.code, 2, 'the pre-commit command has no --verify');
  const push = await leakward(['history', '--pre-push', '--verify'], { cwd: dir });
  assert.equal(push.code, 2, 'the pre-push hook never calls out');
  assert.match(push.stderr, /never call out/);
  const mask = await leakward(['mask', '--verify']);
  assert.equal(mask.code, 2, 'mask has no --verify');
  assert.equal(fake.requests.length, n);
});

test('cli verify: a non-loopback endpoint override is a usage error', async () => {
  const dir = copyLeaky();
  const r = await leakward(['scan', '--verify', dir], { env: { LEAKWARD_VERIFY_ENDPOINT_GITHUB: 'https://example.com' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /for tests only/);
});

test('cli verify: history --verify pairs a Twilio token with the account SID in its commit, and `leakward verify` re-reads secrets from a report', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-verify-git-'));
  await git(dir, 'init', '-q', '-b', 'main');
  const sid = fakeSecret('AC', 32, 501, '0123456789abcdef');
  const token = fakeSecret('', 32, 502, '0123456789abcdef');
  const gh = checksummedToken('ghp_', 503);
  writeFileSync(path.join(dir, 'notify.py'), `from twilio.rest import Client\nclient = Client("${sid}", "${token}")\n`);
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'twilio');
  writeFileSync(path.join(dir, 'gh.js'), `const token = "${gh}";\n`);
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'github');
  // The secret is gone from the work tree: `verify` must read it from the commit.
  writeFileSync(path.join(dir, 'gh.js'), 'const token = process.env.GH_TOKEN;\n');
  await git(dir, 'commit', '-q', '-am', 'use env');
  fake.behaviours.set(`${sid}:${token}`, 'ok');
  fake.behaviours.set(gh, 'ok');

  const h = await leakward(['history', '--verify', '--format', 'json', '--no-progress'], { cwd: dir });
  assert.equal(h.code, 1, h.stderr);
  const entries = JSON.parse(h.stdout) as JsonEntry[];
  assert.equal(entries.find((e) => e.RuleID === 'twilio-auth-token')!.Verification!.identity.startsWith('Fake Account'), true);
  assert.equal(entries.find((e) => e.RuleID === 'github-pat')!.Verified, true);

  // Without verification, then `leakward verify` on the report.
  const plain = await leakward(['history', '--format', 'json', '--no-progress', '-o', 'report.json'], { cwd: dir });
  assert.equal(plain.code, 1);
  fake.behaviours.set(gh, 'reject');
  const v = await leakward(['verify', '--repo', dir, '--format', 'json', path.join(dir, 'report.json')]);
  assert.equal(v.code, 1, v.stderr);
  const again = JSON.parse(v.stdout) as JsonEntry[];
  assert.equal(again.length, 2);
  assert.equal(again.find((e) => e.RuleID === 'github-pat')!.Verification!.status, 'invalid');
  assert.equal(again.find((e) => e.RuleID === 'twilio-auth-token')!.Verification!.status, 'verified');
  for (const secret of [token, gh]) assert.ok(!v.stdout.includes(secret) && !v.stderr.includes(secret), 'no secret in the output');

  // A report entry whose secret is no longer there: exit 2, the rest still reported.
  const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as Record<string, unknown>[];
  report.push({ ...report[0]!, StartLine: 99 });
  writeFileSync(path.join(dir, 'report2.json'), JSON.stringify(report));
  const partial = await leakward(['verify', '--repo', dir, '--format', 'json', path.join(dir, 'report2.json')]);
  assert.equal(partial.code, 2);
  assert.match(partial.stderr, /no longer at this location/);
  assert.equal((JSON.parse(partial.stdout) as unknown[]).length, 2);

  // A hostile report naming a file outside the repository: never read.
  const outside = mkdtempSync(path.join(os.tmpdir(), 'leakward-verify-outside-'));
  writeFileSync(path.join(outside, 'gh.js'), `const token = "${gh}";\n`);
  const hostile = [{ ...report[0]!, RuleID: 'github-pat', Commit: '', StartLine: 1, StartColumn: 16, File: path.relative(dir, path.join(outside, 'gh.js')) },
    { ...report[0]!, RuleID: 'github-pat', Commit: '', StartLine: 1, StartColumn: 16, File: path.join(outside, 'gh.js') }];
  writeFileSync(path.join(dir, 'hostile.json'), JSON.stringify(hostile));
  const n = fake.requests.length;
  const h2 = await leakward(['verify', '--repo', dir, '--format', 'json', path.join(dir, 'hostile.json')]);
  assert.equal(h2.code, 2);
  assert.equal((h2.stderr.match(/cannot read the file/g) ?? []).length, 2);
  assert.equal(fake.requests.length, n, 'nothing outside the repository was read or checked');
});
