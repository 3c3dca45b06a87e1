import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base64Forms, htmlEscapes, jsonEscape, normalizeSecret, parseSecretsFile, percentEncode, secretForms, secretsFromEnv, unescapeAddMask, xmlEscape,
} from '../../src/mask/index.js';

test('normalizeSecret trims ASCII whitespace and needs 4 code points', () => {
  assert.equal(normalizeSecret(' \tabcd\r\n'), 'abcd');
  assert.equal(normalizeSecret('abc'), undefined);
  assert.equal(normalizeSecret('🔑🔑🔑'), undefined, 'three code points (six UTF-16 units) is too short');
  assert.equal(normalizeSecret('🔑🔑🔑🔑'), '🔑🔑🔑🔑');
  assert.equal(normalizeSecret('\u00a0abc'), '\u00a0abc', 'non-ASCII space is not trimmed');
});

test('base64Forms: alignments 0..2, padded, unpadded, stable core, URL-safe; flags for the mixed characters', async () => {
  const { base64FormFlags, EXTEND_LEFT, EXTEND_RIGHT } = await import('../../src/mask/index.js');
  const v = Buffer.from('hunter2-secret');
  const flags = base64FormFlags(v);
  const forms = [...flags.keys()];
  for (const r of [0, 1, 2]) {
    const enc = Buffer.concat([Buffer.alloc(r), v]).toString('base64');
    const lead = [0, 2, 3][r]!;
    const full = Math.floor((4 * (r + 14)) / 3);
    assert.ok(forms.includes(enc.slice(lead)), `padded, alignment ${r}`);
    assert.ok(forms.includes(enc.slice(lead).replaceAll('=', '')), `unpadded, alignment ${r}`);
    const core = enc.slice(lead, full);
    assert.equal(flags.get(core), (r > 0 ? EXTEND_LEFT : 0) | ((r + 14) % 3 !== 0 ? EXTEND_RIGHT : 0), `core flags, alignment ${r}`);
  }
  assert.ok(base64Forms(Buffer.from('??>>??>>')).some((f) => f.includes('_') || f.includes('-')), 'URL-safe alphabet');
});

