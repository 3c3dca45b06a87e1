/**
 * Style habit 11: known synthetic secrets go through every reporter, every format, with and without colour, at every
 * redact level short of showSecrets; no secret, nor any 8-character piece of one, may come out.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { Finding } from '../../src/core/types.js';
import { formatReport, writeReport, type ReportFormat } from '../../src/report/index.js';
import { SECRETS, findLeak, sampleFindings } from './findings.js';

const FORMATS: ReportFormat[] = ['text', 'json', 'sarif'];
const REDACT_LEVELS: Array<number | undefined> = [undefined, 0, 1, 10, 25, 50, 75, 90, 99, 100];

function allSecrets(findings: readonly Finding[]): string[] {
  const list: string[] = [...Object.values(SECRETS)];
  // A decoded find's match is the encoded secret: printing it would leak the secret too.
  for (const f of findings) if (f.decodedBy && f.secret !== '') list.push(f.match);
  return list;
}

async function streamed(findings: readonly Finding[], options: Parameters<typeof writeReport>[2]): Promise<string> {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString('utf8');
      cb();
    },
  });
  await writeReport(findings, sink, options);
  return out;
}

for (const format of FORMATS) {
  for (const color of [false, true]) {
    test(`no secret leaks / ${format} / ${color ? 'colour' : 'plain'} / every redact level`, async () => {
      const findings = sampleFindings();
      const secrets = allSecrets(findings);
      for (const redact of REDACT_LEVELS) {
        const options = { format, color, redact, rules: [], root: '/repo', toolVersion: '0.0.0' };
        const leak1 = findLeak(formatReport(findings, options), secrets);
        assert.equal(leak1, undefined, `formatReport ${format} redact=${redact}: ${leak1}`);
        const leak2 = findLeak(await streamed(findings, options), secrets);
        assert.equal(leak2, undefined, `writeReport ${format} redact=${redact}: ${leak2}`);
      }
    });
  }
}

test('the leak check itself finds secrets when showSecrets is on', () => {
  const findings = sampleFindings();
  for (const format of FORMATS) {
    const out = formatReport(findings, { format, showSecrets: true });
    assert.notEqual(findLeak(out, allSecrets(findings)), undefined, `${format} with showSecrets shows secrets`);
  }
});
