/**
 * Sweeps across machines: throughput and CPU use of 1, 2 and 3 `leakward worker` processes over the same 30 local
 * repositories through a real `redis-server` (started here on 127.0.0.1), and what Redis holds per scanned commit,
 * from which the bench prints the numbers for an organisation of 10,000 repositories and 50 workers.
 *
 *   floor      one in-process `leakward sweep --jobs 1` of the same repositories into SQLite (no queue)
 *   N workers  enqueue, N worker processes, one collector until the sweep is over: wall time, commits/s, the
 *              workers' CPU seconds (all threads) and how busy that kept the machine's cores
 *   Redis      used_memory after the sweep minus before, per scanned commit; bytes of job and result payloads
 *
 * Usage: node dist/bench/queue.bench.js [--repos N] [--commits N] [--workers 1,2,3]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../test/support/prng.js';
import { Redis } from 'ioredis';
import { RedisLedger } from '../src/sweep/shared-ledger.js';
import { redisUnavailable, startRedis } from '../test/support/redis-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = path.join(root, 'bench', '.work', 'queue');
const bin = path.join(root, 'bin', 'leakward.js');

export async function run(argv: string[]): Promise<void> {
  const why = redisUnavailable();
  if (why) { console.log(`queue: skipped: ${why}`); return; }
  const opt = (name: string, d: string): string => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] ?? d : d; };
  const nRepos = Number(opt('--repos', '30'));
  const nCommits = Number(opt('--commits', '300'));
  const counts = opt('--workers', '1,2,3').split(',').map(Number);
  const repos = ensureRepos(nRepos, nCommits);
  const totalCommits = nRepos * nCommits;
  console.log(`queue: ${nRepos} repositories × ${nCommits} commits, ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)} at start`);

  const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-qbench-'));
  const t0 = performance.now();
  const local = spawnSync(process.execPath, [bin, 'sweep', '--jobs', '1', '--no-progress', '--db', path.join(floorDir, 'local.db'), ...repos], { cwd: floorDir });
  const floorMs = performance.now() - t0;
  row('floor: leakward sweep --jobs 1 (no queue)', `${(floorMs / 1000).toFixed(1)} s  ${(totalCommits / (floorMs / 1000)).toFixed(0)} commits/s  (exit ${local.status})`);

  let oneWorker = 0;
  for (const k of counts) {
    const redis = await startRedis();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-qbench-'));
    try {
      const client = new Redis(redis.url);
      const memBefore = await usedMemory(client);
      const t = performance.now();
      spawnSync(process.execPath, [bin, 'sweep', '--queue', redis.url, 'enqueue', '--batch-size', '100', ...repos], { cwd: dir });
      const workers = Array.from({ length: k }, (_, i) => measured(['worker', '--queue', redis.url, '--cache', path.join(dir, `cache${i}`)], dir));
      const collect = measured(['sweep', '--queue', redis.url, 'collect', '--follow', '--db', path.join(dir, 'all.db')], dir);
      await collect.done;
      const ms = performance.now() - t;
      for (const w of workers) w.child.kill('SIGTERM');
      const cpu = (await Promise.all(workers.map((w) => w.done))).reduce((a, b) => a + b, 0);
      const memAfter = await usedMemory(client);
      const scanned = Number(await client.get('leakward:stats:commits') ?? 0);
      client.disconnect();
      if (k === 1) oneWorker = ms;
      const busy = cpu / (ms / 1000) / os.availableParallelism();
      row(`${k} worker${k > 1 ? 's' : ''}`, `${(ms / 1000).toFixed(1)} s  ${(totalCommits / (ms / 1000)).toFixed(0)} commits/s  ` +
        `speed-up ${oneWorker ? (oneWorker / ms).toFixed(2) : '1.00'}×  workers' CPU ${cpu.toFixed(1)} s (${(busy * 100).toFixed(0)}% of the cores)`);
      if (k === counts[0]) {
        const perCommit = scanned > 0 ? (memAfter - memBefore) / scanned : 0;
        row('Redis after the sweep', `${((memAfter - memBefore) / 1024).toFixed(0)} KiB for ${scanned} scanned commits: ${perCommit.toFixed(0)} B per commit ` +
          '(small sweep: per-key overhead and BullMQ event streams dominate)');
        // At organisation scale the ledger's hashes hold dozens of commits each: measure that regime directly with
        // synthetic shas packed into 16,384 buckets (~30 per bucket, as 50 M commits fill the million buckets).
        const dense = new Redis(redis.url);
        const before = await usedMemory(dense);
        const ledger = new RedisLedger(dense);
        const n = 500_000;
        const rand = mulberry32(7);
        const hex = (k: number): string => Array.from({ length: k }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
        for (let i = 0; i < n; i += 5000) {
          await ledger.markScanned(Array.from({ length: 5000 }, () => `0${'0123'[Math.floor(rand() * 4)]}${hex(38)}`), 'abcdef0123456789');
        }
        const perDense = (await usedMemory(dense) - before) / n;
        dense.disconnect();
        row('Redis scanned-commit set at scale', `${perDense.toFixed(0)} B per commit (500,000 synthetic commits, ~30 per hash)`);
        plan10k(perDense);
      }
    } finally {
      await redis.stop();
    }
  }
}

/** The organisation-sized numbers, from what was measured here. */
function plan10k(bytesPerCommit: number): void {
  const repos = 10_000, commitsPerRepo = 5_000, workers = 50;
  const commits = repos * commitsPerRepo;
  console.log(`  10,000 repositories × 5,000 commits (50 M commits), 50 workers, from the figures above:`);
  row('  shared scanned-commit set in Redis', `${((commits * bytesPerCommit) / 2 ** 30).toFixed(1)} GiB`);
  // Jobs: one plan + one finish per repository, one scan job per 2,000-commit batch; each is a few hundred bytes
  // of JSON (shas of its batch: 41 B each), its result the occurrences found (rare) plus the batch's shas.
  const scanJobs = repos * Math.ceil(commitsPerRepo / 2000);
  row('  jobs', `${repos} plan + ${scanJobs} scan + ${repos} finish; a scan job carries ~${(2000 * 41 / 1024).toFixed(0)} KiB of shas and returns as much`);
  row('  queue traffic', `~${((scanJobs * 2 * 2000 * 41) / 2 ** 30).toFixed(1)} GiB over the whole sweep, ~${((scanJobs * 2 * 2000 * 41) / 2 ** 20 / workers).toFixed(0)} MiB per worker`);
}

