/**
 * Postgres and MySQL URIs against real throwaway servers (Debian's postgresql and mariadb-server, started here on
 * 127.0.0.1 free ports): a working password is `verified`, a wrong one `invalid`, a closed port `unknown`; nothing
 * is contacted without `databases: true`. Skipped with the reason when the servers are not installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/core/paths.js';
import { verifyFindings } from '../../src/verify/verify.js';
import { freePort, startMariadb, startPostgres, type Started } from '../support/databases.js';
import { fakeSecret, finding } from './fake-providers.js';

const USER = 'app';
const PASSWORD = fakeSecret('', 18, 71);
let pg: Started = { skip: 'not started' };
let maria: Started = { skip: 'not started' };

before(async () => {
  [pg, maria] = await Promise.all([startPostgres(USER, PASSWORD), startMariadb(USER, PASSWORD)]);
});
after(async () => {
  if ('db' in pg) await pg.db.stop();
  if ('db' in maria) await maria.db.stop();
});

/** A finding of `rule` whose line holds `uri` (the rule's secret is the password; the verifier reads the line). */
async function check(rule: 'postgres-uri' | 'mysql-uri', uri: string, databases = true) {
  const password = decodeURIComponent(uri.split('@')[0]!.split(':').pop()!);
  const line = `DATABASE_URL=${uri}`;
  const f = finding(rule, password, { startLine: 1, endLine: 1, match: uri.split('@')[0]! + '@' + uri.split('@')[1]![0] });
  const { findings } = await verifyFindings([f], { databases, readText: async () => `${line}\n`, requestTimeoutMs: 10_000 });
  return findings[0]!.verification!;
}

for (const [name, rule, scheme, server] of [
  ['postgres', 'postgres-uri', 'postgres', () => pg],
  ['mariadb', 'mysql-uri', 'mysql', () => maria],
] as const) {
  test(`database: ${name}: the right password is verified, with user@host:port/db`, async (t) => {
    const s = server();
    if ('skip' in s) return t.skip(s.skip);
    const v = await check(rule, `${scheme}://${USER}:${PASSWORD}@127.0.0.1:${s.db.port}/app`);
    assert.equal(v.status, 'verified', v.reason);
    assert.equal(v.identity, `${USER}@127.0.0.1:${s.db.port}/app`);
  });

  test(`database: ${name}: a wrong password is invalid`, async (t) => {
    const s = server();
    if ('skip' in s) return t.skip(s.skip);
    const v = await check(rule, `${scheme}://${USER}:${PASSWORD}x@127.0.0.1:${s.db.port}/app`);
    assert.equal(v.status, 'invalid', v.reason);
    assert.ok(!JSON.stringify(v).includes(PASSWORD), 'no password in the verification');
  });

  test(`database: ${name}: the right password and a missing database is still verified`, async (t) => {
    const s = server();
    if ('skip' in s) return t.skip(s.skip);
    const v = await check(rule, `${scheme}://${USER}:${PASSWORD}@127.0.0.1:${s.db.port}/nosuchdb`);
    assert.equal(v.status, 'verified', v.reason);
    assert.match(v.reason ?? '', /database/);
    const wrong = await check(rule, `${scheme}://${USER}:${PASSWORD}x@127.0.0.1:${s.db.port}/nosuchdb`);
    assert.equal(wrong.status, 'invalid', 'a missing database says nothing about a wrong password');
  });
}

test('database: a closed port is unknown', async () => {
  const port = await freePort();
  const v = await check('postgres-uri', `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/app`);
  assert.equal(v.status, 'unknown');
  assert.match(v.reason!, /could not connect \(ECONNREFUSED\)/);
});

test('database: without --verify-databases nothing is contacted', async (t) => {
  const s = pg;
  if ('skip' in s) return t.skip(s.skip);
  const v = await check('postgres-uri', `postgres://${USER}:${PASSWORD}@127.0.0.1:${s.db.port}/app`, false);
  assert.equal(v.status, 'unknown');
  assert.match(v.reason!, /--verify-databases/);
});

test('database: scan --verify-databases through the CLI', async (t) => {
  const s = pg;
  if ('skip' in s) return t.skip(s.skip);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-verify-db-'));
  writeFileSync(path.join(dir, '.env'), `DATABASE_URL=postgres://${USER}:${PASSWORD}@127.0.0.1:${s.db.port}/app\n`);
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [path.join(packageRoot, 'bin', 'leakward.js'), 'scan', '--no-git', '--verify-databases', '--format', 'json', dir],
      { env: { ...process.env, LEAKWARD_CONFIG: '', GITLEAKS_CONFIG: '' } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
  });
  assert.equal(r.code, 1, r.stderr);
  const [entry] = JSON.parse(r.stdout) as { RuleID: string; Verified: boolean; Verification: { identity: string } }[];
  assert.equal(entry!.RuleID, 'postgres-uri');
  assert.equal(entry!.Verified, true);
  assert.equal(entry!.Verification.identity, `${USER}@127.0.0.1:${s.db.port}/app`);
  assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), 'no password in the output');
});
