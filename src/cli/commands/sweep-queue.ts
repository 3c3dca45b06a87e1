import path from 'node:path';
import type { WriteStream } from 'node:tty';
import { UsageError, type CliIO } from '../io.js';

export const queueHelp = `usage: leakward sweep --queue URL enqueue [REPO...] [--repos FILE] [-c FILE] [--refs GLOB] [--max-decode-depth N]
       leakward sweep --queue URL collect --db FILE [--follow]
       leakward sweep --queue URL status
       leakward worker --queue URL [--concurrency N] [--cache DIR] [-c FILE] [--max-decode-depth N]

Spreads a sweep over any number of machines through Redis (BullMQ). 'enqueue' puts each repository on the queue;
workers ('leakward worker', as many as you like, anywhere that reaches Redis) mirror, plan and scan it, splitting
long histories into batches; 'collect' writes their results into the datastore that 'leakward report' reads.
A commit already scanned with the same rules, by any worker from any repository, is not scanned again.

URL: redis://[user:password@]host:port/db or rediss:// (TLS). Only fingerprints, redacted previews, locations
and repository URLs without credentials go through Redis: workers fetch with their own git credentials.

  enqueue   repositories as for 'leakward sweep' (a repository already on the queue is not added twice)
  collect   write finished results into --db; --follow: keep going until the sweep is over, then exit
  status    jobs waiting / active / completed / failed, commits scanned, throughput and an estimate of the end
`;

/** `leakward sweep --queue URL …` */
export async function runQueue(args: string[], io: CliIO): Promise<number> {
  const { parseArgs } = await import('node:util');
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true, strict: true, options: {
        queue: { type: 'string' }, repos: { type: 'string' }, db: { type: 'string' }, follow: { type: 'boolean' },
        refs: { type: 'string', multiple: true }, config: { type: 'string', short: 'c' }, 'max-decode-depth': { type: 'string' },
        'batch-size': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see leakward sweep --queue URL --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) { io.stdout.write(queueHelp); return 0; }
  const [action, ...rest] = positionals;
  if (!action || !['enqueue', 'collect', 'status'].includes(action)) throw new UsageError('--queue needs an action: enqueue, collect or status (see leakward sweep --queue URL --help)');
  const q = await import('../../sweep/queue.js');
  let connection;
  try { connection = q.queueConnection(values.queue ?? ''); } catch (err) { throw new UsageError((err as Error).message); }
  try { await q.loadBullMQ(); } catch (err) { throw new UsageError((err as Error).message); }

  if (action === 'enqueue') {
    const sw = await import('../../sweep/index.js');
    const repos = await (await import('./sweep.js')).readRepoList(rest, values.repos, io, 'enqueue: no repositories');
    const depth = optionalInt(values['max-decode-depth'], '--max-decode-depth', 0, 8);
    const batchSize = optionalInt(values['batch-size'], '--batch-size', 1, 1_000_000);
    const config = await loadConfigOrUsage(io, values.config);
    const ruleSet = sw.ruleSetOf(config, { ...(depth !== undefined ? { maxDecodeDepth: depth } : {}) });
    const queues = await q.openQueues(connection);
    try {
      const { added, known } = await q.enqueueRepos(queues, repos.map((r) => ({
        repo: r.url,
        // A local folder travels as its file:// URL (workers mirror it); a remote as given, without credentials.
        source: r.kind === 'local' ? r.url : r.source,
        ruleSetId: ruleSet.id,
        ...(values.refs ? { refs: values.refs } : {}),
        ...(batchSize ? { batchSize } : {}),
      })));
      await q.markSweepStarted(connection);
      io.stderr.write(`leakward sweep: ${added} repositories enqueued${known ? `, ${known} already on the queue` : ''} (rule set ${ruleSet.id}) on ${connection.url}\n`);
    } finally {
      await q.closeQueues(queues);
    }
    return 0;
  }

  if (action === 'collect') {
    if (!values.db) throw new UsageError('collect needs --db FILE');
    const { openStore, StoreError } = await import('../../store/index.js');
    const dbFile = path.resolve(io.cwd, values.db);
    let store;
    try { store = openStore(dbFile); } catch (err) { if (err instanceof StoreError) throw new UsageError(err.message); throw err; }
    const { collect } = await import('../../sweep/collector.js');
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      const s = await collect({
        connection, store, follow: values.follow === true, signal: controller.signal,
        ...(io.env.LEAKWARD_QUEUE_LOCK_MS ? { lockMs: Number(io.env.LEAKWARD_QUEUE_LOCK_MS) } : {}),
        onResult: (r) => { if (r.kind === 'repo') io.stderr.write(`${r.snapshot.error ? 'failed' : 'swept'} ${r.snapshot.source}${r.snapshot.error ? `: ${r.snapshot.error}` : `: ${r.snapshot.commits} commits`}\n`); },
      });
      io.stderr.write(`leakward sweep collect: ${s.results} results written (${s.repos} repositories, ${s.failedRepos} failed, ${s.occurrences} new occurrences) into ${path.relative(io.cwd, dbFile) || dbFile}\n`);
      return controller.signal.aborted ? 130 : s.failedRepos > 0 ? 2 : 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      store.close();
    }
  }

  // status
  const queues = await q.openQueues(connection);
  try {
    const c = await q.queueCounts(queues);
    const { commits, bytes, started } = await q.queueStats(connection);
    const out: string[] = [];
    out.push(`queue ${connection.url}`);
    out.push(`${'jobs'.padEnd(8)} ${['waiting', 'active', 'delayed', 'completed', 'failed'].map((h) => h.padStart(10)).join('')}`);
    for (const k of ['plan', 'scan', 'finish', 'result'] as const) {
      const r = c[k];
      out.push(`${k.padEnd(8)} ${[r.waiting + r.waitingChildren, r.active, r.delayed, r.completed, r.failed].map((n) => String(n).padStart(10)).join('')}`);
    }
    const elapsed = started ? (Date.now() - started) / 1000 : 0;
    const nCommits = commits;
    const rate = elapsed > 0 ? nCommits / elapsed : 0;
    const remaining = c.plan.waiting + c.plan.active + c.scan.waiting + c.scan.active + c.scan.delayed;
    const doneScans = c.scan.completed;
    const eta = remaining === 0 ? 'done' : doneScans > 0 && elapsed > 0 ? `~${Math.ceil((remaining * elapsed) / doneScans)} s` : 'unknown';
    out.push(`scanned ${nCommits} commits, ${(bytes / 1048576).toFixed(1)} MB of diffs, ${rate.toFixed(1)} commits/s; remaining jobs ${remaining}, ETA ${eta}`);
    if ((io.stdout as Partial<WriteStream>).isTTY) {
      const total = remaining + doneScans;
      const width = 30;
      const filled = total > 0 ? Math.round((width * doneScans) / total) : width;
      out.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${doneScans}/${total} scan jobs`);
    }
    io.stdout.write(out.join('\n') + '\n');
    return 0;
  } finally {
    await q.closeQueues(queues);
  }
}

export function optionalInt(v: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}`);
  return n;
}

export async function loadConfigOrUsage(io: CliIO, configPath: string | undefined): Promise<import('../../core/types.js').Config> {
  const { loadConfig, ConfigError } = await import('../../core/config.js');
  try {
    return await loadConfig({ root: io.cwd, env: io.env, ...(configPath ? { configPath } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}
