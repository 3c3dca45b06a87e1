import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { scanFragments, type ParallelScanOptions } from '../../src/core/workers.js';
import type { Finding, Fragment } from '../../src/core/types.js';
import { filesSource } from '../../src/sources/files.js';
import { awsAndP12Config as testConfig } from './helpers/engine.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** A synthetic AWS-like key (never the documented example), distinct per n. */
function fakeKey(n: number): string {
  let s = '';
  for (let i = 0, x = (n + 1) * 2654435761; i < 16; i++, x = Math.imul(x ^ (x >>> 13), 0x5bd1e995) >>> 0) s += BASE32[x % 32];
  return 'AKI' + 'A' + s;
}


/** One line per finding, sorted, secrets left out (assertion messages must not show them). */
function summary(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.file}:${f.startLine}:${f.startColumn}-${f.endColumn} ${f.ruleId} ${f.fingerprint}${f.commit ? ` @${f.commit.sha}` : ''}`).sort();
}

async function collect(fragments: AsyncIterable<Fragment> | Iterable<Fragment>, options: ParallelScanOptions): Promise<Finding[]> {
  const out: Finding[] = [];
  for await (const f of scanFragments(fragments, testConfig, options)) out.push(f);
  return out;
}

/** `n` files, every third holding a key (some two), in nested folders; returns root and expected count. */
function manyFiles(n: number): { root: string; expected: number } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-workers-')));
  let expected = 0;
  for (let i = 0; i < n; i++) {
    const dir = path.join(root, `d${i % 7}`, `e${i % 3}`);
    fs.mkdirSync(dir, { recursive: true });
    const lines = [`// file ${i}: key token secret`, 'x'.repeat(i % 50)];
    if (i % 3 === 0) { lines.push(`const k = "${fakeKey(i)}";`); expected++; }
    if (i % 9 === 0) { lines.push(`  other = '${fakeKey(i + 100000)}'`); expected++; }
    fs.writeFileSync(path.join(dir, `f${i}.txt`), lines.join('\n') + '\n');
  }
  return { root, expected };
}

const many = manyFiles(300);

test('same findings in-process and on worker threads (many files)', { timeout: 60_000 }, async () => {
  const source = () => filesSource({ root: many.root, useGit: false }).fragments();
  const inProcess = await collect(source(), { threads: 1 });
  assert.equal(inProcess.length, many.expected, 'in-process finds every planted key');
  const threaded = await collect(source(), { threads: 2, workersAfter: { fragments: 0 } });
  assert.deepEqual(summary(threaded), summary(inProcess));
  const lazy = await collect(source(), { threads: 2, workersAfter: { fragments: 50 } });
  assert.deepEqual(summary(lazy), summary(inProcess));
  const defaults = await collect(source(), {});
  assert.deepEqual(summary(defaults), summary(inProcess));
});

test('finding fields survive the trip from a worker', { timeout: 60_000 }, async () => {
  const frag: Fragment = { path: 'a/b.txt', content: Buffer.from(`x\n  k=${fakeKey(1)}\n`), startLine: 10 };
  const [local] = await collect([frag], { threads: 1 });
  const [remote] = await collect([frag], { threads: 2, workersAfter: { fragments: 0 } });
  assert.ok(local && remote, 'both find the key');
  assert.deepEqual(remote, local);
});

test('in-memory fragments (slices of one buffer, commits, line maps) scan the same on workers', { timeout: 60_000 }, async () => {
  const parts: string[] = [];
  for (let i = 0; i < 200; i++) parts.push(`line a ${i}\nkey = ${fakeKey(i)}\nline c\n`);
  const big = Buffer.from(parts.join(''));
  const fragments: Fragment[] = [];
  let off = 0;
  for (let i = 0; i < 200; i++) {
    const len = Buffer.byteLength(parts[i]!);
    fragments.push({
      path: `mem/${i}.txt`,
      content: big.subarray(off, off + len),
      ...(i % 2 === 0
        ? { commit: { sha: `c${i}`, author: 'a', email: 'a@example.invalid', date: '2024-01-01T00:00:00Z', message: 'm' } }
        : { lineNumbers: [5, 9, 12] }),
    });
    off += len;
  }
  const inProcess = await collect(fragments, { threads: 1 });
  assert.equal(inProcess.length, 200);
  const threaded = await collect(fragments, { threads: 2, workersAfter: { fragments: 0 } });
  assert.deepEqual(summary(threaded), summary(inProcess));
  assert.equal(big.subarray(0, 6).toString(), 'line a', 'the caller\'s buffer is left intact');
  assert.ok(threaded.some((f) => f.file === 'mem/1.txt' && f.startLine === 9), 'line maps apply');
});

