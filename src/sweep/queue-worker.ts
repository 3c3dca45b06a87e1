/**
 * A queue worker (`leakward worker`): takes plan, scan and finish jobs from Redis (BullMQ), mirrors what it needs
 * into its own cache, scans with the same planner, engine and rules as a local sweep, and puts every result back
 * on the queue for the collector.
 *
 * Invariants
 * 1. A job's effects are idempotent: a result is added under an id derived from the job, commits are marked
 *    scanned only after their result is on the queue, so a worker killed at any point (SIGKILL) costs a repeat of
 *    its job on another worker after BullMQ's stall detection, never a lost or double-counted result.
 * 2. A worker refuses jobs planned with other rules than its own (its rule-set id differs): it would record
 *    commits as scanned with rules it did not run.
 * 3. A job that keeps failing (missing repository, corrupt object) is retried with backoff `ATTEMPTS` times; on the
 *    last attempt the repository's error goes to the collector, so the sweep records it as failed, never clean.
 * 4. `close()` (SIGTERM) stops taking jobs and waits for the ones running; the process then exits 0.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job, Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Scanner } from '../core/scanner.js';
import type { Config } from '../core/types.js';
import { gitStream } from '../sources/git.js';
import type { RepoSnapshot, RuleSetRecord } from '../store/types.js';
import { ensureMirror } from './mirror.js';
import { defaultBranch, planRepo, selectRefs } from './plan.js';
import {
  ATTEMPTS, PREFIX, QUEUE_NAMES, jobId, jobOptions, loadBullMQ, scanJobId,
  type FinishJob, type PlanJob, type QueueConnection, type ResultJob, type ScanJob,
} from './queue.js';
import { parseRepo, redactCredentials, type RepoLocation } from './repo-url.js';
import { ruleSetOf } from './ruleset.js';
import { scanTask } from './scan-task.js';
import { RedisLedger } from './shared-ledger.js';
import { presentAtTip, reachOf } from './sweep.js';

export interface QueueWorkerOptions {
  readonly connection: QueueConnection;
  readonly config: Config;
  /** Where this worker mirrors repositories. */
  readonly cache: string;
  /** Scan jobs run at once (default 1: scanning is CPU-bound; run one worker per core). */
  readonly concurrency?: number;
  readonly maxDecodeDepth?: number;
  /**
   * How long a job's lock lasts without renewal (ms, default 30 s): a killed worker's job goes back to the queue
   * after about this long.
   */
  readonly lockMs?: number;
  /** One line per event (job started, done, failed), never with a secret. */
  readonly log?: (line: string) => void;
}

export interface QueueWorker {
  /** Stops taking jobs, waits for the running ones, closes the connections. */
  close(): Promise<void>;
  /** Resolves when the worker has closed. */
  readonly closed: Promise<void>;
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const { Worker, Queue, FlowProducer, UnrecoverableError } = await loadBullMQ();
  const conn = opts.connection.options;
  const ruleSet = ruleSetOf(opts.config, { ...(opts.maxDecodeDepth !== undefined ? { maxDecodeDepth: opts.maxDecodeDepth } : {}) });
  const redis = new Redis({ ...(conn as object), lazyConnect: false });
  const ledger = new RedisLedger(redis);
  const results: BullQueue = new Queue(QUEUE_NAMES.result, { connection: conn, prefix: PREFIX });
  const flows = new FlowProducer({ connection: conn, prefix: PREFIX });
  const scanners = new Map<string, Scanner>();
  const log = opts.log ?? (() => {});
  const mirrors = new MirrorLocks();
  const lock = { lockDuration: opts.lockMs ?? 30_000, stalledInterval: opts.lockMs ?? 30_000 };

  const checkRules = (id: string): void => {
    if (id !== ruleSet.id) {
      throw new UnrecoverableError(`this worker's rule set ${ruleSet.id} differs from the sweep's ${id}: run every worker with the same rules (-c) and decode depth`);
    }
  };
  const locate = (source: string): RepoLocation => parseRepo(source, process.cwd());
  const isLast = (job: Job, err: unknown): boolean => err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  /** On the last attempt, the repository's failure goes to the collector (credentials redacted). */
  const reportFailure = async (job: Job, plan: PlanJob, err: unknown): Promise<void> => {
    if (!isLast(job, err)) return;
    const message = redactCredentials(String((err as Error)?.message ?? err).split('\n')[0]!);
    const snapshot: RepoSnapshot = {
      url: plan.repo, source: plan.source, refs: [], commits: 0, scannedCommits: 0, bytes: 0, durationMs: 0,
      ruleSetId: plan.ruleSetId, sweptAt: new Date().toISOString(), reach: [], error: message,
    };
    await addResult(results, jobId('result', 'error', plan.repo, String(job.id)), { kind: 'repo', ruleSet, snapshot });
  };

