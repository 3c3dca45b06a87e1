/**
 * Precision on real code (core/value-signals.ts, core/text-context.ts, wired in the matcher): each family of false
 * positive seen on real trees is quieted by a general signal, and the real weak passwords next to them stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinConfig } from '../../src/core/config.js';
import { createScanner } from '../../src/core/scanner.js';
import { echoesName, isIdentifierShaped, isNonRandomUuid, isPlaceholderValue, longestMonotoneRun } from '../../src/core/value-signals.js';
import { PATH_DOC_EXAMPLES, PATH_TEST_FIXTURE, PATH_TYPE_DECLARATIONS, pathKind } from '../../src/core/text-context.js';

const scanner = createScanner(builtinConfig());
const rules = (text: string, file = 'config/app.env'): string[] =>
  scanner.scanBuffer(Buffer.from(text), { path: file }).map((f) => f.ruleId);

test('placeholder: only a WHOLE placeholder value counts', () => {
  for (const v of ['my_attributionToken', 'your-api-key-here', 'yourSecretToken', 'example-secret', 'foo%40bar', 'xxxxxxxxxxxx1', 'abcdefghijk', '98765432']) {
    assert.equal(isPlaceholderValue(v), true, `placeholder #${v.length}`);
  }
  for (const v of ['Secret2024!', 'Passw0rd123', 'lkLJj6KjCFkNhHSvp26kAh1E', 'example2Tq9Lm']) {
    assert.equal(isPlaceholderValue(v), false, `not a placeholder #${v.length}`);
  }
});

test('repeated and sequential runs are measured in both directions', () => {
  assert.equal(longestMonotoneRun('a1zyxwvu9'), 6);
  assert.equal(longestMonotoneRun('k2345678q'), 7);
  assert.equal(longestMonotoneRun('kq'), 1);
});

test('a value built from its own name', () => {
  assert.equal(echoesName('"attributionToken": "', 'my_attributionToken'), true);
  assert.equal(echoesName('DataLakeGen2SharedKey": "', 'DatasourceDataLakeGen2SharedKey'), false); // "datasource" is left
  assert.equal(echoesName('https://home-user:', 'home-password'), true);
  assert.equal(echoesName('machine imap login bob password ', 'bobpass'), true);
  assert.equal(echoesName('mongodb://admin:', 'Secret2024!'), false);
});

test('identifiers are not literals; random tokens are not identifiers', () => {
  for (const v of ['KMS_DisabledException', '_models.StorageAccountCredential', 'Microsoft.KeyVault/managedHsm/keys/read/action', 'S3StagingLocation', 'ServiceSpecificCredentialId']) {
    assert.equal(isIdentifierShaped(v), true, v);
  }
  for (const v of ['lkLJj6KjCFkNhHSvp26kAh1E', 'FrrNiqZVRleGmSqTrWpLxBvK', 'hunter2hunter2', '7EJOC#NcAHBzi-']) {
    assert.equal(isIdentifierShaped(v), false, `random #${v.length}`);
  }
});

test('UUIDs of versions 1, 3, 5 are identifiers; version 4 may be a key', () => {
  assert.equal(isNonRandomUuid('b70bb224-65ca-11e7-810c-ecb1d756380e'), true);
  assert.equal(isNonRandomUuid('3f0c2a9e-5b7d-4c1e-9a8f-2d6b4e0c7a13'), false);
});

test('path kinds: documentation examples, type declarations, test fixtures', () => {
  assert.ok(pathKind('aws-sdk/apis/kms-2014-11-01.examples.json') & PATH_DOC_EXAMPLES);
  assert.ok(pathKind('botocore/data/iam/2010-05-08/examples-1.json') & PATH_DOC_EXAMPLES);
  assert.ok(pathKind('build/src/apis/sts/v1.d.ts') & PATH_TYPE_DECLARATIONS);
  assert.ok(pathKind('t/t0302-credential-store.sh') & PATH_TEST_FIXTURE);
  assert.ok(pathKind('pkg/auth/client_test.go') & PATH_TEST_FIXTURE);
  assert.equal(pathKind('src/config/settings.json'), 4);
  assert.equal(pathKind('scripts/smoke-test.sh'), 0);
});

test('engine: generated API docs, enums, type annotations, minified shape names are quiet', () => {
  assert.deepEqual(rules(' *     //   "attributionToken": "my_attributionToken",\n', 'build/src/apis/retail/v2.d.ts'), []);
  assert.deepEqual(rules('    KMS_DISABLED_KEY = "KMS_DisabledException"\n', 'models/enums.py'), []);
  assert.deepEqual(rules('    def f(self, *, password: "_models.SecureString", **kw) -> None:\n', 'models/_models_py3.py'), []);
  assert.deepEqual(rules(`var a=${'x'.repeat(5000)};var s=["ServicePassword","ServiceSpecificCredentialId"];\n`, 'dist/sdk.js'), []);
  assert.deepEqual(rules('See urn:ietf:params:oauth:token-type:id_token for the token type.\n', 'README.md'), []);
});

test('engine: documentation examples (examples files, OpenAPI examples blocks) are quiet, real config is not', () => {
  const body = '{\n  "input": {\n    "ClientSecret": "q8Vd2LmX7tRz9KwP4nB6cJ3h"\n  }\n}\n';
  assert.deepEqual(rules(body, 'apis/idp-2016-04-18.examples.json'), []);
  assert.deepEqual(rules(body, 'config/idp.json'), ['generic-api-key']);
  const openapi = 'components:\n  schemas:\n    Login:\n      examples:\n        one:\n          value:\n            client_secret: q8Vd2LmX7tRz9KwP4nB6cJ3h\n';
  assert.deepEqual(rules(openapi, 'openapi.yaml'), []);
  assert.deepEqual(rules('app:\n  client_secret: q8Vd2LmX7tRz9KwP4nB6cJ3h\n', 'config.yaml'), ['generic-api-key']);
});

test('engine: URL credentials — documentation hosts and fixtures quiet, real weak passwords stay', () => {
  assert.deepEqual(rules('  url = http://login-on-proxy:passwd-on-proxy@proxy-host.com/\n', 'docs/setup.adoc'), []);
  assert.deepEqual(rules('echo https://store-user:store-password@example.com >creds\n', 't/t0302-credential-store.sh'), []);
  assert.deepEqual(rules("  'http://atpass:foo%40bar@127.0.0.1/'\n", 'url/test.js'), []);
  assert.deepEqual(rules('MONGO_URL=mongodb://admin:Secret2024!@cluster0.acme-prod.mongodb.net/app\n'), ['mongodb-uri']);
  assert.deepEqual(rules('DB=mysql://app:Passw0rd123@db.acme-prod.internal/app\n'), ['mysql-uri']);
});

test('engine: a URL without a password under an *AUTH* name is not a secret', () => {
  assert.deepEqual(rules('MONGO_NO_AUTH=mongodb://mongo.acme.internal:27017/db\nPG_AUTH="postgres://localhost/app"\n'), []);
});

test('engine: test fixtures lower the bar for generic rules only', () => {
  assert.deepEqual(rules('\tcredential=YS1naXQtdG9rZW4=\n', 't/t5563-simple-http-auth.sh'), []);
  assert.deepEqual(rules('API_TOKEN=lkLJj6KjCFkNhHSvp26kAh1E\n', 'test/fixtures/app.env'), ['generic-api-key']);
  const gh = 'ghp_' + 'Zq8Xw2Lm4Rt6Yb9Nc1Vd3Kf5Hj7Gp0S' + 'a'.repeat(0);
  // a provider token keeps its finding in a test fixture whatever its value looks like (checksum decides)
  const found = rules(`token = "${gh}"\n`, 'test/fixtures/app.env');
  assert.ok(!found.includes('generic-api-key'));
});
