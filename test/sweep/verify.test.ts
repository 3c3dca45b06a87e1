/**
 * `sweep --verify`: findings of a swept repository are checked against the local fake providers, with secrets
 * read back from their commits; results and the check cache live in the datastore (no secret in it); a second
 * sweep within the cache age asks nobody; the HTML report has the verification column, verified first, and a filter.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { openStore, MIGRATIONS, loadDriver } from '../../src/store/index.js';
import { dbBytes, fakeAwsKey, tempDir, tempRepo } from './helpers.js';
import { checksummedToken, fakeSecret, startFakeProviders, type FakeProviders } from '../verify/fake-providers.js';

let fake: FakeProviders;
before(async () => { fake = await startFakeProviders(); });
after(async () => { await fake.close(); });

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const sink = (f: (s: string) => void): Writable => new Writable({ write(c, _e, cb) { f(String(c)); cb(); } });
  const input = new PassThrough();
  input.end('');
  const io: CliIO = { stdin: input, stdout: sink((s) => { out += s; }), stderr: sink((s) => { err += s; }), env: { ...fake.env }, cwd };
  return { code: await main(args, io), out, err };
}

test('sweep --verify: checks, records and reports; the datastore holds no secret; a second sweep asks nobody', async () => {
  const repo = tempRepo('lw-sweep-verify-');
  const keyId = fakeAwsKey(91);
  const secret = fakeSecret('', 40, 92);
  const gh = checksummedToken('ghp_', 93);
  repo.write('aws.ini', `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\n`);
  repo.commit('aws');
  repo.write('gh.js', `const token = "${gh}";\n`);
  repo.commit('github');
  fake.behaviours.set(keyId, 'ok');
  fake.behaviours.set(gh, 'reject');
  const work = tempDir();
  const db = path.join(work, 'sweep.db');

  const r = await cli(['sweep', repo.dir, '--db', db, '--verify', '--no-progress'], work);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /verification: 2 verified, 1 invalid, 0 unknown/);

  const store = openStore(db, { mustExist: true });
  const rows = store.findings();
  const byRule = (id: string) => rows.find((f) => f.ruleId === id)!;
  assert.equal(byRule('aws-access-token').verification?.status, 'verified');
  assert.equal(byRule('aws-secret-access-key').verification?.identity, 'arn:aws:iam::123456789012:user/fake');
  assert.equal(byRule('github-pat').verification?.status, 'invalid');
  store.close();
  const bytes = dbBytes(db);
  for (const s of [keyId, secret, gh]) assert.ok(!bytes.includes(s), 'no secret in the datastore');

  const n = fake.requests.length;
  const again = await cli(['sweep', repo.dir, '--db', db, '--verify', '--no-progress'], work);
  assert.equal(again.code, 1, again.err);
  assert.equal(fake.requests.length, n, 'checked within the cache age: no request');

  const html = await cli(['report', '--db', db, '-f', 'html'], work);
  assert.equal(html.code, 0, html.err);
  assert.match(html.out, /<th>Verification<\/th>/);
  assert.match(html.out, /id="vf-verified"/);
  const firstRow = html.out.split('<tbody>').pop()!.split('</tr>')[0]!;
  assert.match(firstRow, /class="v-verified"/, 'verified findings sort first');
  for (const s of [keyId, secret, gh]) assert.ok(!html.out.includes(s), 'no secret in the report');
});

test('sweep: without --verify nothing is checked and the report has no filter', async () => {
  const repo = tempRepo('lw-sweep-noverify-');
  repo.write('gh.js', `const token = "${checksummedToken('ghp_', 94)}";\n`);
  repo.commit('github');
  const work = tempDir();
  const db = path.join(work, 'sweep.db');
  const n = fake.requests.length;
  const r = await cli(['sweep', repo.dir, '--db', db, '--no-progress'], work);
  assert.equal(r.code, 1, r.err);
  assert.equal(fake.requests.length, n);
  const html = await cli(['report', '--db', db, '-f', 'html'], work);
  assert.doesNotMatch(html.out, /id="vf-verified"/);
  assert.match(html.out, /not checked/);
});

test('store: a schema-1 datastore migrates to the verification tables', () => {
  const Database = loadDriver();
  const file = path.join(tempDir(), 'v1.db');
  const raw = new Database(file);
  raw.exec(MIGRATIONS[0]!.sql);
  raw.pragma('user_version = 1');
  raw.close();
  const store = openStore(file, { mustExist: true });
  assert.equal(store.db.pragma('user_version', { simple: true }), MIGRATIONS[MIGRATIONS.length - 1]!.version);
  store.recordVerifications([{ fingerprint: 'lw1:x', status: 'unknown', identity: '', provider: '', reason: 'r', checkedAt: '2026-01-01T00:00:00Z' }]);
  assert.equal(store.verifications().get('lw1:x')?.reason, 'r');
  store.close();
});
