/**
 * End to end through the real scanner: synthetic secrets in a buffer → findings → every report format, baseline and
 * suppressor. Checks the seams agree (fingerprints, salts, columns) and that nothing prints a secret.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBaseline, parseBaseline } from '../../src/core/baseline.js';
import { builtinConfig } from '../../src/core/config.js';
import { createScanner } from '../../src/core/scanner.js';
import { createSuppressor, parseGitleaksIgnore, gitleaksFingerprint } from '../../src/core/suppress.js';
import { formatReport, type ReportFormat } from '../../src/report/index.js';
import { findLeak } from './findings.js';

// Synthetic AWS-format key ids (AKIA + 16 of [A-Z2-7]); not real credentials.
const KEY_A = 'AKIAZQXWVUTSRQPONMLK';
const KEY_B = 'AKIA2345ABCDEFGHJKMN';
const CONTENT = Buffer.from(`# settings\naws_id = ${KEY_A}\nother: "${KEY_B}"\n`);

function scan(salt?: string) {
  const scanner = createScanner(builtinConfig(), salt ? { fingerprintSalt: salt } : {});
  return scanner.scanBuffer(CONTENT, { path: 'conf/settings.txt' });
}

test('scanned findings: every format and redact level keeps the keys hidden', () => {
  const findings = scan();
  const found = new Set(findings.map((f) => f.secret));
  assert.ok(found.has(KEY_A) && found.has(KEY_B), `scanner finds both synthetic keys (found ${findings.length} findings)`);
  for (const format of ['text', 'json', 'sarif'] as ReportFormat[]) {
    for (const redact of [undefined, 0, 50, 100]) {
      const out = formatReport(findings, { format, redact, color: format === 'text', rules: builtinConfig().rules });
      const leak = findLeak(out, [KEY_A, KEY_B]);
      assert.equal(leak, undefined, `${format} redact=${redact}: ${leak}`);
    }
  }
});

test('scanned findings: columns and SARIF region agree with the content', () => {
  const f = scan().find((x) => x.secret === KEY_A)!;
  assert.equal(f.startLine, 2);
  assert.equal(f.startColumn, 'aws_id = '.length + 1);
  assert.equal(f.endColumn, f.startColumn + KEY_A.length - 1);
  const doc = JSON.parse(formatReport([f], { format: 'sarif' })) as { runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { region: Record<string, number> } }> }> }> };
  const region = doc.runs[0]!.results[0]!.locations[0]!.physicalLocation.region;
  assert.deepEqual(region, { startLine: 2, startColumn: 10, endLine: 2, endColumn: 10 + KEY_A.length });
});

test('scanned findings: a baseline written with a salt suppresses a rescan, whatever key the rescan used', async () => {
  const salt = 'f00dfeedf00dfeedf00dfeedf00dfeed';
  const first = scan(salt).filter((f) => f.secret === KEY_A);
  const baseline = parseBaseline(await formatBaseline(first, salt), 'b.json');
  const suppress = createSuppressor({ baseline });
  const again = scan(baseline.salt);
  assert.equal(again.filter(suppress).map((f) => f.secret).join(','), KEY_A, 'KEY_A is known, KEY_B is new');
  assert.equal(scan().filter(suppress).map((f) => f.secret).join(','), KEY_A, 'default-key findings are recomputed under the baseline salt');
});

test('scanned findings: a .gitleaksignore line written from gitleaksFingerprint suppresses that finding', () => {
  const findings = scan();
  const target = findings.find((f) => f.secret === KEY_B)!;
  const suppress = createSuppressor({ gitleaksIgnore: parseGitleaksIgnore(`${gitleaksFingerprint(target)}\n`) });
  assert.deepEqual(findings.filter(suppress), [target]);
});
