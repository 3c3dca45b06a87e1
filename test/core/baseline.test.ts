import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  BaselineError, baselineKey, emptyBaseline, formatBaseline, newSalt, parseBaseline, pathFingerprint, readBaseline, writeBaseline,
} from '../../src/core/baseline.js';
import { DEFAULT_FINGERPRINT_SALT, fingerprint, fingerprintV1 } from '../../src/core/fingerprint.js';
import { formatReport } from '../../src/report/index.js';
import { COMMIT, SECRETS, findLeak, makeFinding } from '../report/findings.js';

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'leakward-baseline-'));
}

test('newSalt: 32 random hex characters', () => {
  const a = newSalt();
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(a, newSalt());
});

test('writeBaseline then readBaseline: the same findings are in it, others are not', async () => {
  const dir = await tmpDir();
  const file = path.join(dir, '.leakward-baseline.json');
  const salt = newSalt();
  const known = [makeFinding({ secret: SECRETS.github, salt }), makeFinding({ secret: SECRETS.aws, ruleId: 'aws-access-key-id', salt })];
  await writeBaseline(file, known, salt);
  const b = await readBaseline(file);
  assert.equal(b.kind, 'leakward');
  assert.equal(b.salt, salt);
  assert.equal(b.fingerprints.size, 2);
  for (const f of known) assert.ok(b.has(f), `${f.ruleId} is baselined`);
  // Same secret moved to another file and line: still baselined (position-independent).
  assert.ok(b.has(makeFinding({ secret: SECRETS.github, salt, file: 'other.ts', startLine: 99 })));
  // Another secret: not baselined. The same secret fingerprinted under another key (a scan that did not use the
  // baseline's salt) is recomputed under the baseline's: still baselined.
  assert.ok(!b.has(makeFinding({ secret: SECRETS.decoded, salt })));
  assert.ok(b.has(makeFinding({ secret: SECRETS.github })));
  await fs.rm(dir, { recursive: true });
});

test('the baseline file holds no secret and no path: version, salt, sorted unique fingerprints', async () => {
  const salt = newSalt();
  const findings = [
    makeFinding({ secret: SECRETS.github, salt }),
    makeFinding({ secret: SECRETS.github, salt, file: 'dup.ts' }),
    makeFinding({ secret: SECRETS.unicode, salt }),
  ];
  const text = await formatBaseline(findings, salt);
  const obj = JSON.parse(text) as { version: number; salt: string; fingerprints: string[] };
  assert.deepEqual(Object.keys(obj), ['version', 'salt', 'fingerprints']);
  assert.equal(obj.version, 2);
  assert.equal(obj.salt, salt);
  assert.equal(obj.fingerprints.length, 2);
  assert.deepEqual(obj.fingerprints, [...obj.fingerprints].sort());
  for (const fp of obj.fingerprints) assert.match(fp, /^lw2:[0-9a-f]{64}$/);
  assert.equal(findLeak(text, [SECRETS.github, SECRETS.unicode]), undefined);
  assert.ok(!text.includes('dup.ts') && !text.includes('config.ts'));
});

test('fingerprints are the engine\'s: lw2 under the baseline salt', async () => {
  const salt = 'abc123';
  const f = makeFinding({ ruleId: 'github-pat', secret: SECRETS.github, salt });
  const obj = JSON.parse(await formatBaseline([f], salt)) as { fingerprints: string[] };
  assert.deepEqual(obj.fingerprints, [fingerprint('github-pat', SECRETS.github, salt)]);
});

test('path-only findings are keyed by rule and path, not shared across files', async () => {
  const salt = newSalt();
  const a = makeFinding({ ruleId: 'pkcs12-file', secret: '', match: 'file detected: a.p12', file: 'a.p12', salt });
  const b = makeFinding({ ruleId: 'pkcs12-file', secret: '', match: 'file detected: b.p12', file: 'b.p12', salt });
  const base = parseBaseline(await formatBaseline([a], salt), 'mem');
  assert.ok(base.has(a));
  assert.ok(!base.has(b), 'another file of the same path rule is new');
  assert.equal(baselineKey(a, salt), pathFingerprint('pkcs12-file', 'a.p12', salt));
});