test('URL, JSON and quoting forms', () => {
  assert.equal(percentEncode('a b/é~', true, false), 'a%20b%2F%C3%A9~');
  assert.equal(percentEncode('a b/é~', false, true), 'a+b%2f%c3%a9~');
  assert.equal(jsonEscape('é"\n', false), 'é\\"\\n');
  assert.equal(jsonEscape('é"\n🔑', true), '\\u00e9\\"\\n\\ud83d\\udd11');
  assert.equal(xmlEscape(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  const f = secretForms(`it's "x"`);
  assert.ok(f.literal.includes(`it''s "x"`));
  assert.ok(f.literal.includes(`it's \\"x\\"`));
  assert.ok(f.literal.includes(encodeURIComponent(`it's "x"`)));
});

test('multi-line value: LF and CRLF variants and each line', () => {
  const f = secretForms('first-line\r\nsecond-line\nab');
  for (const want of ['first-line\nsecond-line\nab', 'first-line\r\nsecond-line\r\nab', 'first-line', 'second-line']) {
    assert.ok(f.literal.includes(want), `has ${JSON.stringify(want)}`);
  }
  assert.ok(!f.literal.includes('ab'), 'a line shorter than 4 code points is not a value');
});

test('forms shorter than 4 code points are dropped', () => {
  const f = secretForms('abcd');
  for (const x of [...f.literal, ...f.base64]) assert.ok([...x].length >= 4);
});

test('secretsFromEnv: names, default patterns, 8-character minimum, no booleans or numbers', () => {
  const env = {
    MY_TOKEN: 'synthetic-token-1',
    TOKENIZERS_PARALLELISM: 'true',
    DB_PASSWORD: 'short',
    PORT_SECRET: '12345678',
    aws_secret_access_key: 'synthetic-aws-secret',
    PLAIN: 'named-value',
    GH_api_key: 'synthetic-api-key',
  };
  assert.deepEqual(secretsFromEnv(env, { names: ['PLAIN'] }).sort(), ['named-value', 'synthetic-api-key', 'synthetic-aws-secret', 'synthetic-token-1']);
  assert.deepEqual(secretsFromEnv(env, { patterns: ['PLAIN'] }), ['named-value']);
  assert.deepEqual(secretsFromEnv(env, { names: ['DB_PASSWORD'], patterns: [] }), ['short'], '--secret-env takes any shape');
});

test('parseSecretsFile: JSON array, JSON object (toJSON(secrets)), dotenv', () => {
  assert.deepEqual(parseSecretsFile('["a-secret", "b-secret"]'), ['a-secret', 'b-secret']);
  assert.deepEqual(parseSecretsFile('{"github_token":"gh-synthetic","NPM":"npm-synthetic"}'), ['gh-synthetic', 'npm-synthetic']);
  assert.deepEqual(
    parseSecretsFile('# comment\nexport A=one-value\nB="two\\nlines"\nC=\'single q\'\nD=plain # trailing\n\nE="multi\nline"\n'),
    ['one-value', 'two\nlines', 'single q', 'plain', 'multi\nline'],
  );
  assert.throws(() => parseSecretsFile('{not json'), (e: Error) => !e.message.includes('not json'));
  assert.throws(() => parseSecretsFile('no equals sign here'));
});

test('unescapeAddMask: %25 %0D %0A as the runner does', () => {
  assert.equal(unescapeAddMask('a%0D%0Ab%25c%250A'), 'a\r\nb%c%0A');
});

test('secretsFromEnv: the added default globs and their exclusions', () => {
  const v = 'synthetic-value-1234';
  const take = ['DB_PASS', 'MYSQL_PWD', 'STRIPE_KEY', 'DEPLOY_KEY', 'GH_PAT', 'NPM_AUTH_TOKEN', 'SMTP_PASS_PROD', 'REGISTRY_AUTH'];
  const skip = ['PWD', 'OLDPWD', 'STRIPE_PUBLISHABLE_KEY', 'SSH_PUBLIC_KEY', 'AWS_KEY_ID_X_KEY_ID', 'SIGNING_KEY_PATH', 'GPG_KEY_FILE',
    'CACHE_KEY', 'NPM_CACHE_KEY', 'GIT_AUTHOR_AUTH', 'COMPASS_X'];
  for (const name of take) assert.deepEqual(secretsFromEnv({ [name]: v }), [v], `${name} is registered`);
  for (const name of skip) assert.deepEqual(secretsFromEnv({ [name]: v }), [], `${name} is not registered`);
  // Shapes that are not secrets: short, booleans, numbers, paths, URLs without credentials.
  for (const value of ['short', 'true', '123456789', '/home/ci/.ssh/id_ed25519', './keys/deploy.pem', 'C:\\keys\\k.pem', 'https://example.com/key.pem']) {
    assert.deepEqual(secretsFromEnv({ DEPLOY_KEY: value }), [], `DEPLOY_KEY=${value.slice(0, 3)}… is skipped`);
  }
  assert.deepEqual(secretsFromEnv({ DEPLOY_KEY: 'https://u:synthetic-pw@example.com/' }), ['https://u:synthetic-pw@example.com/'], 'a URL with credentials is kept');
  assert.deepEqual(secretsFromEnv({ MY_TOKEN: 'https://hooks.example/T000/B000/synthetic' }), ['https://hooks.example/T000/B000/synthetic'], '*TOKEN* takes any shape');
});

test('parseSecretsFile accepts a UTF-8 BOM (JSON and dotenv)', () => {
  assert.deepEqual(parseSecretsFile('\ufeff["a-secret"]'), ['a-secret']);
  assert.deepEqual(parseSecretsFile('\ufeffA=one-value\n'), ['one-value']);
});

test('htmlEscapes and the urllib.parse.quote form', () => {
  assert.deepEqual(htmlEscapes('plain'), []);
  const f = secretForms(`a'b"<c>&`);
  for (const want of [`a&#x27;b&quot;&lt;c&gt;&amp;`, `a'b"&lt;c&gt;&amp;`, '&#39;', '&#x3C;', '&#x3c;']) {
    assert.ok(f.literal.some((x) => x.includes(want)), `has ${want}`);
  }
  assert.equal(percentEncode('a b/é~', true, false, '/'), 'a%20b/%C3%A9~');
  assert.ok(secretForms('x/y z-synthetic').literal.includes('x/y%20z-synthetic'));
});
