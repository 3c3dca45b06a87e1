/**
 * `scanFragments`: the scanner spread over worker threads when the job is big enough to pay for them.
 *
 * Why threads: RE2 calls are synchronous, so any amount of promise concurrency on one thread uses one core.
 *
 * Invariants
 * 1. Same findings as one in-process `Scanner` over the same fragments, in any thread count (order may
 *    differ: findings come in the order fragments finish).
 * 2. Small jobs never pay for a worker: fragments are scanned in-process until the in-process work passes
 *    `workersAfter` (default 40 ms or 500 fragments); only then do `threads - 1` workers start, and the main
 *    thread, whose scanner is already built, stays one of the `threads`: it scans whenever no worker has room.
 *    (`workersAfter.fragments: 0`: `threads` workers at once, sent everything.)
 * 3. Bounded memory: at most `threads × (PER_WORKER + SEND_BATCH)` fragments are in flight, the source is pulled
 *    only when a worker has room or the main thread scans the fragment itself, and worker findings wait for the
 *    consumer in a queue bounded by the fragments in flight.
 * 4. A fragment whose content is an AsyncIterable (a stream) is scanned in-process, fully drained before the
 *    next fragment is pulled (a source may stream two fragments out of one pipe).
 * 5. A worker crash, a failed worker start or a scanner error ends the scan with an error; never a hang.
 *    Unreadable, binary and too-large files are reported through `onSkip` (by the scanner, wherever it runs;
 *    worker skips are relayed to the caller's callback) and the scan goes on.
 * 6. Workers are terminated when the scan ends, fails, or the consumer stops early.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Config, Finding, Fragment } from './types.js';
import { createScanner, OVERLAP, WINDOW, type Scanner, type ScanOptions } from './scanner.js';
import { DEFAULT_FINGERPRINT_SALT, lazyFingerprint } from './fingerprint.js';

export type SkipReason = 'binary' | 'too-large' | 'unreadable' | 'symlink';

export interface ParallelScanOptions extends ScanOptions {
  /** Scanning threads, the main thread included (see invariant 2). Default: `os.availableParallelism()`; 1 = in-process only. */
  threads?: number;
  /** Bytes; larger files are skipped (their path-only rules still run) and reported as 'too-large'. */
  maxFileSize?: number;
  onSkip?: (path: string, reason: SkipReason, detail?: string) => void;
  /**
   * When to move from in-process scanning to worker threads: once in-process scanning has taken `ms`
   * milliseconds or `fragments` fragments, whichever comes first. Default `{ ms: 40, fragments: 500 }`;
   * `{ fragments: 0 }` starts workers at once and sends them every fragment (streamed content aside).
   */
  workersAfter?: { readonly ms?: number; readonly fragments?: number };
  /** @internal The worker entry module (tests substitute a failing one). Default `./worker.js` beside this file. */
  workerUrl?: URL;
}

/**
 * Fragments in flight per worker, and how they travel: in batches both ways. Each postMessage costs a
 * cross-thread wake-up; on a busy 2-core machine one per fragment cost a worker ~130 µs each, 6–25 % of its time
 * (measured on the bench corpus). A worker is sent SEND_BATCH fragments at a time (at once, though, when it is
 * idle), keeps up to PER_WORKER, and reports every DONE_BATCH finished ones (or when it runs dry).
 */
const PER_WORKER = 16;
const SEND_BATCH = 8;
export const DONE_BATCH = 8;
/** A worker posts findings in batches of at most about this size (a huge file must not hold all of its findings). */
export const FINDINGS_BATCH = 256;
const DEFAULT_AFTER_MS = 40;
const DEFAULT_AFTER_FRAGMENTS = 500;

/** Scans fragments on worker threads when worthwhile (many files/bytes), in-process otherwise. */
export function scanFragments(
  fragments: AsyncIterable<Fragment> | Iterable<Fragment>,
  config: Config,
  options: ParallelScanOptions = {},
): AsyncIterable<Finding> {
  return { [Symbol.asyncIterator]: () => run(fragments, config, options) };
}

// ---------------------------------------------------------------------------------------------------
// Shared by the main thread and the workers.

/** The options a worker needs: everything cloneable (no callbacks). */
export interface WorkerInit {
  readonly config: Config;
  readonly options: ScanOptions;
  /** Bytes (Infinity: no limit). */
  readonly maxFileSize: number;
}

