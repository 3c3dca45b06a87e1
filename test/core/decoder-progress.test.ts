/**
 * Every decoder advances on every path: random long lines with `%XX` escapes at every offset around the segment
 * limit (MAX_SEGMENT) must decode in finite time, find exactly the runs a reference finds, and give the same
 * segments whatever windows the line is cut into. The property runs in a worker so that a decoder stuck in a loop
 * fails the test instead of hanging the suite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';

const decodersUrl = new URL('../../src/core/decoders.js', import.meta.url).href;
const prngUrl = new URL('../support/prng.js', import.meta.url).href;

// The property, run inside the worker (plain JS: it is evaluated, not compiled).
const property = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { findSegments, MAX_SEGMENT } = await import(workerData.decodersUrl);
  const { mulberry32 } = await import(workerData.prngUrl);
  const rnd = mulberry32(workerData.seed);
  const STOP = new Set([...'"\\'\`<>()[]{}\\\\'].map((c) => c.charCodeAt(0)));
  const isStop = (b) => b <= 0x20 || b === 0x7f || STOP.has(b);
  const urlChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#@!$&*+,;=';
  const failures = [];
  let lines = 0;
  for (let k = MAX_SEGMENT - 24; k <= MAX_SEGMENT + 24; k++) {
    for (const variant of [0, 1, 2]) {
      // variant 0: one long run then an escape at offset k; 1: a stop byte somewhere before it; 2: several escapes
      const parts = [];
      let n = 0;
      while (n < k) {
        const c = urlChars[Math.floor(rnd() * urlChars.length)];
        parts.push(c);
        n++;
      }
      if (variant === 1) parts[Math.floor(rnd() * k)] = ' ';
      if (variant === 2) for (let e = 0; e < 4; e++) { const at = Math.floor(rnd() * (k - 3)); parts[at] = '%'; parts[at + 1] = '4'; parts[at + 2] = '1'; }
      const text = parts.join('') + '%41' + (rnd() < 0.5 ? '' : 'tail%42x') + (rnd() < 0.5 ? '' : ' after');
      const buf = Buffer.from(text);
      lines++;
      const whole = [];
      findSegments(buf, 0, buf.length, whole);
      const pct = whole.filter((s) => s.kind === 'percent');
      // reference: every maximal run of non-stop bytes holding a valid escape, shorter than MAX_SEGMENT
      const expected = [];
      for (let i = 0; i < buf.length; ) {
        if (isStop(buf[i])) { i++; continue; }
        let j = i;
        while (j < buf.length && !isStop(buf[j])) j++;
        const run = buf.subarray(i, j).toString('latin1');
        if (j - i < MAX_SEGMENT && /%[0-9A-Fa-f]{2}/.test(run)) expected.push(i + '-' + j);
        i = j;
      }
      const got = pct.map((s) => s.start + '-' + s.end);
      if (got.join() !== expected.join()) failures.push('k=' + k + ' v=' + variant + ': got ' + got.join() + ' want ' + expected.join());
      for (const s of pct) {
        const ref = Buffer.from(buf.subarray(s.start, s.end).toString('latin1').replace(/%([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
        if (!ref.equals(s.decoded)) failures.push('k=' + k + ' v=' + variant + ': wrong decoding at ' + s.start);
      }
      // the same segments whatever the windows (a segment is reported by the window holding its start)
      for (const w of [4096, MAX_SEGMENT - 1, MAX_SEGMENT + 1]) {
        const parts2 = [];
        for (let from = 0; from < buf.length; from += w) findSegments(buf, from, Math.min(buf.length, from + w), parts2);
        const a = parts2.map((s) => s.kind + s.start + '-' + s.end).join();
        const b = whole.map((s) => s.kind + s.start + '-' + s.end).join();
        if (a !== b) failures.push('k=' + k + ' v=' + variant + ' window ' + w + ': ' + a + ' vs ' + b);
      }
      if (failures.length > 5) break;
    }
  }
  parentPort.postMessage({ lines, failures });
})().catch((err) => parentPort.postMessage({ lines: 0, failures: [String(err && err.stack || err)] }));
`;

function runProperty(seed: number, deadlineMs: number): Promise<{ lines: number; failures: string[] }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(property, { eval: true, workerData: { decodersUrl, prngUrl, seed } });
    const timer = setTimeout(() => {
      void w.terminate();
      reject(new Error(`the decoders did not finish within ${deadlineMs / 1000} s: a decoder loop does not advance`));
    }, deadlineMs);
    w.once('message', (m: { lines: number; failures: string[] }) => {
      clearTimeout(timer);
      void w.terminate();
      resolve(m);
    });
    w.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

test('decoders advance: %XX escapes at every offset around MAX_SEGMENT on one line', async () => {
  // generous: the property takes well under a second; only a decoder that never returns reaches this
  const r = await runProperty(0x5eed, 120_000);
  assert.ok(r.lines > 100, `property ran over ${r.lines} lines`);
  assert.deepEqual(r.failures, []);
});
