/**
 * Hostile-input behaviour of the CLI (issue "Hardening I"): closed readers, empty flag values, empty configs,
 * error messages that must not quote scanned content, `--redact` spellings. Secrets here are synthetic and built
 * at run time, never spelled out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/core/paths.js';
import { DEFAULT_FINGERPRINT_SALT, fingerprint, fingerprintV1 } from '../../src/core/fingerprint.js';

const bin = path.join(packageRoot, 'bin', 'leakward.js');

function leakward(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: opts.cwd ?? packageRoot,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', LEAKWARD_CONFIG: '', GITLEAKS_CONFIG: '', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A synthetic AWS access key ID: AKIA + 16 base32 characters from a fixed seed. */
function fakeKeyId(seed: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let s = 'AKIA';
  let x = seed * 2654435761 + 12345;
  for (let i = 0; i < 16; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += alphabet[(x >>> 16) % 32];
  }
  return s;
}

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'leakward-hardening-'));

test('a closed reader (scan | head -1) ends the command quietly, with its own exit code', () => {
  const dir = tmp();
  const lines = Array.from({ length: 3000 }, (_, i) => `aws_access_key_id = ${fakeKeyId(i + 1)}`).join('\n');
  writeFileSync(path.join(dir, 'keys.txt'), lines + '\n');
  const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" scan --no-banner keys.txt | head -1 >/dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', LEAKWARD_CONFIG: '' },
  });
  assert.doesNotMatch(r.stderr, /EPIPE|Error|at /, 'no stack trace on stderr');
  assert.match(r.stderr, /exit=1\b/);
});

test('a config that defines no rule is exit 2 naming the file', () => {
  for (const text of ['', "title = 'oops'\n", "[extend]\ndisabledRules = []\n"]) {
    const dir = tmp();
    writeFileSync(path.join(dir, '.leakward.toml'), text);
    writeFileSync(path.join(dir, 'a.txt'), 'hello\n');
    const r = leakward(['scan', dir]);
    assert.equal(r.code, 2, `config ${JSON.stringify(text)}: ${r.stderr}`);
    assert.match(r.stderr, /\.leakward\.toml.*no active rule/);
  }
});

