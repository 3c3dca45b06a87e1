/**
 * The sweep report and triage end to end: a real sweep into a datastore, then every format through the CLI, with
 * no secret anywhere and the counts the datastore holds; triage decisions persist, and the exported baseline
 * silences exactly the triaged finding in `leakward history`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/index.js';
import { commitLink, repoFileName } from '../../src/report/index.js';
import { cli, repoWithKey, tempDir, fakeAwsKey } from '../sweep/helpers.js';

/** Two repositories: one still holding its key at the tip, one whose key was removed (history only). */
async function sweptDb(): Promise<{ dir: string; keys: string[]; live: string; gone: string }> {
  const a = repoWithKey(3, 1, 41);
  const b = repoWithKey(3, 0, 42);
  b.repo.git('rm', '-q', 'keys.txt');
  b.repo.commit('remove key');
  const dir = tempDir();
  const r = await cli(['sweep', a.repo.dir, b.repo.dir, '--db', 's.db', '--no-progress'], dir);
  assert.equal(r.code, 1, r.err);
  return { dir, keys: [a.key, b.key], live: a.repo.dir, gone: b.repo.dir };
}

test('report: html, markdown, jsonl and per-repository sarif hold the counts and never a secret', async () => {
  const { dir, keys } = await sweptDb();
  for (const [f, out] of [['html', 'r.html'], ['markdown', 'r.md'], ['jsonl', 'r.jsonl']] as const) {
    const r = await cli(['report', '--db', 's.db', '-f', f, '-o', out], dir);
    assert.equal(r.code, 0, r.err);
  }
  assert.equal((await cli(['report', '--db', 's.db', '-f', 'sarif', '-o', 'sarif'], dir)).code, 0);
  const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
  assert.match(html, /id="findings-total">2</);
  assert.match(html, /id="findings-present">1</);
  assert.match(html, /id="repos-swept">2</);
  assert.match(html, /<svg[^>]*aria-label="Findings by month of introduction"/);
  assert.ok(!/<script/i.test(html), 'no script');
  assert.ok(!/(src|href)="(https?:)?\/\/[^"]*\.(css|js)/.test(html), 'no external resource');
  const lines = fs.readFileSync(path.join(dir, 'r.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.deepEqual(lines.map((l) => l.present).sort(), [false, true]);
  assert.equal(lines[0].occurrences.length, 1);
  const sarifs = fs.readdirSync(path.join(dir, 'sarif')).sort();
  assert.equal(sarifs.length, 2);
  assert.ok(sarifs.every((f) => /^local__[^_].*__.+\.sarif$/.test(f)), sarifs.join(','));
  const sarif = JSON.parse(fs.readFileSync(path.join(dir, 'sarif', sarifs[0]!), 'utf8'));
  assert.equal(sarif.runs[0].results.length, 1);
  for (const file of ['r.html', 'r.md', 'r.jsonl', ...sarifs.map((s) => `sarif/${s}`)]) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const k of keys) assert.ok(!text.includes(k.slice(4)), `${file} holds no secret`);
  }
  const md = fs.readFileSync(path.join(dir, 'r.md'), 'utf8');
  assert.match(md, /Repositories swept: \*\*2\*\*, failed: \*\*0\*\*/);
});

test('report: bad databases are one-line errors with exit 2', async () => {
  const dir = tempDir();
  const r1 = await cli(['report', '--db', 'missing.db'], dir);
  assert.equal(r1.code, 2);
  assert.equal(r1.err.trim().split('\n').length, 1);
  fs.writeFileSync(path.join(dir, 'bad.db'), 'SQLite format 3\0' + 'x'.repeat(5000));
  const r2 = await cli(['report', '--db', 'bad.db'], dir);
  assert.equal(r2.code, 2);
  assert.equal(r2.err.trim().split('\n').length, 1, r2.err);
  const s = openStore(path.join(dir, 'newer.db'));
  s.db.pragma('user_version = 999');
  s.close();
  const r3 = await cli(['report', '--db', 'newer.db'], dir);
  assert.equal(r3.code, 2);
  assert.match(r3.err, /newer/);
});

test('triage: decisions persist across sweeps; the exported baseline silences the triaged finding in history', async () => {
  const { dir, live } = await sweptDb();
  const store = openStore(path.join(dir, 's.db'));
  const fp = store.findings().find((f) => f.present)!.fingerprint;
  store.close();
  const t = await cli(['triage', fp.slice(0, 16), '--status', 'false-positive', '--note', 'test fixture', '--by', 'alice', '--db', 's.db'], dir);
  assert.equal(t.code, 0, t.err);
  assert.equal((await cli(['triage', fp, '--status', 'bogus', '--db', 's.db'], dir)).code, 2);
  assert.equal((await cli(['sweep', live, '--db', 's.db', '--no-progress'], dir)).code, 0, 'the only finding in it is triaged: nothing open');
  const after = openStore(path.join(dir, 's.db'));
  const tr = after.triageOf(fp)!;
  assert.deepEqual([tr.status, tr.note, tr.by], ['false-positive', 'test fixture', 'alice']);
  after.close();
  assert.equal((await cli(['triage', '--export-baseline', 'base.json', '--db', 's.db'], dir)).code, 0);
  const base = JSON.parse(fs.readFileSync(path.join(dir, 'base.json'), 'utf8'));
  assert.deepEqual(base.fingerprints, [fp]);
  const h = await cli(['history', '--repo', live, '--baseline', path.join(dir, 'base.json'), '--no-progress'], dir);
  assert.equal(h.code, 0, 'history with the exported baseline reports nothing');
  const h2 = await cli(['history', '--repo', live, '--no-progress'], dir);
  assert.equal(h2.code, 1, 'and without it, the finding');
});

test('report: forge commit links and per-repository file names', () => {
  const sha = 'a'.repeat(40);
  assert.equal(commitLink('https://github.com/org/repo', sha), `https://github.com/org/repo/commit/${sha}`);
  assert.equal(commitLink('ssh://gitlab.com/group/sub/repo', sha), `https://gitlab.com/group/sub/repo/-/commit/${sha}`);
  assert.equal(commitLink('https://bitbucket.org/team/repo', sha), `https://bitbucket.org/team/repo/commits/${sha}`);
  assert.equal(commitLink('https://git.example.com/org/repo', sha), undefined);
  assert.equal(repoFileName('https://github.com/org/repo'), 'github.com__org__repo');
  assert.equal(fakeAwsKey(1).length, 20);
});