test('writeBaseline accepts an async iterable and replaces the file atomically', async () => {
  const dir = await tmpDir();
  const file = path.join(dir, 'b.json');
  await fs.writeFile(file, 'old');
  const salt = newSalt();
  async function* gen() {
    yield makeFinding({ secret: SECRETS.aws, salt });
  }
  await writeBaseline(file, gen(), salt);
  assert.equal((await readBaseline(file)).fingerprints.size, 1);
  assert.deepEqual(await fs.readdir(dir), ['b.json'], 'no temporary file left behind');
  await fs.rm(dir, { recursive: true });
});

test('writeBaseline refuses an empty salt', async () => {
  await assert.rejects(writeBaseline(path.join(os.tmpdir(), 'never.json'), [], ''), /salt/);
});

test('readBaseline: clear errors for missing, malformed and foreign files', async () => {
  const dir = await tmpDir();
  await assert.rejects(readBaseline(path.join(dir, 'missing.json')), (e: unknown) => e instanceof BaselineError && /cannot read baseline \(ENOENT\)/.test(e.message));
  const bad = path.join(dir, 'bad.json');
  await fs.writeFile(bad, '{ not json');
  await assert.rejects(readBaseline(bad), /bad\.json: not valid JSON/);
  await fs.writeFile(bad, JSON.stringify({ version: 3, salt: 'x', fingerprints: [] }));
  await assert.rejects(readBaseline(bad), /unsupported baseline version 3/);
  await fs.writeFile(bad, JSON.stringify({ version: 1, salt: 'x', fingerprints: ['sha1:abc'] }));
  await assert.rejects(readBaseline(bad), /fingerprints\[0\] is not a leakward fingerprint/);
  await fs.writeFile(bad, JSON.stringify({ version: 1, fingerprints: [] }));
  await assert.rejects(readBaseline(bad), /"salt" must be a non-empty string/);
  await fs.writeFile(bad, formatReport([], { format: 'sarif' }));
  await assert.rejects(readBaseline(bad), /a SARIF report cannot be a baseline/);
  await fs.writeFile(bad, '"just a string"');
  await assert.rejects(readBaseline(bad), /expected a leakward baseline object or a gitleaks JSON report/);
  await fs.writeFile(bad, JSON.stringify([{ File: 'a' }]));
  await assert.rejects(readBaseline(bad), /entry 0 has no "RuleID"/);
  await fs.rm(dir, { recursive: true });
});

/** A gitleaks `-f json` report entry. */
function gitleaksEntry(o: { RuleID: string; File: string; StartLine: number; Secret: string; Commit?: string }): Record<string, unknown> {
  return {
    RuleID: o.RuleID, Description: 'd', StartLine: o.StartLine, EndLine: o.StartLine, StartColumn: 1, EndColumn: 2,
    Match: o.Secret, Secret: o.Secret, File: o.File, SymlinkFile: '', Commit: o.Commit ?? '', Entropy: 4,
    Author: '', Email: '', Date: '', Message: '', Tags: [], Fingerprint: `${o.File}:${o.RuleID}:${o.StartLine}`,
  };
}

test('gitleaks report as baseline: redacted entries match by RuleID + File + StartLine', () => {
  const report = JSON.stringify([
    gitleaksEntry({ RuleID: 'generic-api-key', File: 'src/app/config.ts', StartLine: 3, Secret: 'REDACTED' }),
    gitleaksEntry({ RuleID: 'github-pat', File: './lib/x.ts', StartLine: 8, Secret: 'ghp_Zq...' }),
  ]);
  const b = parseBaseline(report, 'gitleaks-report.json');
  assert.equal(b.kind, 'report');
  assert.equal(b.fingerprints.size, 0, 'redacted secrets give no fingerprint');
  assert.ok(b.has(makeFinding({ secret: SECRETS.github, startLine: 3 })));
  assert.ok(!b.has(makeFinding({ secret: SECRETS.github, startLine: 4 })), 'another line is new');
  assert.ok(!b.has(makeFinding({ secret: SECRETS.github, startLine: 3, ruleId: 'other-rule' })), 'another rule is new');
  assert.ok(b.has(makeFinding({ ruleId: 'github-pat', secret: SECRETS.github, file: 'lib/x.ts', startLine: 8 })), './ prefix normalised');
});

