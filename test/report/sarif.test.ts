import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import type { RuleSpec } from '../../src/core/types.js';
import { formatReport } from '../../src/report/index.js';
import { COMMIT, SECRETS, makeFinding, sampleFindings } from './findings.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// The official OASIS SARIF 2.1.0 schema (oasis-tcs/sarif-spec, Documents/CommitteeSpecifications/2.1.0/).
const SCHEMA_FILE = path.join(repo, 'test/fixtures/report/sarif-schema-2.1.0.json');

/**
 * ajv (draft-07 is its default dialect) with the schema's three formats defined here instead of adding ajv-formats:
 * `uri` must parse as an absolute URL, `uri-reference` must be made of URI characters only (RFC 3986) and resolve
 * against a base, `date-time` must parse. Enough to catch an unencoded space or a bad path in our URIs.
 */
function sarifValidator(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const URI_CHARS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
  ajv.addFormat('uri', (s: string) => URI_CHARS.test(s) && URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => URI_CHARS.test(s) && URL.canParse(s, 'file:///base/'));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  return ajv.compile(schema);
}

const validate = sarifValidator();

function assertValid(doc: unknown): void {
  const ok = validate(doc);
  assert.ok(ok, `SARIF schema errors: ${JSON.stringify(validate.errors, null, 2)}`);
}

interface SarifDoc {
  $schema: string;
  version: string;
  runs: Array<{
    tool: { driver: { name: string; informationUri: string; version?: string; rules: Array<{ id: string; shortDescription: { text: string }; properties: { tags: string[] } }> } };
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Record<string, unknown> } }>;
      partialFingerprints: Record<string, string>;
      properties: Record<string, unknown>;
    }>;
    columnKind: string;
    originalUriBaseIds: Record<string, { uri?: string }>;
  }>;
}

const RULES: RuleSpec[] = [
  { id: 'github-pat', description: 'GitHub Personal Access Token', tags: ['github'], confidence: 'high' },
  { id: 'aws-access-key-id', description: 'AWS Access Key ID' },
];

test('sarif: the schema fixture is the official SARIF 2.1.0 schema', () => {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  assert.equal(schema['$schema'], 'http://json-schema.org/draft-07/schema#');
  assert.equal(schema['title'], 'Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema');
  assert.ok(!validate({ version: '2.1.0' }), 'the validator rejects a log without runs');
  assert.ok(!validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: {} }] }] }), 'and a message without text');
});

test('sarif: valid against the schema (sample findings, with rules, root and version)', () => {
  const out = formatReport(sampleFindings(), { format: 'sarif', rules: RULES, root: '/work/some repo', toolVersion: '0.1.0' });
  assertValid(JSON.parse(out));
});

test('sarif: valid with no findings and no options', () => {
  const doc = JSON.parse(formatReport([], { format: 'sarif' })) as SarifDoc;
  assertValid(doc);
  assert.deepEqual(doc.runs[0]!.results, []);
  assert.deepEqual(doc.runs[0]!.tool.driver.rules, []);
});

test('sarif: tool.driver and rules', () => {
  const doc = JSON.parse(formatReport(sampleFindings(), { format: 'sarif', rules: RULES, toolVersion: '1.2.3' })) as SarifDoc;
  assert.equal(doc.version, '2.1.0');
  assert.equal(doc.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  const run = doc.runs[0]!;
  assert.equal(run.columnKind, 'unicodeCodePoints');
  assert.ok(run.originalUriBaseIds['%SRCROOT%']);
  const d = run.tool.driver;
  assert.equal(d.name, 'leakward');
  assert.equal(d.version, '1.2.3');
  assert.ok(d.informationUri.startsWith('https://'));
  assert.deepEqual(d.rules.slice(0, 2).map((r) => r.id), ['github-pat', 'aws-access-key-id'], 'given rules first, in order');
  assert.equal(d.rules[0]!.shortDescription.text, 'GitHub Personal Access Token');
  assert.deepEqual(d.rules[0]!.properties.tags, ['security', 'secret', 'github']);
  const ids = d.rules.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'one descriptor per rule id');
  for (const r of run.results) assert.equal(d.rules[r.ruleIndex]!.id, r.ruleId, `ruleIndex of ${r.ruleId}`);
});

test('sarif: result location, region (endColumn exclusive) and fingerprints', () => {
  const f = makeFinding({ ruleId: 'github-pat', secret: SECRETS.github, file: 'src/a b/c#d.ts', startLine: 4, before: 'x = "' });
  const doc = JSON.parse(formatReport([f], { format: 'sarif', rules: RULES })) as SarifDoc;
  assertValid(doc);
  const r = doc.runs[0]!.results[0]!;
  assert.equal(r.ruleId, 'github-pat');
  assert.equal(r.ruleIndex, 0);
  assert.equal(r.level, 'error');
  const loc = r.locations[0]!.physicalLocation;
  assert.deepEqual(loc.artifactLocation, { uri: 'src/a%20b/c%23d.ts', uriBaseId: '%SRCROOT%' });
  assert.deepEqual(loc.region, { startLine: 4, startColumn: 6, endLine: 4, endColumn: 6 + SECRETS.github.length });
  assert.equal(r.partialFingerprints['leakward/v2'], f.fingerprint);
  assert.equal(r.partialFingerprints['commitSha'], undefined);
});

