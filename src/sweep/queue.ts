/**
 * The sweep's job queue on Redis (BullMQ): queue names, job ids, the connection, enqueueing and counts. Workers
 * (`queue-worker.ts`) and the collector (`collector.ts`) build on it.
 *
 * Jobs, all keyed by a hash of what they do, so adding the same work twice while Redis knows the job does nothing:
 *   plan      one repository: mirror it, plan its commit batches, add them as `scan` jobs under a `finish` job
 *             (a BullMQ flow: `finish` runs once every batch is done).
 *   scan      one batch of one repository's commits with the rules to run (sweep/plan.ts `ScanTask`).
 *   finish    one repository's state after its batches: refs, where finding commits are reachable, what is
 *             still present at the tip of the default branch.
 *   result    what `scan` and `finish` produce, waiting for the collector to write it into the datastore. It stays
 *             on the queue until written: a collector killed mid-write leaves it for the next one (writes are
 *             idempotent, so nothing is lost or written twice).
 *
 * Nothing secret travels: repository URLs with their credentials stripped (a worker authenticates with its own git
 * credential helper or GIT_ASKPASS), findings as fingerprints, redacted previews and locations.
 * BullMQ and ioredis are optional dependencies, loaded only here.
 */
import { createHash } from 'node:crypto';
import type { ConnectionOptions, Queue as BullQueue, JobsOptions } from 'bullmq';
import type { RepoSnapshot, RuleSetRecord, ScanResult } from '../store/types.js';
import type { ScanTask } from './plan.js';
import { stripCredentials } from './repo-url.js';

export const QUEUE_NAMES = { plan: 'leakward-plan', scan: 'leakward-scan', finish: 'leakward-finish', result: 'leakward-result' } as const;
export type QueueKind = keyof typeof QUEUE_NAMES;
/** Key prefix of everything leakward keeps in Redis (BullMQ's keys and the shared ledger's). */
export const PREFIX = 'leakward';

export const QUEUE_INSTALL_HINT = 'sweeping through a queue needs the optional dependencies bullmq and ioredis, which are not installed here: ' +
  'run `npm install bullmq@6 ioredis@5` next to leakward';

export interface PlanJob {
  /** Normalised repository URL, no credentials. */
  readonly repo: string;
  /** What was given, credentials stripped: the worker parses it again and fetches with its own credentials. */
  readonly source: string;
  readonly ruleSetId: string;
  readonly refs?: readonly string[];
  readonly batchSize?: number;
}
export interface ScanJob { readonly source: string; readonly plan: PlanJob; readonly task: ScanTask }
export interface FinishJob { readonly plan: PlanJob; readonly commits: number; readonly started: number }
/** What the collector receives. `ruleSet` travels with each result so the datastore can record it first. */
export type ResultJob =
  | { readonly kind: 'scan'; readonly ruleSet: RuleSetRecord; readonly result: ScanResult }
  | { readonly kind: 'repo'; readonly ruleSet: RuleSetRecord; readonly snapshot: RepoSnapshot };

/** BullMQ job ids may not contain ':'; a hex hash of the job's identity never does. */
export function jobId(kind: QueueKind, ...parts: readonly string[]): string {
  return `${kind}-${createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 40)}`;
}

export function planJobId(p: PlanJob): string {
  return jobId('plan', p.repo, p.ruleSetId, (p.refs ?? []).join(','));
}
export function scanJobId(t: ScanTask): string {
  return jobId('scan', t.repo, t.ruleSetId, t.rules.join(','), t.commits.join(','), t.merges.join(','));
}

/** Retries of a failing job, and how long to wait between them (exponential). */
export const ATTEMPTS = 3;
export const BACKOFF_MS = 1000;

export function jobOptions(id: string): JobsOptions {
  return {
    jobId: id, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS },
    // Done work leaves Redis (the datastore and the shared ledger remember it), so tomorrow's sweep can add the
    // same repository again; failures stay for `status` and for the collector's record.
    removeOnComplete: true, removeOnFail: { count: 10_000 },
  };
}

export interface QueueConnection {
  readonly url: string;
  readonly options: ConnectionOptions;
}

/**
 * A connection from `redis://[user:password@]host:port/db` or `rediss://` (TLS). BullMQ needs
 * `maxRetriesPerRequest: null` so its blocking commands wait through a Redis restart instead of failing.
 */
