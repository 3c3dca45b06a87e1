import path from 'node:path';
import { UsageError, type CliIO } from '../io.js';
import { loadConfigOrUsage, optionalInt, queueHelp } from './sweep-queue.js';

/** `leakward worker --queue URL`: takes sweep jobs from Redis until SIGTERM/SIGINT, then finishes the running ones and exits 0. */
export async function run(args: string[], io: CliIO): Promise<number> {
  const { parseArgs } = await import('node:util');
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: false, strict: true, options: {
        queue: { type: 'string' }, concurrency: { type: 'string' }, cache: { type: 'string' }, config: { type: 'string', short: 'c' },
        'max-decode-depth': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see leakward worker --help)`);
  }
  const { values } = parsed;
  if (values.help) { io.stdout.write(queueHelp); return 0; }
  const q = await import('../../sweep/queue.js');
  let connection;
  try { connection = q.queueConnection(values.queue ?? ''); } catch (err) { throw new UsageError((err as Error).message); }
  try { await q.loadBullMQ(); } catch (err) { throw new UsageError((err as Error).message); }
  const concurrency = optionalInt(values.concurrency, '--concurrency', 1, 64) ?? 1;
  const depth = optionalInt(values['max-decode-depth'], '--max-decode-depth', 0, 8);
  const config = await loadConfigOrUsage(io, values.config);
  const { startQueueWorker } = await import('../../sweep/queue-worker.js');
  const lockMs = io.env.LEAKWARD_QUEUE_LOCK_MS ? Number(io.env.LEAKWARD_QUEUE_LOCK_MS) : undefined;
  const worker = await startQueueWorker({
    connection, config, concurrency, cache: path.resolve(io.cwd, values.cache ?? '.leakward-cache'),
    ...(depth !== undefined ? { maxDecodeDepth: depth } : {}), ...(lockMs ? { lockMs } : {}),
    log: (line) => io.stderr.write(`leakward worker: ${line}\n`),
  });
  io.stderr.write(`leakward worker: waiting for jobs on ${connection.url} (concurrency ${concurrency})\n`);
  const stop = (): void => {
    io.stderr.write('leakward worker: stopping: finishing the running jobs\n');
    void worker.close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await worker.closed;
  return 0;
}