function measured(args: string[], cwd: string): { child: import('node:child_process').ChildProcess; done: Promise<number> } {
  const wrapper = path.join(work, 'cpu-wrapper.mjs');
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(wrapper, `
    import { writeSync } from 'node:fs';
    import { pathToFileURL } from 'node:url';
    process.on('exit', () => { try { const r = process.resourceUsage(); writeSync(3, String(r.userCPUTime + r.systemCPUTime)); } catch {} });
    const [mainPath, ...args] = process.argv.slice(2);
    const { main } = await import(pathToFileURL(mainPath).href);
    process.exitCode = await main(args);`);
  const child = spawn(process.execPath, [wrapper, path.join(root, 'dist', 'src', 'cli', 'main.js'), ...args], { cwd, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  let cpu = '';
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => { cpu += b.toString(); });
  const done = new Promise<number>((resolve) => child.on('close', () => resolve(Number(cpu || 0) / 1e6)));
  return { child, done };
}

async function usedMemory(client: import('ioredis').Redis): Promise<number> {
  const info = await client.info('memory');
  const m = /used_memory:(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
}

/** Distinct repositories (seeded), each with its own commits: nothing shared, so every commit is work. */
function ensureRepos(n: number, commits: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const dir = path.join(work, `repo-${commits}-${i}.git`);
    out.push(dir);
    if (fs.existsSync(path.join(dir, '.leakward-bench'))) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    spawnSync('git', ['init', '-q', '--bare', dir]);
    const rand = mulberry32(1000 + i);
    const words = ['config', 'token_count', 'server', 'value', 'request', 'user', 'list', 'return', 'const', 'await'];
    let s = '';
    for (let c = 1; c <= commits; c++) {
      s += `commit refs/heads/main\nmark :${c}\ncommitter Bench <bench@example.com> ${1_600_000_000 + c * 60 + i} +0000\ndata 8\ncommit ${c % 10}\n`;
      if (c > 1) s += `from :${c - 1}\n`;
      for (let f = 0; f < 3; f++) {
        const lines = Array.from({ length: 20 + Math.floor(rand() * 60) }, () => Array.from({ length: 6 }, () => words[Math.floor(rand() * words.length)]).join(' ') + ` ${Math.floor(rand() * 1e9)};`);
        const body = lines.join('\n') + '\n';
        s += `M 100644 inline src/file${Math.floor(rand() * 40)}.ts\ndata ${Buffer.byteLength(body)}\n${body}\n`;
      }
    }
    spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, input: s, maxBuffer: 1 << 30 });
    fs.writeFileSync(path.join(dir, '.leakward-bench'), String(commits));
  }
  return out;
}

function row(label: string, value: string): void { console.log(`  ${label.padEnd(44)} ${value}`); }

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run(process.argv.slice(2));