export function queueConnection(url: string): QueueConnection {
  let u: URL;
  try { u = new URL(url); } catch { throw new Error(`--queue: not a Redis URL: ${stripCredentials(url)}`); }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`--queue: expected redis:// or rediss://, got ${u.protocol}//`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`--queue: the database must be a number: ${stripCredentials(url)}`);
  const options: ConnectionOptions = {
    host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
    maxRetriesPerRequest: null,
    // Reconnect forever, a little slower each time up to 2 s (Redis restarting, a failover).
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
  return { url: stripCredentials(url), options };
}

export async function loadBullMQ(): Promise<typeof import('bullmq')> {
  try {
    return await import('bullmq');
  } catch {
    throw new Error(QUEUE_INSTALL_HINT);
  }
}

/** The four queues on one connection. `close()` them when done. */
export async function openQueues(conn: QueueConnection): Promise<Record<QueueKind, BullQueue>> {
  const { Queue } = await loadBullMQ();
  const q = (name: string): BullQueue => new Queue(name, { connection: conn.options, prefix: PREFIX });
  return { plan: q(QUEUE_NAMES.plan), scan: q(QUEUE_NAMES.scan), finish: q(QUEUE_NAMES.finish), result: q(QUEUE_NAMES.result) };
}

export async function closeQueues(queues: Record<QueueKind, BullQueue>): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/** Adds plan jobs; returns how many were new (a job Redis already knows is not added again). */
export async function enqueueRepos(queues: Record<QueueKind, BullQueue>, jobs: readonly PlanJob[]): Promise<{ added: number; known: number }> {
  let added = 0;
  for (const p of jobs) {
    const id = planJobId(p);
    // BullMQ adds nothing for an id it already holds (a concurrent enqueue of the same repository included); the
    // look-up only tells the user which were new.
    const known = await queues.plan.getJob(id);
    await queues.plan.add('plan', p, jobOptions(id));
    if (!known) added++;
  }
  return { added, known: jobs.length - added };
}

export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly completed: number;
  readonly failed: number;
  readonly waitingChildren: number;
}

export async function queueCounts(queues: Record<QueueKind, BullQueue>): Promise<Record<QueueKind, QueueCounts>> {
  const out = {} as Record<QueueKind, QueueCounts>;
  for (const [kind, q] of Object.entries(queues) as [QueueKind, BullQueue][]) {
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'waiting-children', 'prioritized');
    out[kind] = {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0,
      completed: c.completed ?? 0, failed: c.failed ?? 0, waitingChildren: c['waiting-children'] ?? 0,
    };
  }
  return out;
}

/** True when no plan, scan or finish job is waiting, delayed, active or waiting for children. */
export function sweepIdle(c: Record<QueueKind, QueueCounts>): boolean {
  return (['plan', 'scan', 'finish'] as const).every((k) => c[k].waiting + c[k].active + c[k].delayed + c[k].waitingChildren === 0);
}

/** Stats the workers keep in Redis: commits scanned, bytes of diffs, when the first enqueue happened (ms). */
export interface QueueStats { readonly commits: number; readonly bytes: number; readonly started?: number }

async function withRedis<T>(conn: QueueConnection, f: (r: import('ioredis').Redis) => Promise<T>): Promise<T> {
  const { Redis } = await import('ioredis');
  const redis = new Redis({ ...(conn.options as object) });
  try { return await f(redis); } finally { redis.disconnect(); }
}

/** Records when the sweep began (the first enqueue), for the status's throughput and ETA. */
export function markSweepStarted(conn: QueueConnection): Promise<void> {
  return withRedis(conn, async (r) => { await r.set(`${PREFIX}:stats:started`, String(Date.now()), 'NX'); });
}

export function queueStats(conn: QueueConnection): Promise<QueueStats> {
  return withRedis(conn, async (r) => {
    const [commits, bytes, started] = await r.mget(`${PREFIX}:stats:commits`, `${PREFIX}:stats:bytes`, `${PREFIX}:stats:started`);
    return { commits: Number(commits ?? 0), bytes: Number(bytes ?? 0), ...(started ? { started: Number(started) } : {}) };
  });
}