test('sarif: history findings carry commitSha and commit properties', () => {
  const f = makeFinding({ secret: SECRETS.aws, commit: COMMIT });
  const doc = JSON.parse(formatReport([f], { format: 'sarif' })) as SarifDoc;
  assertValid(doc);
  const r = doc.runs[0]!.results[0]!;
  assert.equal(r.partialFingerprints['commitSha'], COMMIT.sha);
  assert.equal(r.properties['commit'], COMMIT.sha);
  assert.equal(r.properties['author'], COMMIT.author);
  assert.equal(r.properties['email'], COMMIT.email);
  assert.equal(r.properties['date'], COMMIT.date);
  assert.equal(r.properties['message'], COMMIT.message);
  assert.ok(r.message.text.includes('4f1c2e0'));
});

test('sarif: the message holds no secret, redacted or not', () => {
  const f = makeFinding({ secret: SECRETS.github });
  const r = (JSON.parse(formatReport([f], { format: 'sarif' })) as SarifDoc).runs[0]!.results[0]!;
  assert.ok(!r.message.text.includes('ghp_'), r.message.text);
});

test('sarif: originalUriBaseIds gives the root as a file URI ending in /', () => {
  const doc = JSON.parse(formatReport([], { format: 'sarif', root: '/work/my repo' })) as SarifDoc;
  assert.equal(doc.runs[0]!.originalUriBaseIds['%SRCROOT%']!.uri, 'file:///work/my%20repo/');
  assertValid(doc);
});

test('sarif: region snippet only with showSecrets', () => {
  const f = makeFinding({ secret: SECRETS.github });
  const plain = JSON.parse(formatReport([f], { format: 'sarif' })) as SarifDoc;
  assert.equal(plain.runs[0]!.results[0]!.locations[0]!.physicalLocation.region['snippet'], undefined);
  const shown = JSON.parse(formatReport([f], { format: 'sarif', showSecrets: true })) as SarifDoc;
  assertValid(shown);
  assert.deepEqual(shown.runs[0]!.results[0]!.locations[0]!.physicalLocation.region['snippet'], { text: SECRETS.github });
});

test('sarif: path-only findings get a valid region', () => {
  const f = sampleFindings().find((x) => x.secret === '')!;
  const doc = JSON.parse(formatReport([{ ...f, endColumn: 0 }], { format: 'sarif' })) as SarifDoc;
  assertValid(doc);
  const region = doc.runs[0]!.results[0]!.locations[0]!.physicalLocation.region;
  assert.equal(region['startLine'], 1);
  assert.ok((region['endColumn'] as number) >= (region['startColumn'] as number));
});

test('sarif: primaryLocationLineHash follows the secret and the file, not the line', () => {
  const at = (file: string, startLine: number) => makeFinding({ secret: SECRETS.github, file, startLine });
  const hashes = (fs: ReturnType<typeof at>[]) =>
    (JSON.parse(formatReport(fs, { format: 'sarif' })) as SarifDoc).runs[0]!.results.map((r) => r.partialFingerprints['primaryLocationLineHash']!);
  const [a1, a2, b1] = hashes([at('a.ts', 3), at('a.ts', 9), at('b.ts', 3)]);
  assert.match(a1!, /^[0-9a-f]{16}:1$/);
  assert.equal(a2, a1!.replace(/:1$/, ':2'), 'second occurrence in the same file');
  assert.notEqual(b1!.split(':')[0], a1!.split(':')[0], 'another file, another alert');
  const [moved] = hashes([at('a.ts', 40)]);
  assert.equal(moved, a1, 'moving the secret to another line keeps the alert');
});

test('sarif: invocations[0].workingDirectory when root is given; semanticVersion only for SemVer', () => {
  const withRoot = JSON.parse(formatReport([], { format: 'sarif', root: '/src/repo', toolVersion: 'dev-build' })) as SarifDoc & {
    runs: Array<{ invocations?: Array<{ executionSuccessful: boolean; workingDirectory: { uri: string } }>; tool: { driver: { semanticVersion?: string } } }>;
  };
  assertValid(withRoot);
  assert.deepEqual(withRoot.runs[0]!.invocations, [{ executionSuccessful: true, workingDirectory: { uri: 'file:///src/repo/' } }]);
  assert.equal(withRoot.runs[0]!.tool.driver.version, 'dev-build');
  assert.equal(withRoot.runs[0]!.tool.driver.semanticVersion, undefined);
  const noRoot = JSON.parse(formatReport([], { format: 'sarif', toolVersion: '1.0.0-rc.1' })) as SarifDoc & { runs: Array<{ invocations?: unknown; tool: { driver: { semanticVersion?: string } } }> };
  assert.equal(noRoot.runs[0]!.invocations, undefined);
  assert.equal(noRoot.runs[0]!.tool.driver.semanticVersion, '1.0.0-rc.1');
});
