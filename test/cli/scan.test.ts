import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { packageRoot } from '../../src/core/paths.js';
import { fakeAwsKey } from '../sources/git-fixture.js';

const bin = path.join(packageRoot, 'bin', 'leakward.js');
// Copied out of this repository: inside its work tree the scan base is the repository's top, whose
// .leakward.toml allowlists examples/ (see src/cli/base.ts).
const examples = mkdtempSync(path.join(os.tmpdir(), 'leakward-examples-'));
cpSync(path.join(packageRoot, 'examples'), examples, { recursive: true });
const leaky = path.join(examples, 'leaky-app');
const clean = path.join(examples, 'clean-app');

function leakward(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: opts.cwd ?? packageRoot,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', LEAKWARD_CONFIG: '', GITLEAKS_CONFIG: '', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The fake secrets planted in the example project, read from its files (so the test never spells them out). */
function plantedSecrets(): string[] {
  const read = (p: string) => readFileSync(path.join(leaky, p), 'utf8');
  const aws = read('config/aws-credentials');
  const env = read('.env');
  const field = (text: string, key: string) => text.split('\n').find((l) => l.startsWith(key))!.split(/\s*=\s*/)[1]!.trim();
  const pem = read('deploy/id_rsa_deploy.pem').split('\n').slice(1, -2).join('');
  return [
    field(aws, 'aws_access_key_id'),
    field(aws, 'aws_secret_access_key'),
    read('src/github.js').split('"')[1]!,
    field(env, 'STRIPE_SECRET_KEY'),
    env.split('app:')[1]!.split('@')[0]!,
    pem.slice(0, 40),
  ];
}

function assertNoSecret(output: string, where: string): void {
  for (const s of plantedSecrets()) {
    for (let i = 0; i + 8 <= s.length; i += 4) {
      assert.ok(!output.includes(s.slice(i, i + 8)), `${where} shows 8 characters of a planted secret`);
    }
  }
}

test('scan finds the AWS key pair, the GitHub token and the RSA private key, exits 1, prints nothing secret', () => {
  const r = leakward(['scan', leaky]);
  assert.equal(r.code, 1, r.stderr);
  for (const rule of ['aws-access-token', 'aws-secret-access-key', 'github-pat', 'private-key']) {
    assert.match(r.stdout, new RegExp(`\\b${rule}\\b`), `text report names ${rule}`);
  }
  assert.match(r.stdout, /config\/aws-credentials:2:\d+/);
  assertNoSecret(r.stdout + r.stderr, 'text report');
});

test('scan of a clean folder exits 0', () => {
  const r = leakward(['scan', clean]);
  assert.equal(r.code, 0, r.stderr);
});

test('json report uses gitleaks field names and redacts secrets', () => {
  const r = leakward(['scan', leaky, '--format', 'json']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.ok(report.length >= 4);
  for (const key of ['RuleID', 'Description', 'File', 'StartLine', 'EndLine', 'StartColumn', 'EndColumn', 'Match', 'Secret', 'Entropy', 'Fingerprint', 'Tags']) {
    assert.ok(key in report[0]!, `field ${key}`);
  }
  assertNoSecret(r.stdout, 'json report');
});

test('--show-secrets is the only way to print a secret whole', () => {
  const r = leakward(['scan', leaky, '--format', 'json', '--show-secrets']);
  const secrets = (JSON.parse(r.stdout) as { Secret: string }[]).map((f) => f.Secret);
  assert.ok(plantedSecrets().slice(0, 3).every((s) => secrets.includes(s)), 'planted secrets appear in full');
});

test('sarif report validates against the SARIF 2.1.0 schema, paths relative to the scan root', () => {
  const r = leakward(['scan', leaky, '--format', 'sarif']);
  assert.equal(r.code, 1);
  const sarif = JSON.parse(r.stdout) as { runs: { results: any[] }[] };
  const schema = JSON.parse(readFileSync(path.join(packageRoot, 'test/fixtures/report/sarif-schema-2.1.0.json'), 'utf8'));
  const ajv = new Ajv({ strict: false, validateFormats: false });
  const valid = ajv.validate(schema, sarif);
  assert.ok(valid, `SARIF is valid: ${ajv.errorsText(ajv.errors)}`);
  const uris = sarif.runs[0].results.map((x: any) => x.locations[0].physicalLocation.artifactLocation.uri);
  assert.ok(uris.includes('config/aws-credentials'), 'relative uri');
  assertNoSecret(r.stdout, 'sarif report');
});

test('stdin is scanned with -', () => {
  const token = readFileSync(path.join(leaky, 'src/github.js'), 'utf8');
  const r = leakward(['scan', '-'], { input: token });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^-:2:/m);
});

test('UTF-16 files with a BOM (PowerShell 5 .ps1, .reg exports) are scanned, at the original line and column', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-utf16-'));
  const key = fakeAwsKey(21);
  writeFileSync(path.join(dir, 'deploy.ps1'), Buffer.from(`\ufeff# deploy\r\n$id = "${key}"\r\n`, 'utf16le'));
  const be = Buffer.from(`\ufeffWindows Registry Editor Version 5.00\r\n\r\n"Key"="${key}"\r\n`, 'utf16le').swap16();
  writeFileSync(path.join(dir, 'export.reg'), be);
  writeFileSync(path.join(dir, 'blob.bin'), Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(key)]));
  const r = leakward(['scan', '--no-git', '-v', '-f', 'json', dir]);
  assert.equal(r.code, 1, r.stderr);
  const got = (JSON.parse(r.stdout) as { File: string; StartLine: number; StartColumn: number; EndColumn: number }[])
    .map((f) => `${path.basename(f.File)}:${f.StartLine}:${f.StartColumn}-${f.EndColumn}`).sort();
  assert.deepEqual(got, ['deploy.ps1:2:8-27', 'export.reg:3:8-27']);
  assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key), 'no secret printed');
});

