import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { formatBaseline, newSalt, parseBaseline } from '../../src/core/baseline.js';
import { createSuppressor, gitleaksFingerprint, parseGitleaksIgnore, readGitleaksIgnore } from '../../src/core/suppress.js';
import { COMMIT, SECRETS, makeFinding } from '../report/findings.js';

const OTHER_SHA = '0123456789abcdef0123456789abcdef01234567';

test('gitleaksFingerprint: file:rule:line, commit:file:rule:line with a commit', () => {
  assert.equal(gitleaksFingerprint(makeFinding({ secret: SECRETS.aws, file: 'a/b.ts', startLine: 5 })), 'a/b.ts:generic-api-key:5');
  assert.equal(gitleaksFingerprint(makeFinding({ secret: SECRETS.aws, file: 'a/b.ts', startLine: 5, commit: COMMIT })), `${COMMIT.sha}:a/b.ts:generic-api-key:5`);
});

test('parseGitleaksIgnore: comments, blank lines, both gitleaks forms and lw1 lines', () => {
  const lw1 = 'lw1:' + 'ab'.repeat(32);
  const ig = parseGitleaksIgnore([
    '# known test fixtures',
    '',
    '   ',
    'src/app/config.ts:generic-api-key:3',
    `${COMMIT.sha}:deploy/env.sh:aws-access-key-id:12`,
    'weird:name.txt:generic-api-key:9',
    'win\\path\\file.txt:generic-api-key:2',
    lw1,
    'lw1:nothex',
    'not a fingerprint',
    'file.txt:rule:notanumber',
  ].join('\r\n'));
  assert.deepEqual([...ig.entries].sort(), [
    `${COMMIT.sha}:deploy/env.sh:aws-access-key-id:12`,
    'src/app/config.ts:generic-api-key:3',
    'weird:name.txt:generic-api-key:9',
    'win/path/file.txt:generic-api-key:2',
  ].sort());
  assert.deepEqual([...ig.fingerprints], [lw1]);
  assert.equal(ig.warnings.length, 3);
  assert.match(ig.warnings[0]!, /^\.gitleaksignore:9: malformed leakward fingerprint/);
  assert.match(ig.warnings[1]!, /^\.gitleaksignore:10: not a gitleaks fingerprint/);
});

test('suppressor: gitleaks global fingerprint matches with or without a commit (as gitleaks does)', () => {
  const suppress = createSuppressor({ gitleaksIgnore: parseGitleaksIgnore('src/app/config.ts:generic-api-key:3\n') });
  assert.equal(suppress(makeFinding({ secret: SECRETS.aws })), true);
  assert.equal(suppress(makeFinding({ secret: SECRETS.aws, commit: COMMIT })), true);
  assert.equal(suppress(makeFinding({ secret: SECRETS.aws, startLine: 4 })), false);
  assert.equal(suppress(makeFinding({ secret: SECRETS.aws, file: 'other.ts' })), false);
});

test('suppressor: gitleaks commit fingerprint matches that commit only', () => {
  const suppress = createSuppressor({ gitleaksIgnore: parseGitleaksIgnore(`${COMMIT.sha}:src/app/config.ts:generic-api-key:3\n`) });
  assert.equal(suppress(makeFinding({ secret: SECRETS.aws, commit: COMMIT })), true);
  assert.equal(suppress(makeFinding({ secret: SECRETS.aws, commit: { ...COMMIT, sha: OTHER_SHA } })), false);
  assert.equal(suppress(makeFinding({ secret: SECRETS.aws })), false);
});

test('suppressor: lw2 lines in .gitleaksignore match the finding anywhere', () => {
  const f = makeFinding({ secret: SECRETS.github });
  const suppress = createSuppressor({ gitleaksIgnore: parseGitleaksIgnore(`# ok\n${f.fingerprint}\n`) });
  assert.equal(suppress(makeFinding({ secret: SECRETS.github, file: 'x/y.ts', startLine: 50 })), true);
  assert.equal(suppress(makeFinding({ secret: SECRETS.aws })), false);
});

test('suppressor: baseline and ignore file together', async () => {
  const salt = newSalt();
  const baseline = parseBaseline(await formatBaseline([makeFinding({ secret: SECRETS.github, salt })], salt), 'b.json');
  const suppress = createSuppressor({ baseline, gitleaksIgnore: parseGitleaksIgnore('deploy/env.sh:aws-access-key-id:12') });
  assert.equal(suppress(makeFinding({ secret: SECRETS.github, salt })), true, 'in the baseline');
  assert.equal(suppress(makeFinding({ ruleId: 'aws-access-key-id', secret: SECRETS.aws, file: 'deploy/env.sh', startLine: 12, salt })), true, 'in the ignore file');
  assert.equal(suppress(makeFinding({ secret: SECRETS.decoded, salt })), false, 'new');
});

test('suppressor: nothing given suppresses nothing', () => {
  assert.equal(createSuppressor()(makeFinding({ secret: SECRETS.github })), false);
  assert.equal(createSuppressor({ gitleaksIgnore: parseGitleaksIgnore('# only comments\n') })(makeFinding({ secret: SECRETS.github })), false);
});

test('readGitleaksIgnore: a missing file is empty; an existing one is parsed', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'leakward-ignore-'));
  const missing = await readGitleaksIgnore(path.join(dir, '.gitleaksignore'));
  assert.equal(missing.entries.size + missing.fingerprints.size, 0);
  const file = path.join(dir, '.gitleaksignore');
  await fs.writeFile(file, '\ufeffa.txt:generic-api-key:1\n');
  const ig = await readGitleaksIgnore(file);
  assert.deepEqual([...ig.entries], ['a.txt:generic-api-key:1']);
  await fs.rm(dir, { recursive: true });
});