  const planWorker: BullWorker = new Worker(QUEUE_NAMES.plan, async (job: Job<PlanJob>) => {
    const plan = job.data;
    try {
      checkRules(plan.ruleSetId);
      const loc = locate(plan.source);
      const started = Date.now();
      const dir = await mirrors.run(loc.url, () => ensureMirror(loc, opts.cache));
      await ledger.putRuleSet(ruleSet);
      const refs = await selectRefs(dir, { ...(plan.refs ? { include: plan.refs } : {}) });
      const tasks = [];
      const planned = planRepo({ repo: plan.repo, dir, refs, ruleSet, scanned: ledger, ...(plan.batchSize ? { batchSize: plan.batchSize } : {}) });
      let commits = 0;
      for (let step = await planned.next(); ; step = await planned.next()) {
        if (step.done) { commits = step.value; break; }
        tasks.push(step.value);
      }
      const finish: FinishJob = { plan, commits, started };
      await flows.add({
        name: 'finish', queueName: QUEUE_NAMES.finish, data: finish,
        opts: jobOptions(jobId('finish', String(job.id), String(job.timestamp))),
        children: tasks.map((task) => ({
          name: 'scan', queueName: QUEUE_NAMES.scan, data: { source: plan.source, plan, task } satisfies ScanJob,
          opts: { ...jobOptions(scanJobId(task)), failParentOnFailure: true },
        })),
      });
      log(`plan ${plan.source}: ${commits} commits, ${tasks.length} batches to scan`);
      return { commits, batches: tasks.length };
    } catch (err) {
      await reportFailure(job, plan, err);
      throw err;
    }
  }, { connection: conn, prefix: PREFIX, concurrency: 1, ...lock });

  const scanWorker: BullWorker = new Worker(QUEUE_NAMES.scan, async (job: Job<ScanJob>) => {
    const { task, plan } = job.data;
    try {
      checkRules(task.ruleSetId);
      const loc = locate(job.data.source);
      const dir = await mirrors.run(loc.url, async () => {
        const d = await ensureMirrorFor(loc, opts.cache, [...task.commits, ...task.merges]);
        return d;
      });
      const result = await scanTask(task, {
        dir, config: opts.config, scanners, ...(opts.maxDecodeDepth !== undefined ? { maxDecodeDepth: opts.maxDecodeDepth } : {}),
      });
      // Order matters (invariant 1): the result is safe on the queue before the commits count as scanned.
      await addResult(results, jobId('result', String(job.id)), { kind: 'scan', ruleSet, result });
      await ledger.addFindings(result.occurrences);
      await ledger.markScanned(result.commits, task.ruleSetId);
      await redis.incrby(`${PREFIX}:stats:commits`, task.rules.length > 0 ? result.commits.length : 0);
      await redis.incrby(`${PREFIX}:stats:bytes`, result.bytes);
      log(`scan ${plan.source}: ${result.commits.length} commits, ${result.occurrences.length} occurrences`);
      return { commits: result.commits.length, scanned: task.rules.length > 0 ? result.commits.length : 0, bytes: result.bytes };
    } catch (err) {
      await reportFailure(job, plan, err);
      throw err;
    }
  }, { connection: conn, prefix: PREFIX, concurrency: Math.max(1, opts.concurrency ?? 1), ...lock });