test('streamed (AsyncIterable) fragments are scanned in-process among worker fragments', { timeout: 60_000 }, async () => {
  async function* chunks(i: number): AsyncGenerator<Buffer> {
    const text = Buffer.from(`s=${fakeKey(i)}\n`);
    yield text.subarray(0, 7); // split inside the key
    yield text.subarray(7);
  }
  async function* source(): AsyncGenerator<Fragment> {
    for (let i = 0; i < 100; i++) {
      if (i % 10 === 0) yield { path: `stream/${i}`, content: chunks(i) };
      else yield { path: `buf/${i}`, content: Buffer.from(`b=${fakeKey(i)}\n`) };
    }
  }
  const found = await collect(source(), { threads: 2, workersAfter: { fragments: 0 } });
  assert.equal(found.length, 100);
  assert.equal(found.filter((f) => f.file.startsWith('stream/')).length, 10);
});

test('maxFileSize: larger files are reported once and still run path rules', { timeout: 60_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-workers-')));
  fs.writeFileSync(path.join(root, 'big.txt'), `k=${fakeKey(7)}\n${'y'.repeat(500)}`);
  fs.writeFileSync(path.join(root, 'store.p12'), 'z'.repeat(500));
  fs.writeFileSync(path.join(root, 'small.txt'), `k=${fakeKey(8)}\n`);
  for (const threads of [1, 2]) {
    const skips: string[] = [];
    const found = await collect(filesSource({ root, useGit: false }).fragments(),
      { threads, workersAfter: { fragments: 0 }, maxFileSize: 100, onSkip: (p, r) => skips.push(`${p}:${r}`) });
    assert.deepEqual(found.map((f) => `${f.file}:${f.ruleId}`).sort(), ['small.txt:test-aws-key', 'store.p12:test-p12'], `threads ${threads}`);
    assert.deepEqual(skips.sort(), ['big.txt:too-large', 'store.p12:too-large'], `threads ${threads}`);
  }
});

test('after the in-process phase the main thread is one of the scanning threads: threads 3 starts two workers', { timeout: 60_000 }, async () => {
  // A stand-in entry that logs its start, then runs the real worker.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-countworker-'));
  const log = path.join(dir, 'starts.log');
  const file = path.join(dir, 'worker.mjs');
  const real = new URL('../../src/core/worker.js', import.meta.url).href;
  fs.writeFileSync(file, `import fs from 'node:fs';\nfs.appendFileSync(${JSON.stringify(log)}, 'w\\n');\nawait import(${JSON.stringify(real)});\n`);
  // A slow source: the workers are up long before it ends.
  async function* source(): AsyncGenerator<Fragment> {
    for (const f of bufs(300)) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      yield f;
    }
  }
  const inProcess = await collect(source(), { threads: 1 });
  assert.equal(inProcess.length, 300);
  const lazy = await collect(source(), { threads: 3, workersAfter: { fragments: 20 }, workerUrl: pathToFileURL(file) });
  assert.deepEqual(summary(lazy), summary(inProcess));
  assert.equal(fs.readFileSync(log, 'utf8'), 'w\nw\n', 'two workers started');
  // `fragments: 0` sends everything to the workers: one per thread.
  fs.rmSync(log);
  const eager = await collect(source(), { threads: 3, workersAfter: { fragments: 0 }, workerUrl: pathToFileURL(file) });
  assert.deepEqual(summary(eager), summary(inProcess));
  assert.equal(fs.readFileSync(log, 'utf8'), 'w\nw\nw\n', 'three workers started');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes a stand-in worker entry that misbehaves in a given way. */
function badWorker(body: string): URL {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-badworker-'));
  const file = path.join(dir, 'worker.mjs');
  fs.writeFileSync(file, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
  return pathToFileURL(file);
}

const bufs = (n: number): Fragment[] => Array.from({ length: n }, (_, i) => ({ path: `b/${i}`, content: Buffer.from(`k=${fakeKey(i)}\n`) }));

test('a worker throwing while scanning ends the scan with its error (no hang)', { timeout: 30_000 }, async () => {
  const workerUrl = badWorker(`parentPort.postMessage({ t: 'ready' });\nparentPort.on('message', () => { throw new Error('boom from test worker'); });`);
  await assert.rejects(collect(bufs(50), { threads: 2, workersAfter: { fragments: 0 }, workerUrl }), /boom from test worker/);
});

test('a worker exiting mid-scan ends the scan with an error (no hang)', { timeout: 30_000 }, async () => {
  const workerUrl = badWorker(`parentPort.postMessage({ t: 'ready' });\nparentPort.on('message', () => process.exit(3));`);
  await assert.rejects(collect(bufs(50), { threads: 2, workersAfter: { fragments: 0 }, workerUrl }), /exit code 3/);
});

test('a worker failing at start ends the scan with an error (no hang)', { timeout: 30_000 }, async () => {
  const workerUrl = badWorker(`throw new Error('cannot start test worker');`);
  await assert.rejects(collect(bufs(500), { threads: 2, workersAfter: { fragments: 0 }, workerUrl }), /cannot start test worker/);
});

test('a worker reporting a scanner error ends the scan with it', { timeout: 30_000 }, async () => {
  const workerUrl = badWorker(`parentPort.postMessage({ t: 'ready' });\nparentPort.on('message', () => parentPort.postMessage({ t: 'error', message: 'scanner broke' }));`);
  await assert.rejects(collect(bufs(50), { threads: 2, workersAfter: { fragments: 0 }, workerUrl }), /scanner broke/);
});

test('a failing source ends the scan with its error and stops the workers', { timeout: 30_000 }, async () => {
  async function* source(): AsyncGenerator<Fragment> {
    yield* bufs(40);
    throw new Error('source failed');
  }
  await assert.rejects(collect(source(), { threads: 2, workersAfter: { fragments: 0 } }), /source failed/);
});

test('stopping early closes the source and the workers (no hang)', { timeout: 30_000 }, async () => {
  let closed = false;
  let pulled = 0;
  async function* source(): AsyncGenerator<Fragment> {
    try {
      for (let i = 0; i < 100_000; i++) {
        pulled++;
        yield { path: `b/${i}`, content: Buffer.from(`k=${fakeKey(i)}\n`) };
      }
    } finally {
      closed = true;
    }
  }
  let n = 0;
  for await (const _ of scanFragments(source(), testConfig, { threads: 2, workersAfter: { fragments: 0 } })) if (++n === 20) break;
  assert.equal(closed, true, 'the source was closed');
  assert.ok(pulled < 1000, `back-pressure: the source was not drained ahead (pulled ${pulled})`);
});

test('a plain array of fragments is accepted', async () => {
  const found = await collect(bufs(5), { threads: 1 });
  assert.equal(found.length, 5);
});

test('skips reported inside workers reach the caller (binary content)', { timeout: 60_000 }, async () => {
  const fragments: Fragment[] = [
    { path: 'bin.dat', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]) },
    { path: 'text.txt', content: Buffer.from(`k=${fakeKey(3)}\n`) },
  ];
  for (const threads of [1, 2]) {
    const skips: string[] = [];
    const found = await collect(fragments, { threads, workersAfter: { fragments: 0 }, onSkip: (p, r) => skips.push(`${p}:${r}`) });
    assert.deepEqual(found.map((f) => f.file), ['text.txt'], `threads ${threads}`);
    assert.deepEqual(skips, ['bin.dat:binary'], `threads ${threads}`);
  }
});

