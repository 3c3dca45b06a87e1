/**
 * Sweeps across machines through a real `redis-server` and real `leakward worker` processes: the faults a fleet
 * meets (a worker SIGKILLed mid-job, SIGTERM, Redis restarted, a repository that keeps failing, the collector
 * killed, the same repository enqueued twice at once) must not lose a repository or record a finding twice.
 * The expected datastore is what a local `leakward sweep` of the same repositories records.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinConfig } from '../../src/core/config.js';
import { openStore } from '../../src/store/index.js';
import { parseRepo, sweep } from '../../src/sweep/index.js';
import { redisUnavailable, startRedis, type TestRedis } from '../support/redis-server.js';
import { cli, dbBytes, repoWithKey, tempDir, fakeAwsKey, type TempRepo } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = path.join(root, 'bin', 'leakward.js');
const skip = redisUnavailable();
const LOCK_MS = '1500';
const children = new Set<ChildProcess>();
after(() => { for (const c of children) c.kill('SIGKILL'); });

/** A `leakward` process (worker or collector) with a short job lock, so a killed one's job returns in ~2 s. */
function leakward(args: string[], cwd: string): { child: ChildProcess; exit: Promise<number | null>; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LEAKWARD_QUEUE_LOCK_MS: LOCK_MS } });
  children.add(child);
  child.stdout!.on('data', (b: Buffer) => { log += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => { children.delete(child); resolve(signal ? null : code); }));
  return { child, exit, log: () => log };
}

const worker = (url: string, dir: string, name: string) => leakward(['worker', '--queue', url, '--cache', path.join(dir, `cache-${name}`)], dir);
const collector = (url: string, dir: string, db: string) => leakward(['sweep', '--queue', url, 'collect', '--db', db, '--follow'], dir);

/** Repositories with many commits holding big-ish files (so scan jobs last long enough to be interrupted), one key each. */
function fixtureRepos(n: number, commits: number): { repos: TempRepo[]; keys: string[] } {
  const repos: TempRepo[] = [], keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const { repo, key } = repoWithKey(commits, Math.floor(commits / 2), 100 + i);
    repos.push(repo);
    keys.push(key);
  }
  return { repos, keys };
}

async function localExpectation(repos: readonly string[], dir: string): Promise<{ findings: number; occurrences: number }> {
  const db = path.join(dir, 'local.db');
  const store = openStore(db);
  try {
    await sweep({ repos: repos.map((r) => parseRepo(r, dir)), ledger: store, config: builtinConfig(), cache: path.join(dir, 'local-cache'), jobs: 1 });
    return summary(store);
  } finally {
    store.close();
  }
}

function summary(store: ReturnType<typeof openStore>): { findings: number; occurrences: number } {
  const rows = store.findings();
  return { findings: rows.length, occurrences: rows.reduce((n, r) => n + r.occurrences, 0) };
}

function allFiles(d: string): string[] {
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(d, e.name)) : [path.join(d, e.name)]));
}

async function status(url: string, dir: string): Promise<string> {
  return (await cli(['sweep', '--queue', url, 'status'], dir)).out;
}