  const finishWorker: BullWorker = new Worker(QUEUE_NAMES.finish, async (job: Job<FinishJob>) => {
    const { plan, commits, started } = job.data;
    try {
      checkRules(plan.ruleSetId);
      const loc = locate(plan.source);
      // The refs as planned: the mirror this worker already has is used as it is (no fetch); another worker's
      // plan means a clone here.
      const dir = await mirrors.run(loc.url, () => ensureMirrorFor(loc, opts.cache, []));
      let scanned = 0, bytes = 0;
      for (const v of Object.values(await job.getChildrenValues<{ scanned: number; bytes: number }>())) {
        scanned += v?.scanned ?? 0;
        bytes += v?.bytes ?? 0;
      }
      const refs = await selectRefs(dir, { ...(plan.refs ? { include: plan.refs } : {}) });
      const def = await defaultBranch(dir, refs);
      const findingCommits = await ledger.findingCommits();
      const reached = await reachable(dir, refs.map((r) => r.sha), findingCommits);
      const reach = await reachOf(dir, [...reached].sort(), refs);
      const present = def
        ? await presentAtTip(dir, def.sha, await ledger.findingPaths(reached), opts.config, opts.maxDecodeDepth, scanners)
        : undefined;
      const snapshot: RepoSnapshot = {
        url: plan.repo, source: plan.source,
        ...(def ? { defaultBranch: def.name.replace(/^refs\/heads\//, ''), head: def.sha } : {}),
        refs, commits, scannedCommits: scanned, bytes, durationMs: Date.now() - started, ruleSetId: plan.ruleSetId,
        sweptAt: new Date().toISOString(), reach, ...(present ? { present } : {}),
      };
      await addResult(results, jobId('result', String(job.id)), { kind: 'repo', ruleSet, snapshot });
      log(`done ${plan.source}: ${commits} commits, ${scanned} scanned now`);
      return { commits };
    } catch (err) {
      await reportFailure(job, plan, err);
      throw err;
    }
  }, { connection: conn, prefix: PREFIX, concurrency: 1, ...lock });

  const workers = [planWorker, scanWorker, finishWorker];
  for (const w of workers) {
    // Connection errors while Redis restarts are retried by ioredis; say them once each, without credentials.
    w.on('error', (err) => log(`queue: ${redactCredentials(String(err.message))}`));
    w.on('failed', (job, err) => { if (job) log(`${job.name} failed (attempt ${job.attemptsMade} of ${ATTEMPTS}): ${redactCredentials(err.message.split('\n')[0]!)}`); });
  }
  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => { resolveClosed = r; });
  const close = (): Promise<void> => closing ??= (async () => {
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all([results.close(), flows.close()]);
    redis.disconnect();
    resolveClosed();
  })();
  return { close, closed };
}

async function addResult(results: BullQueue, id: string, data: ResultJob): Promise<void> {
  await results.add('result', data, { jobId: id, removeOnComplete: true, removeOnFail: { count: 10_000 }, attempts: 10, backoff: { type: 'exponential', delay: 500 } });
}

/** The mirror, fetched only when it lacks one of the commits (a scan job's repository was usually just planned here). */
async function ensureMirrorFor(loc: RepoLocation, cache: string, shas: readonly string[]): Promise<string> {
  const { mirrorDir } = await import('./repo-url.js');
  const dir = mirrorDir(cache, loc.url);
  if (fs.existsSync(path.join(dir, 'HEAD')) && await hasCommits(dir, shas)) return dir;
  return ensureMirror(loc, cache);
}

function hasCommits(dir: string, shas: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('git', ['cat-file', '--batch-check'], { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString('latin1'); });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0 && !out.includes(' missing')));
    child.stdin.on('error', () => {});
    child.stdin.end(shas.map((s) => `${s}\n`).join(''));
  });
}

/** The commits of `wanted` reachable from the tips (streams `git rev-list`; memory bounded by `wanted`). */
async function reachable(dir: string, tips: readonly string[], wanted: ReadonlySet<string>): Promise<Set<string>> {
  const out = new Set<string>();
  if (tips.length === 0 || wanted.size === 0) return out;
  const git = gitStream(dir, ['rev-list', '--stdin'], `${[...new Set(tips)].join('\n')}\n`);
  let carry = '';
  for await (const chunk of git.stdout) {
    const lines = (carry + chunk.toString('latin1')).split('\n');
    carry = lines.pop()!;
    for (const l of lines) if (wanted.has(l)) out.add(l);
  }
  await git.done;
  return out;
}

/** One mirror operation at a time per repository in this process (git fetches into one mirror must not overlap). */
class MirrorLocks {
  private readonly tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, f: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(f);
    this.tails.set(key, next);
    void next.finally(() => { if (this.tails.get(key) === next) this.tails.delete(key); }).catch(() => {});
    return next;
  }
}

/** Default cache folder of a worker. */
export function defaultWorkerCache(): string {
  return path.join(os.tmpdir(), 'leakward-worker-cache');
}

export type { RuleSetRecord };
