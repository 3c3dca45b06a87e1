/**
 * Worker-thread entry for `scanFragments` (see workers.ts): builds one scanner from the cloned Config and
 * options, then scans the fragments it is sent, one at a time, in arrival order. Findings go back in
 * batches; skips go back as messages (the main thread owns the `onSkip` callback).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Finding, Fragment } from './types.js';
import { fingerprintPending } from './fingerprint.js';
import { buildScanner, DONE_BATCH, FINDINGS_BATCH, scanOne, type FromWorker, type ToWorker, type WireFragment, type WorkerInit } from './workers.js';

const port = parentPort;
if (!port) throw new Error('leakward: worker.js must run in a worker thread');

const init = workerData as WorkerInit;
const post = (m: FromWorker): void => port.postMessage(m);
const onSkip = (path: string, reason: Extract<FromWorker, { t: 'skip' }>['reason'], detail?: string): void =>
  post(detail === undefined ? { t: 'skip', path, reason } : { t: 'skip', path, reason, detail });

const scanner = buildScanner(init.config, init.options, onSkip);
/** Fragments received and not yet scanned. */
const queue: Array<ToWorker['items'][number]> = [];
let busy = false;
/** Findings not yet posted, and fragments finished since the last post. */
let batch: Finding[] = [];
let done: number[] = [];

port.on('message', (m: ToWorker) => {
  for (const item of m.items) queue.push(item);
  if (!busy) void pump();
});
post({ t: 'ready' });

function flush(): void {
  // A structured clone reads every property: an unread lazy fingerprint would cost a scrypt here for nothing.
  // It travels as '' and the main thread makes it lazy again (workers.ts).
  for (const f of batch) if (fingerprintPending(f)) (f as { fingerprint: string }).fingerprint = '';
  post({ t: 'findings', findings: batch, done });
  batch = [];
  done = [];
}

async function pump(): Promise<void> {
  busy = true;
  let item: ToWorker['items'][number] | undefined;
  while ((item = queue.shift()) !== undefined) {
    try {
      await scanItem(item.fragment);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      post(e.stack === undefined ? { t: 'error', message: e.message } : { t: 'error', message: e.message, stack: e.stack });
      return; // the main thread ends the scan and terminates us
    }
    done.push(item.id);
    // One message per few fragments (see PER_WORKER in workers.ts), and at once when out of work so the
    // main thread refills.
    if (queue.length === 0 || done.length >= DONE_BATCH || batch.length >= FINDINGS_BATCH) flush();
  }
  busy = false;
}

async function scanItem(wire: WireFragment): Promise<void> {
  const { content, ...meta } = wire;
  const fragment: Fragment =
    content === undefined ? meta : { ...meta, content: Buffer.from(content.buffer, content.byteOffset, content.byteLength) };
  for await (const f of scanOne(scanner, fragment, init.maxFileSize, onSkip)) {
    batch.push(f);
    if (batch.length >= FINDINGS_BATCH) flush();
  }
}