test('large files (streamed by the scanner) and small ones (read whole) give the same findings', { timeout: 60_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-workers-')));
  const filler = 'lorem ipsum key token\n'.repeat(Math.ceil((1 << 20) / 22)); // just over 1 MiB
  fs.writeFileSync(path.join(root, 'large.txt'), `a=${fakeKey(20)}\n${filler}b=${fakeKey(21)}\n${filler}c=${fakeKey(22)}\n`);
  fs.writeFileSync(path.join(root, 'small.txt'), `a=${fakeKey(20)}\n`);
  const local = await collect(filesSource({ root, useGit: false }).fragments(), { threads: 1 });
  assert.deepEqual(local.map((f) => `${f.file}:${f.startLine}`).sort(), ['large.txt:1', `large.txt:${filler.split('\n').length + 1}`,
    `large.txt:${2 * filler.split('\n').length + 1}`, 'small.txt:1']);
  const threaded = await collect(filesSource({ root, useGit: false }).fragments(), { threads: 2, workersAfter: { fragments: 0 } });
  assert.deepEqual(summary(threaded), summary(local));
});

test('a fragment naming a FIFO or a folder is reported, never read (no hang)', { timeout: 30_000 }, async (t) => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-workers-')));
  const fifo = path.join(root, 'pipe');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    t.skip('mkfifo not available');
    return;
  }
  fs.mkdirSync(path.join(root, 'dir.p12'));
  for (const threads of [1, 2]) {
    const skips: string[] = [];
    const found = await collect([{ path: 'pipe', filePath: fifo }, { path: 'dir.p12', filePath: path.join(root, 'dir.p12') }],
      { threads, workersAfter: { fragments: 0 }, onSkip: (p, r) => skips.push(`${p}:${r}`) });
    assert.deepEqual(skips.sort(), ['dir.p12:unreadable', 'pipe:unreadable'], `threads ${threads}`);
    assert.deepEqual(found.map((f) => `${f.file}:${f.ruleId}`), ['dir.p12:test-p12'], `path rules still run (threads ${threads})`);
  }
});

test('back-pressure: a slow consumer holds the source back (bounded fragments in flight)', { timeout: 60_000 }, async () => {
  let pulled = 0;
  async function* source(): AsyncGenerator<Fragment> {
    for (let i = 0; i < 10_000; i++) {
      pulled++;
      yield { path: `b/${i}`, content: Buffer.from(`k=${fakeKey(i)}\n`) };
    }
  }
  let consumed = 0;
  let worst = 0;
  for await (const _ of scanFragments(source(), testConfig, { threads: 2, workersAfter: { fragments: 0 } })) {
    consumed++;
    worst = Math.max(worst, pulled - consumed);
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (consumed === 100) break;
  }
  // Each fragment holds one finding: what was pulled and not consumed is in flight or queued, at most
  // threads × (16 in a worker's hands + a batch of 8 being sent), plus the one being added.
  assert.ok(worst <= 2 * (16 + 8) + 1, `at most 49 fragments ahead of the consumer (was ${worst})`);
});