test('--exit-code and --output', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-cli-'));
  const out = path.join(dir, 'report.json');
  const r = leakward(['scan', leaky, '--exit-code', '7', '-f', 'json', '-o', out]);
  assert.equal(r.code, 7);
  assert.equal(r.stdout, '');
  assert.ok(JSON.parse(readFileSync(out, 'utf8')).length >= 4);
});

test('a .gitleaks.toml with custom rules and [extend] useDefault loads and reports both kinds', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-cli-'));
  cpSync(leaky, dir, { recursive: true });
  cpSync(path.join(packageRoot, 'test/fixtures/config/gitleaks-extend.toml'), path.join(dir, '.gitleaks.toml'));
  writeFileSync(path.join(dir, 'internal.txt'), `svc_token = acme_${'k3y9'.repeat(8)}\n`);
  const r = leakward(['scan', '--no-git', dir]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /internal\.txt:1:\d+\s+acme-internal-token/);
  assert.match(r.stdout, /github-pat/);
});

test('a broken config exits 2 naming the file, line and rule', () => {
  const r = leakward(['scan', clean, '--config', path.join(packageRoot, 'test/fixtures/config/bad-regex.toml')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad-regex\.toml:10: rule 'broken-one': invalid regex/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('usage errors exit 2', () => {
  assert.equal(leakward(['scan', '--format', 'xml', clean]).code, 2);
  assert.equal(leakward(['scan', '--no-such-flag']).code, 2);
  assert.equal(leakward(['scan', 'no/such/path']).code, 2);
  assert.equal(leakward(['frobnicate']).code, 2);
});

test('baseline: --write-baseline records fingerprints (never secrets); the next scan is clean', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-cli-'));
  cpSync(leaky, dir, { recursive: true });
  const w = leakward(['scan', '--no-git', dir, '--write-baseline', path.join(dir, '.leakward-baseline.json')]);
  assert.equal(w.code, 0, w.stderr);
  assertNoSecret(readFileSync(path.join(dir, '.leakward-baseline.json'), 'utf8'), 'baseline file');
  assert.equal(leakward(['scan', '--no-git', dir]).code, 0, 'baselined findings are not reported');
  writeFileSync(path.join(dir, 'new.env'), readFileSync(path.join(leaky, '.env'), 'utf8').replace(/sk_live_\w+/, `sk_live_${'Zx81Qw7P'.repeat(3)}`));
  const again = leakward(['scan', '--no-git', dir]);
  assert.equal(again.code, 1, 'a new secret is reported');
  assert.match(again.stdout, /new\.env:4/);
});

test('an unreadable file is reported and the scan goes on', { skip: process.getuid?.() === 0 ? 'root reads every file' : false }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-cli-'));
  cpSync(leaky, dir, { recursive: true });
  chmodSync(path.join(dir, 'README.md'), 0o000);
  const r = leakward(['scan', '--no-git', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /README\.md.*unreadable/);
});
