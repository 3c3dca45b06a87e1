import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport } from '../../src/report/index.js';
import { COMMIT, SECRETS, makeFinding, sampleFindings } from './findings.js';

test('text: file:line:column, rule id, description and the redacted secret', () => {
  const f = makeFinding({ ruleId: 'github-pat', description: 'GitHub Personal Access Token', secret: SECRETS.github, startLine: 7, before: 'token = "' });
  const out = formatReport([f], { format: 'text' });
  const first = out.split('\n')[0]!;
  assert.equal(first, 'src/app/config.ts:7:10  github-pat  GitHub Personal Access Token');
  assert.match(out, /\n {2}secret {3}ghp_…\n/);
  assert.match(out, /\n {2}match {4}token = "ghp_…"\n/);
  assert.match(out, /1 secret found in 1 file\.\n$/);
});

test('text: history findings show the short sha, author and date', () => {
  const f = makeFinding({ secret: SECRETS.aws, commit: COMMIT });
  const out = formatReport([f], { format: 'text' });
  assert.ok(out.includes('  commit   4f1c2e0 Alex Example <alex@example.com> 2024-05-01T10:00:00+02:00 "Add deployment settings"'), out);
  assert.ok(!out.includes(COMMIT.sha), 'full sha not printed');
  assert.match(out, /1 secret found in 1 file \(1 commit\)\.\n$/);
});

test('text: decodedBy is shown when present', () => {
  const f = makeFinding({ secret: SECRETS.decoded, match: 'c29tZXRoaW5n', decodedBy: ['base64', 'percent'] });
  const out = formatReport([f], { format: 'text' });
  assert.ok(out.includes('  decoded  base64 → percent'), out);
});

test('text: summary counts findings, files and commits', () => {
  const out = formatReport(sampleFindings(), { format: 'text' });
  assert.match(out, /9 secrets found in 9 files \(1 commit\)\.\n$/);
});

test('text: no findings → a plain all-clear line', () => {
  assert.equal(formatReport([], { format: 'text' }), 'No secrets found.\n');
});

test('text: colour only when asked', () => {
  const f = makeFinding({ secret: SECRETS.github });
  assert.ok(!formatReport([f], { format: 'text' }).includes('\x1b['));
  const colored = formatReport([f], { format: 'text', color: true });
  assert.ok(colored.includes('\x1b[1m'), 'bold');
  assert.ok(colored.includes('\x1b[31m'), 'red');
});

test('text: control characters from scanned names are escaped', () => {
  const out = formatReport(sampleFindings(), { format: 'text' });
  assert.ok(!out.includes('\x1b'), 'no raw ESC in uncoloured output');
  assert.ok(out.includes('Robin\\x1b[2J Hacker'));
});

test('text: path-only findings print their match and no secret line', () => {
  const f = sampleFindings().find((x) => x.secret === '')!;
  const out = formatReport([f], { format: 'text' });
  assert.ok(out.startsWith('certs/store.p12:1:1  pkcs12-file  PKCS#12 file\n  match    file detected: certs/store.p12\n'), out);
  assert.ok(!out.includes('  secret '));
});

test('text: showSecrets prints whole secrets', () => {
  const f = makeFinding({ secret: SECRETS.github });
  assert.ok(formatReport([f], { format: 'text', showSecrets: true }).includes(SECRETS.github));
});
