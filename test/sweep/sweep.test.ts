/**
 * Sweeps through real git: forks cost their own commits only, a rule change runs only the new rule, an interrupted
 * sweep resumes without losing or repeating work, fetch failures are recorded without credentials, no secret
 * reaches the datastore, and the CLI's exit codes and one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { builtinConfig } from '../../src/core/config.js';
import type { Config } from '../../src/core/types.js';
import { openStore } from '../../src/store/index.js';
import { sweep, parseRepo, planRepo, ruleSetOf, selectRefs, type ScanTask } from '../../src/sweep/index.js';
import { cli, dbBytes, repoWithKey, tempDir, tempRepo } from './helpers.js';

const config = builtinConfig();

async function run(repos: string[], dbFile: string, opts: { config?: Config; signal?: AbortSignal; batchSize?: number; onCommits?: (n: number) => void } = {}) {
  const store = openStore(dbFile);
  try {
    return await sweep({
      repos: repos.map((r) => parseRepo(r, process.cwd())), ledger: store, config: opts.config ?? config, cache: path.join(path.dirname(dbFile), 'cache'), jobs: 1,
      ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.batchSize ? { batchSize: opts.batchSize } : {}), ...(opts.onCommits ? { onCommits: opts.onCommits } : {}),
    });
  } finally {
    store.close();
  }
}

test('sweep: a fork of a swept repository costs only its own new commits; findings know both repositories', async () => {
  const { repo, key } = repoWithKey(6, 2);
  const dir = tempDir();
  const db = path.join(dir, 's.db');
  const first = await run([repo.dir], db);
  assert.equal(first.scannedCommits, 6);
  const fork = path.join(dir, 'fork.git');
  repo.git('clone', '-q', '--bare', repo.dir, fork);
  const clone = tempRepo('lw-sweep-fork-');
  clone.git('pull', '-q', fork, 'main');
  clone.write('new.txt', 'fork work\n');
  clone.commit('fork commit');
  clone.git('push', '-q', fork, 'main:refs/heads/feature');
  const second = await run([`file://${fork}`], db);
  assert.equal(second.scannedCommits, 1, 'only the fork\'s own commit is scanned');
  const store = openStore(db);
  const [f] = store.findings();
  assert.ok(f, 'one finding');
  assert.deepEqual(f.repos.map((r) => r.url).sort(), [`file://${fs.realpathSync(repo.dir)}`, `file://${fork}`].sort());
  assert.deepEqual(f.repos.find((r) => r.url === `file://${fork}`)!.refs, ['refs/heads/feature', 'refs/heads/main']);
  assert.equal(f.present, true, 'still present at the tip of main');
  store.close();
  assert.ok(!dbBytes(db).includes(key), 'the datastore never holds the secret');
  assert.ok(!dbBytes(db).includes(key.slice(4, 14)), 'nor a long piece of it');
});

test('sweep: history-only once the secret is deleted at the tip; re-sweep of an unchanged repository scans nothing', async () => {
  const { repo } = repoWithKey(3, 1, 7);
  repo.git('rm', '-q', 'keys.txt');
  repo.commit('remove key');
  const db = path.join(tempDir(), 's.db');
  await run([repo.dir], db);
  const again = await run([repo.dir], db);
  assert.equal(again.scannedCommits, 0);
  const store = openStore(db);
  assert.equal(store.findings()[0]!.present, false);
  assert.deepEqual(store.findings()[0]!.repos.map((r) => r.refs), [['refs/heads/main']], 'the branch that reaches it (one walk per branch)');
  store.close();
});

test('sweep: adding one rule runs only that rule over commits already scanned', async () => {
  const { repo } = repoWithKey(4, 1, 3);
  repo.write('t.txt', 'token: zzsecret_8f3a9c1e07b24d6e95f1a3c8\n');
  repo.commit('custom token');
  const db = path.join(tempDir(), 's.db');
  const base: Config = { ...config, rules: config.rules.filter((r) => r.id.startsWith('aws')) };
  await run([repo.dir], db, { config: base });
  const extra: Config = { ...base, rules: [...base.rules, { id: 'zz-token', description: 'test token', regex: 'zzsecret_[0-9a-f]{24}', keywords: ['zzsecret_'] }] };
  const store = openStore(db);
  const tasks: ScanTask[] = [];
  const rs = ruleSetOf(extra);
  const loc = parseRepo(repo.dir, process.cwd());
  const gen = planRepo({ repo: loc.url, dir: repo.dir, refs: await selectRefs(repo.dir), ruleSet: rs, scanned: store });
  for await (const t of gen) tasks.push(t);
  assert.deepEqual(tasks.map((t) => t.rules), [['zz-token']]);
  assert.equal(tasks[0]!.commits.length, 5);
  store.close();
  const s = await run([repo.dir], db, { config: extra });
  assert.equal(s.newOccurrences, 1);
  assert.equal((await run([repo.dir], db, { config: extra })).scannedCommits, 0);
});

test('sweep: an interrupted sweep keeps finished batches and the next run scans only the rest', async () => {
  const { repo } = repoWithKey(12, 9, 5);
  const db = path.join(tempDir(), 's.db');
  const ac = new AbortController();
  let seen = 0;
  const s1 = await run([repo.dir], db, { signal: ac.signal, batchSize: 3, onCommits: (n) => { seen += n; if (seen >= 5) ac.abort(); } });
  assert.equal(s1.interrupted, true);
  const store = openStore(db);
  const done = store.scannedCount();
  assert.ok(done > 0 && done < 12 && done % 3 === 0, `whole batches only (${done})`);
  assert.equal(store.repos().length, 0, 'the repository itself is not recorded as swept');
  store.close();
  const s2 = await run([repo.dir], db);
  assert.equal(s2.scannedCommits, 12 - done);
  const after = openStore(db);
  assert.equal(after.findings().length, 1);
  assert.equal(after.findings()[0]!.occurrences, 1);
  after.close();
});

test('sweep: refs/pull/* are left out unless --refs names them', async () => {
  const { repo } = repoWithKey(2, 5);
  const main = repo.git('rev-parse', 'HEAD');
  repo.write('pr.txt', 'pr\n');
  const pr = repo.commit('pr');
  repo.git('update-ref', 'refs/pull/1/head', pr);
  repo.git('reset', '-q', '--hard', main);
  assert.deepEqual((await selectRefs(repo.dir)).map((r) => r.name), ['refs/heads/main']);
  assert.deepEqual((await selectRefs(repo.dir, { include: ['refs/pull/*'] })).map((r) => r.name), ['refs/heads/main', 'refs/pull/1/head']);
});

test('sweep: a repository that cannot be fetched is recorded without its credentials and the sweep goes on', async () => {
  const { repo } = repoWithKey(2, 0, 9);
  const dir = tempDir();
  const db = path.join(dir, 's.db');
  const s = await run(['https://someone:hunter2secretpw@127.0.0.1:9/org/repo.git', repo.dir], db);
  assert.equal(s.failed, 1);
  const store = openStore(db);
  const failed = store.repos().find((r) => r.error);
  assert.equal(failed!.url, 'https://127.0.0.1:9/org/repo');
  assert.ok(failed!.error!.length > 0);
  assert.ok(!dbBytes(db).includes('hunter2secretpw'), 'no credential in the datastore');
  assert.equal(store.repos().filter((r) => !r.error).length, 1, 'the other repository was swept');
  store.close();
});

test('sweep CLI: exit codes and one-line errors', async () => {
  const { repo } = repoWithKey(2, 0, 11);
  const dir = tempDir();
  const r1 = await cli(['sweep', repo.dir, '--db', 's.db', '--no-progress'], dir);
  assert.equal(r1.code, 1, r1.err);
  fs.writeFileSync(path.join(dir, 'repos.txt'), `# list\n${repo.dir}\nnot a line\n`);
  const r2 = await cli(['sweep', '--repos', 'repos.txt', '--db', 's.db'], dir);
  assert.equal(r2.code, 2);
  assert.match(r2.err, /repos\.txt:3:/);
  const r3 = await cli(['sweep', repo.dir, '--shard', '3/2'], dir);
  assert.equal(r3.code, 2);
  assert.equal(r3.err.trim().split('\n').length, 1);
  fs.writeFileSync(path.join(dir, 'corrupt.db'), Buffer.alloc(4096, 0x42));
  const r4 = await cli(['sweep', repo.dir, '--db', 'corrupt.db'], dir);
  assert.equal(r4.code, 2);
  assert.match(r4.err, /corrupt\.db/);
  const r5 = await cli(['sweep', path.join(dir, 'missing-repo')], dir);
  assert.equal(r5.code, 2, 'a failed repository is never clean');
});

test('sweep CLI: --shard splits the list deterministically; merge unions the shards idempotently', async () => {
  const repos = [1, 2, 3, 4].map((i) => repoWithKey(2, 0, 20 + i).repo.dir);
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'repos.txt'), repos.join('\n') + '\n');
  for (const i of [1, 2]) await cli(['sweep', '--repos', 'repos.txt', '--shard', `${i}/2`, '--db', `s${i}.db`], dir);
  const counts = [1, 2].map((i) => { const s = openStore(path.join(dir, `s${i}.db`)); const n = s.repos().length; s.close(); return n; });
  assert.equal(counts[0]! + counts[1]!, 4);
  assert.equal((await cli(['sweep', 'merge', 's1.db', 's2.db', '-o', 'all.db'], dir)).code, 0);
  assert.equal((await cli(['sweep', 'merge', 's1.db', 's2.db', '-o', 'all.db'], dir)).code, 0);
  const all = openStore(path.join(dir, 'all.db'));
  assert.equal(all.repos().length, 4);
  assert.equal(all.findings().length, 4);
  all.close();
});
