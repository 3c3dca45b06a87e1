/**
 * The collector (`leakward sweep --queue URL collect --db FILE`): writes the results that workers put on the queue
 * into the sweep datastore, one at a time, so `leakward report` and `triage` work on a distributed sweep unchanged.
 *
 * Invariants
 * 1. A result leaves the queue only after the datastore has recorded it (BullMQ completes the job after the write);
 *    a collector killed mid-write leaves it for the next one, and writing a result twice changes nothing (the
 *    store's records are idempotent). Nothing is lost, nothing is counted twice.
 * 2. Without `follow` it stops once no result is waiting; with `follow` once, in addition, no plan, scan or finish
 *    job is waiting, delayed or running (the sweep is over), so a script can wait on it.
 */
import type { Job, Worker as BullWorker } from 'bullmq';
import type { SweepLedger } from './sweep.js';
import { PREFIX, QUEUE_NAMES, closeQueues, loadBullMQ, openQueues, queueCounts, sweepIdle, type QueueConnection, type ResultJob } from './queue.js';

export interface CollectOptions {
  readonly connection: QueueConnection;
  readonly store: SweepLedger;
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
  /** How often the queue is polled for the end condition (ms, default 500). */
  readonly pollMs?: number;
  readonly lockMs?: number;
  readonly onResult?: (r: ResultJob) => void;
}

export interface CollectSummary {
  readonly results: number;
  readonly repos: number;
  readonly failedRepos: number;
  readonly occurrences: number;
}

export async function collect(opts: CollectOptions): Promise<CollectSummary> {
  const { Worker } = await loadBullMQ();
  const queues = await openQueues(opts.connection);
  let results = 0, repos = 0, failedRepos = 0, occurrences = 0;
  const seenRuleSets = new Set<string>();
  const worker: BullWorker = new Worker(QUEUE_NAMES.result, async (job: Job<ResultJob>) => {
    const r = job.data;
    if (!seenRuleSets.has(r.ruleSet.id)) {
      opts.store.putRuleSet(r.ruleSet);
      seenRuleSets.add(r.ruleSet.id);
    }
    if (r.kind === 'scan') {
      occurrences += opts.store.record(r.result);
    } else {
      opts.store.recordRepo(r.snapshot);
      repos++;
      if (r.snapshot.error) failedRepos++;
    }
    results++;
    opts.onResult?.(r);
  }, { connection: opts.connection.options, prefix: PREFIX, concurrency: 1, lockDuration: opts.lockMs ?? 30_000, stalledInterval: opts.lockMs ?? 30_000 });
  worker.on('error', () => { /* reconnects are retried; the end condition below keeps polling */ });
  try {
    let quiet = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
      if (opts.signal?.aborted) break;
      let c;
      try { c = await queueCounts(queues); } catch { quiet = 0; continue; } // Redis away: wait for it
      const pending = c.result.waiting + c.result.active + c.result.delayed;
      const done = pending === 0 && (!opts.follow || sweepIdle(c));
      // Twice in a row: a scan job finishing between two reads adds its result before it completes.
      quiet = done ? quiet + 1 : 0;
      if (quiet >= 2) break;
    }
  } finally {
    await worker.close();
    await closeQueues(queues);
  }
  return { results, repos, failedRepos, occurrences };
}