/** Polls `status` until the scan queue has an active job (a worker is mid-job). */
async function untilScanActive(url: string, dir: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const m = /^scan\s+\d+\s+(\d+)/m.exec(await status(url, dir));
    if (m && Number(m[1]) > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no scan job became active');
}

async function withRedis(f: (r: TestRedis, dir: string) => Promise<void>): Promise<void> {
  const r = await startRedis();
  const dir = tempDir('lw-queue-');
  try { await f(r, dir); } finally { await r.stop(); }
}

test('queue: workers sweep repositories end to end; a fork costs only its own commits; nothing secret in Redis or the datastore', { skip }, async () => {
  await withRedis(async (r, dir) => {
    const { repos, keys } = fixtureRepos(2, 12);
    const fork = path.join(dir, 'fork.git');
    repos[0]!.git('clone', '-q', '--bare', repos[0]!.dir, fork);
    const urls = [...repos.map((x) => x.dir), fork];
    const expected = await localExpectation(urls, dir);
    const e = await cli(['sweep', '--queue', r.url, 'enqueue', ...urls.slice(0, 2), '--batch-size', '5'], dir);
    assert.equal(e.code, 0, e.err);
    assert.match(e.err, /2 repositories enqueued/);
    const w1 = worker(r.url, dir, 'a'), w2 = worker(r.url, dir, 'b');
    const db = path.join(dir, 'all.db');
    const c = collector(r.url, dir, db);
    assert.equal(await c.exit, 0, c.log());
    // The fork, swept later by whichever worker takes it: the commits it shares were scanned by another worker.
    assert.equal((await cli(['sweep', '--queue', r.url, 'enqueue', fork], dir)).code, 0);
    const c2 = collector(r.url, dir, db);
    assert.equal(await c2.exit, 0, c2.log());
    w1.child.kill('SIGTERM'); w2.child.kill('SIGTERM');
    assert.equal(await w1.exit, 0);
    assert.equal(await w2.exit, 0);
    const store = openStore(db);
    try {
      assert.deepEqual(summary(store), expected);
      const rows = store.repos();
      assert.equal(rows.length, 3);
      assert.ok(rows.every((x) => !x.error), JSON.stringify(rows.map((x) => x.error)));
      const forkRow = rows.find((x) => x.url.endsWith('/fork.git'))!;
      assert.equal(forkRow.scannedCommits, 0, 'the fork adds no commit of its own: nothing to scan');
      assert.equal(forkRow.commits, 12);
      const f = store.findings().find((x) => x.repos.length === 2);
      assert.ok(f, 'the key of the original is reachable from the fork too');
    } finally {
      store.close();
    }
    for (const k of keys) assert.ok(!dbBytes(db).includes(k), 'no secret in the datastore');
    // Redis' append-only files hold every write it ever took: no secret travelled through the queue.
    const aof = allFiles(r.dir).map((f) => fs.readFileSync(f).toString('latin1')).join('');
    assert.ok(aof.includes('leakward'), 'the append-only files were read');
    for (const k of keys) assert.ok(!aof.includes(k), 'no secret in Redis');
  });
});

test('queue: a worker SIGKILLed mid-job: its job returns after stall detection; no repository missing, no finding twice', { skip }, async () => {
  await withRedis(async (r, dir) => {
    const { repos } = fixtureRepos(3, 40);
    const urls = repos.map((x) => x.dir);
    const expected = await localExpectation(urls, dir);
    assert.equal((await cli(['sweep', '--queue', r.url, 'enqueue', ...urls, '--batch-size', '4'], dir)).code, 0);
    const victim = worker(r.url, dir, 'victim');
    await untilScanActive(r.url, dir);
    victim.child.kill('SIGKILL');
    assert.equal(await victim.exit, null);
    const survivor = worker(r.url, dir, 'survivor');
    const db = path.join(dir, 'all.db');
    const c = collector(r.url, dir, db);
    assert.equal(await c.exit, 0, c.log());
    survivor.child.kill('SIGTERM');
    assert.equal(await survivor.exit, 0);
    const store = openStore(db);
    try {
      assert.deepEqual(summary(store), expected);
      assert.equal(store.repos().filter((x) => !x.error).length, 3);
    } finally {
      store.close();
    }
  });
});

test('queue: SIGTERM: the worker finishes its running job, takes no more, and exits 0', { skip }, async () => {
  await withRedis(async (r, dir) => {
    const { repos } = fixtureRepos(2, 40);
    const urls = repos.map((x) => x.dir);
    assert.equal((await cli(['sweep', '--queue', r.url, 'enqueue', ...urls, '--batch-size', '4'], dir)).code, 0);
    const w = worker(r.url, dir, 'a');
    await untilScanActive(r.url, dir);
    w.child.kill('SIGTERM');
    assert.equal(await w.exit, 0, w.log());
    assert.match(w.log(), /stopping/);
    // Nothing it held is left active, and the rest of the sweep is still on the queue for others.
    const s = await status(r.url, dir);
    assert.match(s, /^scan\s+\d+\s+0\s/m, s);
    const db = path.join(dir, 'all.db');
    const w2 = worker(r.url, dir, 'b');
    const c = collector(r.url, dir, db);
    assert.equal(await c.exit, 0, c.log());
    w2.child.kill('SIGTERM');
    await w2.exit;
    const store = openStore(db);
    try { assert.equal(store.repos().filter((x) => !x.error).length, 2); } finally { store.close(); }
  });
});

test('queue: Redis restarted mid-sweep: workers and the collector reconnect and the sweep completes', { skip }, async () => {
  await withRedis(async (r, dir) => {
    const { repos } = fixtureRepos(3, 30);
    const urls = repos.map((x) => x.dir);
    const expected = await localExpectation(urls, dir);
    assert.equal((await cli(['sweep', '--queue', r.url, 'enqueue', ...urls, '--batch-size', '3'], dir)).code, 0);
    const w = worker(r.url, dir, 'a');
    const db = path.join(dir, 'all.db');
    const c = collector(r.url, dir, db);
    await untilScanActive(r.url, dir);
    await r.stop();
    await new Promise((res) => setTimeout(res, 1000));
    await r.start();
    assert.equal(await c.exit, 0, c.log());
    w.child.kill('SIGTERM');
    assert.equal(await w.exit, 0, w.log());
    const store = openStore(db);
    try {
      assert.deepEqual(summary(store), expected);
      assert.equal(store.repos().filter((x) => !x.error).length, 3);
    } finally {
      store.close();
    }
  });
});

test('queue: a repository that keeps failing is retried with backoff, then recorded as failed with its reason; the rest is unaffected', { skip }, async () => {
  await withRedis(async (r, dir) => {
    const { repos } = fixtureRepos(1, 5);
    const missing = `file://${path.join(dir, 'no-such-repo.git')}`;
    assert.equal((await cli(['sweep', '--queue', r.url, 'enqueue', repos[0]!.dir, missing], dir)).code, 0);
    const w = worker(r.url, dir, 'a');
    const db = path.join(dir, 'all.db');
    const c = collector(r.url, dir, db);
    assert.equal(await c.exit, 2, 'a failed repository makes the collect exit 2');
    assert.match(c.log(), /failed .*no-such-repo/);
    w.child.kill('SIGTERM');
    await w.exit;
    assert.equal((w.log().match(/plan failed \(attempt/g) ?? []).length, 3, w.log());
    const s = await status(r.url, dir);
    assert.match(s, /^plan\s+0\s+0\s+0\s+\d+\s+1\s*$/m, s);
    const store = openStore(db);
    try {
      const rows = store.repos();
      assert.equal(rows.length, 2);
      assert.match(rows.find((x) => x.url.includes('no-such-repo'))!.error ?? '', /clone/);
      assert.equal(rows.find((x) => !x.url.includes('no-such-repo'))!.error, null);
    } finally {
      store.close();
    }
  });
});

test('queue: the collector killed and restarted: no result lost, none written twice', { skip }, async () => {
  await withRedis(async (r, dir) => {
    const { repos } = fixtureRepos(3, 30);
    const urls = repos.map((x) => x.dir);
    const expected = await localExpectation(urls, dir);
    assert.equal((await cli(['sweep', '--queue', r.url, 'enqueue', ...urls, '--batch-size', '3'], dir)).code, 0);
    const w = worker(r.url, dir, 'a');
    const db = path.join(dir, 'all.db');
    const first = collector(r.url, dir, db);
    await untilScanActive(r.url, dir);
    await new Promise((res) => setTimeout(res, 300));
    first.child.kill('SIGKILL');
    await first.exit;
    const second = collector(r.url, dir, db);
    assert.equal(await second.exit, 0, second.log());
    w.child.kill('SIGTERM');
    await w.exit;
    const store = openStore(db);
    try {
      assert.deepEqual(summary(store), expected);
      assert.equal(store.repos().length, 3);
    } finally {
      store.close();
    }
  });
});

test('queue: the same repository enqueued twice at once is swept once', { skip }, async () => {
  await withRedis(async (r, dir) => {
    const { repos } = fixtureRepos(1, 6);
    const [a, b] = await Promise.all([0, 1].map(() => new Promise<number | null>((resolve) => {
      const p = leakward(['sweep', '--queue', r.url, 'enqueue', repos[0]!.dir], dir);
      void p.exit.then(resolve);
    })));
    assert.equal(a, 0);
    assert.equal(b, 0);
    assert.match(await status(r.url, dir), /^plan\s+1\s+0\s/m);
    const w = worker(r.url, dir, 'a');
    const db = path.join(dir, 'all.db');
    const c = collector(r.url, dir, db);
    assert.equal(await c.exit, 0, c.log());
    w.child.kill('SIGTERM');
    await w.exit;
    assert.equal((w.log().match(/^leakward worker: plan /gm) ?? []).length, 1, w.log());
  });
});

test('queue: bad input is one line and exit 2', async () => {
  const dir = tempDir('lw-queue-');
  for (const [args, re] of [
    [['sweep', '--queue', 'http://x', 'status'], /expected redis:\/\/ or rediss:\/\//],
    [['sweep', '--queue', 'redis://u:hunter2secret@127.0.0.1:1/x', 'status'], /database must be a number/],
    [['sweep', '--queue', 'redis://127.0.0.1:1', 'launch'], /needs an action/],
    [['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', ''], /--concurrency takes a whole number/],
  ] as const) {
    const r = await cli([...args], dir);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.ok(!r.err.includes('hunter2secret'), 'the Redis password is never printed');
  }
  void fakeAwsKey;
});
