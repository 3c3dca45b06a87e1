import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { Finding } from '../../src/core/types.js';
import { createReporter, formatReport, writeReport, type ReportFormat } from '../../src/report/index.js';
import { makeFinding, sampleFindings } from './findings.js';

/** A sink with a tiny buffer that acknowledges writes asynchronously, so backpressure really happens. */
function slowSink(): { sink: Writable; text: () => string; writes: () => number } {
  const chunks: string[] = [];
  const sink = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      setImmediate(cb);
    },
  });
  return { sink, text: () => chunks.join(''), writes: () => chunks.length };
}

async function* slowly(findings: readonly Finding[]): AsyncIterable<Finding> {
  for (const f of findings) {
    await new Promise((r) => setImmediate(r));
    yield f;
  }
}

for (const format of ['text', 'json', 'sarif'] as ReportFormat[]) {
  test(`writeReport streams the same bytes as formatReport / ${format}`, async () => {
    const findings = sampleFindings();
    const options = { format, rules: [{ id: 'github-pat', description: 'GitHub PAT' }], root: '/r', toolVersion: '1.0.0' };
    const { sink, text, writes } = slowSink();
    const n = await writeReport(slowly(findings), sink, options);
    assert.equal(n, findings.length);
    assert.equal(text(), formatReport(findings, options));
    assert.ok(writes() >= findings.length, 'one write per finding at least: nothing collected');
  });
}

test('writeReport accepts a plain iterable and does not end the stream', async () => {
  const { sink } = slowSink();
  await writeReport([makeFinding({ secret: 'Zq8XwVt4NcLm2PkR' })], sink, { format: 'text' });
  assert.equal(sink.writableEnded, false);
});

test('text streams each finding before the next one arrives', async () => {
  const seen: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      seen.push(chunk.toString('utf8'));
      cb();
    },
  });
  let sawFirstBeforeSecond = false;
  async function* gen(): AsyncIterable<Finding> {
    yield makeFinding({ file: 'one.txt', secret: 'Zq8XwVt4NcLm2PkR' });
    sawFirstBeforeSecond = seen.some((s) => s.startsWith('one.txt:'));
    yield makeFinding({ file: 'two.txt', secret: 'Zq8XwVt4NcLm2PkR' });
  }
  await createReporter({ format: 'text' })(gen(), sink);
  assert.ok(sawFirstBeforeSecond);
});

test('an unknown format is a clear error', () => {
  assert.throws(() => formatReport([], { format: 'xml' as ReportFormat }), /unknown report format "xml"/);
});
