import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport } from '../../src/report/index.js';
import { COMMIT, SECRETS, makeFinding, sampleFindings } from './findings.js';

// gitleaks' report.Finding JSON field names, in its order.
const GITLEAKS_FIELDS = [
  'RuleID', 'Description', 'StartLine', 'EndLine', 'StartColumn', 'EndColumn', 'Match', 'Secret', 'File', 'SymlinkFile',
  'Commit', 'Entropy', 'Author', 'Email', 'Date', 'Message', 'Tags', 'Fingerprint',
];

test('json: an array of objects with gitleaks field names, then leakward fields', () => {
  const report = JSON.parse(formatReport(sampleFindings(), { format: 'json' })) as Record<string, unknown>[];
  assert.ok(Array.isArray(report));
  assert.equal(report.length, 9);
  for (const e of report) assert.deepEqual(Object.keys(e), [...GITLEAKS_FIELDS, 'DecodedBy', 'Confidence', 'Severity']);
});

test('json: values of a history finding', () => {
  const f = makeFinding({ ruleId: 'aws-access-key-id', description: 'AWS Access Key ID', secret: SECRETS.aws, commit: COMMIT, before: 'AWS_KEY=', after: '', startLine: 12, confidence: 'high', decodedBy: ['base64'] });
  const [e] = JSON.parse(formatReport([f], { format: 'json' })) as Record<string, unknown>[];
  assert.deepEqual(e, {
    RuleID: 'aws-access-key-id',
    Description: 'AWS Access Key ID',
    StartLine: 12,
    EndLine: 12,
    StartColumn: 9,
    EndColumn: 28,
    Match: 'AWS_KEY=AKIA…',
    Secret: 'AKIA…',
    File: 'src/app/config.ts',
    SymlinkFile: '',
    Commit: COMMIT.sha,
    Entropy: 4.25,
    Author: COMMIT.author,
    Email: COMMIT.email,
    Date: COMMIT.date,
    Message: COMMIT.message,
    Tags: ['key'],
    Fingerprint: f.fingerprint,
    DecodedBy: ['base64'],
    Confidence: 'high',
    Severity: '',
  });
  assert.match(f.fingerprint, /^lw2:[0-9a-f]{64}$/);
});

test('json: redact levels apply to Secret and Match', () => {
  const f = makeFinding({ secret: SECRETS.github, before: 't=', after: '' });
  const at = (redact?: number) => (JSON.parse(formatReport([f], { format: 'json', redact })) as Record<string, string>[])[0]!;
  assert.equal(at(100).Secret, 'REDACTED');
  assert.equal(at(100).Match, 't=REDACTED');
  assert.equal(at(90).Secret, 'ghp_…');
  assert.equal(at(undefined).Secret, 'ghp_…');
});

test('json: showSecrets writes unredacted Secret and Match (gitleaks-compatible baseline input)', () => {
  const f = makeFinding({ secret: SECRETS.github, before: 't=', after: '' });
  const [e] = JSON.parse(formatReport([f], { format: 'json', showSecrets: true })) as Record<string, string>[];
  assert.equal(e!.Secret, SECRETS.github);
  assert.equal(e!.Match, 't=' + SECRETS.github);
});

test('json: empty report is []', () => {
  assert.equal(formatReport([], { format: 'json' }), '[]\n');
});