/** A Fragment as posted to a worker: in-memory content arrives as a Uint8Array. */
export type WireFragment = Omit<Fragment, 'content'> & { readonly content?: Uint8Array };

export type ToWorker = { readonly t: 'scan'; readonly items: ReadonlyArray<{ readonly id: number; readonly fragment: WireFragment }> };
export type FromWorker =
  | { readonly t: 'ready' }
  /** Findings so far, and the ids of the fragments finished since the last message. */
  | { readonly t: 'findings'; readonly findings: Finding[]; readonly done: readonly number[] }
  | { readonly t: 'skip'; readonly path: string; readonly reason: SkipReason; readonly detail?: string }
  | { readonly t: 'error'; readonly message: string; readonly stack?: string };

type SkipFn = (path: string, reason: SkipReason, detail?: string) => void;

/** Scanner options without our own keys and without functions (so they survive postMessage). */
export function scannerOptions(options: ParallelScanOptions): ScanOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === 'threads' || k === 'onSkip' || k === 'workersAfter' || k === 'workerUrl') continue;
    if (typeof v === 'function' || v === undefined) continue;
    out[k] = v;
  }
  return out as ScanOptions;
}

/** Builds a scanner whose skips (binary, too large, unreadable) go to `onSkip`. */
export function buildScanner(config: Config, options: ScanOptions, onSkip: SkipFn): Scanner {
  return createScanner(config, { ...options, onSkip });
}

/** Errors that mean "this one file cannot be read", not "the scan is broken". */
const UNREADABLE = new Set(['EACCES', 'EPERM', 'ENOENT', 'EISDIR', 'ELOOP', 'EIO', 'ENXIO', 'ENAMETOOLONG', 'ENOTDIR']);

/**
 * Files up to this size are read whole with synchronous calls before scanning; larger ones are streamed by the
 * scanner. Measured on the bench corpus (1,134 files, 20 MB): promise-based `stat` + `readFile` cost 180–210 ms of
 * CPU, `openSync` + `fstatSync` + `readSync` + `closeSync` 10–20 ms; at 60 MB/s that difference is a third of a
 * core. Blocking is harmless here: a worker has nothing else to do, and in-process scans are small jobs.
 */
const READ_WHOLE_MAX = WINDOW + OVERLAP;
const EMPTY: Buffer = Buffer.alloc(0);
/** Opening a FIFO for reading blocks until a writer comes; non-blocking open returns at once (0 on Windows). */
const O_READ = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * One fragment through a scanner, a small file read here (see READ_WHOLE_MAX), a large one streamed by the
 * scanner. Too-large and unreadable files are reported through `onSkip` and still run the path-only rules,
 * as the scanner does itself; an fs error escaping the scanner (a file gone mid-read) is reported, not thrown.
 */
export async function* scanOne(scanner: Scanner, fragment: Fragment, maxFileSize: number, onSkip: SkipFn): AsyncGenerator<Finding> {
  let f = fragment;
  if (f.content === undefined && f.filePath !== undefined) {
    const { filePath, ...meta } = f;
    const r = readWhole(filePath, maxFileSize);
    if (Buffer.isBuffer(r)) f = { ...meta, content: r };
    else if (r !== 'stream') {
      onSkip(f.path, r[0], r[1]);
      f = { ...meta, content: EMPTY };
    }
  }
  try {
    yield* scanner.scanFragment(f);
  } catch (err) {
    const code = errCode(err);
    if (code !== undefined && UNREADABLE.has(code) && f.filePath !== undefined && f.content === undefined) {
      onSkip(f.path, 'unreadable', code);
      return;
    }
    throw err;
  }
}