test('gitleaks report as baseline: Commit entries match that commit only', () => {
  const report = JSON.stringify([gitleaksEntry({ RuleID: 'generic-api-key', File: 'src/app/config.ts', StartLine: 3, Secret: 'REDACTED', Commit: COMMIT.sha })]);
  const b = parseBaseline(report, 'r.json');
  assert.ok(b.has(makeFinding({ secret: SECRETS.aws, commit: COMMIT })));
  assert.ok(!b.has(makeFinding({ secret: SECRETS.aws, commit: { ...COMMIT, sha: 'a'.repeat(40) } })));
  assert.ok(!b.has(makeFinding({ secret: SECRETS.aws })), 'a working-tree finding is not that commit');
});

test('gitleaks report as baseline: unredacted secrets match by recomputed fingerprint, anywhere', () => {
  const report = JSON.stringify([gitleaksEntry({ RuleID: 'github-pat', File: 'old/place.ts', StartLine: 1, Secret: SECRETS.github })]);
  const b = parseBaseline(report, 'r.json');
  assert.equal(b.salt, DEFAULT_FINGERPRINT_SALT);
  assert.ok(b.has(makeFinding({ ruleId: 'github-pat', secret: SECRETS.github, file: 'new/place.ts', startLine: 40 })));
  assert.ok(!b.has(makeFinding({ ruleId: 'github-pat', secret: SECRETS.aws, file: 'new/place.ts' })));
});

test('our own JSON report works as a baseline (lw2 fingerprints and positions)', () => {
  const f = makeFinding({ ruleId: 'github-pat', secret: SECRETS.github });
  const report = formatReport([f], { format: 'json' });
  const b = parseBaseline(report, 'leakward-report.json');
  assert.ok(b.fingerprints.has(f.fingerprint));
  assert.ok(b.has(makeFinding({ ruleId: 'github-pat', secret: SECRETS.github, file: 'moved.ts', startLine: 77 })));
});

test('emptyBaseline has nothing', () => {
  const b = emptyBaseline('s');
  assert.equal(b.salt, 's');
  assert.ok(!b.has(makeFinding({ secret: SECRETS.github, salt: 's' })));
});

test('version 1 baselines (lw1 HMAC fingerprints) are still read and still match', () => {
  const salt = 'old-salt';
  const v1 = JSON.stringify({ version: 1, salt, fingerprints: [fingerprintV1('github-pat', SECRETS.github, salt)] });
  const b = parseBaseline(v1, 'old.json');
  assert.equal(b.salt, salt);
  // A scan fingerprints in lw2 now: the baseline still recognises the secret.
  assert.ok(b.has(makeFinding({ ruleId: 'github-pat', secret: SECRETS.github, salt, file: 'moved.ts' })));
  assert.ok(!b.has(makeFinding({ ruleId: 'github-pat', secret: SECRETS.aws, salt })));
});

test('a baseline keyed by LEAKWARD_FINGERPRINT_KEY records no salt and needs the key to be read', async () => {
  const key = 'private-key-kept-in-ci-secrets';
  const f = makeFinding({ ruleId: 'github-pat', secret: SECRETS.github, salt: key });
  const text = await formatBaseline([f], key, true);
  const obj = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(obj), ['version', 'key', 'fingerprints']);
  assert.equal(obj['key'], 'LEAKWARD_FINGERPRINT_KEY');
  assert.ok(!text.includes(key), 'the key is not in the file');
  assert.throws(() => parseBaseline(text, 'b.json'), /LEAKWARD_FINGERPRINT_KEY, which is not set/);
  const b = parseBaseline(text, 'b.json', { privateKey: key });
  assert.ok(b.has(makeFinding({ ruleId: 'github-pat', secret: SECRETS.github, salt: key })));
  // A finding fingerprinted under another key (a scan that did not use this one) is recomputed, still matched.
  assert.ok(b.has(makeFinding({ ruleId: 'github-pat', secret: SECRETS.github })));
  assert.notEqual(fingerprint('github-pat', SECRETS.github, key), fingerprint('github-pat', SECRETS.github));
});