test('numeric flags refuse empty and non-numeric values', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'a.txt'), `key = ${fakeKeyId(7)}\n`);
  const cases: string[][] = [
    ['--exit-code', ''],
    ['--exit-code=0x1'],
    ['--max-decode-depth='],
    ['--max-decode-depth', ' '],
    ['--threads', ''],
    ['--threads', '1e1'],
    ['--threads', String(4 * os.availableParallelism() + 1)],
    ['--max-file-size', ''],
    ['--max-file-size', 'ten'],
    ['--redact='],
  ];
  for (const flags of cases) {
    const r = leakward(['scan', dir, ...flags]);
    assert.equal(r.code, 2, `${flags.join(' ')} → ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /takes/, flags.join(' '));
  }
  assert.equal(leakward(['scan', dir, '--threads', String(4 * os.availableParallelism())]).code, 1);
  assert.equal(leakward(['history', '--max-commits', ''], { cwd: packageRoot }).code, 2);
  assert.equal(leakward(['history', '--jobs=x'], { cwd: packageRoot }).code, 2);
});

test('--redact as gitleaks: bare hides all, =N hides N%, a separate value is a usage error', () => {
  const dir = tmp();
  const key = fakeKeyId(3);
  writeFileSync(path.join(dir, 'a.txt'), `key = ${key}\n`);
  const secretOf = (args: string[]): string => {
    const r = leakward(['scan', dir, '-f', 'json', ...args]);
    assert.equal(r.code, 1, r.stderr);
    return (JSON.parse(r.stdout) as { Secret: string }[])[0]!.Secret;
  };
  assert.equal(secretOf(['--redact']), 'REDACTED');
  assert.equal(secretOf(['--redact=100']), 'REDACTED');
  assert.equal(secretOf([]), key.slice(0, 4) + '…');
  assert.equal(secretOf(['--redact=90']), key.slice(0, 2) + '…');
  const spaced = leakward(['scan', '--redact', '50', dir]);
  assert.equal(spaced.code, 2, spaced.stderr);
  assert.match(spaced.stderr, /--redact=50/);
  // After `--`, 50 is a path like any other.
  assert.equal(leakward(['scan', '--redact', '--', dir]).code, 1);
});

test('a baseline that is not JSON is an error that quotes none of its content', () => {
  const dir = tmp();
  const key = fakeKeyId(11);
  writeFileSync(path.join(dir, '.env'), `AWS_ACCESS_KEY_ID=${key}\n`);
  for (const text of [`AWS_ACCESS_KEY_ID=${key}\n`, `{"version": "${key}", "salt": "x", "fingerprints": []}`]) {
    writeFileSync(path.join(dir, 'bad-baseline.json'), text);
    const r = leakward(['scan', dir, '--baseline', path.join(dir, 'bad-baseline.json')]);
    assert.equal(r.code, 2, r.stderr);
    for (let i = 0; i + 6 <= key.length; i += 2) {
      assert.ok(!r.stderr.includes(key.slice(i, i + 6)), 'the error shows 6 characters of the file');
    }
  }
});

test('-v skip notices escape file names as the report does', () => {
  const dir = tmp();
  const name = 'evil\n\x1b[31mname.bin';
  writeFileSync(path.join(dir, name), Buffer.from([0, 1, 2, 3, 0, 0, 0xff, 0xfe]));
  const r = leakward(['scan', '--no-git', '-v', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes('\x1b'), 'no raw escape character on stderr');
  assert.match(r.stderr, /evil\\n\\x1b\[31mname\.bin/);
});

test('fingerprints are lw2 (scrypt); LEAKWARD_FINGERPRINT_KEY keys them and stays out of the baseline; lw1 baselines still work', () => {
  const dir = tmp();
  const key = fakeKeyId(21);
  writeFileSync(path.join(dir, 'a.txt'), `key = ${key}\n`);
  const sarif = leakward(['scan', dir, '-f', 'sarif']);
  assert.equal(sarif.code, 1, sarif.stderr);
  const result = (JSON.parse(sarif.stdout) as { runs: { results: { partialFingerprints: Record<string, string> }[] }[] }).runs[0]!.results[0]!;
  assert.match(result.partialFingerprints['leakward/v2']!, /^lw2:[0-9a-f]{64}$/);
  assert.equal(result.partialFingerprints['leakward/v1'], undefined);
  assert.equal(result.partialFingerprints['leakward/v2'], fingerprint('aws-access-token', key, DEFAULT_FINGERPRINT_SALT));

  const env = { LEAKWARD_FINGERPRINT_KEY: 'a-long-random-key-from-the-ci-secret-store' };
  const baseline = path.join(dir, 'baseline.json');
  assert.equal(leakward(['scan', dir, '--write-baseline', baseline], { env }).code, 0);
  const text = readFileSync(baseline, 'utf8');
  assert.ok(!text.includes(env.LEAKWARD_FINGERPRINT_KEY) && !text.includes('"salt"'), 'neither the key nor a salt in the file');
  assert.ok(text.includes(fingerprint('aws-access-token', key, env.LEAKWARD_FINGERPRINT_KEY)));
  assert.equal(leakward(['scan', dir, '--baseline', baseline], { env }).code, 0);
  const keyless = leakward(['scan', dir, '--baseline', baseline]);
  assert.equal(keyless.code, 2);
  assert.match(keyless.stderr, /LEAKWARD_FINGERPRINT_KEY/);

  const old = path.join(dir, 'old-baseline.json');
  writeFileSync(old, JSON.stringify({ version: 1, salt: 'old', fingerprints: [fingerprintV1('aws-access-token', key, 'old')] }));
  assert.equal(leakward(['scan', dir, '--baseline', old]).code, 0);
  assert.equal(leakward(['scan', dir, '--baseline', old], { env }).code, 0, 'a v1 baseline matches under any scan key');
});

test('one scan base whether one path or several are given: inside a git work tree, its top', () => {
  const repo = tmp();
  spawnSync('git', ['init', '-q', repo]);
  const key = fakeKeyId(31);
  for (const d of ['a', 'b']) {
    mkdirSync(path.join(repo, d));
    writeFileSync(path.join(repo, d, 'k.txt'), `key = ${key}\n`);
  }
  // The top's config allowlists a/: both spellings must pick it up, and report paths from the top.
  writeFileSync(path.join(repo, '.leakward.toml'), "[extend]\nuseDefault = true\n[[allowlists]]\npaths = ['''^a/''']\n");
  for (const args of [['a'], ['a', 'b'], ['b']]) {
    const r = leakward(['scan', '--no-git', '-f', 'json', ...args], { cwd: repo });
    const files = (JSON.parse(r.stdout) as { File: string }[]).map((f) => f.File);
    assert.deepEqual(files, args.includes('b') ? ['b/k.txt'] : [], `scan ${args.join(' ')}: ${r.stderr}`);
  }
  // -c is relative to the working directory, never to the scanned folder.
  const elsewhere = tmp();
  writeFileSync(path.join(elsewhere, 'only-a.toml'), "[[rules]]\nid = 'nothing'\nregex = 'zzzz-never'\n");
  mkdirSync(path.join(repo, 'ci'));
  writeFileSync(path.join(repo, 'ci', 'only-a.toml'), "[[rules]]\nid = 'aws-access-token'\nregex = 'AKIA[A-Z2-7]{16}'\n");
  const r = leakward(['scan', '--no-git', '-c', 'only-a.toml', repo], { cwd: elsewhere });
  assert.equal(r.code, 0, `the working directory's config (no rule matches) was used: ${r.stderr}`);
});

