/** The datastore: schema versions, bad files, idempotent recording, triage, merging shards. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore, StoreError, SCHEMA_VERSION, type ScanResult, type OccurrenceRecord } from '../../src/store/index.js';
import { tempDir } from '../sweep/helpers.js';

const occ = (over: Partial<OccurrenceRecord> = {}): OccurrenceRecord => ({
  fingerprint: 'lw1:aaaa', ruleId: 'aws-access-key', description: 'AWS key', preview: 'AKIA…', confidence: 'high', entropy: 3.5,
  sha: 'a'.repeat(40), path: 'keys.txt', line: 1, column: 5, author: 'T', email: 't@example.com', date: '2024-01-01T00:00:00.000Z', ...over,
});
const result = (occurrences: OccurrenceRecord[], commits = ['a'.repeat(40)]): ScanResult =>
  ({ repo: 'file:///x', ruleSetId: 'rs1', rules: ['aws-access-key'], commits, occurrences, bytes: 10 });

test('store: a new file is created at the latest schema version, in WAL mode', () => {
  const dir = tempDir();
  const s = openStore(path.join(dir, 'a.db'));
  assert.equal(s.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
  s.close();
});

test('store: a file of a newer schema is refused with a one-line error', () => {
  const dir = tempDir();
  const file = path.join(dir, 'new.db');
  const s = openStore(file);
  s.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  s.close();
  assert.throws(() => openStore(file), (e: Error) => e instanceof StoreError && /newer than this leakward/.test(e.message) && !e.message.includes('\n'));
});

test('store: a corrupt file and a foreign SQLite file are refused', () => {
  const dir = tempDir();
  const bad = path.join(dir, 'bad.db');
  fs.writeFileSync(bad, Buffer.alloc(8192, 0x41));
  assert.throws(() => openStore(bad), (e: Error) => e instanceof StoreError && e.message.startsWith(bad));
  const foreign = path.join(dir, 'foreign.db');
  const f = openStore(path.join(dir, 'ok.db'));
  f.db.exec(`ATTACH '${foreign}' AS f; CREATE TABLE f.t (x); DETACH f;`);
  f.close();
  assert.throws(() => openStore(foreign), /not a leakward datastore/);
  assert.throws(() => openStore(path.join(dir, 'missing.db'), { mustExist: true }), /no such datastore/);
});

test('store: recording the same result twice changes nothing', () => {
  const s = openStore(path.join(tempDir(), 'a.db'));
  assert.equal(s.record(result([occ()])), 1);
  assert.equal(s.record(result([occ()])), 0);
  assert.equal(s.findings().length, 1);
  assert.equal(s.findings()[0]!.occurrences, 1);
  assert.deepEqual([...(s.lookupSync(['a'.repeat(40)]).get('a'.repeat(40)) ?? [])], ['rs1']);
  s.close();
});

test('store: the first introduction is the earliest occurrence by commit date', () => {
  const s = openStore(path.join(tempDir(), 'a.db'));
  s.record(result([occ({ sha: 'b'.repeat(40), date: '2024-05-01T00:00:00.000Z', author: 'Later' })], ['b'.repeat(40)]));
  s.record(result([occ({ sha: 'c'.repeat(40), date: '2023-05-01T00:00:00.000Z', author: 'Earlier' })], ['c'.repeat(40)]));
  const [f] = s.findings();
  assert.equal(f!.first.author, 'Earlier');
  assert.equal(f!.occurrences, 2);
  s.close();
});

test('store: triage persists; a revoked finding committed again later is new again', () => {
  const s = openStore(path.join(tempDir(), 'a.db'));
  s.record(result([occ()]));
  assert.equal(s.triage('lw1:aaaa', 'revoked', 'rotated', 'alice', '2024-02-01T00:00:00.000Z'), true);
  assert.equal(s.triage('lw1:nope', 'revoked', '', 'alice'), false);
  // An older commit reached later (another repository) does not reopen it.
  s.record(result([occ({ sha: 'd'.repeat(40), date: '2023-12-01T00:00:00.000Z' })], ['d'.repeat(40)]));
  assert.equal(s.triageOf('lw1:aaaa')!.status, 'revoked');
  s.record(result([occ({ sha: 'e'.repeat(40), date: '2024-03-01T00:00:00.000Z' })], ['e'.repeat(40)]));
  assert.equal(s.triageOf('lw1:aaaa')!.status, 'new');
  assert.deepEqual(s.triageHistory('lw1:aaaa').map((t) => t.status), ['revoked', 'new']);
  s.close();
});

test('store: merging shards is a union, and merging the same shard twice changes nothing', () => {
  const dir = tempDir();
  const a = openStore(path.join(dir, 'a.db'));
  a.record(result([occ()]));
  a.recordRepo({ url: 'file:///a', source: 'a', refs: [{ name: 'refs/heads/main', sha: 'a'.repeat(40) }], commits: 1, scannedCommits: 1, bytes: 1,
    durationMs: 1, ruleSetId: 'rs1', sweptAt: '2024-01-01T00:00:00.000Z', reach: [{ sha: 'a'.repeat(40), refs: ['refs/heads/main'] }], present: ['lw1:aaaa'] });
  a.close();
  const b = openStore(path.join(dir, 'b.db'));
  b.record(result([occ({ fingerprint: 'lw1:bbbb', sha: 'f'.repeat(40) })], ['f'.repeat(40)]));
  b.close();
  const all = openStore(path.join(dir, 'all.db'));
  all.merge(path.join(dir, 'a.db'));
  all.merge(path.join(dir, 'b.db'));
  const once = JSON.stringify([all.findings(), all.repos(), all.scannedCount()]);
  all.merge(path.join(dir, 'a.db'));
  all.merge(path.join(dir, 'b.db'));
  assert.equal(JSON.stringify([all.findings(), all.repos(), all.scannedCount()]), once);
  assert.equal(all.findings().length, 2);
  assert.equal(all.findings().find((f) => f.fingerprint === 'lw1:aaaa')!.present, true);
  all.close();
});