/** A small file's bytes, 'stream' for a large one, or why it is skipped. */
function readWhole(file: string, maxFileSize: number): Buffer | 'stream' | [reason: SkipReason, detail: string] {
  let fd: number;
  try {
    fd = fs.openSync(file, O_READ);
  } catch (err) {
    return ['unreadable', errCode(err) ?? String(err)];
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return ['unreadable', 'not a regular file'];
    if (st.size > maxFileSize) return ['too-large', `${st.size} bytes`];
    if (st.size > READ_WHOLE_MAX) return 'stream';
    // A file that changes while we read is scanned as far as its size when we looked.
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    for (let r = 1; n < buf.length && r > 0; n += r) r = fs.readSync(fd, buf, n, buf.length - n, n);
    return n === buf.length ? buf : buf.subarray(0, n);
  } catch (err) {
    return ['unreadable', errCode(err) ?? String(err)];
  } finally {
    fs.closeSync(fd);
  }
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Main thread.

function isAsyncIterable(x: unknown): x is AsyncIterable<Buffer> {
  return typeof x === 'object' && x !== null && !Buffer.isBuffer(x) && Symbol.asyncIterator in x;
}

function iteratorOf(src: AsyncIterable<Fragment> | Iterable<Fragment>): AsyncIterator<Fragment> | Iterator<Fragment> {
  if (Symbol.asyncIterator in src) return (src as AsyncIterable<Fragment>)[Symbol.asyncIterator]();
  return (src as Iterable<Fragment>)[Symbol.iterator]();
}

async function* run(
  fragments: AsyncIterable<Fragment> | Iterable<Fragment>,
  config: Config,
  options: ParallelScanOptions,
): AsyncGenerator<Finding> {
  const onSkip: SkipFn = options.onSkip ?? (() => {});
  const maxFileSize = options.maxFileSize ?? Infinity;
  const scanOpts = scannerOptions(options);
  const threads = Math.max(1, Math.floor(options.threads ?? os.availableParallelism()));
  const afterMs = options.workersAfter?.ms ?? DEFAULT_AFTER_MS;
  const afterFragments = options.workersAfter?.fragments ?? DEFAULT_AFTER_FRAGMENTS;

  let local: Scanner | undefined;
  const localScanner = (): Scanner => (local ??= buildScanner(config, scanOpts, onSkip));
  const workerUrl = options.workerUrl ?? new URL('./worker.js', import.meta.url);
  // `fragments: 0` means: start the workers at once and send them everything (no in-process phase).
  const eager = afterFragments <= 0;
  // Otherwise the main thread is one of the `threads`: it has compiled its scanner for the in-process phase anyway,
  // and scans whenever the workers are full. One worker fewer saves an isolate and a second compile of every rule
  // regex it meets (git/git work tree, threads 2: ~0.35 of ~2.2 CPU-s).
  const workers = eager ? threads : threads - 1;
  const pool = threads > 1 ? new Pool(workers, workerUrl, { config, options: scanOpts, maxFileSize }, onSkip) : undefined;

  const it = iteratorOf(fragments);
  let sourceDone = false;
  let spentMs = 0;
  let count = 0;
  if (pool && eager) pool.start();
  // Compile the rules now, not at the first fragment: a source that already started its producer (git diff / log)
  // fills its pipe meanwhile (latency: the pre-commit hook).
  if (!eager) localScanner();
  try {
    for (;;) {
      if (pool) {
        pool.throwIfFailed();
        let batch: Finding[] | undefined;
        while ((batch = pool.out.shift()) !== undefined) yield* batch;
      }
      if (sourceDone) {
        if (!pool || pool.inFlight === 0) break;
        await pool.event();
        continue;
      }
      if (pool && eager && (!pool.ready || !pool.hasRoom())) {
        pool.flush();
        await pool.event();
        continue;
      }
      const r = await it.next();
      if (r.done) {
        sourceDone = true;
        pool?.flush();
        continue;
      }
      const fragment = r.value;
      if (pool?.ready && pool.hasRoom() && !isAsyncIterable(fragment.content)) {
        pool.add(fragment);
        continue;
      }
      pool?.flush(); // a streamed fragment is scanned here: let the workers have what is waiting first
      // In-process: a small job so far, workers still starting, or a streamed fragment. The scanner is built
      // before the clock starts: its compile time says nothing about the size of the job.
      const scanner = localScanner();
      const t0 = performance.now();
      yield* scanOne(scanner, fragment, maxFileSize, onSkip);
      spentMs += performance.now() - t0;
      count++;
      if (pool && !pool.started && (spentMs >= afterMs || count >= afterFragments)) pool.start();
      // Scanning in-memory fragments may never leave the microtask queue: let worker messages (ready, done,
      // failed) in between fragments, or the workers would look busy (or unstarted) for ever.
      if (pool?.started) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    if (!sourceDone) {
      // The consumer stopped early or something failed: let the source clean up (e.g. kill its git).
      try {
        await it.return?.();
      } catch {
        // the original error (if any) matters more
      }
    }
    await pool?.close();
  }
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  inFlight: number;
}

/** Worker threads, started on demand; each builds its own scanner once. */
class Pool {
  readonly out: Finding[][] = [];
  started = false;
  ready = false;
  inFlight = 0;
  private readonly slots: Slot[] = [];
  private failure: Error | undefined;
  private closing = false;
  private wake: (() => void) | undefined;
  private nextId = 0;
  /** Fragments waiting to be sent as one batch, and the buffers to hand over with them. */
  private pending: Array<{ id: number; fragment: WireFragment }> = [];
  private transfer: ArrayBuffer[] = [];

  constructor(
    private readonly size: number,
    private readonly url: URL,
    private readonly init: WorkerInit,
    private readonly onSkip: SkipFn,
  ) {}

  start(): void {
    this.started = true;
    for (let i = 0; i < this.size; i++) this.spawn();
  }

  private spawn(): void {
    let worker: Worker;
    try {
      worker = new Worker(this.url, { workerData: this.init });
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const slot: Slot = { worker, ready: false, inFlight: 0 };
    this.slots.push(slot);
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => this.fail(new Error(`leakward worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`leakward worker exited unexpectedly (exit code ${code})`));
    });
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    switch (m.t) {
      case 'ready':
        slot.ready = true;
        this.ready = true;
        break;
      case 'findings':
        for (const f of m.findings) {
          if (f.fingerprint === '' && f.secret !== '') lazyFingerprint(f, f.ruleId, f.secret, this.init.options.fingerprintSalt ?? DEFAULT_FINGERPRINT_SALT);
        }
        if (m.findings.length > 0) this.out.push(m.findings);
        slot.inFlight -= m.done.length;
        this.inFlight -= m.done.length;
        break;
      case 'skip':
        try {
          this.onSkip(m.path, m.reason, m.detail);
        } catch (err) {
          this.fail(err instanceof Error ? err : new Error(String(err)));
        }
        break;
      case 'error': {
        const err = new Error(m.message);
        if (m.stack) err.stack = m.stack;
        this.fail(err);
        break;
      }
      default:
        m satisfies never;
    }
    this.notify();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Resolves on the next message, error or exit of any worker. */
  event(): Promise<void> {
    if (this.failure) return Promise.resolve();
    return new Promise((resolve) => { this.wake = resolve; });
  }

  /** Whether a ready worker can take more than what is already waiting to be sent. */
  hasRoom(): boolean {
    let room = -this.pending.length;
    for (const s of this.slots) if (s.ready) room += PER_WORKER - s.inFlight;
    return room > 0;
  }

  /** Queues a fragment for the workers; sends the batch when it is full or a worker has nothing to do. */
  add(fragment: Fragment): void {
    const { content, ...meta } = fragment;
    let wire: WireFragment = meta;
    if (Buffer.isBuffer(content) || content instanceof Uint8Array) {
      // Posting a view clones its whole backing ArrayBuffer (a pool slab, or a big read buffer): copy
      // exactly the bytes into a fresh one and hand that over without a second copy.
      const copy = new Uint8Array(content.byteLength);
      copy.set(content);
      this.transfer.push(copy.buffer);
      wire = { ...meta, content: copy };
    }
    this.pending.push({ id: this.nextId++, fragment: wire });
    if (this.pending.length >= SEND_BATCH || this.slots.some((s) => s.ready && s.inFlight === 0)) this.flush();
  }

  /** Sends what is waiting to the least busy ready worker. */
  flush(): void {
    if (this.pending.length === 0) return;
    let best: Slot | undefined;
    for (const s of this.slots) if (s.ready && (!best || s.inFlight < best.inFlight)) best = s;
    if (!best) return; // none ready yet: run() only adds once one is
    const msg: ToWorker = { t: 'scan', items: this.pending };
    best.inFlight += this.pending.length;
    this.inFlight += this.pending.length;
    best.worker.postMessage(msg, this.transfer);
    this.pending = [];
    this.transfer = [];
  }

  async close(): Promise<void> {
    this.closing = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => 0)));
  }
}