test("a finding's match never shows another finding's secret whole, even one a baseline suppressed", () => {
  const dir = tmp();
  const key = fakeKeyId(977);
  writeFileSync(path.join(dir, '.env'), `DATABASE_URL=postgres://${key}:Xk9fQ2wLmZ7pR4vT@db.internal.example.com:5432/app\n`);
  const all = leakward(['scan', '--no-git', '-f', 'json', dir]);
  const entries = JSON.parse(all.stdout) as { RuleID: string; Match: string }[];
  assert.deepEqual(entries.map((e) => e.RuleID).sort(), ['aws-access-token', 'postgres-uri']);
  for (const out of [all.stdout, leakward(['scan', '--no-git', dir]).stdout]) assert.ok(!out.includes(key), 'the key ID appears whole');
  // Baseline only the AWS key: the URI finding is still reported, without the key in its match.
  const baseline = path.join(dir, 'b.json');
  writeFileSync(baseline, JSON.stringify({ version: 2, salt: 's', fingerprints: [fingerprint('aws-access-token', key, 's')] }));
  const r = leakward(['scan', '--no-git', '-f', 'json', '--baseline', baseline, dir]);
  assert.deepEqual((JSON.parse(r.stdout) as { RuleID: string }[]).map((e) => e.RuleID), ['postgres-uri']);
  assert.ok(!r.stdout.includes(key), 'the suppressed key ID appears whole in the URI match');
});

test('skips are never silent: what could not be scanned is a warning, by-design skips are counted, -v lists all', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'big.txt'), 'x'.repeat(5000) + '\n');
  writeFileSync(path.join(dir, 'b.bin'), Buffer.from([0, 1, 2, 0, 0, 3]));
  symlinkSync('big.txt', path.join(dir, 'link'));
  const r = leakward(['scan', '--no-git', '--max-file-size', '0.001', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: not scanned: big\.txt \(too-large/);
  assert.doesNotMatch(r.stderr, /b\.bin|link \(/, 'by-design skips are counted, not listed');
  assert.match(r.stderr, /skipped 1 binary, 1 symlink, 1 too-large/);
  const v = leakward(['scan', '--no-git', '-v', '--max-file-size', '0.001', dir]);
  assert.match(v.stderr, /skipped b\.bin \(binary\)/);
  assert.match(v.stderr, /skipped link \(symlink\)/);
});

test('pipes, FIFOs and /dev/stdin named on the command line are read as streams; /dev/zero stops at the size limit', () => {
  const dir = tmp();
  const key = fakeKeyId(41);
  const run = (script: string) => spawnSync('bash', ['-c', script], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', LEAKWARD_CONFIG: '', K: key, LW: bin, NODE: process.execPath },
  });
  for (const script of [
    'mkfifo f && (echo "key = $K" > f &) && "$NODE" "$LW" scan f',
    '"$NODE" "$LW" scan <(echo "key = $K")',
    'echo "key = $K" | "$NODE" "$LW" scan /dev/stdin',
  ]) {
    const r = run(script);
    assert.equal(r.status, 1, `${script}: ${r.stderr}`);
    assert.match(r.stdout, /1 secret found/);
  }
  const zero = run('"$NODE" "$LW" scan --max-file-size 0.01 /dev/zero');
  assert.equal(zero.status, 0, zero.stderr);
  assert.match(zero.stderr, /not scanned: .*zero \(too-large: a stream; only its first 10486 bytes were scanned\)/);
  assert.match(run('"$NODE" "$LW" scan -c /dev/zero .').stderr, /larger than 16 MiB/);
  assert.match(run('"$NODE" "$LW" mask --secrets-file /dev/zero </dev/null').stderr, /larger than 16 MiB/);
});
